package trit.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ArgumentsTest {

    private static Arguments parse(String... words) {
        return Arguments.parse("trit:generate", words, Set.of("--private"), Set.of("--max-tokens", "--temperature"));
    }

    @Test
    void optionsComeFirstAndTheRestIsText() {
        Arguments args = parse("--private", "--max-tokens", "16", "demo", "what", "is", "--private", "?");
        assertTrue(args.flag("--private"));
        assertEquals(16L, args.number("--max-tokens", 1));
        assertEquals(List.of("demo", "what", "is", "--private", "?"), args.positional());
        assertNull(args.decimal("--temperature", 0, 2));
    }

    @Test
    void doubleDashEndsTheOptions() {
        Arguments args = parse("--", "--max-tokens", "is", "text");
        assertFalse(args.flag("--max-tokens"));
        assertEquals(List.of("--max-tokens", "is", "text"), args.positional());
    }

    @Test
    void mistakesNameTheCommandTheOptionAndWhatItAccepts() {
        assertEquals("trit:generate: unknown option '--max'; options: --max-tokens, --private, --temperature",
                assertThrows(IllegalArgumentException.class, () -> parse("--max", "3")).getMessage());
        assertEquals("trit:generate: --max-tokens needs a value",
                assertThrows(IllegalArgumentException.class, () -> parse("--max-tokens")).getMessage());
        assertEquals("trit:generate: --max-tokens must be a whole number >= 1, was 'ten'",
                assertThrows(IllegalArgumentException.class, () -> parse("--max-tokens", "ten").number("--max-tokens", 1))
                        .getMessage());
        assertEquals("trit:generate: --max-tokens must be a whole number >= 1, was '0'",
                assertThrows(IllegalArgumentException.class, () -> parse("--max-tokens", "0").number("--max-tokens", 1))
                        .getMessage());
        assertEquals("trit:generate: --temperature must be a number from 0.0 to 2.0, was '3'",
                assertThrows(IllegalArgumentException.class,
                        () -> parse("--temperature", "3").decimal("--temperature", 0, 2)).getMessage());
        assertEquals("trit:route: unknown option '--x'; it takes none", assertThrows(IllegalArgumentException.class,
                () -> Arguments.parse("trit:route", new String[] {"--x"}, Set.of(), Set.of())).getMessage());
    }
}
