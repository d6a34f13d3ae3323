package trit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParseException;

import trit.api.chat.ChatRequest;
import trit.api.provider.Availability;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.InferenceProvider;
import trit.api.provider.Locality;
import trit.api.provider.ModelInfo;

/** The REST endpoint's own logic, outside a framework (the itests cover it over HTTP). */
class RestEndpointTest {

    record Provider(String name, List<ModelInfo> models, RuntimeException failure) implements InferenceProvider {
        @Override public Locality locality() { return Locality.LOCAL; }
        @Override public Availability availability() { return Availability.AVAILABLE; }
        @Override public Generation stream(ChatRequest request, ChatStreamListener listener) {
            throw new UnsupportedOperationException("not used by the model list");
        }
        @Override public List<ModelInfo> models() {
            if (failure != null) {
                throw failure;
            }
            return models;
        }
    }

    private static ModelInfo model(String id, String owner) {
        return new ModelInfo(id, owner, 1, 0);
    }

    @Test
    void modelListIsSortedOncePerIdAndSurvivesAFailingProvider() {
        List<ModelsResource.Model> models = ModelsResource.models(List.of(
                new Provider("a", List.of(model("zeta", "first"), model("alpha", "first")), null),
                new Provider("broken", List.of(), new IllegalStateException("boom")),
                new Provider("b", List.of(model("alpha", "second"), model("mid", "second")), null)));
        assertEquals(List.of("alpha", "mid", "zeta"), models.stream().map(ModelsResource.Model::id).toList());
        assertEquals("first", models.get(0).ownedBy(), "the first provider to list an id keeps it");
        assertEquals("model", models.get(0).object());
    }

    @Test
    void basePathIsNormalizedAndValidated() {
        assertEquals("/", RestApplication.normalizeBasePath(""));
        assertEquals("/", RestApplication.normalizeBasePath(" / "));
        assertEquals("/", RestApplication.normalizeBasePath(null));
        assertEquals("/trit", RestApplication.normalizeBasePath("trit/"));
        assertEquals("/a/b", RestApplication.normalizeBasePath("//a//b/"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RestApplication.normalizeBasePath("/has space"));
        assertEquals("base.path '/has space' is not a URL path", e.getMessage());
    }

    @Test
    void errorsHaveOpenAiTypesByStatus() {
        assertEquals("invalid_request_error", ApiError.of(404, "m", null, "not_found").error().type());
        assertEquals("server_error", ApiError.of(503, "m", null, "unavailable").error().type());
        assertEquals("max_tokens", ApiError.of(400, "m", "max_tokens", "invalid_value").error().param());
    }

    @Test
    void malformedJsonIsA400AndAnUnexpectedFailureHidesItsDetails() {
        ErrorMapper mapper = new ErrorMapper();
        Response bad = mapper.toResponse(new JsonParseException(null, "Unexpected character ('}')"));
        assertEquals(400, bad.getStatus());
        ApiError error = (ApiError) bad.getEntity();
        assertEquals("invalid_json", error.error().code());
        assertEquals("The request body is not valid JSON: Unexpected character ('}')", error.error().message());

        Response bug = mapper.toResponse(new NullPointerException("secret internal detail"));
        assertEquals(500, bug.getStatus());
        ApiError internal = (ApiError) bug.getEntity();
        assertEquals("server_error", internal.error().type());
        assertEquals("Internal server error; the server log has the details.", internal.error().message());
    }
}
