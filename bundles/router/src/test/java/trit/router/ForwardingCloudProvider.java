package trit.router;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import trit.api.chat.ChatChoice;
import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.FinishReason;
import trit.api.chat.Usage;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;
import trit.api.provider.ProviderException;

/**
 * A cloud provider that does what a cloud provider does with a request: sends its text over HTTP
 * (here to a {@link Tripwire}). {@code declared} is what {@link #locality()} claims, to test
 * providers that misdeclare themselves.
 */
final class ForwardingCloudProvider implements InferenceProvider {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String name;
    private final String url;
    private final Locality declared;

    ForwardingCloudProvider(String name, String url, Locality declared) {
        this.name = name;
        this.url = url;
        this.declared = declared;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Locality locality() {
        return declared;
    }

    @Override
    public List<ModelInfo> models() {
        return List.of(new ModelInfo("kimi-k2", "moonshot", 1, 262_144));
    }

    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        String text = request.messages().stream().map(ChatMessage::content).collect(Collectors.joining("\n"));
        var future = client.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        listener.onError(new ProviderException(ProviderException.Kind.UNAVAILABLE, name, "unreachable"));
                        return;
                    }
                    listener.onDelta(ChatDelta.text(response.body()));
                    listener.onComplete(new ChatResponse("chatcmpl-cloud", 1, request.model(),
                            List.of(new ChatChoice(0, ChatMessage.assistant(response.body()), FinishReason.STOP)),
                            new Usage(100, 3), null));
                });
        return new Generation() {
            @Override
            public void cancel() {
                future.cancel(true);
            }

            @Override
            public boolean isDone() {
                return future.isDone();
            }
        };
    }
}
