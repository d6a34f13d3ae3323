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
 * The engine's intermediate tensors at positions 0 and 5 against bitnet.cpp's trace: every value
 * of every op bit for bit (the trace prints floats with 9 significant digits, which round-trip).
 * When one departs, the message names the first op and how many ulps, the debugging aid that
 * found RoPE's fused multiply-add and ggml's vector exp.
 */
class TraceTest {

    private static final Path TINY = Path.of("../../../shared/reference/tiny");
    record Departure(int position, String key, int values, int firstIndex, float engine, float bitnetCpp) {
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
            int differing = 0;
            int first = -1;
            for (int i = 0; i < Math.min(length, want.length); i++) {
                if (values[i] != want[i] && !(Float.isNaN(values[i]) && Float.isNaN(want[i]))) { // +0 == -0
                    differing++;
                    first = first < 0 ? i : first;
                }
            }
            compared.add(position + " " + name);
            if (differing > 0) {
                departures.add(new Departure(position, name + " (" + op + ")", differing, first, values[first], want[first]));
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
