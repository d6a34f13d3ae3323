package trit.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Reading {@code trit.logging}'s levels: what applies, and a precise reason for each entry that does not. */
class LevelSettingsTest {

    @Test
    void entriesFromACfgLineAreSplitOnCommasAndLevelsAreCaseInsensitive() {
        LevelSettings settings = LevelSettings.parse(new String[] {"trit.router=debug, org.apache.felix.scr = WARN", " ROOT=Info "});
        assertEquals(Map.of("trit.router", "DEBUG", "org.apache.felix.scr", "WARN", "ROOT", "INFO"), settings.levels());
        assertEquals(List.of(), settings.errors());
        assertEquals(Map.of(), LevelSettings.parse(null).levels());
        assertEquals(Map.of(), LevelSettings.parse(new String[] {" ", ""}).levels());
    }

    @Test
    void badEntriesAreNamedWithTheReasonAndTheGoodOnesStillApply() {
        LevelSettings settings = LevelSettings.parse(new String[] {"trit.router", "trit.rest=LOUD", "bad name=INFO",
                "trit=INFO", "trit=DEBUG"});
        assertEquals(Map.of("trit", "DEBUG"), settings.levels());
        assertEquals(List.of("'trit.router' is not LOGGER=LEVEL",
                "'trit.rest=LOUD': the level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, was 'LOUD'",
                "'bad name=INFO': 'bad name' is not a logger name",
                "'trit=DEBUG': trit is given a level twice; the last one applies"), settings.errors());
    }
}
