package trit.tokenizer;

import java.util.HashMap;
import java.util.Map;

import trit.api.tokenizer.SpecialTokens;

/**
 * A vocabulary as both tokenizers need it: token texts, their ids, their kinds (llama.cpp's
 * token types) and the special token ids.
 */
final class Vocabulary {

    /** llama.cpp's token types. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    final String[] tokens;
    final int[] types;
    final Map<String, Integer> ids;
    final SpecialTokens special;
    /** The unknown token (for characters nothing else covers), or 0 when the vocabulary has none. */
    final int unknown;

    Vocabulary(String[] tokens, int[] types, SpecialTokens special) {
        this.tokens = tokens;
        this.types = types;
        this.special = special;
        this.ids = HashMap.newHashMap(tokens.length);
        int unk = -1;
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
            if (unk < 0 && types[i] == UNKNOWN) {
                unk = i;
            }
        }
        this.unknown = Math.max(unk, 0);
    }

    private Vocabulary(Vocabulary vocab, SpecialTokens special) {
        this.tokens = vocab.tokens;
        this.types = vocab.types;
        this.ids = vocab.ids;
        this.unknown = vocab.unknown;
        this.special = special;
    }

    /** The same vocabulary with other special tokens (its id map is shared, not built again). */
    Vocabulary withSpecial(SpecialTokens special) {
        return new Vocabulary(this, special);
    }

    int size() {
        return tokens.length;
    }

    /** The id of this text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    boolean isControl(int id) {
        return types[id] == CONTROL;
    }

    /** Tokens that only the caller may produce from text ({@code parseSpecial}): control and user-defined ones. */
    boolean isSpecial(int id) {
        return types[id] == CONTROL || types[id] == USER_DEFINED;
    }
}
