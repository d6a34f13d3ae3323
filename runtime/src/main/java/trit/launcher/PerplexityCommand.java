package trit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import trit.api.kernel.TernaryKernel;
import trit.api.tokenizer.Tokenizer;
import trit.bitnet.BitnetModel;
import trit.bitnet.ForwardPass;
import trit.bitnet.Session;
import trit.gguf.GgufFile;
import trit.launcher.Main.LaunchException;
import trit.tokenizer.Tokenizers;

/**
 * {@code trit perplexity}, by llama-perplexity's method: the text is tokenized (with BOS), cut into
 * chunks of {@code --ctx} tokens, each chunk evaluated on a fresh context with its first token
 * replaced by BOS, and only the second half of each chunk scored (those tokens have at least
 * ctx/2 tokens of context), with log-softmax in double.
 */
final class PerplexityCommand {

    record Options(Path model, Path file, int ctx, int chunks, int threads, String kernel) {

        static Options parse(String[] args) {
            ToolArgs tool = new ToolArgs("perplexity", args);
            Path model = null;
            Path file = null;
            int ctx = 128;
            int chunks = Integer.MAX_VALUE;
            int threads = 0;
            String kernel = "vector";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--model" -> model = Path.of(tool.value(++i));
                    case "--file" -> file = Path.of(tool.value(++i));
                    case "--ctx" -> ctx = tool.number(++i, 4, 1 << 20);
                    case "--chunks" -> chunks = tool.number(++i, 1, Integer.MAX_VALUE);
                    case "--threads" -> threads = tool.number(++i, 0, 1024);
                    case "--kernel" -> kernel = tool.kernelName(++i);
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (model == null || file == null) {
                throw tool.usage("--model FILE and --file TEXT are required");
            }
            return new Options(model, file, ctx, chunks, threads, kernel);
        }

    }

    private final Options options;
    private final PrintStream out;

    PerplexityCommand(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    int run() {
        for (Path p : new Path[] {options.model(), options.file()}) {
            if (!Files.isRegularFile(p)) {
                throw new LaunchException("perplexity: no file at " + p, null);
            }
        }
        try (ToolArgs.Kernel owned = ToolArgs.Kernel.open(options.kernel(), options.threads());
             GgufFile gguf = GgufFile.open(options.model()); BitnetModel model = BitnetModel.load(gguf)) {
            TernaryKernel kernel = owned.kernel();
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            int[] tokens = tokenizer.encode(Files.readString(options.file()), true, false);
            int ctx = options.ctx();
            ToolArgs.warnBeyondTrainedContext("perplexity", model.config(), ctx);
            int chunks = Math.min(options.chunks(), tokens.length / ctx);
            if (chunks < 1) {
                throw new LaunchException("perplexity: the text has " + tokens.length + " tokens, fewer than one chunk of --ctx "
                        + ctx, null);
            }
            System.err.printf("perplexity: %d tokens, %d chunks of %d, scoring the second half of each%n",
                    tokens.length, chunks, ctx);
            ForwardPass pass = new ForwardPass(model, () -> kernel);
            int bos = tokenizer.specialTokens().bos();
            double nll = 0;
            double nll2 = 0;
            long count = 0;
            StringBuilder running = new StringBuilder();
            for (int c = 0; c < chunks; c++) {
                Session session = new Session(model.config(), ctx);
                int start = c * ctx;
                for (int j = 0; j < ctx - 1; j++) {
                    int token = j == 0 && bos >= 0 ? bos : tokens[start + j];
                    float[] logits = pass.step(session, token);
                    if (j >= ctx / 2) {
                        double logProbability = logSoftmax(logits, tokens[start + j + 1]);
                        nll -= logProbability;
                        nll2 += logProbability * logProbability;
                        count++;
                    }
                }
                running.append(String.format("[%d]%.4f,", c + 1, Math.exp(nll / count)));
                out.println(running);
            }
            double mean = nll / count;
            double ppl = Math.exp(mean);
            double variance = nll2 / count - mean * mean;
            double error = count > 1 && variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : 0;
            out.printf("Final estimate: PPL = %.4f +/- %.5f%n", ppl, error);
            return 0;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new LaunchException("perplexity: " + e.getMessage(), e);
        }
    }

    /** log softmax(logits)[target] in double: {@code l_t − max − log Σ exp(l_i − max)}. */
    static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
