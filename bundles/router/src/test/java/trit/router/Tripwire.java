package trit.router;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on loopback standing in for the cloud. It counts every connection and every
 * byte it receives (a test for privacy asserts both stay zero) and answers each request with a
 * minimal chat answer, so that a test can also prove the path to it works when it is allowed.
 */
final class Tripwire implements AutoCloseable {

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    Tripwire() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::serve);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions";
    }

    int connections() {
        return connections.get();
    }

    long bytes() {
        return bytes.get();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> answer(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[8192];
            StringBuilder request = new StringBuilder();
            int n;
            while ((n = in.read(buffer)) > 0) {
                bytes.addAndGet(n);
                request.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                int headerEnd = request.indexOf("\r\n\r\n");
                if (headerEnd >= 0) {
                    int length = contentLength(request.substring(0, headerEnd));
                    if (request.length() - headerEnd - 4 >= length) {
                        break;
                    }
                }
            }
            byte[] body = "cloud answer".getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
        } catch (IOException e) {
            // the client went away; what it sent is counted already
        }
    }

    private static int contentLength(String headers) {
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
