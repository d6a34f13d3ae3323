package trit.api.provider;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;

/** Turns a streamed answer into a blocking one: the default of {@link InferenceProvider#complete}. */
final class StreamCollector implements ChatStreamListener {

    private final CompletableFuture<ChatResponse> result = new CompletableFuture<>();

    static ChatResponse collect(InferenceProvider provider, ChatRequest request) {
        StreamCollector collector = new StreamCollector();
        Generation generation = provider.stream(request, collector);
        try {
            return collector.result.get();
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.CANCELLED, provider.name(),
                    "the caller was interrupted while waiting for the answer");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ProviderException pe) {
                throw pe;
            }
            throw new ProviderException(ProviderException.Kind.INTERNAL, provider.name(),
                    "generation failed: " + e.getCause(), null, e.getCause());
        }
    }

    @Override
    public void onDelta(ChatDelta delta) {
        // The response handed to onComplete carries the assembled message: deltas need no copy here.
    }

    @Override
    public void onComplete(ChatResponse response) {
        result.complete(response);
    }

    @Override
    public void onError(ProviderException error) {
        result.completeExceptionally(error);
    }
}
