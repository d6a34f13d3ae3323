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
    private final ControlTextEscape controlText;

    VocabularyTokenizer(Vocabulary vocab, ChatTemplate chatTemplate) {
        this.vocab = vocab;
        this.chatTemplate = java.util.Objects.requireNonNull(chatTemplate, "chatTemplate");
        this.specials = new SpecialMatcher(vocab);
        this.controlText = new ControlTextEscape(specials.texts());
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
        encodeFragments(text, parseSpecial, false, out);
        if (addSpecial && special.addEos() && special.eos() >= 0) {
            out.add(special.eos());
        }
        return out.toArray();
    }

    /** Special tokens where allowed, the text between them as text ({@code escaped}: with the marks of {@link ControlTextEscape} taken out). */
    private void encodeFragments(String text, boolean parseSpecial, boolean escaped, IntList out) {
        boolean afterSpecial = true;
        for (SpecialMatcher.Fragment fragment : specials.split(Text.clean(text), parseSpecial)) {
            if (fragment.token() >= 0) {
                out.add(fragment.token());
                afterSpecial = true;
            } else {
                encodeText(escaped ? ControlTextEscape.unescape(fragment.text()) : fragment.text(), afterSpecial, out);
                afterSpecial = false;
            }
        }
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
     * The control tokens the template writes become control tokens; control-token text inside
     * the messages stays text (see {@link ControlTextEscape}), unlike llama.cpp's server and
     * transformers' {@code apply_chat_template}, where a user who writes {@code <|eot_id|>} ends
     * their turn. BOS follows the vocabulary unless the template wrote it; EOS is never added
     * (the prompt ends where the model is to go on).
     */
    @Override
    public final int[] encodeChat(List<ChatMessage> messages) {
        String prompt = chatTemplate.render(messages.stream().map(controlText::escape).toList(), true);
        SpecialTokens special = vocab.special;
        IntList tokens = new IntList();
        encodeFragments(prompt, true, true, tokens);
        int[] ids = tokens.toArray();
        boolean addBos = special.addBos() && special.bos() >= 0 && (ids.length == 0 || ids[0] != special.bos());
        if (!addBos) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = special.bos();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
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
