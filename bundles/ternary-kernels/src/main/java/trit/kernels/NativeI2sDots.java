package trit.kernels;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Objects;

/**
 * The I2_S products of {@code src/main/c/i2s_avx2.c}, for the vector kernel where 256 bits are the
 * widest vectors: the Vector API has no byte multiply-add ({@code vpmaddubsw}), so its own product
 * there ({@link I2sLaneDots}) runs at about half of bitnet.cpp's speed. The library is built with
 * the bundle for Linux on x86-64 and taken out of the jar when this class loads; elsewhere, or when
 * it cannot be loaded, {@link #AVAILABLE} is false and the Java product is used (as it is by a
 * vector kernel configured with {@code native.i2s = false}). The sums are exact integers either
 * way, so both give the same bits.
 */
final class NativeI2sDots {

    /** The JDK's logger: the kernels depend on no logging library (in the framework it reaches the server's log). */
    private static final System.Logger LOG = System.getLogger(NativeI2sDots.class.getName());
    private static final String LIBRARY = "native/linux-x86_64/libtrit_i2s_avx2.so";

    /** The native product, or null where it is not available. */
    private static final MethodHandle DOTS = link();

    /** Whether {@link #dots} may be called. */
    static final boolean AVAILABLE = DOTS != null;

    private NativeI2sDots() {
    }

    /**
     * {@link I2sLaneDots#dots} and {@link I2sLaneDots#sharedDots} on the raw int8 activations
     * {@code q} (not permuted) and native weights {@code data}: {@code dots[dotsA + r]} = Σ code·q
     * of row {@code r} at {@code atA} with the inputs from {@code q[qA]}, the same for B; when
     * {@code atA == atB} each code is extracted once for both inputs.
     */
    static void dots(MemorySegment data, long atA, long atB, int rows, int blocks, byte[] q, int qA, int qB,
                     int[] dots, int dotsA, int dotsB) {
        // C checks nothing: what the Java product would throw for, this throws for before the call
        // (a few comparisons per call of many rows), instead of reading or writing out of bounds.
        long rowBytes = 32L * blocks;
        Objects.checkFromIndexSize(Math.min(atA, atB), Math.abs(atA - atB) + rowBytes * rows, data.byteSize());
        Objects.checkFromIndexSize(Math.min(qA, qB), Math.abs(qA - qB) + 128 * blocks, q.length);
        Objects.checkFromIndexSize(Math.min(dotsA, dotsB), Math.abs(dotsA - dotsB) + rows, dots.length);
        try {
            DOTS.invokeExact(data, atA, atB, rows, blocks, MemorySegment.ofArray(q), qA, qB, MemorySegment.ofArray(dots),
                    dotsA, dotsB);
        } catch (Throwable e) {
            throw new IllegalStateException("the native I2_S product failed", e);
        }
    }

    private static MethodHandle link() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return null;
        }
        try (InputStream in = NativeI2sDots.class.getClassLoader().getResourceAsStream(LIBRARY)) {
            if (in == null) {
                LOG.log(System.Logger.Level.WARNING, LIBRARY + " is not in the kernels' jar; I2_S products use the Java AVX2 code");
                return null;
            }
            Path file = Files.createTempFile("trit-i2s-avx2-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                // Loaded once for the JVM's life; the mapping stays when the file is gone.
                MemorySegment symbol = SymbolLookup.libraryLookup(file, Arena.global()).find("trit_i2s_dots")
                        .orElseThrow(() -> new IllegalStateException("trit_i2s_dots not found in " + LIBRARY));
                // Critical: a short call that may read and write the Java arrays in place.
                MethodHandle dots = Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.ofVoid(ADDRESS,
                                JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                        Linker.Option.critical(true));
                LOG.log(System.Logger.Level.INFO, "I2_S products on 256-bit vectors run in native AVX2 code ({0})", LIBRARY);
                return dots;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot load the native I2_S product (" + e + "); the Java AVX2 code computes it");
            return null;
        }
    }
}
