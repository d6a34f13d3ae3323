package trit.bitnet;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.function.DoubleUnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The C library's single-precision {@code cosf}, {@code sinf}, {@code powf} and {@code expf},
 * called through the FFM linker, because bitnet.cpp calls them for RoPE and the tails of its
 * vector loops, and they are not correctly rounded: glibc's {@code cosf} differs from
 * {@code (float) Math.cos(x)} in the last bit for a few percent of RoPE's angles, and each such
 * bit can move an int8 activation. Where the library cannot be called (no native access granted,
 * no such symbol) the correctly rounded Java results stand in, and a warning says so once.
 */
final class CMath {

    private static final Logger LOG = LoggerFactory.getLogger(CMath.class);
    private static final MethodHandle COSF;
    private static final MethodHandle SINF;
    private static final MethodHandle POWF;
    private static final MethodHandle EXPF;

    static {
        MethodHandle cos = null;
        MethodHandle sin = null;
        MethodHandle pow = null;
        MethodHandle exp = null;
        try {
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor unary = FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT);
            FunctionDescriptor binary = FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT);
            Optional<MethodHandle> c = linker.defaultLookup().find("cosf").map(a -> linker.downcallHandle(a, unary, Linker.Option.critical(false)));
            Optional<MethodHandle> s = linker.defaultLookup().find("sinf").map(a -> linker.downcallHandle(a, unary, Linker.Option.critical(false)));
            Optional<MethodHandle> p = linker.defaultLookup().find("powf").map(a -> linker.downcallHandle(a, binary, Linker.Option.critical(false)));
            Optional<MethodHandle> e = linker.defaultLookup().find("expf").map(a -> linker.downcallHandle(a, unary, Linker.Option.critical(false)));
            if (c.isPresent() && s.isPresent() && p.isPresent() && e.isPresent()) {
                float probe = (float) c.get().invokeExact(0f); // fails here, not in a forward pass, if native access is denied
                if (probe == 1f) {
                    cos = c.get();
                    sin = s.get();
                    pow = p.get();
                    exp = e.get();
                }
            }
        } catch (Throwable e) {
            LOG.warn("The C library's math functions cannot be called ({}); RoPE angles use Java's correctly rounded"
                    + " cos/sin, which may differ from bitnet.cpp's in the last bit", e.toString());
        }
        COSF = cos;
        SINF = sin;
        POWF = pow;
        EXPF = exp;
    }

    private CMath() {
    }

    static float cos(float x) {
        return unary(COSF, x, Math::cos);
    }

    static float sin(float x) {
        return unary(SINF, x, Math::sin);
    }

    static float exp(float x) {
        return unary(EXPF, x, Math::exp);
    }

    static float pow(float x, float y) {
        if (POWF == null) {
            return (float) Math.pow(x, y);
        }
        try {
            return (float) POWF.invokeExact(x, y);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static float unary(MethodHandle function, float x, DoubleUnaryOperator java) {
        if (function == null) {
            return (float) java.applyAsDouble(x);
        }
        try {
            return (float) function.invokeExact(x);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
