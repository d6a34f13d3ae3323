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
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.Tokenizer;
import trit.launcher.Main.LaunchException;
import trit.tokenizer.Tokenizers;

/**
 * {@code trit tokenize}: the ids a vocabulary gives a text, to check tokenization; {@code --jsonl}
 * reads one JSON string per line from standard input and prints one {@code {"ids":[…]}} per line;
 * {@code --chat} renders a conversation with the model's chat template and prints the prompt and
 * its ids, as the server would encode it.
 */
final class TokenizeCommand {

    static final String USAGE = """
            Usage: runtime/trit tokenize --vocab FILE (a GGUF or a tokenizer.json) [--special] [--add-bos | --no-bos]
                                         (--text TEXT | --file FILE | --jsonl) [--json]
                   runtime/trit tokenize --vocab FILE --chat MESSAGES [--json]
                     MESSAGES: a JSON array of {"role": "system"|"user"|"assistant"|..., "content": "..."}; prints
                     the prompt the model's chat template renders (with the generation prompt), then its ids
                     (the template's control tokens recognised, control-token text in messages kept as text,
                     BOS as the vocabulary says unless the template wrote it)
            """;

    record Options(Path vocab, String text, Path file, boolean jsonl, Path chat, boolean special, Boolean bos, boolean json) {

        static Options parse(String[] args) {
            ToolArgs tool = new ToolArgs("tokenize", args);
            Path vocab = null;
            String text = null;
            Path file = null;
            boolean jsonl = false;
            Path chat = null;
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
                    case "--chat" -> chat = Path.of(tool.value(++i));
                    case "--special" -> special = true;
                    case "--add-bos", "--no-bos" -> {
                        if (bos != null && bos != a.equals("--add-bos")) {
                            throw tool.usage("--add-bos and --no-bos contradict each other");
                        }
                        bos = a.equals("--add-bos");
                    }
                    case "--json" -> json = true;
                    default -> throw tool.usage("unknown option '" + a + "'");
                }
            }
            if (vocab == null) {
                throw tool.usage("--vocab FILE is required");
            }
            if ((text != null ? 1 : 0) + (file != null ? 1 : 0) + (jsonl ? 1 : 0) + (chat != null ? 1 : 0) != 1) {
                throw tool.usage("give exactly one of --text, --file, --jsonl and --chat");
            }
            if (chat != null && (special || bos != null)) {
                throw tool.usage("--chat encodes as the server does: --special, --add-bos and --no-bos do not apply");
            }
            return new Options(vocab, text, file, jsonl, chat, special, bos, json);
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
            if (options.chat() != null) {
                return chat(tokenizer, json);
            }
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
                out.println(withIdsAndPieces(json.createObjectNode(), tokenizer, ids));
            } else {
                out.println(commaSeparated(ids));
            }
            return 0;
        } catch (IOException e) {
            throw new LaunchException("tokenize: " + e.getMessage(), e);
        }
    }

    /** --chat: the rendered prompt, then its ids; with --json one object with both (and the template's name and the pieces). */
    private int chat(Tokenizer tokenizer, ObjectMapper json) throws IOException {
        List<ChatMessage> messages = ChatFile.read(options.chat(), json);
        String prompt;
        int[] ids;
        try {
            prompt = tokenizer.chatTemplate().render(messages, true);
            ids = tokenizer.encodeChat(messages);
        } catch (IllegalArgumentException e) {
            throw new LaunchException("tokenize: " + e.getMessage(), e);
        }
        if (options.json()) {
            ObjectNode result = json.createObjectNode();
            result.put("template", tokenizer.chatTemplate().name());
            result.put("prompt", prompt);
            out.println(withIdsAndPieces(result, tokenizer, ids));
        } else {
            out.println(prompt);
            out.println(commaSeparated(ids));
        }
        return 0;
    }

    private static ObjectNode withIdsAndPieces(ObjectNode result, Tokenizer tokenizer, int[] ids) {
        Arrays.stream(ids).forEach(result.putArray("ids")::add);
        Arrays.stream(ids).mapToObj(tokenizer::piece).forEach(result.putArray("pieces")::add);
        return result;
    }

    private static String commaSeparated(int[] ids) {
        return Arrays.toString(ids).replaceAll("[\\[\\] ]", "");
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
