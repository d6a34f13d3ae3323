package trit.kimi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One Kimi (or other OpenAI-compatible) endpoint: factory PID {@code trit.provider.kimi}, one
 * configuration per instance (file {@code etc/trit.provider.kimi-NAME.cfg}).
 */
@ObjectClassDefinition(name = "Trit Kimi provider",
        description = "Sends chat completions to Moonshot AI's Kimi K2 (or any OpenAI-compatible server). "
                + "One configuration per endpoint; a change restarts that instance.")
public @interface KimiConfiguration {

    String PID = "trit.provider.kimi";

    @AttributeDefinition(name = "Provider name",
            description = "Unique name of this provider (service property trit.provider.name), e.g. kimi or kimi-cn.")
    String name() default "kimi";

    @AttributeDefinition(name = "Base URL",
            description = "The OpenAI-compatible API root: https://api.moonshot.ai/v1 (global), "
                    + "https://api.moonshot.cn/v1 (China), or any other OpenAI-compatible server.")
    String base_url() default "https://api.moonshot.ai/v1";

    @AttributeDefinition(name = "Model",
            description = "The model id sent upstream and listed by /v1/models. GET {base.url}/models lists what "
                    + "the key may use; a retired id fails with an error naming the available ones.")
    String model() default "kimi-k2.6";

    @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD,
            description = "Bearer token. Empty: the environment variable MOONSHOT_API_KEY, else KIMI_API_KEY; "
                    + "none at all sends no Authorization header (for servers that need none).")
    String api_key() default "";

    @AttributeDefinition(name = "Context length",
            description = "The model's context window in tokens, as listed by /v1/models (0 = unknown).", min = "0")
    int context_length() default 262_144;

    @AttributeDefinition(name = "Connect timeout (ms)", min = "1",
            description = "Longest wait for the TCP/TLS connection.")
    long connect_timeout_ms() default 10_000;

    @AttributeDefinition(name = "First byte timeout (ms)", min = "1",
            description = "Streaming: longest wait from sending the request to the first byte of the event stream. "
                    + "A non-streaming answer arrives whole, so only the request timeout bounds it.")
    long first_byte_timeout_ms() default 60_000;

    @AttributeDefinition(name = "Request timeout (ms)", min = "1",
            description = "Longest time one attempt may take from sending to the last byte of the answer.")
    long request_timeout_ms() default 600_000;

    @AttributeDefinition(name = "Retries", min = "0",
            description = "Further attempts after a connection error, a timeout before the first byte, 429 (not "
                    + "quota) or 5xx. Never after the first streamed byte reached the caller.")
    int max_retries() default 3;

    @AttributeDefinition(name = "Initial backoff (ms)", min = "1",
            description = "Delay before the first retry; doubled each retry, with random jitter, up to the "
                    + "maximum backoff. Retry-After and rate-limit reset headers take precedence.")
    long retry_initial_backoff_ms() default 1_000;

    @AttributeDefinition(name = "Maximum backoff (ms)", min = "1",
            description = "Longest delay before one retry. When the remote asks for a longer wait, the request "
                    + "fails at once with that wait as its Retry-After.")
    long retry_max_backoff_ms() default 30_000;

    @AttributeDefinition(name = "Maximum concurrent requests", min = "1",
            description = "Requests in flight at once; more fail at once as rate limited locally. "
                    + "Kimi's entry tier allows 1.")
    int max_concurrent_requests() default 1;

    @AttributeDefinition(name = "Requests per minute", min = "0",
            description = "Requests started in any 60 s window; more fail at once as rate limited locally. "
                    + "0 = no limit. Kimi's entry tier allows 3.")
    int requests_per_minute() default 3;

    @AttributeDefinition(name = "Circuit breaker threshold", min = "1",
            description = "Consecutive failed attempts (connection errors, timeouts, 5xx, malformed or cut answers, "
                    + "refused key) after which the provider reports itself unavailable for the cool-down.")
    int circuit_failure_threshold() default 5;

    @AttributeDefinition(name = "Circuit breaker cool-down (ms)", min = "1",
            description = "How long the provider stays unavailable once the circuit opens; then one trial request "
                    + "decides whether it closes again.")
    long circuit_open_ms() default 30_000;

    @AttributeDefinition(name = "Model constraints",
            description = "Sampling parameters a model accepts only at one value, one entry per model: "
                    + "'MODEL_ID PARAM=VALUE ...' with PARAM one of temperature, top_p, presence_penalty, "
                    + "frequency_penalty. Example: 'kimi-k2.6 temperature=1'.")
    String[] model_constraints() default {
        "kimi-k2.6 temperature=1", "kimi-k2.5 temperature=1",
        "kimi-k2-thinking temperature=1", "kimi-k2-thinking-turbo temperature=1"};

    @AttributeDefinition(name = "On a constraint mismatch",
            description = "adapt: leave the parameter out so the model uses its fixed value; "
                    + "reject: refuse the request with a message naming the allowed value.",
            options = {@Option(value = "adapt", label = "Adapt the request"),
                       @Option(value = "reject", label = "Reject the request")})
    String model_constraints_policy() default "adapt";

    @AttributeDefinition(name = "Ask for streamed usage",
            description = "Send stream_options.include_usage=true when streaming (unless the request sets "
                    + "stream_options), so OpenAI-style servers report token usage in their last chunk.")
    boolean stream_include_usage() default true;
}
