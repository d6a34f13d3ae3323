package trit.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

import trit.api.tokenizer.ChatTemplate;


/**
 * LLaMA's SentencePiece BPE (the 1bitLLM bitnet_b1_58 vocabulary), as llama.cpp runs it: spaces
 * become {@code ▁} and the text gets a leading one; characters are merged pairwise, always the
 * pair whose merged piece has the highest score (leftmost on ties); a character that no piece
 * covers falls back to its UTF-8 bytes as {@code <0xNN>} tokens.
 */
final class SentencePieceTokenizer extends VocabularyTokenizer {

    private static final String SPACE = "\u2581";

    private final float[] scores;
    private final boolean addSpacePrefix;
    private final int[] byteTokens = new int[256];
    /**
     * Whether merging may run word by word: true when no piece has a ▁ after another character,
     * so that no merge can cross the start of a ▁ run and splitting there changes nothing.
     */
    private final boolean wordwise;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 1 << 16;

    SentencePieceTokenizer(Vocabulary vocab, float[] scores, boolean addSpacePrefix, ChatTemplate chatTemplate) {
        this(vocab, scores, addSpacePrefix, chatTemplate, true);
    }

    /** With {@code splitWords} false, every text is merged as one span (the definition word-wise merging must equal). */
    SentencePieceTokenizer(Vocabulary vocab, float[] scores, boolean addSpacePrefix, ChatTemplate chatTemplate, boolean splitWords) {
        super(vocab, chatTemplate);
        this.scores = scores;
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        }
        boolean crossing = false;
        for (String token : vocab.tokens) {
            int at = token.indexOf(SPACE, 1);
            while (at > 0 && !crossing) {
                crossing = token.charAt(at - 1) != SPACE.charAt(0);
                at = token.indexOf(SPACE, at + 1);
            }
        }
        this.wordwise = splitWords && !crossing;
    }

    /** The same tokenizer merging whole texts at once. */
    SentencePieceTokenizer wholeText() {
        return new SentencePieceTokenizer(vocab, scores, addSpacePrefix, chatTemplate, false);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        if (text.isEmpty()) {
            return; // llama.cpp has no fragment for empty text: no space prefix either
        }
        // As llama.cpp: text at the start or right after a special token gets the leading space.
        encodeEscaped(afterSpecial && addSpacePrefix ? " " + text : text, out);
    }

    /** One symbol of the merge: a span of the text, linked to its neighbours. */
    private static final class Symbol {
        int start;
        int length;
        int prev;
        int next;
    }

    private record Bigram(int left, int right, float score, int length) {
    }

    private void encodeEscaped(String raw, IntList out) {
        if (raw.isEmpty()) {
            return;
        }
        String text = raw.replace(" ", SPACE);
        if (!wordwise) {
            merge(text, out);
            return;
        }
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == SPACE.charAt(0) && text.charAt(i - 1) != SPACE.charAt(0)) {
                String word = text.substring(start, i);
                int[] cached = cache.get(word);
                if (cached == null) {
                    IntList ids = new IntList();
                    merge(word, ids);
                    cached = ids.toArray();
                    if (cache.size() >= CACHE_LIMIT) {
                        cache.clear();
                    }
                    cache.put(word, cached);
                }
                out.addAll(cached);
                start = i;
            }
        }
    }

    /** The score-ordered pairwise merge of one span of escaped text. */
    private void merge(String text, IntList out) {
        List<Symbol> symbols = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            Symbol s = new Symbol();
            s.start = i;
            s.length = Character.charCount(text.codePointAt(i));
            s.prev = symbols.size() - 1;
            s.next = i + s.length < text.length() ? symbols.size() + 1 : -1;
            symbols.add(s);
            i += s.length;
        }
        PriorityQueue<Bigram> agenda = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < symbols.size(); i++) {
            tryAdd(text, symbols, i - 1, i, agenda);
        }
        while (!agenda.isEmpty()) {
            Bigram bigram = agenda.poll();
            Symbol left = symbols.get(bigram.left);
            Symbol right = symbols.get(bigram.right);
            if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
                continue; // one side was merged since
            }
            left.length += right.length;
            right.length = 0;
            left.next = right.next;
            if (right.next >= 0) {
                symbols.get(right.next).prev = bigram.left;
            }
            tryAdd(text, symbols, left.prev, bigram.left, agenda);
            tryAdd(text, symbols, bigram.left, left.next, agenda);
        }
        for (int i = 0; i >= 0 && i < symbols.size(); i = symbols.get(i).next) {
            Symbol s = symbols.get(i);
            String piece = text.substring(s.start, s.start + s.length);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteToken = byteTokens[b & 0xFF];
                    out.add(byteToken >= 0 ? byteToken : vocab.unknown);
                }
            }
        }
    }

    private void tryAdd(String text, List<Symbol> symbols, int left, int right, PriorityQueue<Bigram> agenda) {
        if (left < 0 || right < 0) {
            return;
        }
        Symbol l = symbols.get(left);
        Symbol r = symbols.get(right);
        String merged = text.substring(l.start, l.start + l.length + r.length);
        int id = vocab.id(merged);
        if (id >= 0) {
            agenda.add(new Bigram(left, right, scores[id], l.length + r.length));
        }
    }

    /** As the base, and without the leading space that encoding added. */
    @Override
    public String decode(int[] tokens) {
        String text = super.decode(tokens);
        return addSpacePrefix && text.startsWith(" ") ? text.substring(1) : text;
    }

    /** The bytes a token stands for: a byte token its byte, a piece its text with ▁ as space. */
    @Override
    byte[] tokenBytes(int token) {
        return switch (vocab.types[token]) {
            case Vocabulary.BYTE -> new byte[] {(byte) Integer.parseInt(vocab.tokens[token].substring(3, 5), 16)};
            case Vocabulary.CONTROL -> new byte[0];
            case Vocabulary.UNKNOWN -> " \u2047 ".getBytes(StandardCharsets.UTF_8);
            default -> vocab.tokens[token].replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
        };
    }

}
