package trit.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes GGUF v3 files: metadata, then tensor infos, then the tensor data, each tensor aligned.
 * Used by the tests (to build every model and malformed file they need) and by the tools that
 * make models. Not thread-safe.
 */
public final class GgufWriter {

    private record Tensor(String name, GgmlType type, long[] dims, byte[] data) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    /** Sets {@code general.alignment} (a power of two). */
    public GgufWriter alignment(int alignment) {
        if (alignment < 1 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + alignment);
        }
        this.alignment = alignment;
        return put(GgufFile.ALIGNMENT_KEY, new GgufValue(GgufValueType.UINT32, null, (long) alignment));
    }

    /** Adds (or replaces) a metadata entry. */
    public GgufWriter put(String key, GgufValue value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, new GgufValue(GgufValueType.STRING, null, value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, new GgufValue(GgufValueType.UINT32, null, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new GgufValue(GgufValueType.FLOAT32, null, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new GgufValue(GgufValueType.BOOL, null, value));
    }

    public GgufWriter putStrings(String key, String... values) {
        return put(key, new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, values.clone()));
    }

    public GgufWriter putFloats(String key, float... values) {
        return put(key, new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, values.clone()));
    }

    /** An array of integers stored with {@code elementType} (one of the integer types). */
    public GgufWriter putIntegers(String key, GgufValueType elementType, long... values) {
        return put(key, new GgufValue(GgufValueType.ARRAY, elementType, values.clone()));
    }

    /**
     * Adds a tensor.
     *
     * @param dims ggml order: {@code dims[0]} is the row length
     * @param data exactly {@code type.byteSize(elements)} bytes
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        if (data.length != type.byteSize(elements)) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + java.util.Arrays.toString(dims)
                    + " needs " + type.byteSize(elements) + " bytes, got " + data.length);
        }
        tensors.add(new Tensor(name, type, dims.clone(), data));
        return this;
    }

    /** Writes the file. */
    public void write(Path path) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out);
        }
    }

    /** The file's bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private void write(OutputStream stream) throws IOException {
        Out out = new Out(stream);
        out.i32(GgufFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            value(out, e.getValue());
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.dims().length);
            for (long d : t.dims()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = GgufFile.align(offset + t.data().length, alignment);
        }
        out.pad(alignment);
        for (Tensor t : tensors) {
            out.bytes(t.data());
            out.pad(alignment);
        }
    }

    private static void value(Out out, GgufValue v) throws IOException {
        switch (v.type()) {
            case ARRAY -> {
                out.i32(v.elementType().id());
                out.i64(v.length());
                switch (v.value()) {
                    case String[] a -> {
                        for (String s : a) {
                            out.string(s);
                        }
                    }
                    case float[] a -> {
                        for (float f : a) {
                            out.i32(Float.floatToRawIntBits(f));
                        }
                    }
                    case double[] a -> {
                        for (double d : a) {
                            out.i64(Double.doubleToRawLongBits(d));
                        }
                    }
                    case boolean[] a -> {
                        for (boolean b : a) {
                            out.bytes(new byte[] {(byte) (b ? 1 : 0)});
                        }
                    }
                    case long[] a -> {
                        for (long n : a) {
                            scalar(out, v.elementType(), n);
                        }
                    }
                    case GgufValue[] a -> {
                        for (GgufValue nested : a) {
                            value(out, nested);
                        }
                    }
                    default -> throw new IllegalArgumentException("unsupported array " + v);
                }
            }
            case STRING -> out.string((String) v.value());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) v.value()));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) v.value()));
            case BOOL -> out.bytes(new byte[] {(byte) ((Boolean) v.value() ? 1 : 0)});
            default -> scalar(out, v.type(), ((Number) v.value()).longValue());
        }
    }

    private static void scalar(Out out, GgufValueType type, long n) throws IOException {
        switch (type.minBytes()) {
            case 1 -> out.bytes(new byte[] {(byte) n});
            case 2 -> out.bytes(new byte[] {(byte) n, (byte) (n >>> 8)});
            case 4 -> out.i32((int) n);
            default -> out.i64(n);
        }
    }

    /** Little-endian output that knows its position (for padding). */
    private static final class Out {
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long position;

        Out(OutputStream out) {
            this.out = out;
        }

        void i32(int v) throws IOException {
            buffer.clear();
            buffer.putInt(v);
            bytes(buffer.array(), 4);
        }

        void i64(long v) throws IOException {
            buffer.clear();
            buffer.putLong(v);
            bytes(buffer.array(), 8);
        }

        void string(String s) throws IOException {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            i64(utf8.length);
            bytes(utf8);
        }

        void bytes(byte[] b) throws IOException {
            bytes(b, b.length);
        }

        void bytes(byte[] b, int length) throws IOException {
            out.write(b, 0, length);
            position += length;
        }

        void pad(int alignment) throws IOException {
            long padded = GgufFile.align(position, alignment);
            bytes(new byte[(int) (padded - position)]);
        }
    }
}
