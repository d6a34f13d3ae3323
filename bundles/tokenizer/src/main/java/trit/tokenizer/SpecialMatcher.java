package trit.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits text around the texts of special tokens ({@code <|eot_id|>}, {@code </s>} ...), only when
 * the caller allows it: user content must not be able to produce control tokens.
 */
final class SpecialMatcher {

    /** Either a special token ({@code token >= 0}) or plain text. */
    record Fragment(String text, int token) {
    }

    private final List<String> texts = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();

    SpecialMatcher(Vocabulary vocab) {
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            if (vocab.isSpecial(i) && !vocab.tokens[i].isEmpty()) {
                special.add(i);
            }
        }
        special.sort(Comparator.comparingInt((Integer i) -> -vocab.tokens[i].length())); // longest first
        for (int id : special) {
            texts.add(vocab.tokens[id]);
            ids.add(id);
        }
    }

    /** The texts of the special tokens, longest first. */
    List<String> texts() {
        return List.copyOf(texts);
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        if (!parseSpecial || texts.isEmpty()) {
            out.add(new Fragment(text, -1));
            return out;
        }
        int from = 0;
        while (from < text.length()) {
            int best = -1;
            int at = text.length();
            for (int s = 0; s < texts.size(); s++) {
                int i = text.indexOf(texts.get(s), from);
                if (i >= 0 && i < at) { // ties keep the earlier, longer candidate
                    at = i;
                    best = s;
                }
            }
            if (best < 0) {
                break;
            }
            if (at > from) {
                out.add(new Fragment(text.substring(from, at), -1));
            }
            out.add(new Fragment(texts.get(best), ids.get(best)));
            from = at + texts.get(best).length();
        }
        if (from < text.length()) {
            out.add(new Fragment(text.substring(from), -1));
        }
        return out;
    }
}
