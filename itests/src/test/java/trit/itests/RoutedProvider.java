package trit.itests;

import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

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

/** A local or cloud provider for router tests: answers with its own name and counts what it got. */
final class RoutedProvider implements InferenceProvider {

    private final String name;
    private final Locality locality;
    private final List<ModelInfo> models;
    final AtomicInteger requests = new AtomicInteger();

    RoutedProvider(String name, Locality locality, String model, int contextLength) {
        this.name = name;
        this.locality = locality;
        this.models = List.of(new ModelInfo(model, "itest", 1_700_000_000L, contextLength));
    }

    ServiceRegistration<InferenceProvider> register(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(PROVIDER_NAME, name);
        properties.put(LOCALITY, locality.name());
        return context.registerService(InferenceProvider.class, this, properties);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Locality locality() {
        return locality;
    }

    @Override
    public List<ModelInfo> models() {
        return models;
    }

    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        requests.incrementAndGet();
        listener.onDelta(ChatDelta.text(name));
        listener.onComplete(new ChatResponse("chatcmpl-" + name, 0, request.model(),
                List.of(new ChatChoice(0, ChatMessage.assistant(name), FinishReason.STOP)), new Usage(3, 1), null));
        return new Generation() {
            @Override
            public void cancel() {
            }

            @Override
            public boolean isDone() {
                return true;
            }
        };
    }
}
