package trit.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The hand-written LLaMA-3 pre-tokenizer splits exactly as the regex it replaces. */
class Llama3SplitterTest {

    private static final Pattern REGEX = Pattern.compile(ByteLevelBpeTokenizer.LLAMA3_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    /** Characters from every class the pattern distinguishes, Unicode white space and contractions included. */
    private static final String[] PIECES = {"a", "Z", "é", "ß", "Ж", "日", "ㄱ", "ก", "ـ", "1", "٣", "Ⅻ", "½", "²", " ", "  ", "\t",
        "\n", "\r", "\r\n", "\u00A0", "\u2003", "\u3000", "\u0085", "\u2028", "'", "'s", "'T", "'re", "'VE", "'ll", "'D", "'x",
        ".", ",", "!?", "(", "-", "_", "$", "€", "🙂", "👍🏽", "\u200D", "\uFE0F", "\u0301", "\u0000", "\uFFFD", "{}", "\"", "#"};

    @Test
    void splitsExactlyAsTheRegexOnRandomText() {
        Random random = new Random(5);
        for (int trial = 0; trial < 3000; trial++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(40); k >= 0; k--) {
                text.append(PIECES[random.nextInt(PIECES.length)]);
            }
            assertSameSplit(text.toString());
        }
        assertSameSplit(" Hello\n\n  world  \t \n\tend   ");
        assertSameSplit("12345 don't 3.14159 x\r\n\r\n  y");
    }

    private static void assertSameSplit(String text) {
        List<String> expected = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        int covered = 0;
        while (m.find()) {
            assertEquals(covered, m.start(), "the regex covers the whole text");
            expected.add(m.group());
            covered = m.end();
        }
        List<String> actual = new ArrayList<>();
        Llama3Splitter.split(text, (start, end) -> actual.add(text.substring(start, end)));
        assertEquals(expected, actual, "split of " + text.codePoints().mapToObj(Integer::toHexString).toList());
    }
}
