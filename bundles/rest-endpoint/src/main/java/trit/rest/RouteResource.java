package trit.rest;

import java.io.IOException;
import java.io.InputStream;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

import trit.api.provider.ProviderException;
import trit.api.routing.RouteDecision;
import trit.api.routing.Router;

/**
 * {@code POST /v1/route}: where the router would send a chat request, without sending it
 * (body: a chat request, {@code privacy} included; answer: the router's {@link RouteDecision}).
 */
@Component(service = RouteResource.class)
@JakartarsResource
@JakartarsName("trit.route")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("v1/route")
public class RouteResource {

    private final RestApplication application;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Router router;

    @Activate
    public RouteResource(@Reference RestApplication application) {
        this.application = application;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public RouteDecision decide(InputStream body,
                                @HeaderParam(ChatCompletionsResource.PRIVACY_HEADER) String privacy) throws IOException {
        RequestReader.Parsed parsed = RequestReader.chat(JsonProvider.MAPPER.readTree(body), privacy,
                RequestReader.Limits.of(application.config()));
        Router current = router;
        if (current == null) {
            throw new ApiException(503, "No router is running: routing decisions need the trit.router bundle",
                    null, "no_router");
        }
        try {
            return current.decide(parsed.request());
        } catch (ProviderException e) {
            throw ApiException.from(e);
        }
    }
}
