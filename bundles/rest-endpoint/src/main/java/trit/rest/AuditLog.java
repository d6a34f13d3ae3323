package trit.rest;

import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.servlet.http.HttpServletRequest;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The audit trail: one JSON line per API request, to the logger {@value #LOGGER}.
 *
 * <p>A logger rather than a file of its own: the runtime's {@code conf/logback.xml} gives it its
 * own appender ({@code data/logs/audit.jsonl}, not additive, so audit lines never reach the
 * console or the server log), and rotation, compression and retention are logback's, configured
 * where operators configure every other log; they can also send it to syslog or a collector with
 * logback's appenders. The line itself is JSON written by Jackson, so its shape does not depend
 * on the appender's pattern ({@code %msg%n}).
 *
 * <p>Never in a line: an API key (a client is named by its key's name), and the prompt or the
 * answer unless {@code audit.content} is on and the request is not private ({@link AuditEntry}).
 */
@Component(service = AuditLog.class)
public class AuditLog {

    /** The logger audit lines go to. */
    public static final String LOGGER = "trit.audit";
    /** Request attribute: the client's name (set by the access check). */
    static final String CLIENT_ATTRIBUTE = "trit.audit.client";
    /** Request attribute: {@link System#nanoTime()} when the request arrived. */
    static final String START_ATTRIBUTE = "trit.audit.start";
    /** Request attribute: present when the request writes its own line ({@link AuditEntry}). */
    static final String OWNED_ATTRIBUTE = "trit.audit.owned";

    private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER);

    private final RestApplication application;

    @Activate
    public AuditLog(@Reference RestApplication application) {
        this.application = application;
    }

    /** Starts the line of a generation request, which writes it when it ends (see {@link AuditEntry}). */
    AuditEntry begin(String endpoint, HttpServletRequest request) {
        String client = null;
        long start = System.nanoTime();
        if (request != null) {
            request.setAttribute(OWNED_ATTRIBUTE, Boolean.TRUE);
            client = (String) request.getAttribute(CLIENT_ATTRIBUTE);
            if (request.getAttribute(START_ATTRIBUTE) instanceof Long arrived) {
                start = arrived;
            }
        }
        return new AuditEntry(this, newRequestId(), endpoint, client, start, application.config().audit_content());
    }

    /** The line of any other {@code /v1/...} request (models, route, refused ones), unless it writes its own. */
    void access(String endpoint, HttpServletRequest request, int status) {
        if (request.getAttribute(OWNED_ATTRIBUTE) != null) {
            return;
        }
        long start = request.getAttribute(START_ATTRIBUTE) instanceof Long arrived ? arrived : System.nanoTime();
        ObjectNode line = line(newRequestId(), endpoint, (String) request.getAttribute(CLIENT_ATTRIBUTE));
        line.put("status", status);
        line.put("outcome", status < 400 ? "ok" : "error");
        line.put("latency_ms", (System.nanoTime() - start) / 1_000_000);
        write(line);
    }

    /** A line's common fields: when, which request, which endpoint, who. */
    static ObjectNode line(String requestId, String endpoint, String client) {
        ObjectNode line = JsonProvider.MAPPER.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("request_id", requestId);
        line.put("endpoint", endpoint);
        line.put("client", client);
        return line;
    }

    void write(ObjectNode line) {
        try {
            AUDIT.info(JsonProvider.MAPPER.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            // Cannot happen for a tree of plain nodes; say so rather than lose the line silently.
            LoggerFactory.getLogger(AuditLog.class).error("Cannot write an audit line for request {}",
                    line.path("request_id").asText(), e);
        }
    }

    /** A request id, also the id of the response ({@code chatcmpl-...}) when it has one. */
    static String newRequestId() {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
