package trit.itests;

import java.util.Hashtable;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.jakartars.whiteboard.JakartarsWhiteboardConstants;

/** A streaming resource the test registers on the whiteboard: proves the runtime serves SSE. */
@Path("itest/sse")
public class SseProbeResource {

    static ServiceRegistration<SseProbeResource> register(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(JakartarsWhiteboardConstants.JAKARTA_RS_RESOURCE, Boolean.TRUE);
        properties.put(JakartarsWhiteboardConstants.JAKARTA_RS_NAME, "itest.sse");
        properties.put(JakartarsWhiteboardConstants.JAKARTA_RS_APPLICATION_SELECT, "(osgi.jakartars.name=trit)");
        return context.registerService(SseProbeResource.class, new SseProbeResource(), properties);
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@QueryParam("n") int n, @Context SseEventSink sink, @Context Sse sse) {
        try (sink) {
            for (int i = 1; i <= n; i++) {
                sink.send(sse.newEventBuilder().data("event " + i).build()).toCompletableFuture().join();
            }
            sink.send(sse.newEventBuilder().data("[DONE]").build()).toCompletableFuture().join();
        }
    }
}
