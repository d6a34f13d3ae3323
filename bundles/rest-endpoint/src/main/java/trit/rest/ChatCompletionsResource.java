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

/** {@code POST /v1/chat/completions}: OpenAI's chat completions, whole or streamed. */
@Component(service = ChatCompletionsResource.class)
@JakartarsResource
@JakartarsName("trit.chat")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Path("v1/chat/completions")
public class ChatCompletionsResource {

    /** The header that makes a request private, like the body's {@code privacy} field. */
    static final String PRIVACY_HEADER = "X-Trit-Privacy";

    private final Answering answering;

    @Activate
    public ChatCompletionsResource(@Reference RestApplication application, @Reference Inference inference,
                                   @Reference ApiMetrics metrics, @Reference AuditLog audit) {
        this.answering = new Answering(application, inference, metrics, audit, "/v1/chat/completions", RequestReader::chat,
                ChatWire.INSTANCE);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response complete(InputStream body, @HeaderParam(PRIVACY_HEADER) String privacy,
                             @Context HttpServletRequest request) throws IOException {
        return answering.answer(body, privacy, request);
    }
}
