package trit.bitnet;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import trit.gguf.GgufFile;
import trit.kernels.ScalarKernel;

/**
 * A debugging aid kept as a test: the engine's intermediate tensors at positions 0 and 5 against
 * bitnet.cpp's trace, naming the first op that departs beyond tolerance.
 */
class TraceTest {

    private static final Path TINY = Path.of("../../../shared/reference/tiny");
    /** Relative to the tensor's largest magnitude: float reordering stays far below it, an int8 flip does not. */
    private static final double TOLERANCE = 2e-3;

    record Departure(int position, String key, double maxDiff, double scale) {
    }

    @Test
    void intermediateTensorsFollowBitnetCppsTrace() throws IOException {
        Path tracePath = TINY.resolve("tiny-i2s-trace-seq.json");
        if (!(Files.isRegularFile(tracePath) && Files.isRegularFile(TINY.resolve("tiny-i2s.gguf")))) {
            System.out.println("SKIPPED: bitnet.cpp's trace is missing under " + TINY.toAbsolutePath());
        }
        assumeTrue(Files.isRegularFile(tracePath) && Files.isRegularFile(TINY.resolve("tiny-i2s.gguf")),
                "skipped: bitnet.cpp's trace is missing under " + TINY.toAbsolutePath());
        JsonNode trace = new ObjectMapper().readTree(tracePath.toFile());
        Map<String, float[]> expected = new HashMap<>();
        for (JsonNode t : trace.path("tensors")) {
            String key = t.path("pos").asInt() + " " + t.path("name").asText() + " " + t.path("op").asText();
            float[] data = new float[t.path("data").size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) t.path("data").get(i).asDouble();
            }
            expected.put(key, data);
        }
        List<String> compared = new ArrayList<>();
        List<Departure> departures = new ArrayList<>();
        ForwardPass.Tracer tracer = (name, op, position, values, length) -> {
            float[] want = expected.get(position + " " + name + " " + op);
            if (want == null || position != 0 && position != 5) {
                return;
            }
            double max = 0;
            double scale = 1e-6;
            for (int i = 0; i < Math.min(length, want.length); i++) {
                max = Math.max(max, Math.abs(values[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            compared.add(position + " " + name);
            if (max > TOLERANCE * scale) {
                departures.add(new Departure(position, name + " (" + op + ")", max, scale));
            }
        };
        ScalarKernel kernel = new ScalarKernel(1);
        try (GgufFile gguf = GgufFile.open(TINY.resolve("tiny-i2s.gguf")); BitnetModel model = BitnetModel.load(gguf)) {
            ForwardPass pass = new ForwardPass(model, () -> kernel, tracer);
            Session session = new Session(model.config(), 64);
            for (JsonNode id : trace.path("prompt_ids")) {
                pass.step(session, id.asInt());
            }
        } finally {
            kernel.close();
        }
        assertTrue(compared.size() >= 2 * (4 * 17 + 3), "compared " + compared.size() + " tensors");
        assertTrue(departures.isEmpty(), "first op departing from bitnet.cpp's trace: " + (departures.isEmpty() ? ""
                : departures.get(0)) + "; all: " + departures);
    }
}
