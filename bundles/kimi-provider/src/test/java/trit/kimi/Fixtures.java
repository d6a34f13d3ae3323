package trit.kimi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.ProviderException;

/** Scripted answers, requests and a recording listener shared by the provider tests. */
final class Fixtures {

    /**
     * Shaped like a Moonshot key, made for this run (no key, not even a fake one, is committed);
     * must never appear in a log line or an error.
     */
    static final String KEY = "sk-" + java.util.UUID.randomUUID().toString().replace("-", "");
    static final String MODEL = "kimi-k2.6";

    private Fixtures() {
    }

    /** A provider on the scripted server, with short timeouts and backoff; {@code overrides} as property/value pairs. */
    static KimiProvider provider(MoonshotProcess server, Object... overrides) {
        Object[] base = {"base.url", server.baseUrl(), "api.key", KEY, "model", MODEL,
            "retry.initial.backoff.ms", 20L, "retry.max.backoff.ms", 2_000L, "first.byte.timeout.ms", 5_000L,
            "request.timeout.ms", 10_000L, "max.concurrent.requests", 8, "requests.per.minute", 0};
        Object[] all = new Object[base.length + overrides.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(overrides, 0, all, base.length, overrides.length);
        return new KimiProvider(KimiSettings.from(Configs.kimi(all), Map.of()));
    }

    static ChatRequest hello() {
        return ChatRequest.of(MODEL, List.of(ChatMessage.user("Hello")));
    }

    /** A whole (non-streamed) answer. */
    static String answer(String content) {
        return "{\"status\":200,\"body\":" + json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + json(content) + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,"
                + "\"total_tokens\":7}}") + "}";
    }

    /** A streamed answer: the given chunks' JSON, {@code gapMs} apart, then [DONE]. */
    static String events(long gapMs, String... chunks) {
        return "{\"status\":200,\"gapMs\":" + gapMs + ",\"events\":[" + String.join(",", chunks) + "]}";
    }

    /** A chunk whose delta has {@code deltaJson}'s fields. */
    static String chunk(String deltaJson) {
        return chunk(deltaJson, null, null);
    }

    static String chunk(String deltaJson, String finishReason, String choiceUsage) {
        return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,\"model\":\"" + MODEL
                + "\",\"choices\":[{\"index\":0,\"delta\":" + deltaJson + ",\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"")
                + (choiceUsage == null ? "" : ",\"usage\":" + choiceUsage) + "}]}";
    }

    static String content(String text) {
        return chunk("{\"content\":" + json(text) + "}");
    }

    /** An error answer in OpenAI's shape. */
    static String error(int status, String type, String message, String headersJson) {
        return "{\"status\":" + status + ",\"headers\":" + (headersJson == null ? "{}" : headersJson) + ",\"body\":"
                + json("{\"error\":{\"message\":" + json(message) + ",\"type\":\"" + type + "\"}}") + "}";
    }

    static String json(String text) {
        try {
            return MoonshotProcess.JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records a streamed answer: every delta with its arrival time, and the one terminal call. */
    static final class Recorder implements ChatStreamListener {
        final List<ChatDelta> deltas = new CopyOnWriteArrayList<>();
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> completed = new CompletableFuture<>();
        final CompletableFuture<ProviderException> failed = new CompletableFuture<>();
        volatile int terminalCalls;

        @Override
        public void onDelta(ChatDelta delta) {
            assertTrue(terminalCalls == 0, "a delta after the terminal call");
            deltas.add(delta);
            arrivals.add(System.nanoTime());
        }

        @Override
        public void onComplete(ChatResponse response) {
            terminalCalls++;
            completed.complete(response);
            failed.complete(null);
        }

        @Override
        public void onError(ProviderException error) {
            terminalCalls++;
            failed.complete(error);
            completed.complete(null);
        }

        /** Waits for the first delta (the exchange is then under way for sure). */
        void awaitDelta() {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (deltas.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no delta within 10 s");
                }
                MoonshotProcess.sleep(5);
            }
        }

        ChatResponse response() throws Exception {
            ChatResponse response = completed.get(15, TimeUnit.SECONDS);
            if (response == null) {
                throw new AssertionError("expected an answer, got " + failed.get());
            }
            return response;
        }

        ProviderException error() throws Exception {
            ProviderException error = failed.get(15, TimeUnit.SECONDS);
            if (error == null) {
                throw new AssertionError("expected an error, got " + completed.get());
            }
            return error;
        }

        String text() {
            StringBuilder text = new StringBuilder();
            deltas.forEach(d -> text.append(d.content()));
            return text.toString();
        }
    }
}
