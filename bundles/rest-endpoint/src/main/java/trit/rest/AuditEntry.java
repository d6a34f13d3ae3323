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
 * goes in only when {@code audit.content} was on at the start, the request was answered, and
 * neither the client nor the router made it private.
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

    /** The request was answered; only now may content be written (the router marks a private answer). */
    void answered(ChatResponse response, Object route, String provider) {
        String content = response.choice().message().content();
        String answer;
        synchronized (streamedAnswer) {
            answer = streamedAnswer.isEmpty() ? content : streamedAnswer.toString();
        }
        boolean secret = isPrivate(request, route) || Route.LOCAL_ONLY.equals(response.extensions().get(Route.PRIVACY));
        ObjectNode line = base(route, provider, 200, "ok", null, secret);
        line.put("tokens_in", response.usage().promptTokens());
        line.put("tokens_out", response.usage().completionTokens());
        if (contentWanted && !secret) {
            ArrayNode prompt = line.putArray("prompt");
            for (ChatMessage message : request.messages()) {
                prompt.addObject().put("role", message.role().wireName()).put("content", message.content());
            }
            line.put("answer", answer == null ? "" : answer);
        }
        write(line);
    }

    /**
     * The request failed with this status and error code (after the headers: status 200, the
     * error in the stream). Never with content: without an answer it is not known whether the
     * router treated the request as private.
     */
    void failed(Object route, String provider, int status, String code) {
        write(base(route, provider, status, "error", code, request == null ? null : isPrivate(request, route)));
    }

    /** The client went away before its answer was complete (never with content, as {@link #failed}). */
    void cancelled(Object route, String provider) {
        write(base(route, provider, 200, "cancelled", null, isPrivate(request, route)));
    }

    private ObjectNode base(Object route, String provider, int status, String outcome, String code, Boolean secret) {
        ChatRequest r = request;
        ObjectNode line = AuditLog.line(requestId, endpoint, client);
        line.put("model", r == null ? null : r.model());
        line.put("stream", r != null && r.stream());
        line.put("private", secret);
        line.set("route", route == null ? null : routeSummary(route));
        line.put("provider", provider == null || provider.isEmpty() ? null : provider);
        line.put("status", status);
        line.put("outcome", outcome);
        line.put("error", code);
        line.put("latency_ms", (System.nanoTime() - startNanos) / 1_000_000);
        return line;
    }

    /**
     * Private as far as the request and its route tell: the client marked it ({@code privacy:
     * local_only}, or the {@code X-Trit-Privacy} header, both of which end up in the request's
     * extensions), or the privacy policy decided its route or excluded a provider for it. The
     * router also marks the answer of every private request ({@link #answered}), which catches a
     * private pattern that matched without excluding anyone.
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
