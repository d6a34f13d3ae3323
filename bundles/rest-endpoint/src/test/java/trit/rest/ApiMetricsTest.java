package trit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import trit.api.routing.Route;

/** The Prometheus text the API writes, and the route header. */
class ApiMetricsTest {

    @Test
    void histogramsAreCumulativeWithSumAndCount() {
        ApiMetrics.Histogram histogram = new ApiMetrics.Histogram(new double[] {1, 5});
        histogram.observe(0.5);
        histogram.observe(3);
        histogram.observe(9);
        StringBuilder out = new StringBuilder();
        histogram.write(out, "h", "provider=\"p\"");
        assertEquals("""
                h_bucket{provider="p",le="1.0"} 1
                h_bucket{provider="p",le="5.0"} 2
                h_bucket{provider="p",le="+Inf"} 3
                h_sum{provider="p"} 12.5
                h_count{provider="p"} 3
                """, out.toString());
    }

    @Test
    void usageStatisticsSumEachProviderAcrossEndpointsAndModels() {
        ApiMetrics metrics = new ApiMetrics();
        metrics.request("/v1/chat/completions", "local", "a", 200);
        metrics.generation("local", "a", 7, 11, 0.2, 2.0);
        metrics.request("/v1/completions", "local", "b", 200);
        metrics.generation("local", "b", 3, 1, 0.1, 0.0);
        metrics.request("/v1/chat/completions", "kimi", "k2", 502);
        metrics.error("/v1/chat/completions", "kimi", 502, "upstream_error");
        // Refused before any provider took it: not a provider's figure.
        metrics.request("/v1/chat/completions", "", "", 400);
        metrics.error("/v1/chat/completions", "", 400, "invalid_request_error");
        assertEquals(List.of(new trit.api.metrics.ProviderUsage("kimi", 1, 1, 0, 0, 0, 0),
                        new trit.api.metrics.ProviderUsage("local", 2, 0, 10, 12, 10, 2.0)),
                metrics.byProvider());
        assertEquals(5.0, metrics.byProvider().get(1).tokensPerSecond(), 1e-9);
        assertEquals(0.0, metrics.byProvider().get(0).tokensPerSecond());
    }

    @Test
    void generationFiguresAndEscapedLabels() {
        ApiMetrics metrics = new ApiMetrics();
        metrics.generation("local", "m\"1", 7, 11, 0.2, 2.0);
        metrics.request("/v1/chat/completions", "local", "m\"1", 200);
        StringBuilder out = new StringBuilder();
        metrics.write(out);
        String text = out.toString();
        assertTrue(text.contains("trit_prompt_tokens_total{provider=\"local\",model=\"m\\\"1\"} 7\n"), text);
        assertTrue(text.contains("trit_completion_tokens_total{provider=\"local\",model=\"m\\\"1\"} 11\n"), text);
        // Ten tokens after the first in two seconds: 5 tokens/s, in the le=5 bucket.
        assertTrue(text.contains("trit_tokens_per_second_bucket{provider=\"local\",model=\"m\\\"1\",le=\"5.0\"} 1\n"), text);
        assertTrue(text.contains("trit_tokens_per_second_bucket{provider=\"local\",model=\"m\\\"1\",le=\"2.0\"} 0\n"), text);
        assertTrue(text.contains("trit_time_to_first_token_seconds_bucket{provider=\"local\",model=\"m\\\"1\",le=\"0.25\"} 1\n"), text);
        assertTrue(text.contains("# TYPE trit_requests_total counter\n"), text);
    }

    @Test
    void theRouteHeaderNamesProviderModelAndPolicy() {
        Route route = new Route("kimi", "kimi-k2", "complexity", "long", List.of());
        assertEquals("provider=kimi; model=kimi-k2; policy=complexity", Answering.routeHeader(route));
        assertEquals("provider=a; model=b; policy=c",
                Answering.routeHeader(Map.of("provider", "a", "model", "b", "policy", "c")));
        assertEquals(null, Answering.routeHeader(null));
    }
}
