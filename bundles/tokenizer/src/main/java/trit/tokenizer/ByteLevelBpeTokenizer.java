package trit.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import trit.api.tokenizer.ChatTemplate;


/**
 * Byte-level BPE as LLaMA-3 (and BitNet-b1.58-2B-4T) uses it: the pre-tokenizer regex splits the
 * text into words (Unicode letter and number classes), each word's UTF-8 bytes are mapped to
 * printable characters (GPT-2's byte-to-unicode table), a word that is itself a token is taken
 * whole, and otherwise adjacent pieces are merged, lowest merge rank first.
 */
final class ByteLevelBpeTokenizer extends VocabularyTokenizer {

    /** LLaMA-3's pre-tokenizer ({@code tokenizer.ggml.pre = llama-bpe}). */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Words whose merges are remembered; beyond it the cache starts over, so it cannot grow without bound. */
    private static final int CACHE_LIMIT = 1 << 16;

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private final Pattern pretokenizer;
    /** LLaMA-3's pattern runs as {@link Llama3Splitter}, which splits exactly as the regex does. */
    private final boolean llama3;
    /** (left id, right id) → merge rank in the high half, merged id in the low half. */
    private final MergeTable merges;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges "left right" pairs in rank order
     */
    ByteLevelBpeTokenizer(Vocabulary vocab, String[] merges, String pattern, boolean ignoreMerges, ChatTemplate chatTemplate) {
        super(vocab, chatTemplate);
        this.pretokenizer = Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
        this.llama3 = pattern.equals(LLAMA3_PATTERN);
        this.ignoreMerges = ignoreMerges;
        this.merges = new MergeTable(merges.length);
        // Looking up the pieces of 280k merges is most of a LLaMA-3 load: done in parallel, then
        // the table is filled in rank order (the lowest rank of a pair wins) and the first bad
        // merge, if any, is reported.
        int[] left = new int[merges.length];
        int[] right = new int[merges.length];
        int[] merged = new int[merges.length];
        java.util.stream.IntStream.range(0, merges.length).parallel().forEach(rank -> {
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1);
            left[rank] = space < 0 ? -2 : vocab.id(merge.substring(0, space));
            right[rank] = space < 0 ? -2 : vocab.id(merge.substring(space + 1));
            merged[rank] = space < 0 ? -2 : vocab.id(merge.substring(0, space).concat(merge.substring(space + 1)));
        });
        for (int rank = 0; rank < merges.length; rank++) {
            if (left[rank] == -2) {
                throw new IllegalArgumentException("merges[" + rank + "]: '" + merges[rank] + "' is not two pieces separated by a space");
            }
            if (left[rank] < 0 || right[rank] < 0 || merged[rank] < 0) {
                throw new IllegalArgumentException("merges[" + rank + "]: '" + merges[rank] + "' names a piece that is not in the vocabulary");
            }
            this.merges.putIfAbsent(left[rank], right[rank], ((long) rank << 32) | merged[rank]);
        }
        for (int b = 0; b < 256; b++) {
            if (vocab.id(String.valueOf(BYTE_TO_CHAR[b])) < 0) {
                throw new IllegalArgumentException("tokens: the byte-level vocabulary has no token for byte " + b);
            }
        }
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        if (llama3) {
            Llama3Splitter.split(text, (start, end) -> out.addAll(word(text.substring(start, end))));
            return;
        }
        Matcher words = pretokenizer.matcher(text);
        while (words.find()) {
            out.addAll(word(words.group()));
        }
    }

    /** The tokens of one pre-tokenized word. */
    private int[] word(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            mapped.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        int whole = ignoreMerges ? vocab.id(mapped.toString()) : -1;
        int[] tokens = whole >= 0 ? new int[] {whole} : merge(mapped);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, tokens);
        return tokens;
    }

    /** Merges the byte pieces of a word: always the adjacent pair of lowest rank, leftmost first. */
    private int[] merge(CharSequence mapped) {
        int[] pieces = new int[mapped.length()];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = vocab.id(String.valueOf(mapped.charAt(i)));
        }
        int n = pieces.length;
        while (n > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                long merge = merges.get(pieces[i], pieces[i + 1]);
                if (merge < best) { // NONE is Long.MAX_VALUE: never below best
                    best = merge;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            pieces[at] = (int) best;
            System.arraycopy(pieces, at + 2, pieces, at + 1, n - at - 2);
            n--;
        }
        return java.util.Arrays.copyOf(pieces, n);
    }

    /** The bytes a token stands for; special tokens their text. */
    @Override
    byte[] tokenBytes(int token) {
        String piece = vocab.tokens[token];
        if (vocab.isSpecial(token)) {
            return vocab.isControl(token) ? new byte[0] : piece.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[piece.length()];
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return piece.getBytes(StandardCharsets.UTF_8); // not a byte-level piece: its text as is
            }
            out[i] = (byte) b;
        }
        return out;
    }

}
