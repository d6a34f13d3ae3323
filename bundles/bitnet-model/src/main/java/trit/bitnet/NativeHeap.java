package trit.bitnet;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library's {@code malloc_trim}: glibc keeps memory that was freed (the JIT compiler's
 * arenas, say) resident in its per-thread heaps until asked to give it back. Elsewhere (no such
 * function, or no native access granted) trimming does nothing.
 */
final class NativeHeap {

    private static final MethodHandle MALLOC_TRIM = find();

    private NativeHeap() {
    }

    private static MethodHandle find() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("malloc_trim")
                    .map(a -> linker.downcallHandle(a, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Gives the free memory of every C heap back to the system, where the C library can. */
    static void trim() {
        if (MALLOC_TRIM == null) {
            return;
        }
        try {
            int ignored = (int) MALLOC_TRIM.invokeExact(0L); // 1 if memory was given back
        } catch (Throwable e) {
            // IllegalCallerException without native access: nothing to give back then
        }
    }
}
