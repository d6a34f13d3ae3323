package trit.kimi;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/**
 * One chat request through its attempts: retries with backoff while nothing has reached the
 * caller, reports each attempt to the circuit breaker and releases its admission slot at the end.
 * A streamed request runs on a virtual thread of its own ({@link #start}) and ends with exactly
 * one terminal callback; a whole one runs on the caller's thread ({@link #call}), where an
 * interrupt cancels it.
 */
final class ChatCall implements Generation {

    private static final Logger LOG = LoggerFactory.getLogger(ChatCall.class);

    private final Remote remote;
    private final CircuitBreaker breaker;
    private final AdmissionControl.Permit permit;
    private final Backoff backoff;
    private final HttpRequest request;
    private final boolean streaming;
    private final ChatStreamListener listener;
    private final Consumer<ChatCall> onEnd;
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private volatile Attempt current;
    private volatile String stopReason;
    private volatile boolean done;

    /** @param onEnd told once the request holds nothing any more (before the terminal callback) */
    ChatCall(Remote remote, CircuitBreaker breaker, AdmissionControl.Permit permit, HttpRequest request,
             boolean streaming, ChatStreamListener listener, Consumer<ChatCall> onEnd) {
        this.remote = remote;
        this.breaker = breaker;
        this.permit = permit;
        this.backoff = new Backoff(remote.settings().initialBackoff(), remote.settings().maxBackoff());
        this.request = request;
        this.streaming = streaming;
        this.listener = listener;
        this.onEnd = onEnd;
    }

    /** Runs the request on a virtual thread; the answer goes to the listener. */
    ChatCall start() {
        Thread.ofVirtual().name("trit-kimi-" + remote.settings().name()).start(this::run);
        return this;
    }

    /**
     * Runs the request on the calling thread.
     *
     * @throws ProviderException the failure; {@code CANCELLED} when the thread is interrupted (its flag stays set)
     */
    ChatResponse call() {
        try {
            return attempts();
        } finally {
            release();
        }
    }

    @Override
    public void cancel() {
        if (cancelled.getCount() == 0) {
            return;
        }
        cancelled.countDown();
        Attempt attempt = current;
        if (attempt != null) {
            attempt.abort(Kind.CANCELLED, "the caller cancelled");
        }
    }

    /** Ends the request with {@code UNAVAILABLE} because the provider itself goes away (not the caller's choice). */
    void stop(String reason) {
        stopReason = reason;
        cancelled.countDown();
        Attempt attempt = current;
        if (attempt != null) {
            attempt.abort(Kind.UNAVAILABLE, reason);
        }
    }

    @Override
    public boolean isDone() {
        return done;
    }

    private void run() {
        ChatResponse response = null;
        ProviderException error = null;
        try {
            response = attempts();
        } catch (ProviderException e) {
            error = e;
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected fault: {}", remote.settings().name(), remote.describe(e));
            error = new ProviderException(Kind.INTERNAL, remote.settings().name(),
                    "unexpected fault in the provider: " + e.getClass().getSimpleName());
        } finally {
            release();
        }
        Attempt last = current;
        if (error != null && error.kind() == Kind.CANCELLED && streaming && last != null) {
            // What was streamed before the cancel stays delivered: the caller gets it as a cancelled answer.
            response = last.assembler().assembled(FinishReason.CANCELLED);
            error = null;
        }
        try {
            if (error == null) {
                listener.onComplete(response);
            } else {
                listener.onError(error);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: the listener failed on the terminal callback: {}", remote.settings().name(), e.toString());
        } finally {
            done = true;
        }
    }

    private ChatResponse attempts() {
        KimiSettings settings = remote.settings();
        for (int attempt = 0; ; attempt++) {
            Attempt exchange = new Attempt(remote, request, streaming, listener);
            current = exchange;
            if (stopReason != null) {
                throw new ProviderException(Kind.UNAVAILABLE, settings.name(), stopReason);
            }
            if (cancelled.getCount() == 0 || Thread.currentThread().isInterrupted()) {
                exchange.abort(Kind.CANCELLED, "the caller cancelled");
            }
            LOG.debug("{}: POST {}/chat/completions (model {}, stream {}, attempt {})", settings.name(),
                    remote.endpointName(), settings.model(), streaming, attempt + 1);
            try {
                ChatResponse response = exchange.execute();
                breaker.success();
                return response;
            } catch (AttemptFailure failure) {
                ProviderException error = failure.error();
                record(failure);
                if (error.kind() == Kind.CANCELLED) {
                    throw error;
                }
                if (error.kind() == Kind.MODEL_NOT_FOUND) {
                    throw ModelCatalog.explain(remote, settings.model(), error);
                }
                if (error.kind() == Kind.AUTHENTICATION && !settings.hasApiKey()) {
                    throw new ProviderException(Kind.AUTHENTICATION, settings.name(), error.getMessage()
                            + "; no API key is configured (set api.key of " + KimiConfiguration.PID
                            + " or the environment variable MOONSHOT_API_KEY)");
                }
                boolean streamedAlready = exchange.assembler().deltas() > 0;
                if (!failure.retry() || streamedAlready || attempt >= settings.maxRetries()
                        || breaker.currentState() == CircuitBreaker.State.OPEN) {
                    throw attempt == 0 ? error : afterAttempts(error, attempt + 1);
                }
                Duration wait = error.retryAfter().orElse(null);
                if (wait != null && wait.compareTo(settings.maxBackoff()) > 0) {
                    // The remote asks for a longer pause than a caller should wait: let the router go elsewhere now.
                    throw afterAttempts(error, attempt + 1);
                }
                if (wait == null) {
                    wait = backoff.delay(attempt);
                }
                LOG.info("{}: attempt {} failed ({}); retrying in {} ms", settings.name(), attempt + 1,
                        remote.redactor().redact(error.getMessage()), wait.toMillis());
                if (pause(wait)) {
                    throw stopReason != null ? new ProviderException(Kind.UNAVAILABLE, settings.name(), stopReason)
                            : new ProviderException(Kind.CANCELLED, settings.name(), "the caller cancelled");
                }
                if (!permit.retryWithinBudget()) {
                    throw afterAttempts(error, attempt + 1, "; no retry left within requests.per.minute");
                }
            }
        }
    }

    private void release() {
        permit.close();
        onEnd.accept(this);
    }

    /** Tells the circuit breaker what the attempt says about the remote's health. */
    private void record(AttemptFailure failure) {
        Kind kind = failure.error().kind();
        if (failure.healthFailure()) {
            boolean wasOpen = breaker.currentState() == CircuitBreaker.State.OPEN;
            breaker.failure(remote.redactor().redact(failure.error().getMessage()));
            if (!wasOpen && breaker.currentState() == CircuitBreaker.State.OPEN) {
                LOG.warn("{}: circuit open after repeated failures; unavailable for {} ms (last: {})",
                        remote.settings().name(), remote.settings().circuitOpenDuration().toMillis(),
                        remote.redactor().redact(failure.error().getMessage()));
            }
        } else if (kind == Kind.CANCELLED || kind == Kind.RATE_LIMITED || kind == Kind.QUOTA_EXHAUSTED) {
            breaker.abandon();
        } else {
            // The remote answered sensibly (e.g. 400 for a bad request): it is healthy.
            breaker.success();
        }
    }

    /** Waits before a retry; true when the caller cancelled meanwhile. */
    private boolean pause(Duration wait) {
        try {
            return cancelled.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static ProviderException afterAttempts(ProviderException error, int attempts) {
        return afterAttempts(error, attempts, "");
    }

    private static ProviderException afterAttempts(ProviderException error, int attempts, String note) {
        return new ProviderException(error.kind(), error.provider(), error.getMessage() + " (after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + note + ")", error.retryAfter().orElse(null), null);
    }
}
