package trit.rest;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * Refuses request bodies above {@code max.request.bytes} with 413 before any resource runs: by
 * the declared {@code Content-Length} without reading anything, and for bodies of unknown length
 * (chunked) by reading at most one byte more than the limit. Every body within the limit is read
 * here, before anything can answer: an error answered over an unread body (405, 404, 400) makes
 * Jetty drop the connection, and a body still arriving then turns that into a reset that can
 * swallow the answer.
 */
@Component(service = ContainerRequestFilter.class)
@JakartarsExtension
@JakartarsName("trit.limits")
@JakartarsApplicationSelect(RestApplication.ALL_APPLICATIONS)
@PreMatching
public class RequestLimitFilter implements ContainerRequestFilter {

    private final RestApplication application;

    @Activate
    public RequestLimitFilter(@Reference RestApplication application) {
        this.application = application;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        long limit = application.maxRequestBytes();
        int declared = request.getLength();
        if (declared > limit) {
            request.abortWith(tooLarge(declared + " bytes", limit));
        } else if (request.hasEntity()) {
            byte[] body = request.getEntityStream().readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (body.length > limit) {
                request.abortWith(tooLarge("more than " + limit + " bytes", limit));
            } else {
                request.setEntityStream(new ByteArrayInputStream(body));
            }
        }
    }

    /**
     * Reads what is left of a body within the limit, before an answer that does not need it: an
     * answer over an unread body can reach the client as a reset (see the class comment).
     */
    static void drain(ContainerRequestContext request, long limit) throws IOException {
        if (request.hasEntity()) {
            request.getEntityStream().readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        }
    }

    private static Response tooLarge(String size, long limit) {
        Response error = ApiError.response(413, "The request body (" + size + ") is larger than the limit of "
                + limit + " bytes (max.request.bytes)", null, "request_too_large");
        // The rest of the body stays unread, so the server drops the connection after answering:
        // say so, or a client reuses it for its next request and fails on a closed socket.
        return Response.fromResponse(error).header("Connection", "close").build();
    }
}
