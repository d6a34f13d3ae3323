package trit.rest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonProperty;

import trit.api.provider.InferenceProvider;
import trit.api.provider.ModelInfo;

/** {@code GET /v1/models}: the models of the providers registered at this moment, in OpenAI's list format. */
@Component(service = ModelsResource.class)
@JakartarsResource
@JakartarsName("trit.models")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("v1/models")
public class ModelsResource {

    private static final Logger LOG = LoggerFactory.getLogger(ModelsResource.class);

    public record ModelList(String object, List<Model> data) {
    }

    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<InferenceProvider> providers = List.of();

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ModelList list() {
        return new ModelList("list", models(providers));
    }

    /**
     * Every model once, sorted by id. A provider that fails to list its models is left out (and
     * logged) rather than failing the whole list: the others still answer.
     */
    static List<Model> models(List<InferenceProvider> providers) {
        List<Model> models = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (InferenceProvider provider : providers) {
            List<ModelInfo> infos;
            try {
                infos = provider.models();
            } catch (RuntimeException e) {
                LOG.warn("Provider {} failed to list its models; leaving them out", provider.name(), e);
                continue;
            }
            for (ModelInfo info : infos) {
                if (seen.add(info.id())) {
                    models.add(new Model(info.id(), "model", info.created(), info.ownedBy()));
                }
            }
        }
        models.sort(Comparator.comparing(Model::id));
        return models;
    }
}
