package trit.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * One request answered by the first provider of its plan that succeeds.
 *
 * <p>While nothing has reached the caller, a failure of a configured kind (or no output within
 * the first-output timeout) starts the next provider of the plan at once, on another thread
 * (never inside the failing provider's callback). Once a delta has been passed on, a failure ends
 * the stream with that error: switching then would splice two answers together.
 *
 * <p>Callbacks of an attempt that was given up (timed out, cancelled) are ignored, so the caller
 * sees exactly one provider's deltas and exactly one terminal call.
 */
final class FallbackStream implements Generation {

    private final Plan plan;
    private final ChatRequest request;
    private final ChatStreamListener downstream;
    private final RouterSettings settings;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Dispatch.Outcome outcome;
    private final int maxAttempts;

    private final List<Route.Attempt> attempts = new ArrayList<>();
    private int active = -1;
    private long attemptStart;
    private Generation current;
    private ScheduledFuture<?> timeout;
    private boolean started;
    private boolean cancelled;
    private volatile boolean done;

    FallbackStream(Plan plan, ChatRequest request, ChatStreamListener downstream, RouterSettings settings,
                   Executor executor, ScheduledExecutorService timer, Dispatch.Outcome outcome) {
        this.plan = plan;
        this.request = request;
        this.downstream = downstream;
        this.settings = settings;
        this.executor = executor;
        this.timer = timer;
        this.outcome = outcome;
        this.maxAttempts = Math.min(settings.maxAttempts(), plan.steps().size());
    }

    /** Starts the first provider; returns at once. */
    FallbackStream start() {
        attempt(0);
        return this;
    }

    private void attempt(int index) {
        Plan.Step step = plan.steps().get(index);
        AttemptListener listener = new AttemptListener(index);
        synchronized (this) {
            if (cancelled) {
                listener.fail(new ProviderException(ProviderException.Kind.CANCELLED, "router", "cancelled before "
                        + step.entry().name() + " was asked"), false);
                return;
            }
            active = index;
            attemptStart = System.nanoTime();
            long millis = settings.firstOutputTimeout().toMillis();
            if (millis > 0) {
                try {
                    timeout = timer.schedule(() -> listener.fail(new ProviderException(ProviderException.Kind.TIMEOUT,
                            step.entry().name(), "no output within " + millis + " ms"), true), millis, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopping) {
                    // The router is being deactivated: the provider's own timeout still ends this attempt.
                    timeout = null;
                }
            }
        }
        Generation generation;
        try {
            generation = Dispatch.start(plan, step.entry(), request.withModel(step.model()), listener);
        } catch (ProviderException e) {
            listener.fail(e, false);
            return;
        } catch (RuntimeException e) {
            listener.fail(new ProviderException(ProviderException.Kind.INTERNAL, step.entry().name(),
                    "the provider failed: " + e.getClass().getSimpleName(), null, e), false);
            return;
        }
        boolean cancelNow;
        synchronized (this) {
            cancelNow = active != index || cancelled;
            if (active == index) {
                current = generation;
            }
        }
        if (cancelNow) {
            generation.cancel();
        }
    }

    @Override
    public void cancel() {
        Generation toCancel;
        synchronized (this) {
            cancelled = true;
            toCancel = current;
        }
        if (toCancel != null) {
            toCancel.cancel();
        }
    }

    @Override
    public boolean isDone() {
        return done;
    }

    private Route route(String provider, String model, List<Route.Attempt> tried) {
        String reason = plan.reason();
        if (tried.size() > 1) {
            reason += "; fell back after " + tried.subList(0, tried.size() - 1).stream()
                    .map(a -> a.provider() + " " + a.outcome()).collect(Collectors.joining(", "));
        }
        return new Route(provider, model, plan.policy(), reason, tried);
    }

    /** Receives one attempt's callbacks and passes on those of the attempt still active. */
    private final class AttemptListener implements ChatStreamListener {

        private final int index;
        private final Plan.Step step;

        AttemptListener(int index) {
            this.index = index;
            this.step = plan.steps().get(index);
        }

        @Override
        public void onDelta(ChatDelta delta) {
            Route first = null;
            synchronized (FallbackStream.this) {
                if (active != index || done) {
                    return;
                }
                if (!started) {
                    started = true;
                    cancelTimeout();
                    first = route(step.entry().name(), step.model(), Dispatch.plus(attempts,
                            new Route.Attempt(step.entry().name(), "ok", elapsedMillis())));
                }
            }
            downstream.onDelta(first == null ? delta : Dispatch.withRoute(delta, first));
        }

        @Override
        public void onComplete(ChatResponse response) {
            Route route;
            String result;
            synchronized (FallbackStream.this) {
                if (active != index || done) {
                    return;
                }
                done = true;
                cancelTimeout();
                attempts.add(new Route.Attempt(step.entry().name(), "ok", elapsedMillis()));
                route = route(step.entry().name(), response.model(), attempts);
                result = attempts.size() == 1 ? "ok" : "fallback_ok";
            }
            // Counted before the caller hears of it, so that whoever reads the counters after the answer sees it.
            outcome.finished(route, result, step.entry().isLocal() ? Map.of()
                    : Map.of(step.entry(), Dispatch.usageOf(request, response)));
            downstream.onComplete(Dispatch.withRoute(response, route, plan, Map.of()));
        }

        @Override
        public void onError(ProviderException error) {
            fail(error, false);
        }

        /** Ends this attempt with {@code error}: the next provider starts, or the caller gets the error. */
        void fail(ProviderException error, boolean giveUp) {
            Generation abandoned = null;
            int next = -1;
            ProviderException terminal = null;
            Route route = null;
            synchronized (FallbackStream.this) {
                if (active != index || done || (giveUp && started)) {
                    return;
                }
                cancelTimeout();
                attempts.add(new Route.Attempt(step.entry().name(), error.kind().name(), elapsedMillis()));
                if (giveUp) {
                    abandoned = current;
                }
                current = null;
                boolean switchable = !started && !cancelled && settings.fallbackKinds().contains(error.kind());
                if (switchable && index + 1 < maxAttempts) {
                    next = index + 1;
                    active = next;
                } else {
                    done = true;
                    route = route(step.entry().name(), step.model(), attempts);
                    terminal = terminalError(error, switchable);
                }
            }
            if (abandoned != null) {
                abandoned.cancel();
            }
            if (next >= 0) {
                int nextIndex = next;
                try {
                    executor.execute(() -> attempt(nextIndex));
                    return;
                } catch (RejectedExecutionException stopping) {
                    synchronized (FallbackStream.this) {
                        done = true;
                        route = route(step.entry().name(), step.model(), attempts);
                    }
                    terminal = new ProviderException(ProviderException.Kind.UNAVAILABLE, "router",
                            "the router stopped before trying the next provider after " + error.getMessage());
                }
            }
            outcome.finished(route, terminal.kind().name(), Map.of());
            downstream.onError(terminal);
        }

        private ProviderException terminalError(ProviderException last, boolean exhausted) {
            if (started) {
                return new ProviderException(last.kind(), last.provider(), step.entry().name()
                        + " failed after its answer had started (not switched to another provider): "
                        + last.getMessage(), last.retryAfter().orElse(null), last);
            }
            if (attempts.size() == 1 && !exhausted) {
                return last;
            }
            return new ProviderException(last.kind(), last.provider(), "every provider tried failed: " + attempts.stream()
                    .map(a -> a.provider() + " " + a.outcome()).collect(Collectors.joining(", "))
                    + "; last: " + last.getMessage(), last.retryAfter().orElse(null), last);
        }

        private void cancelTimeout() {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }

        private long elapsedMillis() {
            return (System.nanoTime() - attemptStart) / 1_000_000;
        }
    }
}
