package trit.kimi;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stand-in for Moonshot's API, run by the tests as a separate process on 127.0.0.1: an
 * HTTP/1.1 server on a plain socket, so that it can misbehave the way real networks do (cut a
 * chunked stream mid-way, stall before the first byte) and notice when the client goes away.
 *
 * <p>Tests script it over HTTP on the same port: {@code POST /__script} appends answers (a JSON
 * array of steps) for {@code POST /v1/chat/completions}, {@code POST /__models} sets the answer
 * of {@code GET /v1/models}, {@code GET /__requests} returns what it received (method, path,
 * headers, body) and what happened to each answer ({@code outcome}), {@code POST /__reset} forgets
 * everything. A step: {@code status}, {@code headers}, {@code delayMs} (before anything is sent),
 * and either {@code body} (sent whole) or {@code events} (SSE data, sent {@code gapMs} apart,
 * then {@code [DONE]} unless {@code done} is false; {@code cutAfter} closes the connection
 * abruptly after that many events; {@code holdMs} keeps the stream open before ending it).
 *
 * <p>Prints {@code PORT <n>} on standard output once it listens; ends when standard input closes.
 */
public final class ScriptedMoonshot {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArrayDeque<JsonNode> script = new ArrayDeque<>();
    private final ArrayNode received = JSON.createArrayNode();
    private JsonNode models = JSON.createObjectNode().put("object", "list").set("data", JSON.createArrayNode());

    public static void main(String[] args) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        System.out.println("PORT " + server.getLocalPort());
        System.out.flush();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test holds our standard input open while it needs us
                }
            } catch (IOException e) {
                // parent gone
            }
            System.exit(0);
        });
        ScriptedMoonshot moonshot = new ScriptedMoonshot();
        while (true) {
            Socket socket = server.accept();
            Thread.ofPlatform().daemon().start(() -> moonshot.serve(socket));
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Request request = Request.read(in);
                if (request == null || !answer(request, socket, in, out)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Answers one request; false when the connection must close. */
    private boolean answer(Request request, Socket socket, InputStream in, OutputStream out) throws IOException {
        switch (request.method + " " + request.path) {
            case "POST /__script" -> {
                synchronized (this) {
                    JSON.readTree(request.body).forEach(script::addLast);
                }
                return send(out, 200, Map.of(), "{}");
            }
            case "POST /__models" -> {
                synchronized (this) {
                    models = JSON.readTree(request.body);
                }
                return send(out, 200, Map.of(), "{}");
            }
            case "POST /__reset" -> {
                synchronized (this) {
                    script.clear();
                    received.removeAll();
                }
                return send(out, 200, Map.of(), "{}");
            }
            case "GET /__requests" -> {
                String body;
                synchronized (this) {
                    body = JSON.writeValueAsString(received);
                }
                return send(out, 200, Map.of(), body);
            }
            default -> { }
        }
        ObjectNode record = record(request);
        if (request.path.endsWith("/models") && request.method.equals("GET")) {
            String body;
            synchronized (this) {
                body = JSON.writeValueAsString(models);
            }
            outcome(record, "answered");
            return send(out, 200, Map.of(), body);
        }
        JsonNode step;
        synchronized (this) {
            step = script.pollFirst();
        }
        if (step == null) {
            outcome(record, "unscripted");
            return send(out, 500, Map.of(), "{\"error\":{\"message\":\"no scripted answer left\",\"type\":\"server_error\"}}");
        }
        pause(step.path("delayMs").asLong(0));
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> header : step.path("headers").properties()) {
            headers.put(header.getKey(), header.getValue().asText());
        }
        int status = step.path("status").asInt(200);
        if (!step.has("events")) {
            boolean open = send(out, status, headers, step.path("body").asText(""));
            outcome(record, "answered");
            return open;
        }
        return stream(step, status, headers, socket, in, out, record);
    }

    private boolean stream(JsonNode step, int status, Map<String, String> headers, Socket socket, InputStream in,
                           OutputStream out, ObjectNode record) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        List<String> events = new ArrayList<>();
        step.path("events").forEach(event -> events.add(event.isTextual() ? event.asText() : event.toString()));
        if (step.path("done").asBoolean(true)) {
            events.add("[DONE]");
        }
        int cutAfter = step.path("cutAfter").asInt(-1);
        long gap = step.path("gapMs").asLong(0);
        try {
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < events.size(); i++) {
                if (i == cutAfter) {
                    // Half a chunk, then the connection closes: what a dropped connection looks like to the
                    // client. A pause first, so what was sent before is read (a reset could discard it).
                    pause(Math.max(gap, 100));
                    out.write("40\r\ndata: {\"cho".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    outcome(record, "cut after " + i + " events");
                    socket.shutdownOutput();
                    return false;
                }
                if (i > 0 && !waitOrDisconnected(socket, in, gap)) {
                    outcome(record, "client disconnected after " + i + " events");
                    return false;
                }
                chunk(out, "data: " + events.get(i) + "\n\n");
                if (i == events.size() - (step.path("done").asBoolean(true) ? 2 : 1)
                        && !waitOrDisconnected(socket, in, step.path("holdMs").asLong(0))) {
                    outcome(record, "client disconnected after " + (i + 1) + " events");
                    return false;
                }
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            outcome(record, "answered");
            return true;
        } catch (IOException e) {
            outcome(record, "client disconnected: " + e.getMessage());
            return false;
        }
    }

    /** Waits {@code millis} while watching the connection; false when the client closed it meanwhile. */
    private static boolean waitOrDisconnected(Socket socket, InputStream in, long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            socket.setSoTimeout((int) Math.max(1, Math.min(50, deadline - System.currentTimeMillis())));
            try {
                in.mark(1);
                if (in.read() < 0) {
                    return false;
                }
                in.reset();
            } catch (SocketTimeoutException e) {
                // still connected, nothing sent: keep waiting
            } finally {
                socket.setSoTimeout(0);
            }
        }
        return true;
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static boolean send(OutputStream out, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Scripted\r\nContent-Length: " + bytes.length + "\r\n");
        if (!headers.containsKey("Content-Type")) {
            head.append("Content-Type: application/json\r\n");
        }
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return true;
    }

    private synchronized ObjectNode record(Request request) {
        ObjectNode record = received.addObject();
        record.put("method", request.method).put("path", request.path);
        ObjectNode headers = record.putObject("headers");
        request.headers.forEach(headers::put);
        record.put("body", request.body);
        return record;
    }

    private synchronized void outcome(ObjectNode record, String outcome) {
        record.put("outcome", outcome);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One parsed HTTP/1.1 request. */
    private record Request(String method, String path, Map<String, String> headers, String body) {

        static Request read(InputStream in) throws IOException {
            String line = line(in);
            if (line == null || line.isEmpty()) {
                return null;
            }
            String[] parts = line.split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                int size;
                while ((size = Integer.parseInt(line(in).strip(), 16)) > 0) {
                    all.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
                body = all.toByteArray();
            } else {
                body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            }
            return new Request(parts[0], parts[1], headers, new String(body, StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    bytes.write(b);
                }
            }
            return b < 0 && bytes.size() == 0 ? null : bytes.toString(StandardCharsets.US_ASCII);
        }
    }
}
