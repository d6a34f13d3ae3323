package trit.itests;

import java.util.Hashtable;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import trit.api.chat.ChatChoice;
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

/** A provider the tests register and unregister while the framework runs; it answers "ok" */
final class StaticProvider implements InferenceProvider {

    private final String name;
    private final Locality locality;
    private final List<ModelInfo> models;
    private final Availability availability;

    StaticProvider(String name, Availability availability, String... modelIds) {
        this(name, Locality.LOCAL, availability, modelIds);
    }

    StaticProvider(String name, Locality locality, Availability availability, String... modelIds) {
        this.name = name;
        this.locality = locality;
        this.availability = availability;
        this.models = java.util.Arrays.stream(modelIds).map(id -> new ModelInfo(id, "itest", 1_700_000_000L, 2048)).toList();
    }

    ServiceRegistration<InferenceProvider> register(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(PROVIDER_NAME, name);
        properties.put(LOCALITY, locality().name());
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
        return availability;
    }

    @Override
    public Generation stream(ChatRequest request, ChatStreamListener listener) {
        listener.onComplete(new ChatResponse("chatcmpl-itest", 0, request.model(),
                List.of(new ChatChoice(0, ChatMessage.assistant("ok"), FinishReason.STOP)), new Usage(1, 1), null));
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
