package trit.rest;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.routing.Route;

/**
 * The audit line of one generation request, filled in as the request goes and written once when
 * it ends: answered, failed, or cancelled by the client. Content (the messages and the answer)
 * goes in only when {@code audit.content} was on at the start and the request is not private.
 */
final class AuditEntry {

    private final AuditLog log;
    private final String requestId;
    private final String endpoint;
    private final String client;
    private final long startNanos;
    private final boolean contentWanted;
    private final StringBuilder streamedAnswer = new StringBuilder();
    private final AtomicBoolean written = new AtomicBoolean();
    private volatile ChatRequest request;

    AuditEntry(AuditLog log, String requestId, String endpoint, String client, long startNanos, boolean contentWanted) {
        this.log = log;
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.client = client;
        this.startNanos = startNanos;
        this.contentWanted = contentWanted;
    }

    /** The id of this request, which the response also carries. */
    String requestId() {
        return requestId;
    }

    /** The request, once read. */
    void request(ChatRequest parsed) {
        this.request = parsed;
    }

    /** A streamed piece of the answer (kept only if content may be written). */
    void delta(String content) {
        if (contentWanted && content != null) {
            synchronized (streamedAnswer) {
                streamedAnswer.append(content);
            }
        }
    }

    /** The request was answered. */
    void answered(ChatResponse response, Object route, String provider) {
        String content = response.choice().message().content();
        String answer;
        synchronized (streamedAnswer) {
            answer = streamedAnswer.isEmpty() ? content : streamedAnswer.toString();
        }
        ObjectNode line = base(route, provider, 200, "ok", null);
        line.put("tokens_in", response.usage().promptTokens());
        line.put("tokens_out", response.usage().completionTokens());
        if (contentAllowed(route)) {
            line.put("answer", answer == null ? "" : answer);
        }
        write(line);
    }

    /** The request failed with this status and error code (after the headers: status 200, the error in the stream). */
    void failed(Object route, String provider, int status, String code) {
        write(base(route, provider, status, "error", code));
    }

    /** The client went away during a streamed answer. */
    void cancelled(Object route, String provider) {
        write(base(route, provider, 200, "cancelled", null));
    }

    private ObjectNode base(Object route, String provider, int status, String outcome, String code) {
        ChatRequest r = request;
        ObjectNode line = AuditLog.line(requestId, endpoint, client);
        line.put("model", r == null ? null : r.model());
        line.put("stream", r != null && r.stream());
        line.put("private", r == null ? null : isPrivate(r, route));
        line.set("route", route == null ? null : routeSummary(route));
        line.put("provider", provider == null || provider.isEmpty() ? null : provider);
        line.put("status", status);
        line.put("outcome", outcome);
        line.put("error", code);
        line.put("latency_ms", (System.nanoTime() - startNanos) / 1_000_000);
        if (contentAllowed(route)) {
            ArrayNode prompt = line.putArray("prompt");
            for (ChatMessage message : r.messages()) {
                prompt.addObject().put("role", message.role().wireName()).put("content", message.content());
            }
        }
        return line;
    }

    private boolean contentAllowed(Object route) {
        return contentWanted && request != null && !isPrivate(request, route);
    }

    /**
     * Private: the client marked it ({@code privacy: local_only}, or the {@code X-Trit-Privacy}
     * header, both of which end up in the request's extensions), or the router's privacy policy
     * decided its route (a private pattern matched) or excluded a provider for it.
     */
    static boolean isPrivate(ChatRequest request, Object route) {
        if (request == null || Route.LOCAL_ONLY.equals(request.extensions().get(Route.PRIVACY))) {
            return true;
        }
        JsonNode summary = route == null ? null : routeSummary(route);
        if (summary == null) {
            return false;
        }
        return Route.PRIVACY.equals(summary.path("policy").asText())
                || summary.path("reason").asText().contains("excluded by " + Route.PRIVACY);
    }

    /** Provider, model, policy and reason of a route (a {@link Route} or its JSON form). */
    private static ObjectNode routeSummary(Object route) {
        JsonNode full = JsonProvider.MAPPER.valueToTree(route instanceof Map<?, ?> || route instanceof Route ? route : Map.of());
        ObjectNode summary = JsonProvider.MAPPER.createObjectNode();
        for (String field : new String[] {"provider", "model", "policy", "reason"}) {
            summary.set(field, full.get(field));
        }
        return summary;
    }

    private void write(ObjectNode line) {
        if (written.compareAndSet(false, true)) {
            log.write(line);
        }
    }
}
