package trit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.kernel.TernaryKernel;
import trit.api.tokenizer.Tokenizer;
import trit.bitnet.BitnetModel;
import trit.bitnet.ForwardPass;
import trit.bitnet.Session;
import trit.gguf.GgufFile;
import trit.launcher.Main.LaunchException;
import trit.tokenizer.Tokenizers;

/**
 * {@code trit eval}: evaluates a model token by token (bitnet.cpp's {@code seq} numerics), greedy,
 * printing the top-K logits at every prompt position and generation step, then the generated
 * ids: how a user checks a model file and compares Trit with bitnet.cpp.
 */
final class EvalCommand {

    static final String USAGE = """
            Usage: runtime/trit eval --model FILE (--tokens 1,450,... | --prompt TEXT) [--n-predict N]
                                     [--top-logits K] [--json] [--threads N] [--kernel vector|scalar] [--verbose]
            """;

    record Options(Path model, int[] tokens, String prompt, int nPredict, int topLogits, boolean json, int threads,
                   String kernel) {

        static Options parse(String[] args) {
            ToolArgs tool = new ToolArgs("eval", args);
            Path model = null;
            int[] tokens = null;
            String prompt = null;
            int nPredict = 32;
            int top = 10;
            boolean json = false;
            int threads = 0;
            String kernel = "vector";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--model" -> model = Path.of(tool.value(++i));
                    case "--tokens" -> tokens = tokenList(tool, tool.value(++i));
                    case "--prompt" -> prompt = tool.value(++i);
                    case "--n-predict" -> nPredict = tool.number(++i, 0, 1 << 20);
                    case "--top-logits" -> top = tool.number(++i, 1, 1000);
                    case "--threads" -> threads = tool.number(++i, 0, 1024);
                    case "--kernel" -> kernel = tool.kernelName(++i);
                    case "--json" -> json = true;
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (model == null) {
                throw tool.usage("--model FILE is required");
            }
            if ((tokens == null) == (prompt == null)) {
                throw tool.usage("give exactly one of --tokens and --prompt");
            }
            return new Options(model, tokens, prompt, nPredict, top, json, threads, kernel);
        }

        private static int[] tokenList(ToolArgs tool, String text) {
            try {
                int[] ids = Arrays.stream(text.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
                if (ids.length == 0) {
                    throw new NumberFormatException();
                }
                return ids;
            } catch (NumberFormatException e) {
                throw tool.usage("--tokens must be comma-separated token ids, was '" + text + "'");
            }
        }

    }

    private final Options options;
    private final PrintStream out;

    EvalCommand(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    int run() {
        if (!Files.isRegularFile(options.model())) {
            throw new LaunchException("eval: no model file at " + options.model(), null);
        }
        long loadStart = System.nanoTime();
        try (ToolArgs.Kernel owned = ToolArgs.Kernel.open(options.kernel(), options.threads());
             GgufFile gguf = GgufFile.open(options.model()); BitnetModel model = BitnetModel.load(gguf)) {
            TernaryKernel kernel = owned.kernel();
            System.err.printf("loaded %s (%s, %d layers, n_embd %d) in %.2f s with the %s kernel (%d threads); %s%n",
                    options.model().getFileName(), model.config().architecture().ggufName(), model.config().layers(),
                    model.config().embedding(), (System.nanoTime() - loadStart) / 1e9, kernel.name(), kernel.threads(),
                    memory());
            Tokenizer tokenizer = options.prompt() != null || gguf.has("tokenizer.ggml.model") ? Tokenizers.fromGguf(gguf) : null;
            int[] prompt = options.tokens() != null ? options.tokens() : tokenizer.encode(options.prompt(), true, false);
            int context = prompt.length + options.nPredict();
            ToolArgs.warnBeyondTrainedContext("eval", model.config(), context);
            Session session = new Session(model.config(), context);
            ForwardPass pass = new ForwardPass(model, () -> kernel);
            List<float[][]> promptTop = new ArrayList<>();
            float[] logits = null;
            long promptStart = System.nanoTime();
            long firstToken = 0;
            for (int token : prompt) {
                logits = pass.step(session, token);
                firstToken = firstToken == 0 ? System.nanoTime() - promptStart : firstToken;
                promptTop.add(top(logits, options.topLogits()));
            }
            long promptNanos = System.nanoTime() - promptStart;
            long generationStart = System.nanoTime();
            List<Integer> generated = new ArrayList<>();
            List<float[][]> stepTop = new ArrayList<>();
            for (int step = 0; step < options.nPredict(); step++) {
                int next = argmax(logits);
                generated.add(next);
                if (step == options.nPredict() - 1) {
                    break;
                }
                logits = pass.step(session, next);
                stepTop.add(top(logits, options.topLogits()));
            }
            long generationNanos = System.nanoTime() - generationStart;
            System.err.printf("prompt: %d tokens in %.2f s (the first, which prepares the weights for the kernel: %.2f s);"
                    + " generation: %d tokens in %.2f s, %.1f tokens/s%n", prompt.length, promptNanos / 1e9, firstToken / 1e9,
                    stepTop.size(), generationNanos / 1e9, stepTop.size() / (generationNanos / 1e9));
            String text = tokenizer == null ? null : tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
            print(prompt, promptTop, generated, stepTop, text);
            System.err.println("done; " + memory());
            return 0;
        } catch (IOException e) {
            throw new LaunchException("eval: " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new LaunchException("eval: " + e.getMessage(), e);
        }
    }

    private void print(int[] prompt, List<float[][]> promptTop, List<Integer> generated, List<float[][]> stepTop, String text) {
        if (options.json()) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            ArrayNode ids = root.putArray("prompt_ids");
            Arrays.stream(prompt).forEach(ids::add);
            root.set("prompt_positions_top", tops(json, promptTop));
            ArrayNode gen = root.putArray("generated_ids");
            generated.forEach(gen::add);
            root.set("generation_steps_top", tops(json, stepTop));
            root.put("text", text);
            out.println(root);
            return;
        }
        for (int i = 0; i < prompt.length; i++) {
            out.println("prompt " + i + " (token " + prompt[i] + "): " + describe(promptTop.get(i)));
        }
        for (int i = 0; i < stepTop.size(); i++) {
            out.println("step " + i + " (token " + generated.get(i) + "): " + describe(stepTop.get(i)));
        }
        out.println("generated ids: " + generated);
        if (text != null) {
            out.println("text: " + text);
        }
    }

    private static ArrayNode tops(ObjectMapper json, List<float[][]> tops) {
        ArrayNode all = json.createArrayNode();
        for (float[][] top : tops) {
            ArrayNode entry = all.addArray();
            for (float[] pair : top) {
                entry.addArray().add((int) pair[0]).add(pair[1]);
            }
        }
        return all;
    }

    private static String describe(float[][] top) {
        StringBuilder s = new StringBuilder();
        for (float[] pair : top) {
            s.append(s.isEmpty() ? "" : " ").append('[').append((int) pair[0]).append(", ")
                    .append(String.format("%.6f", pair[1])).append(']');
        }
        return s.toString();
    }

    /** The {@code k} largest logits as {@code [id, logit]}, best first (lower id first on ties). */
    static float[][] top(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] best = new int[n];
        int count = 0;
        for (int i = 0; i < logits.length; i++) {
            int at = count;
            while (at > 0 && logits[i] > logits[best[at - 1]]) {
                at--;
            }
            if (at < n) {
                System.arraycopy(best, at, best, at + 1, Math.min(count, n - 1) - at);
                best[at] = i;
                count = Math.min(count + 1, n);
            }
        }
        float[][] result = new float[count][];
        for (int i = 0; i < count; i++) {
            result[i] = new float[] {best[i], logits[best[i]]};
        }
        return result;
    }

    /** Resident memory now and at its peak, from /proc (Linux); what else where there is none. */
    static String memory() {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            String rss = status.stream().filter(l -> l.startsWith("VmRSS:")).findFirst().orElse("VmRSS: ?");
            String peak = status.stream().filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("VmHWM: ?");
            return "resident " + mib(rss) + " MiB, peak " + mib(peak) + " MiB";
        } catch (IOException | RuntimeException e) {
            Runtime rt = Runtime.getRuntime();
            return "heap used " + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB";
        }
    }

    private static String mib(String procLine) {
        String[] parts = procLine.trim().split("\\s+");
        return parts.length >= 2 && parts[1].matches("\\d+") ? Long.toString(Long.parseLong(parts[1]) / 1024) : "?";
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
