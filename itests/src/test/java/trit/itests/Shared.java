package trit.itests;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Assume;

/** The reference data beside the project ({@code ../shared}); tests that need it skip, visibly, without it. */
final class Shared {

    private Shared() {
    }

    static Path dir() {
        return Path.of(System.getProperty("trit.shared.dir", "../../shared")).toAbsolutePath();
    }

    /**
     * The file at {@code relative} under the shared folder, or a skipped test. The reason is also
     * printed: Pax Exam reports a failed assumption as a pass.
     */
    static Path require(String relative) {
        Path file = dir().resolve(relative);
        boolean present = Files.isRegularFile(file);
        if (!present) {
            System.out.println("SKIPPED: " + file + " (../shared reference data) is missing");
        }
        Assume.assumeTrue("skipped: " + file + " is missing", present);
        return file;
    }
}
