package trit.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;

import trit.api.metrics.ProviderUsage;
import trit.api.metrics.UsageStatistics;

/**
 * The API's counters and histograms, written in Prometheus' text format by {@link MetricsResource}.
 * Labels: {@code endpoint} (the API path), {@code provider} (the one that answered, as the route
 * says when the router chose) and {@code model}. Counters only grow while the bundle runs.
 */
@Component(service = {ApiMetrics.class, UsageStatistics.class})
public class ApiMetrics implements UsageStatistics {

    /** Time to first token, seconds. */
    static final double[] TTFT_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30};
    /** Generation speed after the first token, tokens per second. */
    static final double[] SPEED_BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> promptTokens = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> completionTokens = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> timeToFirstToken = new ConcurrentHashMap<>();
    private final Map<String, Histogram> tokensPerSecond = new ConcurrentHashMap<>();
    /** The same figures summed per provider, for {@link #byProvider()}. */
    private final Map<String, ProviderTotals> providers = new ConcurrentSkipListMap<>();

    /** One answered request (the status it got: 200, or the status of a failure). */
    void request(String endpoint, String provider, String model, int status) {
        count(requests, labels("endpoint", endpoint, "provider", provider, "model", model,
                "status", Integer.toString(status)), 1);
        if (named(provider)) {
            totals(provider).requests.increment();
        }
    }

    /** One failed request, by its OpenAI error code. */
    void error(String endpoint, String provider, int status, String code) {
        count(errors, labels("endpoint", endpoint, "provider", provider, "status", Integer.toString(status),
                "code", code == null ? "" : code), 1);
        if (named(provider)) {
            totals(provider).errors.increment();
        }
    }

    /**
     * A finished generation's figures.
     *
     * @param firstTokenSeconds from the request reaching the provider to its first token; negative when none came
     * @param generationSeconds from the first token to the end
     */
    void generation(String provider, String model, int prompt, int completion, double firstTokenSeconds,
                    double generationSeconds) {
        String labels = labels("provider", provider, "model", model);
        count(promptTokens, labels, prompt);
        count(completionTokens, labels, completion);
        ProviderTotals totals = totals(named(provider) ? provider : "-");
        totals.promptTokens.add(prompt);
        totals.completionTokens.add(completion);
        if (firstTokenSeconds >= 0) {
            timeToFirstToken.computeIfAbsent(labels, l -> new Histogram(TTFT_BUCKETS)).observe(firstTokenSeconds);
        }
        if (completion > 1 && generationSeconds > 0) {
            // The first token's time is the prompt's: speed counts the tokens after it.
            tokensPerSecond.computeIfAbsent(labels, l -> new Histogram(SPEED_BUCKETS))
                    .observe((completion - 1) / generationSeconds);
            totals.timedTokens.add(completion - 1);
            totals.generationSeconds.add(generationSeconds);
        }
    }

    @Override
    public List<ProviderUsage> byProvider() {
        List<ProviderUsage> usage = new ArrayList<>();
        providers.forEach((provider, t) -> usage.add(new ProviderUsage(provider, t.requests.sum(), t.errors.sum(),
                t.promptTokens.sum(), t.completionTokens.sum(), t.timedTokens.sum(), t.generationSeconds.sum())));
        return usage;
    }

    /** Requests refused before any provider took them (bad input, no key) count in /metrics only. */
    private static boolean named(String provider) {
        return provider != null && !provider.isEmpty();
    }

    private ProviderTotals totals(String provider) {
        return providers.computeIfAbsent(provider, p -> new ProviderTotals());
    }

    /** One provider's running totals. */
    private static final class ProviderTotals {
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder promptTokens = new LongAdder();
        final LongAdder completionTokens = new LongAdder();
        final LongAdder timedTokens = new LongAdder();
        final DoubleAdder generationSeconds = new DoubleAdder();
    }

    /** Appends every counter and histogram in Prometheus' text format. */
    void write(StringBuilder out) {
        counter(out, "trit_requests_total", "Requests answered, by endpoint, provider, model and status.", requests);
        counter(out, "trit_errors_total", "Requests that failed, by endpoint, provider, status and error code.", errors);
        counter(out, "trit_prompt_tokens_total", "Prompt tokens processed.", promptTokens);
        counter(out, "trit_completion_tokens_total", "Tokens generated.", completionTokens);
        histogram(out, "trit_time_to_first_token_seconds", "Time from request to first generated token.",
                timeToFirstToken);
        histogram(out, "trit_tokens_per_second", "Generation speed after the first token.", tokensPerSecond);
    }

    static String labels(String... namesAndValues) {
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (!labels.isEmpty()) {
                labels.append(',');
            }
            labels.append(namesAndValues[i]).append("=\"").append(escape(namesAndValues[i + 1])).append('"');
        }
        return labels.toString();
    }

    /** Prometheus label-value escaping: backslash, quote and newline. */
    static String escape(String value) {
        return value == null ? "" : value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void sample(StringBuilder out, String name, String labels, Number value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static void count(Map<String, LongAdder> counters, String labels, long n) {
        counters.computeIfAbsent(labels, l -> new LongAdder()).add(n);
    }

    private static void counter(StringBuilder out, String name, String help, Map<String, LongAdder> counters) {
        header(out, name, help, "counter");
        counters.forEach((labels, value) -> sample(out, name, labels, value.sum()));
    }

    private static void histogram(StringBuilder out, String name, String help, Map<String, Histogram> histograms) {
        header(out, name, help, "histogram");
        new TreeMap<>(histograms).forEach((labels, h) -> h.write(out, name, labels));
    }

    /** A Prometheus histogram: cumulative bucket counts, sum and count. */
    static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] buckets;
        private final LongAdder count = new LongAdder();
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.buckets = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(value);
        }

        void write(StringBuilder out, String name, String labels) {
            String prefix = labels.isEmpty() ? "" : labels + ",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += buckets[i].sum();
                sample(out, name + "_bucket", prefix + "le=\"" + bounds[i] + "\"", cumulative);
            }
            sample(out, name + "_bucket", prefix + "le=\"+Inf\"", count.sum());
            sample(out, name + "_sum", labels, sum.sum());
            sample(out, name + "_count", labels, count.sum());
        }
    }
}
