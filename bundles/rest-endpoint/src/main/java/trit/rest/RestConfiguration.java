package trit.rest;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the REST API, PID {@code trit.rest} (file {@code etc/trit.rest.cfg}). */
@ObjectClassDefinition(name = "Trit REST API",
        description = "The OpenAI-compatible HTTP API. Changes apply to the next request, without a restart.")
public @interface RestConfiguration {

    String PID = "trit.rest";

    @AttributeDefinition(name = "Base path",
            description = "Path under which the API is served, e.g. / (then the API is at /v1/...) or /trit "
                    + "(then at /trit/v1/...). Unknown paths outside it still get JSON errors.")
    String base_path() default "/";

    @AttributeDefinition(name = "Maximum request body (bytes)",
            description = "Requests with a larger body are refused with 413 before they are read.", min = "1")
    long max_request_bytes() default 1_048_576;
}
