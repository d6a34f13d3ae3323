package trit.rest;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;

/**
 * {@code POST /v1/completions}: OpenAI's legacy text completions. The prompt goes to the provider
 * as one user message marked {@code raw_prompt}, so a local model continues it without a chat template.
 */
@Component(service = CompletionsResource.class)
@JakartarsResource
@JakartarsName("trit.completions")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("v1/completions")
public class CompletionsResource {

    private final Answering answering;

    @Activate
    public CompletionsResource(@Reference RestApplication application, @Reference Inference inference,
                               @Reference ApiMetrics metrics, @Reference AuditLog audit) {
        this.answering = new Answering(application, inference, metrics, audit, "/v1/completions", RequestReader::completion,
                CompletionWire.INSTANCE);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response complete(InputStream body, @HeaderParam(ChatCompletionsResource.PRIVACY_HEADER) String privacy,
                             @Context HttpServletRequest request) throws IOException {
        return answering.answer(body, privacy, request);
    }
}
