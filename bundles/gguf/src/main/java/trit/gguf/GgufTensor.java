package trit.gguf;

import java.util.Arrays;

/**
 * A tensor's description in a GGUF file.
 *
 * @param name     its name, e.g. {@code blk.0.attn_q.weight}
 * @param type     its data type
 * @param dims     its dimensions in ggml order ({@code ne[0]} first: the row length)
 * @param offset   where its data starts, relative to the file's data section
 * @param byteSize how many bytes its data takes
 */
public record GgufTensor(String name, GgmlType type, long[] dims, long offset, long byteSize) {

    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Dimension {@code i}, or 1 beyond the tensor's dimensions (ggml's convention). */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Number of elements. */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d; // checked when the file was read
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }
}
