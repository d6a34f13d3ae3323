package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import trit.api.kernel.TernaryKernel;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;

/**
 * The {@code trit:*} commands as an operator runs them: typed into Gogo's command processor (the
 * one {@code runtime/trit serve --shell} puts on the console) in the runtime's framework, with a
 * real local model (the demo GGUF), the real router and kernels, and test providers beside them.
 * Every line of every answer fits 80 columns.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsTest {

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configurationAdmin;
    @Inject
    private CommandProcessor processor;

    private static Path demo;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private ScriptedProvider scripted;
    private ServiceRegistration<InferenceProvider> loading;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options(bundle(gogoRuntime().toUri().toString()));
    }

    /** The Gogo runtime the shell's bundle folder holds (the server's own set has no shell). */
    private static Path gogoRuntime() {
        Path shellDir = Path.of(System.getProperty("trit.bundle.dir", "../runtime/target/export/trit")).resolveSibling("shell");
        try (Stream<Path> files = Files.list(shellDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("org.apache.felix.gogo.runtime-"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no Gogo runtime in " + shellDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + shellDir + ": build the runtime first", e);
        }
    }

    @Before
    public void providers() throws Exception {
        if (demo == null) {
            // The models watcher writes the demo model into an empty folder and serves it.
            Path folder = TritFramework.scratchDirectory("shell-models");
            demo = folder.resolveSibling(folder.getFileName() + "-demo.gguf");
            org.osgi.service.cm.Configuration watcher = configurationAdmin.getConfiguration("trit.models", "?");
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("directory", folder.toString());
            p.put("demo.file", demo.toString());
            watcher.update(p);
        }
        awaitTrue(() -> {
            ServiceReference<InferenceProvider> ref = demoReference();
            return ref != null && ref.getProperty("trit.model.sha256") != null
                    && context.getService(ref).availability().isAvailable();
        }, "the demo model to load with its sha256");
        registrations.add(new StaticProvider("itest-cloud", Locality.CLOUD, Availability.AVAILABLE, "itest-kimi")
                .register(context));
        loading = new StaticProvider("itest-loading", Availability.loading("loading big.gguf\nline two")).register(context);
        scripted = new ScriptedProvider("scripted", "tokens-5-10", "tokens-4-250", "endless-20");
        registrations.add(scripted.register(context));
        awaitTrue(() -> run("trit:providers").contains("scripted"), "the commands to see the test providers");
    }

    @After
    public void unregister() {
        registrations.forEach(ServiceRegistration::unregister);
        if (loading != null) {
            loading.unregister();
        }
    }

    @Test
    public void providersListsEveryProviderWithWhereItRunsItsStateAndLoad() {
        List<String> lines = lines(run("trit:providers"));
        assertEquals(List.of("PROVIDER", "WHERE", "STATE", "RUNNING", "QUEUED", "MODELS", "REASON"),
                List.of(lines.getFirst().split(" +")));
        assertRow(lines, "bitnet/trit-demo", "local", "available", "0/1", "0/8", "trit-demo");
        assertRow(lines, "itest-cloud", "cloud", "available", "0", "0", "itest-kimi");
        // A reason with a line feed stays on its row (cut with an ellipsis where the width ends).
        assertRow(lines, "itest-loading", "local", "loading", "0", "0", "-", "loading", "big.");
        assertTrue(lines.toString(), lines.stream().noneMatch(l -> l.startsWith("line two")));
        assertRow(lines, "scripted", "local", "available", "0/4", "0/16", "tokens-5-10");
        assertRow(lines, "router");
    }

    @Test
    public void modelsShowsFileDigestContextAndMemoryAndOneModelInFull() {
        ServiceReference<InferenceProvider> ref = demoReference();
        String sha256 = (String) ref.getProperty("trit.model.sha256");
        long memory = ((Number) ref.getProperty("trit.model.session.bytes")).longValue();
        List<String> lines = lines(run("trit:models"));
        assertEquals(List.of("MODEL", "PROVIDER", "STATE", "FILE", "SHA256", "CONTEXT", "MEMORY"),
                List.of(lines.getFirst().split(" +")));
        String row = rowOf(lines, "trit-demo");
        String fileCell = row.split(" +")[3];
        assertTrue(row, demo.getFileName().toString().endsWith(fileCell.replace("…", "")));
        assertTrue(row, row.contains(sha256.substring(0, 8)));
        assertTrue(row, row.contains(" " + ref.getProperty("trit.model.context") + " "));
        assertTrue(row, row.endsWith(String.format(java.util.Locale.ROOT, "%.1f MiB", memory / 1048576.0)));
        assertRow(lines, "itest-kimi", "itest-cloud", "available", "-", "-", "2048", "-");

        List<String> full = lines(run("trit:models trit-demo"));
        assertTrue(full.toString(), full.contains("model     trit-demo"));
        assertTrue(full.toString(), full.contains("sha256    " + sha256));
        // The whole path, wrapped onto as many lines as it needs.
        StringBuilder file = new StringBuilder();
        int at = full.indexOf(rowOf(full, "file"));
        file.append(full.get(at).substring("file      ".length()));
        for (int i = at + 1; i < full.size() && full.get(i).startsWith("          "); i++) {
            file.append(full.get(i).strip());
        }
        assertTrue(full + " has the whole path " + demo, file.toString().equals(demo.toString()));

        assertEquals("trit:models: no model 'nope' is served; models: trit-demo, itest-kimi, auto, tokens-5-10, "
                + "tokens-4-250, endless-20", failure("trit:models nope"));
    }

    @Test
    public void kernelsShowsEachImplementationAndTheOneEachModelComputesWith() throws Exception {
        List<String> lines = lines(run("trit:kernels"));
        assertEquals(List.of("KERNEL", "SIMD", "BITS", "THREADS", "RANKING", "MODELS"), List.of(lines.getFirst().split(" +")));
        ServiceReference<TernaryKernel> best = null;
        for (ServiceReference<TernaryKernel> ref : context.getServiceReferences(TernaryKernel.class, null)) {
            TernaryKernel kernel = context.getService(ref);
            Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
            assertRow(lines, kernel.name(), kernel.simdBits() == 0 ? "scalar" : Integer.toString(kernel.simdBits()),
                    Integer.toString(kernel.threads()), String.valueOf(ranking == null ? 0 : ranking));
            if (best == null || ref.compareTo(best) > 0) {
                best = ref;
            }
        }
        assertNotNull("kernels are registered", best);
        String bestName = context.getService(best).name();
        int uses = lines.indexOf("");
        assertTrue(lines.toString(), uses > 0);
        assertEquals(List.of("MODEL", "PROVIDER", "USES", "KERNEL.TARGET"), List.of(lines.get(uses + 1).split(" +")));
        String row = rowOf(lines.subList(uses + 1, lines.size()), "trit-demo");
        assertTrue(row + " computes with the best kernel, " + bestName,
                List.of(row.split(" +")).subList(0, 3).equals(List.of("trit-demo", "bitnet/trit-demo", bestName)));
    }

    @Test
    public void routeShowsTheDecisionAndItsReasonsWithoutSendingAnything() {
        List<String> proof = lines(run("trit:route Prove that there are infinitely many primes step by step"));
        assertEquals("provider   itest-cloud", proof.get(1));
        assertEquals("policy     complexity", proof.get(2));
        assertTrue(proof.toString(), rowOf(proof, "scores").contains("complexity="));

        List<String> private_ = lines(run("trit:route --private Prove that there are infinitely many primes."));
        assertTrue(private_.toString(), !private_.get(1).contains("itest-cloud"));
        assertTrue(private_.toString(), private_.stream().noneMatch(l -> l.startsWith("fallbacks") && l.contains("cloud")));
        assertNull("a dry run sends nothing", scripted.lastRequest);

        assertEquals("trit:route: TEXT is missing (the words after the options)", failure("trit:route --private"));
        assertEquals("trit:route: unknown option '--privat'; options: --max-tokens, --model, --private",
                failure("trit:route --privat hello"));
        assertEquals("trit:route: --max-tokens must be a whole number >= 1, was '-3'",
                failure("trit:route --max-tokens -3 hello"));
    }

    @Test
    public void generateStreamsTheAnswerToTheConsoleAsItComes() throws Exception {
        TimedOutput out = new TimedOutput();
        try (CommandSession session = session(out)) {
            session.execute("trit:generate --max-tokens 4 tokens-4-250 Count to four");
        }
        List<String> lines = lines(out.text());
        assertEquals("t1 t2 t3 t4 ", lines.get(0));
        assertEquals("[tokens-4-250 on scripted via router (explicit)]", lines.get(1));
        assertTrue(lines.get(2), lines.get(2).matches("\\[5 prompt \\+ 4 tokens, [0-9.]+ tok/s, [0-9.]+ s, length]"));
        assertEquals(Integer.valueOf(4), scripted.lastRequest.maxTokens());
        // The first token reached the console while the others were still being generated (250 ms apart).
        assertTrue("first token at " + out.firstWriteMillis() + " ms, done at " + out.lastWriteMillis() + " ms",
                out.lastWriteMillis() - out.firstWriteMillis() >= 600);

        assertEquals("trit:generate: MODEL and TEXT are missing; usage: trit:generate [--private] [--max-tokens N] "
                + "[--temperature T] [--seed S] MODEL TEXT...", failure("trit:generate"));
        assertEquals("trit:generate: TEXT is missing (the words after the options and the model)",
                failure("trit:generate tokens-5-10"));
        assertEquals("trit:generate: --temperature must be a number from 0.0 to 2.0, was 'hot'",
                failure("trit:generate --temperature hot tokens-5-10 hi"));
    }

    @Test
    public void interruptingGenerateCancelsTheGeneration() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = session(out)) {
            CompletableFuture<Exception> running = CompletableFuture.supplyAsync(() -> {
                try {
                    session.execute("trit:generate endless-20 go on forever");
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            awaitTrue(() -> scripted.tokensSent.get() >= 3, "three tokens");
            // What the console does on Ctrl-C.
            Job job = session.foregroundJob();
            assertNotNull("the command runs as the session's foreground job", job);
            job.interrupt();
            // Gogo's job ends with an InterruptedException of its own, as for any interrupted command.
            Exception ended = running.get(10, TimeUnit.SECONDS);
            assertTrue(String.valueOf(ended), ended == null || ended instanceof InterruptedException);
            assertTrue("cancelled: " + out, scripted.cancelled.await(5, TimeUnit.SECONDS));
        }
        // Gogo closes an interrupted job's output: what the command prints after the interrupt may be lost.
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text, text.startsWith("x x x "));
    }

    @Test
    public void statsCountsTheApisRequestsTokensAndSpeedAndShowsTheLoadAndTheRoutersCounts() {
        loading.unregister(); // a provider still loading keeps /health at 503
        loading = null;
        Http http = Http.whenStarted(context);
        Http.Reply reply = http.post("/v1/chat/completions",
                "{\"model\":\"tokens-5-10\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(reply.raw().body(), 200, reply.status());
        scripted.setQueued(2);
        List<String> lines = lines(run("trit:stats"));
        assertEquals(List.of("PROVIDER", "REQUESTS", "ERRORS", "PROMPT", "GENERATED", "TOK/S", "RUNNING", "QUEUED"),
                List.of(lines.getFirst().split(" +")));
        String row = rowOf(lines, "scripted");
        List<String> cells = List.of(row.split(" +"));
        assertEquals(row, List.of("scripted", "1", "0", "5", "5"), cells.subList(0, 5));
        assertTrue(row, Double.parseDouble(cells.get(5)) > 0);
        assertEquals(row, List.of("0/4", "2/16"), cells.subList(6, 8));
        assertRow(lines, "itest-cloud", "0", "0", "-", "-", "-", "0", "0");
        int routed = lines.indexOf("");
        assertTrue(lines.toString(), routed > 0);
        assertEquals(List.of("ROUTED", "TO", "POLICY", "OUTCOME", "REQUESTS"), List.of(lines.get(routed + 1).split(" +")));
        // Other tests of this class generate through the router too: at least this request.
        assertTrue(lines.toString(), lines.subList(routed, lines.size()).stream()
                .anyMatch(l -> l.matches("scripted +explicit +ok +[1-9][0-9]*")));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private ServiceReference<InferenceProvider> demoReference() {
        try {
            return context.getServiceReferences(InferenceProvider.class, "(trit.model.file=" + demo + ")").stream()
                    .findFirst().orElse(null);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** A shell session whose console is {@code out}, with nothing to read. */
    private CommandSession session(OutputStream out) {
        return processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    }

    /** What the command printed on the session's console. */
    private String run(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = session(out)) {
            Object result = session.execute(command);
            assertNull(command + " prints rather than returns", result);
        } catch (Exception e) {
            throw new AssertionError(command + " failed: " + e, e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The message of the exception the command fails with (the shell prints it). */
    private String failure(String command) {
        try (CommandSession session = session(new ByteArrayOutputStream())) {
            session.execute(command);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(command + " failed with an unexpected " + e, e);
        }
        fail(command + " did not fail");
        return null;
    }

    /** The lines of a command's output, each checked to fit an 80-column terminal. */
    private static List<String> lines(String output) {
        assertTrue("output ends with a line feed: " + output, output.endsWith("\n"));
        List<String> lines = output.lines().toList();
        for (String line : lines) {
            assertTrue("longer than 80 columns (" + line.length() + "): " + line, line.length() <= 80);
        }
        return lines;
    }

    private static String rowOf(List<String> lines, String first) {
        return lines.stream().filter(l -> l.startsWith(first + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + first + " in\n" + String.join("\n", lines)));
    }

    /** The row starting with {@code cells[0]} has these cells first (cells split at runs of spaces). */
    private static void assertRow(List<String> lines, String... cells) {
        String row = rowOf(lines, cells[0]);
        String joined = String.join(" ", cells);
        assertTrue("row " + row + " starts with " + joined, row.replaceAll(" +", " ").startsWith(joined));
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                // not yet
            }
            Http.sleep(50);
        }
        fail("timed out waiting for " + what);
    }

    /** A console that notes when the first and the last bytes were written. */
    private static final class TimedOutput extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final long start = System.nanoTime();
        private volatile long first = -1;
        private volatile long last = -1;

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            long now = (System.nanoTime() - start) / 1_000_000;
            if (first < 0) {
                first = now;
            }
            last = now;
            bytes.write(b, off, len);
        }

        long firstWriteMillis() {
            return first;
        }

        long lastWriteMillis() {
            return last;
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
