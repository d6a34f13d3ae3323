package trit.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import trit.api.chat.ChatMessage;
import trit.api.tokenizer.ChatTemplate;
import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.StreamingDecoder;
import trit.api.tokenizer.Tokenizer;

/**
 * What both tokenizers share: the vocabulary, BOS and EOS as it says, special tokens split off
 * only when the caller allows it, decoding through each token's bytes. Subclasses say how plain
 * text becomes tokens and which bytes a token stands for.
 */
abstract class VocabularyTokenizer implements Tokenizer {

    final Vocabulary vocab;
    final ChatTemplate chatTemplate;
    private final SpecialMatcher specials;

    VocabularyTokenizer(Vocabulary vocab, ChatTemplate chatTemplate) {
        this.vocab = vocab;
        this.chatTemplate = java.util.Objects.requireNonNull(chatTemplate, "chatTemplate");
        this.specials = new SpecialMatcher(vocab);
    }

    /** Appends the tokens of plain text; {@code afterSpecial} when it starts the input or follows a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** The bytes {@code token} stands for (already checked to be in the vocabulary). */
    abstract byte[] tokenBytes(int token);

    @Override
    public final int vocabularySize() {
        return vocab.size();
    }

    @Override
    public final SpecialTokens specialTokens() {
        return vocab.special;
    }

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        SpecialTokens special = vocab.special;
        if (addSpecial && special.addBos() && special.bos() >= 0) {
            out.add(special.bos());
        }
        boolean afterSpecial = true;
        for (SpecialMatcher.Fragment fragment : specials.split(Text.clean(text), parseSpecial)) {
            if (fragment.token() >= 0) {
                out.add(fragment.token());
                afterSpecial = true;
            } else {
                encodeText(fragment.text(), afterSpecial, out);
                afterSpecial = false;
            }
        }
        if (addSpecial && special.addEos() && special.eos() >= 0) {
            out.add(special.eos());
        }
        return out.toArray();
    }

    /** Control tokens decode to nothing; everything else to its bytes, the text then as UTF-8. */
    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int token : tokens) {
            if (!vocab.isControl(checked(token))) {
                out.writeBytes(tokenBytes(token));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public final ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * The rendered prompt is the template's text, control tokens and all: it is encoded with
     * special tokens recognised. Message contents pass through the template as text, so a user
     * who writes {@code <|eot_id|>} does get the control token here, as with llama.cpp and
     * transformers' {@code apply_chat_template}. BOS follows the vocabulary unless the template
     * wrote it; EOS is never added (the prompt ends where the model is to go on).
     */
    @Override
    public final int[] encodeChat(List<ChatMessage> messages) {
        String prompt = chatTemplate.render(messages, true);
        SpecialTokens special = vocab.special;
        int[] tokens = encode(prompt, false, true);
        boolean addBos = special.addBos() && special.bos() >= 0 && (tokens.length == 0 || tokens[0] != special.bos());
        if (!addBos) {
            return tokens;
        }
        int[] withBos = new int[tokens.length + 1];
        withBos[0] = special.bos();
        System.arraycopy(tokens, 0, withBos, 1, tokens.length);
        return withBos;
    }

    @Override
    public final String piece(int token) {
        return vocab.tokens[checked(token)];
    }

    @Override
    public final StreamingDecoder newStreamingDecoder() {
        return new Utf8Stream(token -> tokenBytes(checked(token)));
    }

    final int checked(int token) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + vocab.size());
        }
        return token;
    }

    /** A growable int array: encoding allocates one, not a box per token. */
    static final class IntList {
        private int[] values = new int[64];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(int[] vs) {
            for (int v : vs) {
                add(v);
            }
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
