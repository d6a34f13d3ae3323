package trit.kimi;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import trit.api.provider.ProviderException;
import trit.api.provider.ProviderException.Kind;

/**
 * Explains a refused model id: asks {@code GET {base.url}/models} which ids the key may use and
 * names them in the error, so a retired id (Kimi renames its models) is fixed from the message.
 */
final class ModelCatalog {

    private ModelCatalog() {
    }

    /** The model-not-found error for {@code model}, naming the remote's available ids, or why they could not be listed. */
    static ProviderException explain(Remote remote, String model, ProviderException refusal) {
        String available;
        try {
            List<String> ids = list(remote);
            available = ids.isEmpty() ? "the remote lists no models for this key" : "available: " + String.join(", ", ids);
        } catch (IOException e) {
            available = "listing the available models failed too: " + remote.describe(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            available = "listing the available models was interrupted";
        }
        return new ProviderException(Kind.MODEL_NOT_FOUND, refusal.provider(), "model '" + model
                + "' is not available at " + remote.endpointName() + " (set 'model' of " + KimiConfiguration.PID
                + " to one the key may use; " + available + "). The remote said: " + refusal.getMessage(),
                null, null);
    }

    static List<String> list(Remote remote) throws IOException, InterruptedException {
        KimiSettings settings = remote.settings();
        HttpResponse<byte[]> response = remote.client().send(remote.request("models", settings.firstByteTimeout())
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("GET /models answered HTTP " + response.statusCode());
        }
        JsonNode data = remote.json().readTree(response.body()).path("data");
        if (!data.isArray()) {
            throw new IOException("GET /models answered without a data array");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode model : data) {
            if (model.hasNonNull("id")) {
                ids.add(model.path("id").asText());
            }
        }
        return ids;
    }
}
