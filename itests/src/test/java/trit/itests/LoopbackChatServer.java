package trit.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The smallest OpenAI-compatible chat server for in-framework tests, on 127.0.0.1: answers every
 * {@code POST .../chat/completions} with "pong" (whole, or as server-sent events when the body
 * asks for a stream) and remembers each request's Authorization header and body. One request per
 * connection.
 */
final class LoopbackChatServer implements AutoCloseable {

    /** What one request carried. */
    record Received(String authorization, String body) {
    }

    private final ServerSocket socket;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    LoopbackChatServer() {
        try {
            socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("itest-loopback-chat").start(this::serve);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
    }

    List<Received> received() {
        return received;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                answer(client);
            } catch (IOException e) {
                // closed, or the client went away: next
            }
        }
    }

    private void answer(Socket client) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        String authorization = null;
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            } else if (lower.startsWith("authorization:")) {
                authorization = line.substring(14).strip();
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        String text = new String(body, 0, read);
        received.add(new Received(authorization, text));
        boolean stream = text.contains("\"stream\":true");
        String chunk = "{\"id\":\"chatcmpl-it\",\"created\":1,\"model\":\"kimi-itest-model\",\"choices\":[{\"index\":0,";
        String payload = stream
                ? "data: " + chunk + "\"delta\":{\"content\":\"po\"},\"finish_reason\":null}]}\n\n"
                        + "data: " + chunk + "\"delta\":{\"content\":\"ng\"},\"finish_reason\":\"stop\","
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}]}\n\ndata: [DONE]\n\n"
                : chunk + "\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        String status = requestLine != null && requestLine.startsWith("POST ") && requestLine.contains("/chat/completions")
                ? "200 OK" : "404 Not Found";
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: " + (stream ? "text/event-stream" : "application/json")
                + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
