package trit.bitnet.provider;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One local model (factory PID {@code trit.provider.bitnet}): each configuration serves one GGUF
 * file as an inference provider. The {@code models/} watcher creates these for the files it
 * finds; operators may write their own.
 */
@ObjectClassDefinition(name = "Trit local BitNet model",
        description = "Serves one BitNet b1.58 GGUF model as a local inference provider. Changing the configuration "
                + "reloads the model without a restart; generations in flight finish on the old one.")
public @interface BitnetProviderConfiguration {

    String FACTORY_PID = "trit.provider.bitnet";

    @AttributeDefinition(name = "Model file", description = "Path of the GGUF file (I2_S, TQ1_0, TQ2_0 or float weights).")
    String model_file();

    @AttributeDefinition(name = "Model id",
            description = "The id clients ask for; empty means the file's general.name, or its file name.")
    String model_id() default "";

    @AttributeDefinition(name = "Context size",
            description = "Positions of each session's KV cache; 0 means the model's trained context, at most 4096.", min = "0")
    int context_size() default 0;

    @AttributeDefinition(name = "Kernel",
            description = "LDAP filter choosing the compute kernel service, e.g. (trit.kernel.name=scalar).")
    String kernel_target() default "(trit.kernel.name=*)";

    @AttributeDefinition(name = "Threads",
            description = "Threads of the kernel one token's products are spread over; 0 means all of the kernel's.", min = "0")
    int threads() default 0;

    @AttributeDefinition(name = "Concurrent generations",
            description = "Generations computed at once; each has its own KV cache, allocated at load.", min = "1")
    int max_concurrent() default 1;

    @AttributeDefinition(name = "Queue length",
            description = "Requests that may wait for a generation slot; beyond them the provider answers 'overloaded'.",
            min = "0")
    int queue_length() default 8;

    @AttributeDefinition(name = "Memory limit (MiB)",
            description = "Upper bound of the KV caches and scratch space of all sessions; 0 means half the machine's "
                    + "physical memory. A configuration that needs more fails at load with a message.", min = "0")
    long memory_limit_mb() default 0;

    @AttributeDefinition(name = "Warm-up",
            description = "After loading a model of 50 M weights or more, run it on throwaway prompts until the JIT "
                    + "compiler is done with it: the load takes seconds longer, and the first request runs at full speed "
                    + "instead of waiting for the compiler.")
    boolean warm_up() default true;

    @AttributeDefinition(name = "Default max tokens", description = "Tokens generated when a request sets no max_tokens.",
            min = "1")
    int max_tokens() default 512;

    @AttributeDefinition(name = "Temperature", description = "Default sampling temperature; 0 is greedy.", min = "0", max = "2")
    double temperature() default 0.8;

    @AttributeDefinition(name = "Top k", description = "Default top-k; 0 disables it.", min = "0")
    int top_k() default 40;

    @AttributeDefinition(name = "Top p", description = "Default nucleus mass; 1 disables it.", min = "0", max = "1")
    double top_p() default 0.95;

    @AttributeDefinition(name = "Min p", description = "Default min-p; 0 disables it.", min = "0", max = "1")
    double min_p() default 0.05;

    @AttributeDefinition(name = "Repetition penalty", description = "Default repetition penalty; 1 disables it.")
    double repetition_penalty() default 1.0;

    @AttributeDefinition(name = "Presence penalty", description = "Default presence penalty.", min = "-2", max = "2")
    double presence_penalty() default 0.0;

    @AttributeDefinition(name = "Frequency penalty", description = "Default frequency penalty.", min = "-2", max = "2")
    double frequency_penalty() default 0.0;

    @AttributeDefinition(name = "Penalty window", description = "How many recent tokens the penalties look at.", min = "1")
    int penalty_window() default 64;

    @AttributeDefinition(name = "SHA-256", description = "The file's digest, when the models/ watcher computed it already.")
    String model_sha256() default "";
}
