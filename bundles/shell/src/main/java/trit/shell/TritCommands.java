package trit.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.SamplingParameters;
import trit.api.kernel.TernaryKernel;
import trit.api.metrics.ProviderUsage;
import trit.api.metrics.UsageStatistics;
import trit.api.provider.Availability;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderLoad;
import trit.api.routing.Route;
import trit.api.routing.RouteDecision;
import trit.api.routing.Router;

/**
 * The {@code trit:*} shell commands, registered the Gogo way ({@code osgi.command.scope} and
 * {@code osgi.command.function} service properties) so that Felix's Gogo shell and Karaf's console
 * both find them without this bundle depending on either. Each command prints to
 * {@code System.out}, which the shell points at the calling session's console; tables fit 80
 * columns. Bad input and missing services are exceptions whose message says what to do.
 */
@Component(service = TritCommands.class, property = {
        "osgi.command.scope=trit",
        "osgi.command.function=models",
        "osgi.command.function=providers",
        "osgi.command.function=kernels",
        "osgi.command.function=route",
        "osgi.command.function=generate",
        "osgi.command.function=stats"})
public class TritCommands {

    /** The routing provider's name (it serves {@code auto}). */
    static final String ROUTER = "router";
    static final String AUTO = "auto";

    // Service properties of local providers (trit.bitnet.provider.BitnetProvider).
    static final String MODEL_FILE = "trit.model.file";
    static final String MODEL_SHA256 = "trit.model.sha256";
    static final String MODEL_CONTEXT = "trit.model.context";
    static final String MODEL_SESSION_BYTES = "trit.model.session.bytes";

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Map.Entry<Map<String, Object>, InferenceProvider>> providers = List.of();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Map.Entry<Map<String, Object>, TernaryKernel>> kernels = List.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Router router;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile UsageStatistics usage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ServiceComponentRuntime scr;

    // ---- trit:providers ------------------------------------------------------------------------

    /** {@code trit:providers}: every provider, where it computes, its state and load. */
    public void providers() {
        PrintStream out = System.out;
        List<Map.Entry<Map<String, Object>, InferenceProvider>> now = sortedProviders();
        if (now.isEmpty()) {
            out.println("No inference provider is registered.");
            return;
        }
        Table table = new Table(Table.Column.text("PROVIDER"), Table.Column.text("WHERE"), Table.Column.text("STATE"),
                Table.Column.number("RUNNING"), Table.Column.number("QUEUED"), shrinksFirst("MODELS"),
                shrinksFirst("REASON"));
        for (Map.Entry<Map<String, Object>, InferenceProvider> entry : now) {
            InferenceProvider provider = entry.getValue();
            Availability availability = availability(provider);
            ProviderLoad load = load(provider);
            table.row(provider.name(), locality(entry), state(availability),
                    ofLimit(load.active(), load.capacity()), ofLimit(load.queued(), load.queueCapacity()),
                    String.join(", ", models(provider).stream().map(ModelInfo::id).toList()), availability.reason());
        }
        out.print(table.render());
    }

    // ---- trit:models -------------------------------------------------------------------------

    /** {@code trit:models}: every model served now, with its provider, state, file, digest, context and memory. */
    public void models() {
        PrintStream out = System.out;
        // The provider of a local model repeats its id ("bitnet/<id>"): it gives way before the id does.
        Table table = new Table(Table.Column.text("MODEL"), shrinksFirst("PROVIDER"),
                Table.Column.text("STATE"), Table.Column.path("FILE"), Table.Column.digest("SHA256"),
                Table.Column.number("CONTEXT"), Table.Column.number("MEMORY"));
        for (ModelRow row : modelRows()) {
            table.row(row.id, row.provider, row.state, fileName(row.file), row.sha256, row.context,
                    Units.bytes(row.memory));
        }
        if (table.isEmpty()) {
            out.println("No model is served: no inference provider is registered.");
            return;
        }
        out.print(table.render());
        out.println("(trit:models ID shows one model in full)");
    }

    /** {@code trit:models ID}: one model in full (whole path and digest). */
    public void models(String id) {
        List<ModelRow> rows = modelRows();
        ModelRow row = rows.stream().filter(r -> id.equals(r.id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("trit:models: no model '" + id + "' is served; models: "
                        + String.join(", ", rows.stream().map(r -> r.id).filter(m -> m != null).toList())));
        System.out.print(new Fields().add("model", row.id).add("provider", row.provider).add("state", row.state)
                .add("reason", row.reason).add("file", row.file).add("sha256", row.sha256)
                .add("context", row.context == null ? null : row.context + " tokens")
                .add("memory", row.memory == null ? null : Units.bytes(row.memory) + " (KV caches and scratch)")
                .render());
    }

    private static final class ModelRow {
        String id;
        String provider;
        String state;
        String reason;
        String file;
        String sha256;
        Object context;
        Number memory;
    }

    private List<ModelRow> modelRows() {
        List<ModelRow> rows = new ArrayList<>();
        for (Map.Entry<Map<String, Object>, InferenceProvider> entry : sortedProviders()) {
            Map<String, Object> properties = entry.getKey();
            InferenceProvider provider = entry.getValue();
            Availability availability = availability(provider);
            List<ModelInfo> models = models(provider);
            // A local model still loading lists no model yet: it shows with its file.
            List<ModelInfo> shown = models.isEmpty() && properties.get(MODEL_FILE) != null
                    ? java.util.Collections.singletonList(null) : models;
            for (ModelInfo model : shown) {
                ModelRow row = new ModelRow();
                row.id = model == null ? null : model.id();
                row.provider = provider.name();
                row.state = state(availability);
                row.reason = availability.reason();
                row.file = string(properties.get(MODEL_FILE));
                row.sha256 = string(properties.get(MODEL_SHA256));
                Object context = properties.get(MODEL_CONTEXT);
                row.context = context != null ? context : model != null && model.contextLength() > 0
                        ? model.contextLength() : null;
                row.memory = properties.get(MODEL_SESSION_BYTES) instanceof Number n ? n : null;
                rows.add(row);
            }
        }
        return rows;
    }

    // ---- trit:kernels ------------------------------------------------------------------------

    /** {@code trit:kernels}: the kernel implementations present, and which one each local model computes with. */
    public void kernels() {
        PrintStream out = System.out;
        List<Map.Entry<Map<String, Object>, TernaryKernel>> present = new ArrayList<>(kernels);
        present.sort(Comparator.comparing((Map.Entry<Map<String, Object>, TernaryKernel> e) -> ranking(e.getKey()))
                .reversed());
        Map<Long, String> names = new HashMap<>();
        present.forEach(e -> names.put((Long) e.getKey().get(Constants.SERVICE_ID), e.getValue().name()));

        List<String[]> uses = new ArrayList<>();
        ServiceComponentRuntime runtime = scr;
        if (runtime != null) {
            Map<String, Map.Entry<Map<String, Object>, InferenceProvider>> byFile = new HashMap<>();
            for (Map.Entry<Map<String, Object>, InferenceProvider> entry : sortedProviders()) {
                Object file = entry.getKey().get(MODEL_FILE);
                if (file != null) {
                    byFile.putIfAbsent(file.toString(), entry);
                }
            }
            for (KernelBindings.Binding binding : KernelBindings.of(runtime)) {
                Map.Entry<Map<String, Object>, InferenceProvider> provider = byFile.get(binding.modelFile());
                String model = provider == null ? null
                        : String.join(", ", models(provider.getValue()).stream().map(ModelInfo::id).toList());
                String kernel = binding.serviceId() == null ? "none (no kernel matches)"
                        : names.getOrDefault(binding.serviceId(), "service " + binding.serviceId());
                uses.add(new String[] {model, provider == null ? null : provider.getValue().name(), kernel,
                        binding.target() == null ? "(any)" : binding.target()});
            }
        }

        if (present.isEmpty()) {
            out.println("No kernel is registered: local models cannot compute.");
        } else {
            Table table = new Table(Table.Column.text("KERNEL"), Table.Column.number("SIMD BITS"),
                    Table.Column.number("THREADS"), Table.Column.number("RANKING"), Table.Column.number("MODELS"));
            for (Map.Entry<Map<String, Object>, TernaryKernel> entry : present) {
                TernaryKernel kernel = entry.getValue();
                long using = uses.stream().filter(u -> kernel.name().equals(u[2])).count();
                table.row(kernel.name(), kernel.simdBits() == 0 ? "scalar" : kernel.simdBits(), kernel.threads(),
                        ranking(entry.getKey()), using);
            }
            out.print(table.render());
        }
        out.println();
        if (runtime == null) {
            out.println("Which kernel each model uses is unknown: the Declarative Services runtime is not available.");
        } else if (uses.isEmpty()) {
            out.println("No local model is configured.");
        } else {
            Table table = new Table(Table.Column.text("MODEL"), Table.Column.text("PROVIDER"),
                    Table.Column.text("USES"), Table.Column.text("KERNEL.TARGET"));
            uses.forEach(u -> table.row((Object[]) u));
            out.print(table.render());
        }
    }

    // ---- trit:route --------------------------------------------------------------------------

    private static final Set<String> ROUTE_FLAGS = Set.of("--private");
    private static final Set<String> ROUTE_VALUES = Set.of("--model", "--max-tokens");

    /**
     * {@code trit:route [--private] [--model ID] [--max-tokens N] TEXT...}: where the router would
     * send TEXT as a user message, and why. Nothing is sent to any provider.
     */
    public void route(String... words) {
        Arguments args = Arguments.parse("trit:route", words, ROUTE_FLAGS, ROUTE_VALUES);
        String model = args.value("--model") != null ? args.value("--model") : AUTO;
        ChatRequest request = request("trit:route", args.positional(), model, null, args);
        Router current = router;
        if (current == null) {
            throw new IllegalStateException("trit:route: no router is running (bundle trit.router); "
                    + "without it a request goes to the provider that serves its model");
        }
        RouteDecision decision = current.decide(request);
        StringBuilder scores = new StringBuilder();
        new TreeMap<>(decision.scores()).forEach((name, value) -> scores.append(scores.isEmpty() ? "" : ", ")
                .append(name).append('=').append(String.format(Locale.ROOT, "%.3f", value)));
        System.out.print(new Fields().add("model", decision.model()).add("provider", decision.provider())
                .add("policy", decision.policy()).add("reason", decision.reason()).add("scores", scores)
                .add("fallbacks", String.join(", ", decision.fallbacks())).render());
    }

    // ---- trit:generate -----------------------------------------------------------------------

    private static final Set<String> GENERATE_FLAGS = Set.of("--private");
    private static final Set<String> GENERATE_VALUES = Set.of("--max-tokens", "--temperature", "--seed");

    /**
     * {@code trit:generate [--private] [--max-tokens N] [--temperature T] [--seed S] MODEL TEXT...}:
     * sends TEXT as a user message to MODEL ({@code auto}: the router chooses) and streams the answer
     * to the console; Ctrl-C cancels it.
     */
    public void generate(String... words) {
        Arguments args = Arguments.parse("trit:generate", words, GENERATE_FLAGS, GENERATE_VALUES);
        if (args.positional().isEmpty()) {
            throw new IllegalArgumentException("trit:generate: MODEL and TEXT are missing; usage: trit:generate "
                    + "[--private] [--max-tokens N] [--temperature T] [--seed S] MODEL TEXT...");
        }
        List<String> positional = args.positional();
        SamplingParameters sampling = new SamplingParameters(args.decimal("--temperature", 0, 2), null, null, null,
                null, null, null, args.number("--seed", Long.MIN_VALUE));
        ChatRequest request = request("trit:generate", positional.subList(1, positional.size()), positional.getFirst(),
                sampling, args);
        ConsoleGeneration.run(providerFor(request), request, System.out);
    }

    /** Like the REST API: the router whenever it runs (privacy, offline and budget hold), else the model's provider. */
    private InferenceProvider providerFor(ChatRequest request) {
        InferenceProvider routing = null;
        InferenceProvider serving = null;
        for (Map.Entry<Map<String, Object>, InferenceProvider> entry : sortedProviders()) {
            InferenceProvider provider = entry.getValue();
            if (ROUTER.equals(provider.name())) {
                routing = provider;
            } else if (serving == null && models(provider).stream().anyMatch(m -> m.id().equals(request.model()))) {
                serving = provider;
            }
        }
        InferenceProvider chosen = routing != null ? routing : serving;
        if (chosen == null) {
            List<String> served = new ArrayList<>();
            sortedProviders().forEach(e -> models(e.getValue()).forEach(m -> served.add(m.id())));
            throw new IllegalArgumentException("trit:generate: no provider serves the model '" + request.model() + "'"
                    + (request.model().equals(AUTO) ? " (auto needs the router, which is not running)" : "")
                    + "; models: " + (served.isEmpty() ? "none" : String.join(", ", served)));
        }
        if (routing == null && Route.LOCAL_ONLY.equals(request.extensions().get(Route.PRIVACY))
                && chosen.locality() != Locality.LOCAL) {
            throw new IllegalArgumentException("trit:generate: the model '" + request.model() + "' is served by the "
                    + "cloud provider " + chosen.name() + ", and --private keeps the request on this machine");
        }
        Availability availability = availability(chosen);
        if (!availability.isAvailable()) {
            throw new IllegalStateException("trit:generate: provider " + chosen.name() + " cannot take requests now ("
                    + state(availability) + (availability.reason().isEmpty() ? "" : ": " + availability.reason()) + ")");
        }
        return chosen;
    }

    /** One user message of {@code text}, with the options of {@code options}. */
    private static ChatRequest request(String command, List<String> text, String model, SamplingParameters sampling,
                                       Arguments options) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(command + ": TEXT is missing (the words after the options"
                    + (command.equals("trit:generate") ? " and the model" : "") + ")");
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException(command + ": the model id must not be empty");
        }
        Long maxTokens = options.number("--max-tokens", 1);
        if (maxTokens != null && maxTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(command + ": --max-tokens must be at most " + Integer.MAX_VALUE
                    + ", was " + maxTokens);
        }
        Map<String, Object> extensions = options.flag("--private") ? Map.of(Route.PRIVACY, Route.LOCAL_ONLY) : Map.of();
        return new ChatRequest(model, List.of(ChatMessage.user(String.join(" ", text))), sampling, null,
                maxTokens == null ? null : maxTokens.intValue(), true, extensions);
    }

    // ---- trit:stats --------------------------------------------------------------------------

    /**
     * {@code trit:stats}: per provider since start, the API's requests and errors, prompt and
     * generated tokens and mean generation speed; and each provider's load now.
     */
    public void stats() {
        PrintStream out = System.out;
        UsageStatistics statistics = usage;
        Map<String, ProviderUsage> served = new TreeMap<>();
        if (statistics != null) {
            statistics.byProvider().forEach(u -> served.put(u.provider(), u));
        }
        Map<String, ProviderLoad> loads = new LinkedHashMap<>();
        sortedProviders().forEach(e -> loads.put(e.getValue().name(), load(e.getValue())));
        TreeMap<String, Boolean> names = new TreeMap<>();
        served.keySet().forEach(n -> names.put(n, true));
        loads.keySet().forEach(n -> names.put(n, true));
        if (names.isEmpty()) {
            out.println("No inference provider is registered, and no request was answered.");
        } else {
            Table table = new Table(Table.Column.text("PROVIDER"), Table.Column.number("REQUESTS"),
                    Table.Column.number("ERRORS"), Table.Column.number("PROMPT"), Table.Column.number("GENERATED"),
                    Table.Column.number("TOK/S"), Table.Column.number("RUNNING"), Table.Column.number("QUEUED"));
            for (String name : names.keySet()) {
                ProviderUsage u = served.get(name);
                ProviderLoad load = loads.get(name);
                table.row(name, u == null ? (statistics == null ? null : 0) : u.requests(),
                        u == null ? (statistics == null ? null : 0) : u.errors(),
                        u == null ? null : u.promptTokens(), u == null ? null : u.completionTokens(),
                        u == null ? null : Units.rate(u.tokensPerSecond()),
                        load == null ? "gone" : ofLimit(load.active(), load.capacity()),
                        load == null ? null : ofLimit(load.queued(), load.queueCapacity()));
            }
            out.print(table.render());
        }
        if (statistics == null) {
            out.println("Request figures come from the REST API (bundle trit.rest.endpoint), which is not running.");
        }
        Router current = router;
        List<Router.RouteCount> counts = current == null ? List.of() : current.counts();
        if (!counts.isEmpty()) {
            out.println();
            Table routed = new Table(Table.Column.text("ROUTED TO"), Table.Column.text("POLICY"),
                    Table.Column.text("OUTCOME"), Table.Column.number("REQUESTS"));
            counts.stream().sorted(Comparator.comparing(Router.RouteCount::provider)
                            .thenComparing(Router.RouteCount::policy).thenComparing(Router.RouteCount::outcome))
                    .forEach(c -> routed.row(c.provider(), c.policy(), c.outcome(), c.count()));
            out.print(routed.render());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private List<Map.Entry<Map<String, Object>, InferenceProvider>> sortedProviders() {
        List<Map.Entry<Map<String, Object>, InferenceProvider>> now = new ArrayList<>(providers);
        now.sort(Comparator.comparing(e -> e.getValue().name()));
        return now;
    }

    /** A provider that throws must not break the listing: it shows as unavailable with the reason. */
    private static Availability availability(InferenceProvider provider) {
        try {
            return provider.availability();
        } catch (RuntimeException e) {
            return Availability.unavailable("availability() failed: " + e);
        }
    }

    private static ProviderLoad load(InferenceProvider provider) {
        try {
            return provider.load();
        } catch (RuntimeException e) {
            return ProviderLoad.IDLE;
        }
    }

    private static List<ModelInfo> models(InferenceProvider provider) {
        try {
            return provider.models();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static String locality(Map.Entry<Map<String, Object>, InferenceProvider> entry) {
        Object property = entry.getKey().get(InferenceProvider.LOCALITY);
        return (property != null ? property.toString() : entry.getValue().locality().name()).toLowerCase(Locale.ROOT);
    }

    private static String state(Availability availability) {
        return availability.state().name().toLowerCase(Locale.ROOT);
    }

    /** {@code "1/4"}, or just {@code "1"} when there is no fixed limit. */
    private static String ofLimit(int value, int limit) {
        return limit > 0 ? value + "/" + limit : Integer.toString(value);
    }

    private static int ranking(Map<String, Object> properties) {
        return properties.get(Constants.SERVICE_RANKING) instanceof Integer ranking ? ranking : 0;
    }

    /** A text column that gives way before the others (lists, reasons, repeated names). */
    private static Table.Column shrinksFirst(String header) {
        return new Table.Column(header, false, Math.max(header.length(), 8), Table.Cut.END, 1);
    }

    /** The table shows the file's name; {@code trit:models ID} shows its whole path. */
    private static String fileName(String path) {
        if (path == null) {
            return null;
        }
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(slash + 1);
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}
