package trit.bitnet.provider;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code models/} watcher (PID {@code trit.models}). */
@ObjectClassDefinition(name = "Trit model folder",
        description = "GGUF files placed in the folder become local providers; removing a file removes its provider.")
public @interface ModelDirectoryConfiguration {

    String PID = "trit.models";

    @AttributeDefinition(name = "Folder", description = "The folder watched for *.gguf files.")
    String directory() default "models";

    @AttributeDefinition(name = "Enabled", description = "Whether the folder is watched at all.")
    boolean enabled() default true;

    @AttributeDefinition(name = "Poll interval (s)", description = "How often the folder is looked at.", min = "1")
    int poll_seconds() default 2;

    @AttributeDefinition(name = "Demo model",
            description = "While the folder holds no model, serve a small synthetic demo model (random weights: its "
                    + "answers are noise) so that the API answers out of the box.")
    boolean demo() default true;

    @AttributeDefinition(name = "Demo model file", description = "Where the demo model is written on first use.")
    String demo_file() default "data/trit-demo.gguf";
}
