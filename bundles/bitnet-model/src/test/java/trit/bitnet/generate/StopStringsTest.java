package trit.bitnet.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class StopStringsTest {

    @Test
    void aStopStringSplitAcrossTokensIsNeverShown() {
        StopStrings s = new StopStrings(List.of("</answer>"));
        assertEquals("The result", s.push("The result"));
        assertEquals(" is 4.", s.push(" is 4.</"));   // "</" could begin the stop string: held
        assertEquals("", s.push("ans"));
        assertFalse(s.stopped());
        assertEquals("", s.push("wer> and more"));
        assertTrue(s.stopped());
        assertThrows(IllegalStateException.class, () -> s.push("x"));
    }

    @Test
    void heldTextIsReleasedWhenItStopsMatching() {
        StopStrings s = new StopStrings(List.of("STOP"));
        assertEquals("a", s.push("aST"));
        assertEquals("STa", s.push("a"));
        assertEquals("S", s.push("SS"));   // the second S may still begin STOP
        assertEquals("S", s.flush());
        assertFalse(s.stopped());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopStrings s = new StopStrings(List.of("world", "lo w"));
        assertEquals("hel", s.push("hello world"));
        assertTrue(s.stopped());
    }

    @Test
    void aStopAtTheVeryStartShowsNothing() {
        StopStrings s = new StopStrings(List.of("\n\n"));
        assertEquals("", s.push("\n"));
        assertEquals("", s.push("\nrest"));
        assertTrue(s.stopped());
    }

    @Test
    void withoutStopsEverythingPassesAtOnce() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("abc", s.push("abc"));
        assertEquals("", s.flush());
    }

    @Test
    void emptyStopStringsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StopStrings(List.of("")));
    }
}
