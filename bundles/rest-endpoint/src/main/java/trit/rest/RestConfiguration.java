package trit.rest;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
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

    @AttributeDefinition(name = "API keys", type = AttributeType.PASSWORD, required = false,
            description = "Bearer tokens accepted in 'Authorization: Bearer KEY' on /v1/... (comma-separated in a "
                    + ".cfg file), each as NAME:KEY (the name, letters, digits, '.', '_', '-', is what the audit "
                    + "log shows of the client) or a bare KEY (named key-1, key-2 ... by position). None: the API "
                    + "answers only clients on the loopback address.")
    String[] api_keys() default {};

    @AttributeDefinition(name = "max_tokens cap",
            description = "Largest max_tokens / max_completion_tokens a request may ask for; more is refused with 400.",
            min = "1")
    int max_tokens_cap() default 32_768;

    @AttributeDefinition(name = "Maximum prompt length (characters)",
            description = "Longest prompt accepted, all message contents together; more is refused with 400.",
            min = "1")
    int max_prompt_chars() default 262_144;

    @AttributeDefinition(name = "Concurrent generations",
            description = "Generations the API runs at once; requests beyond get 429 with Retry-After.", min = "1")
    int max_concurrent_generations() default 8;

    @AttributeDefinition(name = "Retry-After (seconds)",
            description = "What a 429 for a saturated server tells the client to wait.", min = "1")
    int retry_after_seconds() default 1;

    @AttributeDefinition(name = "CORS allowed origins", required = false,
            description = "Origins browsers may call the API from, e.g. http://localhost:3000 (* for any). "
                    + "Empty: CORS is off.")
    String[] cors_allowed_origins() default {};

    @AttributeDefinition(name = "Audit content",
            description = "Also write the prompt and the answer of each request into the audit log "
                    + "(data/logs/audit.jsonl). Private requests (privacy=local_only, or kept local by the "
                    + "router's privacy policy) are never written with content, whatever this says.")
    boolean audit_content() default false;
}
