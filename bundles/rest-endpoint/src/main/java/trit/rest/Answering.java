package trit.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatResponse;
import trit.api.chat.Usage;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * Answers one parsed request, whole or as server-sent events exactly like OpenAI's: the status
 * and headers wait for the provider's first event, so that a failure before any token still gets
 * its own status (404, 429, 503 ...) and the route is known for {@code X-Trit-Route}; after that,
 * each delta is one {@code data:} event flushed at once. A whole answer that did not come in one
 * piece is committed (200 and headers) at the first token too, its JSON preceded by whitespace:
 * only writing reveals a client that went away ({@link ClientProbe}), and either way such a client
 * cancels its generation within one token. The price: a failure after the first token can no
 * longer change the status, so a whole answer then carries OpenAI's error object with status 200,
 * as a stream carries it in an error event.
 */
final class Answering {

    /** The header that names the route: {@code provider=...; model=...; policy=...}. */
    static final String ROUTE_HEADER = "X-Trit-Route";

    static final MediaType EVENT_STREAM = MediaType.valueOf("text/event-stream; charset=utf-8");

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.UTF_8);
    /** An SSE comment: every conforming parser (OpenAI's clients included) skips it. */
    private static final byte[] EVENT_PROBE = ":\n\n".getBytes(StandardCharsets.UTF_8);
    /** JSON allows whitespace before a value: parsers skip it. */
    private static final byte[] JSON_PROBE = {' '};

    /** How an endpoint reads its body: {@link RequestReader#chat} or {@link RequestReader#completion}. */
    interface Reader {
        RequestReader.Parsed read(JsonNode body, String privacyHeader, RequestReader.Limits limits);
    }

    private final RestApplication application;
    private final Inference inference;
    private final ApiMetrics metrics;
    private final AuditLog audit;
    private final String endpoint;
    private final Reader reader;
    private final Wire wire;

    Answering(RestApplication application, Inference inference, ApiMetrics metrics, AuditLog audit, String endpoint,
              Reader reader, Wire wire) {
        this.application = application;
        this.inference = inference;
        this.metrics = metrics;
        this.audit = audit;
        this.endpoint = endpoint;
        this.reader = reader;
        this.wire = wire;
    }

    /**
     * Reads the body (any content type: curl -d sends form-urlencoded unless told otherwise) and
     * answers it. {@code servletRequest} carries the client's name for the audit line.
     */
    Response answer(InputStream body, String privacyHeader, HttpServletRequest servletRequest) throws IOException {
        AuditEntry entry = audit.begin(endpoint, servletRequest);
        // The model label is set only once a provider took the request: ids clients make up must
        // not become metric series of their own.
        String model = "";
        GenerationRun run = null;
        try {
            RequestReader.Parsed parsed = reader.read(JsonProvider.MAPPER.readTree(body), privacyHeader,
                    RequestReader.Limits.of(application.config()));
            entry.request(parsed.request());
            run = inference.start(parsed.request());
            GenerationRun.Event first = run.next();
            model = metricModel(run);
            Response response = parsed.request().stream() ? stream(run, first, parsed.includeUsage(), entry)
                    : whole(run, first, entry);
            metrics.request(endpoint, run.answeringProvider(), model, 200);
            return response;
        } catch (ApiException e) {
            model = run == null ? "" : metricModel(run);
            String provider = run == null ? "" : run.answeringProvider();
            failed(provider, model, e.getResponse().getStatus(), e.error().error().code());
            entry.failed(run == null ? null : run.route(), provider, e.getResponse().getStatus(), e.error().error().code());
            throw e;
        } catch (JsonProcessingException e) {
            failed("", model, 400, ErrorMapper.INVALID_JSON);
            entry.failed(null, null, 400, ErrorMapper.INVALID_JSON);
            throw e;
        }
    }

    /**
     * The model label of a request's metrics: the model that answered when the router chose one;
     * nothing when the router refused (the id may be made up); else the id its provider serves.
     */
    private static String metricModel(GenerationRun run) {
        if (run.route() != null) {
            return answeringModel(run);
        }
        return Providers.ROUTER.equals(run.answeringProvider()) ? "" : run.request().model();
    }

    private void failed(String provider, String model, int status, String code) {
        metrics.request(endpoint, provider, model, status);
        metrics.error(endpoint, provider, status, code);
    }

    private Response whole(GenerationRun run, GenerationRun.Event first, AuditEntry entry) {
        switch (first) {
            case GenerationRun.Failed(var error) -> throw ApiException.from(error);
            case GenerationRun.Done(ChatResponse response) -> {
                // Answered in one piece: nothing left to cancel, the ordinary response will do.
                return withRoute(Response.ok(answered(run, response, entry), MediaType.APPLICATION_JSON_TYPE),
                        run.route()).build();
            }
            case GenerationRun.Delta _ -> {
                StreamingOutput body = out -> {
                    try {
                        writeWhole(out, run, entry);
                    } catch (IOException e) {
                        clientGone(run, entry);
                    }
                };
                return withRoute(Response.ok(body, MediaType.APPLICATION_JSON_TYPE), run.route()).build();
            }
        }
    }

    /** Whitespace at once and after each token until the answer, so that a client that left is noticed. */
    private void writeWhole(OutputStream out, GenerationRun run, AuditEntry entry) throws IOException {
        ClientProbe probe = new ClientProbe(run, out, JSON_PROBE);
        probe.send();
        while (true) {
            switch (probe.next()) {
                case GenerationRun.Delta _ -> probe.send();
                case GenerationRun.Done(ChatResponse response) -> {
                    out.write(JsonProvider.MAPPER.writeValueAsBytes(answered(run, response, entry)));
                    out.flush();
                    return;
                }
                case GenerationRun.Failed(var error) -> {
                    out.write(JsonProvider.MAPPER.writeValueAsBytes(failedAfterCommit(run, error, entry)));
                    out.flush();
                    return;
                }
            }
        }
    }

    /** The whole answer's JSON; the audit line says it was answered. */
    private ObjectNode answered(GenerationRun run, ChatResponse response, AuditEntry entry) {
        entry.answered(response, run.route(), run.answeringProvider());
        ObjectNode json = envelope(wire.idPrefix() + entry.requestId(), wire.object(), response.model(), response.created());
        json.putArray("choices").add(wire.choice(response));
        json.set("usage", usage(response.usage()));
        putRoute(json, run.route());
        return json;
    }

    /** A failure once status 200 is out: counted and audited with its code, answered with OpenAI's error object. */
    private JsonNode failedAfterCommit(GenerationRun run, ProviderException error, AuditEntry entry) {
        ApiException failure = ApiException.from(error);
        String code = failure.error().error().code();
        metrics.error(endpoint, run.answeringProvider(), failure.getResponse().getStatus(), code);
        entry.failed(run.route(), run.answeringProvider(), 200, code);
        return JsonProvider.MAPPER.valueToTree(failure.error());
    }

    /** The client went away: stop the generation at its next token; nobody is left to answer. */
    private static void clientGone(GenerationRun run, AuditEntry entry) {
        run.cancel();
        entry.cancelled(run.route(), run.answeringProvider());
    }

    private Response stream(GenerationRun run, GenerationRun.Event first, boolean includeUsage, AuditEntry entry) {
        if (first instanceof GenerationRun.Failed failed) {
            throw ApiException.from(failed.error());
        }
        String id = wire.idPrefix() + entry.requestId();
        long created = Instant.now().getEpochSecond();
        StreamingOutput body = out -> {
            try {
                writeEvents(out, run, first, id, created, includeUsage, entry);
            } catch (IOException e) {
                clientGone(run, entry);
            }
        };
        return withRoute(Response.ok(body, EVENT_STREAM), run.route())
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no")
                .build();
    }

    private void writeEvents(OutputStream out, GenerationRun run, GenerationRun.Event first, String id,
                             long created, boolean includeUsage, AuditEntry entry) throws IOException {
        String model = answeringModel(run);
        // The first chunk carries the route, whichever it is (completions have no opening role chunk).
        boolean[] routeSent = {false};
        ObjectNode opening = wire.openingChoice();
        if (opening != null) {
            send(out, withRouteOnce(chunk(id, created, model, opening, includeUsage), run, routeSent));
        }
        ClientProbe probe = new ClientProbe(run, out, EVENT_PROBE);
        boolean deltas = false;
        GenerationRun.Event event = first;
        while (true) {
            switch (event) {
                case GenerationRun.Delta(ChatDelta delta) -> {
                    deltas = true;
                    entry.delta(delta.content());
                    ObjectNode choice = wire.deltaChoice(delta);
                    if (choice != null) {
                        send(out, withRouteOnce(chunk(id, created, model, choice, includeUsage), run, routeSent));
                        probe.wrote();
                    }
                }
                case GenerationRun.Done(ChatResponse response) -> {
                    String content = response.choice().message().content();
                    if (!deltas && content != null && !content.isEmpty()) {
                        // A provider that answered in one piece: its text is the one delta.
                        send(out, withRouteOnce(chunk(id, created, model, wire.deltaChoice(ChatDelta.text(content)),
                                includeUsage), run, routeSent));
                    }
                    send(out, withRouteOnce(chunk(id, created, model, wire.finishChoice(response.choice().finishReason()),
                            includeUsage), run, routeSent));
                    if (includeUsage) {
                        ObjectNode usage = envelope(id, wire.chunkObject(), model, created);
                        usage.putArray("choices");
                        usage.set("usage", usage(response.usage()));
                        send(out, usage);
                    }
                    out.write(DONE);
                    out.flush();
                    entry.answered(response, run.route(), run.answeringProvider());
                    return;
                }
                case GenerationRun.Failed(var error) -> {
                    // Headers are gone: OpenAI's clients read an error event and raise it.
                    send(out, failedAfterCommit(run, error, entry));
                    return;
                }
            }
            event = probe.next();
        }
    }

    private static ObjectNode withRouteOnce(ObjectNode chunk, GenerationRun run, boolean[] sent) {
        if (!sent[0]) {
            putRoute(chunk, run.route());
            sent[0] = true;
        }
        return chunk;
    }

    private ObjectNode chunk(String id, long created, String model, ObjectNode choice, boolean includeUsage) {
        ObjectNode chunk = envelope(id, wire.chunkObject(), model, created);
        chunk.putArray("choices").add(choice);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static void send(OutputStream out, JsonNode event) throws IOException {
        out.write(DATA);
        out.write(JsonProvider.MAPPER.writeValueAsBytes(event));
        out.write(EVENT_END);
        out.flush();
    }

    private static ObjectNode envelope(String id, String object, String model, long created) {
        ObjectNode json = JsonProvider.MAPPER.createObjectNode();
        json.put("id", id);
        json.put("object", object);
        json.put("created", created > 0 ? created : Instant.now().getEpochSecond());
        json.put("model", model);
        return json;
    }

    private static ObjectNode usage(Usage usage) {
        ObjectNode json = JsonProvider.MAPPER.createObjectNode();
        json.put("prompt_tokens", usage.promptTokens());
        json.put("completion_tokens", usage.completionTokens());
        json.put("total_tokens", usage.totalTokens());
        return json;
    }

    /** The model that answers: the route's when the router chose, else the one asked for. */
    private static String answeringModel(GenerationRun run) {
        Object route = run.route();
        if (route instanceof Route r) {
            return r.model();
        }
        if (route instanceof Map<?, ?> m && m.get("model") instanceof String model) {
            return model;
        }
        return run.request().model();
    }

    private static void putRoute(ObjectNode json, Object route) {
        if (route != null) {
            json.set(Route.EXTENSION, JsonProvider.MAPPER.valueToTree(route));
        }
    }

    private static Response.ResponseBuilder withRoute(Response.ResponseBuilder response, Object route) {
        String header = routeHeader(route);
        return header == null ? response : response.header(ROUTE_HEADER, header);
    }

    /** {@code provider=kimi; model=kimi-k2; policy=complexity}, or null without a route. */
    static String routeHeader(Object route) {
        if (route instanceof Route r) {
            return "provider=" + r.provider() + "; model=" + r.model() + "; policy=" + r.policy();
        }
        if (route instanceof Map<?, ?> m) {
            return "provider=" + m.get("provider") + "; model=" + m.get("model") + "; policy=" + m.get("policy");
        }
        return null;
    }
}
