package trit.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.Tokenizer;
import trit.launcher.Main.LaunchException;
import trit.tokenizer.Tokenizers;

/**
 * {@code trit tokenize}: the ids a vocabulary gives a text, to check tokenization; {@code --jsonl}
 * reads one JSON string per line from standard input and prints one {@code {"ids":[…]}} per line.
 */
final class TokenizeCommand {

    static final String USAGE = """
            Usage: runtime/trit tokenize --vocab FILE (a GGUF or a tokenizer.json) [--special] [--add-bos | --no-bos]
                                         (--text TEXT | --file FILE | --jsonl) [--json]
            """;

    record Options(Path vocab, String text, Path file, boolean jsonl, boolean special, Boolean bos, boolean json) {

        static Options parse(String[] args) {
            ToolArgs tool = new ToolArgs("tokenize", args);
            Path vocab = null;
            String text = null;
            Path file = null;
            boolean jsonl = false;
            boolean special = false;
            Boolean bos = null;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--vocab" -> vocab = Path.of(tool.value(++i));
                    case "--text" -> text = tool.value(++i);
                    case "--file" -> file = Path.of(tool.value(++i));
                    case "--jsonl" -> jsonl = true;
                    case "--special" -> special = true;
                    case "--add-bos" -> bos = true;
                    case "--no-bos" -> bos = false;
                    case "--json" -> json = true;
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (vocab == null) {
                throw tool.usage("--vocab FILE is required");
            }
            if ((text != null ? 1 : 0) + (file != null ? 1 : 0) + (jsonl ? 1 : 0) != 1) {
                throw tool.usage("give exactly one of --text, --file and --jsonl");
            }
            return new Options(vocab, text, file, jsonl, special, bos, json);
        }

    }

    private final Options options;
    private final InputStream in;
    private final PrintStream out;

    TokenizeCommand(Options options, InputStream in, PrintStream out) {
        this.options = options;
        this.in = in;
        this.out = out;
    }

    int run() {
        if (!Files.isRegularFile(options.vocab())) {
            throw new LaunchException("tokenize: no vocabulary file at " + options.vocab(), null);
        }
        try {
            Tokenizer tokenizer = Tokenizers.open(options.vocab());
            ObjectMapper json = new ObjectMapper();
            if (options.jsonl()) {
                BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    ObjectNode result = json.createObjectNode();
                    Arrays.stream(encode(tokenizer, json.readValue(line, String.class))).forEach(result.putArray("ids")::add);
                    out.println(result);
                }
                return 0;
            }
            String text = options.text() != null ? options.text() : Files.readString(options.file());
            int[] ids = encode(tokenizer, text);
            if (options.json()) {
                ObjectNode result = json.createObjectNode();
                Arrays.stream(ids).forEach(result.putArray("ids")::add);
                Arrays.stream(ids).mapToObj(tokenizer::piece).forEach(result.putArray("pieces")::add);
                out.println(result);
            } else {
                out.println(Arrays.toString(ids).replaceAll("[\\[\\] ]", ""));
            }
            return 0;
        } catch (IOException e) {
            throw new LaunchException("tokenize: " + e.getMessage(), e);
        }
    }

    /** BOS and EOS as the vocabulary says, unless --add-bos or --no-bos overrides BOS. */
    private int[] encode(Tokenizer tokenizer, String text) {
        SpecialTokens special = tokenizer.specialTokens();
        int[] ids = tokenizer.encode(text, false, options.special());
        boolean bos = options.bos() != null ? options.bos() : special.addBos();
        int[] result = ids;
        if (bos && special.bos() >= 0) {
            result = new int[ids.length + 1];
            result[0] = special.bos();
            System.arraycopy(ids, 0, result, 1, ids.length);
        }
        if (special.addEos() && special.eos() >= 0) {
            result = Arrays.copyOf(result, result.length + 1);
            result[result.length - 1] = special.eos();
        }
        return result;
    }
}
