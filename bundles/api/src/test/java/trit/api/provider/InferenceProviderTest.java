package trit.api.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import trit.api.chat.ChatChoice;
import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Usage;

/** The default blocking {@code complete} over a provider that only streams, on real threads. */
class InferenceProviderTest {

    private static final ChatRequest REQUEST = ChatRequest.of("echo", List.of(ChatMessage.user("a b c")));

    /** Streams the words of the last message back from a thread of its own, one per delta. */
    static final class EchoProvider implements InferenceProvider {
        final AtomicBoolean cancelled = new AtomicBoolean();
        final CountDownLatch started = new CountDownLatch(1);
        volatile boolean hang;
        volatile ProviderException failure;

        @Override public String name() { return "echo"; }
        @Override public Locality locality() { return Locality.LOCAL; }
        @Override public List<ModelInfo> models() { return List.of(new ModelInfo("echo", null, 0, 0)); }
        @Override public Availability availability() { return Availability.AVAILABLE; }

        @Override
        public Generation stream(ChatRequest request, ChatStreamListener listener) {
            AtomicBoolean done = new AtomicBoolean();
            Thread worker = Thread.ofPlatform().start(() -> {
                started.countDown();
                if (failure != null) {
                    listener.onError(failure);
                    done.set(true);
                    return;
                }
                StringBuilder text = new StringBuilder();
                String[] words = request.messages().getLast().content().split(" ");
                for (String word : words) {
                    while (hang && !cancelled.get()) {
                        Thread.onSpinWait();
                    }
                    if (cancelled.get()) {
                        break;
                    }
                    listener.onDelta(ChatDelta.text(word));
                    text.append(word);
                }
                FinishReason reason = cancelled.get() ? FinishReason.CANCELLED : FinishReason.STOP;
                listener.onComplete(new ChatResponse("chatcmpl-echo", 0, "echo",
                        List.of(new ChatChoice(0, ChatMessage.assistant(text.toString()), reason)),
                        new Usage(words.length, words.length), null));
                done.set(true);
            });
            return new Generation() {
                @Override public void cancel() { cancelled.set(true); }
                @Override public boolean isDone() { return done.get() && !worker.isAlive(); }
            };
        }
    }

    @Test
    void completeCollectsTheStreamedAnswer() {
        ChatResponse response = new EchoProvider().complete(REQUEST);
        assertEquals("abc", response.choice().message().content());
        assertEquals(FinishReason.STOP, response.choice().finishReason());
        assertEquals(6, response.usage().totalTokens());
    }

    @Test
    void completeRethrowsTheProvidersTypedError() {
        EchoProvider provider = new EchoProvider();
        provider.failure = new ProviderException(ProviderException.Kind.OVERLOADED, "echo", "queue full (4 waiting)");
        ProviderException e = assertThrows(ProviderException.class, () -> provider.complete(REQUEST));
        assertSame(provider.failure, e);
        assertTrue(e.kind().isRetryable());
        assertEquals(429, e.kind().httpStatus());
    }

    @Test
    void interruptingTheCallerCancelsTheGeneration() throws Exception {
        EchoProvider provider = new EchoProvider();
        provider.hang = true;
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                provider.complete(REQUEST);
            } catch (Throwable t) {
                thrown.set(t);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        });
        assertTrue(provider.started.await(5, TimeUnit.SECONDS));
        caller.interrupt();
        caller.join(5_000);

        ProviderException e = (ProviderException) thrown.get();
        assertEquals(ProviderException.Kind.CANCELLED, e.kind());
        assertTrue(interruptKept.get(), "the interrupt flag stays set for the caller's own handling");
        assertTrue(provider.cancelled.get(), "the provider was told to stop");
    }
}
