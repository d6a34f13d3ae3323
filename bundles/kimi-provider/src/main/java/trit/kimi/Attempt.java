package trit.kimi;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/**
 * One HTTP exchange with the remote: sends the request, enforces the first-byte and whole-request
 * timeouts with a watchdog, and reads the answer (streamed deltas go to the listener as they
 * arrive). {@link #abort} ends it from any thread by cancelling the exchange and closing the body.
 */
final class Attempt {

    /** Longest error body or whole answer read into memory. */
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_ANSWER_BODY = 32 * 1024 * 1024;

    private final Remote remote;
    private final HttpRequest request;
    private final boolean streaming;
    private final ChatStreamListener listener;
    private final AnswerAssembler assembler;

    private volatile Kind abortKind;
    private volatile String abortReason;
    private volatile CompletableFuture<HttpResponse<InputStream>> exchange;
    private volatile InputStream body;
    private volatile Future<?> firstByteTimer;

    Attempt(Remote remote, HttpRequest request, boolean streaming, ChatStreamListener listener) {
        this.remote = remote;
        this.request = request;
        this.streaming = streaming;
        this.listener = listener;
        this.assembler = new AnswerAssembler(remote.settings().model(), remote.json());
    }

    AnswerAssembler assembler() {
        return assembler;
    }

    /** Ends the exchange: the thread running {@link #execute} fails with {@code kind}. Idempotent. */
    void abort(Kind kind, String reason) {
        synchronized (this) {
            if (abortKind != null) {
                return;
            }
            abortReason = reason;
            abortKind = kind;
        }
        CompletableFuture<?> started = exchange;
        if (started != null) {
            started.cancel(true);
        }
        closeBody();
    }

    ChatResponse execute() throws AttemptFailure {
        KimiSettings settings = remote.settings();
        Future<?> requestTimer = remote.watchdog().schedule(() -> abort(Kind.TIMEOUT,
                        "no complete answer within request.timeout.ms = " + settings.requestTimeout().toMillis() + " ms"),
                settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (streaming) {
            firstByteTimer = remote.watchdog().schedule(() -> abort(Kind.TIMEOUT,
                            "no answer within first.byte.timeout.ms = " + settings.firstByteTimeout().toMillis() + " ms"),
                    settings.firstByteTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            HttpResponse<InputStream> response = send();
            body = response.body();
            if (abortKind != null) {
                closeBody();
                throw aborted();
            }
            try (InputStream in = new FirstByteStream(body)) {
                if (response.statusCode() != 200) {
                    throw failed(response, in);
                }
                if (streaming && isJson(response)) {
                    // A server that does not stream answers whole: pass its answer on as one delta.
                    return readWholeAsDelta(in);
                }
                return streaming ? readStream(in) : readWhole(in);
            }
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                // The caller's thread was interrupted while reading (complete()): a cancel, not a remote fault.
                abort(Kind.CANCELLED, "the caller was interrupted");
            }
            throw abortKind != null ? aborted() : new AttemptFailure(new ProviderException(Kind.UPSTREAM_ERROR,
                    settings.name(), "reading the answer from " + remote.endpointName() + " failed: "
                            + remote.describe(e), null, null), assembler.deltas() == 0, true);
        } finally {
            requestTimer.cancel(false);
            Future<?> timer = firstByteTimer;
            if (timer != null) {
                timer.cancel(false);
            }
            closeBody();
        }
    }

    private HttpResponse<InputStream> send() throws AttemptFailure {
        CompletableFuture<HttpResponse<InputStream>> started = remote.client().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        exchange = started;
        if (abortKind != null) {
            started.cancel(true);
        }
        try {
            return started.get();
        } catch (CancellationException e) {
            throw aborted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(Kind.CANCELLED, "the caller was interrupted");
            throw aborted();
        } catch (ExecutionException e) {
            if (abortKind != null) {
                throw aborted();
            }
            Throwable cause = e.getCause();
            String name = remote.settings().name();
            if (cause instanceof HttpConnectTimeoutException) {
                throw new AttemptFailure(new ProviderException(Kind.TIMEOUT, name, "connecting to " + remote.endpointName()
                        + " took longer than connect.timeout.ms = " + remote.settings().connectTimeout().toMillis() + " ms"),
                        true, true);
            }
            if (cause instanceof HttpTimeoutException) {
                throw new AttemptFailure(new ProviderException(Kind.TIMEOUT, name, remote.endpointName()
                        + " sent no answer within request.timeout.ms = " + remote.settings().requestTimeout().toMillis() + " ms"),
                        true, true);
            }
            if (cause instanceof ConnectException) {
                throw new AttemptFailure(new ProviderException(Kind.UNAVAILABLE, name, "cannot connect to "
                        + remote.endpointName() + ": " + remote.describe(cause)), true, true);
            }
            throw new AttemptFailure(new ProviderException(Kind.UPSTREAM_ERROR, name, "the exchange with "
                    + remote.endpointName() + " failed: " + remote.describe(cause), null, null), true, true);
        }
    }

    private AttemptFailure failed(HttpResponse<InputStream> response, InputStream in) throws IOException {
        String text = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        UpstreamError.Classified classified = UpstreamError.classify(remote.settings().name(), remote.endpointName(),
                response.statusCode(), text, Backoff.requested(response.headers(), Instant.now()),
                remote.redactor(), remote.json());
        return new AttemptFailure(classified.exception(), classified.retry(), classified.healthFailure());
    }

    private ChatResponse readWhole(InputStream in) throws IOException, AttemptFailure {
        byte[] bytes = in.readNBytes(MAX_ANSWER_BODY + 1);
        if (bytes.length > MAX_ANSWER_BODY) {
            throw malformed("the answer is larger than " + MAX_ANSWER_BODY + " bytes");
        }
        try {
            return assembler.whole(remote.json().readTree(bytes));
        } catch (AnswerAssembler.MalformedAnswerException e) {
            throw malformed(e.getMessage());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw malformed("the answer is not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static boolean isJson(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").map(type -> type.toLowerCase(java.util.Locale.ROOT)
                .startsWith("application/json")).orElse(false);
    }

    private ChatResponse readWholeAsDelta(InputStream in) throws IOException, AttemptFailure {
        ChatResponse whole = readWhole(in);
        var message = whole.choice().message();
        if (abortKind != null) {
            throw aborted();
        }
        listener.onDelta(new trit.api.chat.ChatDelta(message.content(), message.reasoningContent(), message.extensions()));
        return whole;
    }

    private ChatResponse readStream(InputStream in) throws IOException, AttemptFailure {
        SseReader events = new SseReader(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        String data;
        while ((data = events.next()) != null) {
            if (data.strip().equals("[DONE]")) {
                return assembler.assembled(null);
            }
            JsonNode chunk;
            try {
                chunk = remote.json().readTree(data);
                var delta = assembler.chunk(chunk);
                if (delta != null) {
                    if (abortKind != null) {
                        throw aborted();
                    }
                    listener.onDelta(delta);
                }
            } catch (AnswerAssembler.MalformedAnswerException e) {
                throw malformed(e.getMessage());
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw malformed("an event of the stream is not valid JSON (" + e.getOriginalMessage() + ")");
            }
        }
        if (abortKind != null) {
            throw aborted();
        }
        if (assembler.finished()) {
            // Some OpenAI-compatible servers end without [DONE]; the finish reason already said it is complete.
            return assembler.assembled(null);
        }
        throw new AttemptFailure(new ProviderException(Kind.UPSTREAM_ERROR, remote.settings().name(),
                "the stream from " + remote.endpointName() + " ended before [DONE] after " + assembler.deltas() + " deltas"),
                assembler.deltas() == 0, true);
    }

    private AttemptFailure malformed(String why) {
        return new AttemptFailure(new ProviderException(Kind.UPSTREAM_ERROR, remote.settings().name(),
                "malformed answer from " + remote.endpointName() + ": " + remote.redactor().redact(why)), false, true);
    }

    private AttemptFailure aborted() {
        Kind kind = abortKind == null ? Kind.CANCELLED : abortKind;
        String reason = abortReason == null ? "the caller cancelled" : abortReason;
        if (kind == Kind.TIMEOUT && assembler.deltas() > 0) {
            reason = reason + ", after " + assembler.deltas() + " deltas";
        }
        // A timeout before anything reached the caller may succeed on another attempt; a cancellation ends it.
        return new AttemptFailure(new ProviderException(kind, remote.settings().name(), reason),
                kind == Kind.TIMEOUT && assembler.deltas() == 0, kind == Kind.TIMEOUT);
    }

    private void closeBody() {
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // closing only aborts the exchange; nothing else to do
            }
        }
    }

    /** Stops the first-byte timer when the first byte of the body arrives. */
    private final class FirstByteStream extends FilterInputStream {
        private boolean seen;

        FirstByteStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            seen(b >= 0 ? 1 : 0);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            seen(n);
            return n;
        }

        private void seen(int n) {
            if (!seen && n > 0) {
                seen = true;
                Future<?> timer = firstByteTimer;
                if (timer != null) {
                    timer.cancel(false);
                }
            }
        }
    }
}
