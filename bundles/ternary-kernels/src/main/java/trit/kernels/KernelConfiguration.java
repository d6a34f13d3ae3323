package trit.kernels;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of a kernel, PID {@code trit.kernel.scalar} or {@code trit.kernel.vector}. */
@ObjectClassDefinition(name = "Trit compute kernel",
        description = "A compute kernel of the local engine. Changing it restarts the kernel; models switch "
                + "to the next best kernel meanwhile.")
public @interface KernelConfiguration {

    @AttributeDefinition(name = "Threads",
            description = "Worker threads one matrix product is split over, the calling thread included; "
                    + "0 means the number of available processors.", min = "0")
    int threads() default 0;

    @AttributeDefinition(name = "Ranking",
            description = "Models use the highest-ranked kernel that matches their kernel.target.")
    int service_ranking() default 0;
}
