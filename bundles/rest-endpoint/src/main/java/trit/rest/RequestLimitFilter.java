package trit.rest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * Refuses request bodies above {@code max.request.bytes} with 413: by the declared
 * {@code Content-Length} before anything is read, and for bodies of unknown length (chunked) as
 * soon as the limit is passed while reading.
 */
@Component(service = ContainerRequestFilter.class, configurationPid = RestConfiguration.PID)
@JakartarsExtension
@JakartarsName("trit.limits")
@JakartarsApplicationSelect(RestApplication.ALL_APPLICATIONS)
@PreMatching
public class RequestLimitFilter implements ContainerRequestFilter {

    private volatile long maxRequestBytes;

    @Activate
    @Modified
    void configure(RestConfiguration config) {
        maxRequestBytes = config.max_request_bytes();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        long limit = maxRequestBytes;
        int declared = request.getLength();
        if (declared > limit) {
            request.abortWith(tooLarge(declared + " bytes", limit).getResponse());
            return;
        }
        if (request.hasEntity()) {
            request.setEntityStream(new LimitedInputStream(request.getEntityStream(), limit));
        }
    }

    static WebApplicationException tooLarge(String size, long limit) {
        return new WebApplicationException(ApiError.response(413, "The request body (" + size
                + ") is larger than the limit of " + limit + " bytes (max.request.bytes)", null, "request_too_large"));
    }

    /** Fails the read that passes the limit. */
    static final class LimitedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) {
            count += n;
            if (count > limit) {
                throw tooLarge("more than " + limit + " bytes", limit);
            }
        }
    }
}
