package trit.router;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the router itself, PID {@code trit.router}; each policy has its own {@code trit.router.<policy>}. */
@ObjectClassDefinition(name = "Trit router",
        description = "Routes requests for model 'auto' between local and cloud providers, with fallback.")
public @interface RouterConfiguration {

    String PID = "trit.router";

    @AttributeDefinition(name = "Offline",
            description = "When true, every request is answered by local providers only, as if each were marked "
                    + "privacy=local_only: nothing leaves the machine.")
    boolean offline() default false;

    @AttributeDefinition(name = "Unknown model ids",
            description = "What a request naming a model that no provider serves gets: 'auto' routes it as if it "
                    + "asked for 'auto'; 'reject' answers model_not_found.", options = {
                    @org.osgi.service.metatype.annotations.Option(label = "route as auto", value = "auto"),
                    @org.osgi.service.metatype.annotations.Option(label = "reject", value = "reject")})
    String unknown_model() default "auto";

    @AttributeDefinition(name = "Fallback on",
            description = "Failure kinds (ProviderException.Kind names) after which the next eligible provider is "
                    + "tried, as long as no output reached the caller yet.")
    String[] fallback_kinds() default {"OVERLOADED", "RATE_LIMITED", "QUOTA_EXHAUSTED", "UNAVAILABLE", "TIMEOUT",
            "UPSTREAM_ERROR", "CONTEXT_LENGTH_EXCEEDED", "AUTHENTICATION", "PERMISSION_DENIED", "MODEL_NOT_FOUND",
            "INTERNAL"};

    @AttributeDefinition(name = "Maximum attempts",
            description = "Providers tried at most for one request, the first included.", min = "1")
    int max_attempts() default 3;

    @AttributeDefinition(name = "First output timeout (ms)",
            description = "A provider that produces no output within this time is cancelled and the next one is "
                    + "tried; 0 leaves timeouts to the providers.", min = "0")
    long first_output_timeout_ms() default 60_000;
}
