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

    @AttributeDefinition(name = "Native I2_S products on AVX2",
            description = "The vector kernel only: where 256 bits are the CPU's widest vectors (AVX2), compute "
                    + "I2_S products with the bundled native code (vpmaddubsw, which the Vector API lacks: about "
                    + "twice as fast), on Linux x86-64. Same results to the bit. False keeps them in Java.")
    boolean native_i2s() default true;

    @AttributeDefinition(name = "Ranking",
            description = "Models use the highest-ranked kernel that matches their kernel.target.")
    int service_ranking() default 0;
}
