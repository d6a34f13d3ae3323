package trit.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF v2/v3 file, open: its metadata read onto the heap, its tensor data mapped read-only
 * (one mapping of the whole file, never copied). {@link #close()} unmaps it; tensor segments are
 * unusable afterwards. Thread-safe once opened.
 *
 * <p>Hardened the way llama.cpp's loader is: every count, length and offset is checked against
 * the bytes that remain and against sane caps before anything is allocated; sizes use checked
 * arithmetic; the alignment is a bounded power of two; tensors lie inside the data section and do
 * not overlap; keys and tensor names are unique; an unknown value or tensor type is named.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int DEFAULT_ALIGNMENT = 32;
    static final long MAX_ALIGNMENT = 1 << 20;
    static final int MAX_DIMS = 4;
    static final long MAX_KEY_BYTES = 1 << 16;
    static final long MAX_STRING_BYTES = 1 << 26;
    static final int MAX_NESTING = 4;
    static final String ALIGNMENT_KEY = "general.alignment";

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final long alignment;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensor> tensors;
    private final long dataStart;

    private GgufFile(Path path, Arena arena, MemorySegment file, int version, long alignment,
                     Map<String, GgufValue> metadata, Map<String, GgufTensor> tensors, long dataStart) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.version = version;
        this.alignment = alignment;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    /**
     * Opens and checks a GGUF file.
     *
     * @throws GgufFormatException naming what is malformed and where
     * @throws IOException         if the file cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.size() == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufFile gguf = read(path, arena, file);
            return gguf;
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile read(Path path, Arena arena, MemorySegment file) throws GgufFormatException {
        Cursor in = new Cursor(file, path);
        int magic = in.i32("the magic number");
        if (magic != MAGIC) {
            throw in.error(0, "not a GGUF file (magic " + String.format("0x%08x", magic) + ", expected \"GGUF\")");
        }
        int version = in.i32("the version");
        if (version == 1) {
            throw in.error(4, "GGUF version 1 is not supported (only 2 and 3)");
        }
        if (version != 2 && version != 3) {
            throw in.error(4, Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? "big-endian GGUF files are not supported"
                    : "unsupported GGUF version " + Integer.toUnsignedString(version) + " (only 2 and 3)");
        }
        long tensorCount = in.count("the tensor count", 8 + 4 + 8 + 4 + 8);
        long kvCount = in.count("the metadata count", 8 + 4 + 1);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.string("metadata key " + i, MAX_KEY_BYTES);
            int typeId = in.i32("the type of " + key);
            GgufValueType type = GgufValueType.of(typeId);
            if (type == null) {
                throw in.error(in.position() - 4, key + ": unknown metadata value type " + Integer.toUnsignedString(typeId));
            }
            GgufValue value = in.value(key, type, 0);
            if (metadata.putIfAbsent(key, value) != null) {
                throw in.error(at, "duplicate metadata key " + key);
            }
        }

        long alignment = DEFAULT_ALIGNMENT;
        GgufValue align = metadata.get(ALIGNMENT_KEY);
        if (align != null) {
            if (align.type() != GgufValueType.UINT32) {
                throw in.error(-1, ALIGNMENT_KEY + ": expected UINT32, found " + align.describeType());
            }
            alignment = (Long) align.value();
            if (alignment < 1 || alignment > MAX_ALIGNMENT || Long.bitCount(alignment) != 1) {
                throw in.error(-1, ALIGNMENT_KEY + " " + alignment + " is not a power of two between 1 and " + MAX_ALIGNMENT);
            }
        }

        List<GgufTensor> infos = new ArrayList<>();
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            String name = in.string("the name of tensor " + i, MAX_KEY_BYTES);
            int nDims = in.i32("the dimension count of " + name);
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw in.error(in.position() - 4, "tensor " + name + " has " + Integer.toUnsignedString(nDims)
                        + " dimensions (1 to " + MAX_DIMS + " allowed)");
            }
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.i64("dimension " + d + " of " + name);
                if (dims[d] < 0) {
                    throw in.error(in.position() - 8, "tensor " + name + " has a negative dimension " + dims[d]);
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw in.error(in.position() - 8, "tensor " + name + ": the element count overflows 64 bits");
                }
            }
            int typeId = in.i32("the type of " + name);
            GgmlType type = GgmlType.of(typeId);
            if (type == null) {
                throw in.error(in.position() - 4, "tensor " + name + " has unknown type id " + Integer.toUnsignedString(typeId));
            }
            if (dims[0] % type.blockSize() != 0) {
                throw in.error(at, "tensor " + name + ": its first dimension " + dims[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            long offset = in.i64("the data offset of " + name);
            if (offset < 0 || offset % alignment != 0) {
                throw in.error(in.position() - 8, "tensor " + name + ": data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            long size;
            try {
                size = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw in.error(at, "tensor " + name + ": its byte size overflows 64 bits");
            }
            GgufTensor tensor = new GgufTensor(name, type, dims, offset, size);
            if (tensors.putIfAbsent(name, tensor) != null) {
                throw in.error(at, "duplicate tensor name " + name);
            }
            infos.add(tensor);
        }

        long dataStart = align(in.position(), alignment);
        long dataSize = file.byteSize() - dataStart;
        infos.sort(Comparator.comparingLong(GgufTensor::offset));
        GgufTensor previous = null;
        for (GgufTensor t : infos) {
            if (dataSize < 0 || t.offset() > dataSize || t.byteSize() > dataSize - t.offset()) {
                throw in.error(-1, "tensor " + t.name() + " (" + t.byteSize() + " bytes at data offset " + t.offset()
                        + ") lies outside the file: the data section has " + Math.max(0, dataSize) + " bytes");
            }
            if (previous != null && t.offset() < previous.offset() + previous.byteSize()) {
                throw in.error(-1, "tensors " + previous.name() + " and " + t.name() + " overlap");
            }
            previous = t;
        }
        return new GgufFile(path, arena, file, version, alignment, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), dataStart);
    }

    static long align(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long alignment() {
        return alignment;
    }

    /** Every metadata entry, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Every tensor, by name, in file order. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor with this name. */
    public Optional<GgufTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor's data: a read-only slice of the mapping, valid until {@link #close()}. */
    public MemorySegment data(GgufTensor tensor) {
        if (tensors.get(tensor.name()) != tensor && !tensor.equals(tensors.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " is not one of " + path);
        }
        return file.asSlice(dataStart + tensor.offset(), tensor.byteSize()).asReadOnly();
    }

    // ---- typed metadata --------------------------------------------------------------------------

    /** Whether the metadata has this key. */
    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** A required STRING. */
    public String string(String key) throws GgufFormatException {
        return (String) expect(key, GgufValueType.STRING).value();
    }

    /** An optional STRING. */
    public Optional<String> optionalString(String key) throws GgufFormatException {
        return has(key) ? Optional.of(string(key)) : Optional.empty();
    }

    /** A required integer of any width. */
    public long integer(String key) throws GgufFormatException {
        GgufValue v = required(key);
        if (!isInteger(v.type())) {
            throw new GgufFormatException(key + ": expected an integer, found " + v.describeType());
        }
        return (Long) v.value();
    }

    /** An integer of any width, or {@code otherwise} when absent. */
    public long integer(String key, long otherwise) throws GgufFormatException {
        return has(key) ? integer(key) : otherwise;
    }

    /** A required FLOAT32 or FLOAT64, as float. */
    public float float32(String key) throws GgufFormatException {
        GgufValue v = required(key);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> throw new GgufFormatException(key + ": expected FLOAT32, found " + v.describeType());
        };
    }

    /** A FLOAT32 or FLOAT64, or {@code otherwise} when absent. */
    public float float32(String key, float otherwise) throws GgufFormatException {
        return has(key) ? float32(key) : otherwise;
    }

    /** A BOOL, or {@code otherwise} when absent. */
    public boolean bool(String key, boolean otherwise) throws GgufFormatException {
        return has(key) ? (Boolean) expect(key, GgufValueType.BOOL).value() : otherwise;
    }

    /** A required array of STRING. */
    public String[] stringArray(String key) throws GgufFormatException {
        return (String[]) expectArray(key, GgufValueType.STRING).value();
    }

    /** A required array of FLOAT32. */
    public float[] float32Array(String key) throws GgufFormatException {
        return (float[]) expectArray(key, GgufValueType.FLOAT32).value();
    }

    /** A required array of integers of any one width. */
    public long[] integerArray(String key) throws GgufFormatException {
        GgufValue v = required(key);
        if (v.type() != GgufValueType.ARRAY || !isInteger(v.elementType())) {
            throw new GgufFormatException(key + ": expected an array of integers, found " + v.describeType());
        }
        return (long[]) v.value();
    }

    private GgufValue required(String key) throws GgufFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new GgufFormatException(path.getFileName() + ": missing metadata key " + key);
        }
        return v;
    }

    private GgufValue expect(String key, GgufValueType type) throws GgufFormatException {
        GgufValue v = required(key);
        if (v.type() != type) {
            throw new GgufFormatException(key + ": expected " + type + ", found " + v.describeType());
        }
        return v;
    }

    private GgufValue expectArray(String key, GgufValueType elementType) throws GgufFormatException {
        GgufValue v = required(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != elementType) {
            throw new GgufFormatException(key + ": expected array of " + elementType + ", found " + v.describeType());
        }
        return v;
    }

    private static boolean isInteger(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** Unmaps the file: every tensor segment becomes unusable. */
    @Override
    public void close() {
        arena.close();
    }

    // ---- reading ---------------------------------------------------------------------------------

    /** Reads little-endian values from the mapping; every read is checked against the file's end. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final MemorySegment file;
        private final Path path;
        private long position;

        Cursor(MemorySegment file, Path path) {
            this.file = file;
            this.path = path;
        }

        long position() {
            return position;
        }

        long remaining() {
            return file.byteSize() - position;
        }

        GgufFormatException error(long at, String message) {
            return new GgufFormatException(path.getFileName() + (at >= 0 ? " at byte " + at : "") + ": " + message);
        }

        private void need(long bytes, String what) throws GgufFormatException {
            if (bytes > remaining()) {
                throw error(position, "truncated: " + what + " needs " + bytes + " bytes, " + remaining() + " remain");
            }
        }

        int i32(String what) throws GgufFormatException {
            need(4, what);
            int v = file.get(I32, position);
            position += 4;
            return v;
        }

        long i64(String what) throws GgufFormatException {
            need(8, what);
            long v = file.get(I64, position);
            position += 8;
            return v;
        }

        /** A count of items of at least {@code minItemBytes} each: it cannot exceed what the file holds. */
        long count(String what, long minItemBytes) throws GgufFormatException {
            long at = position;
            long n = i64(what);
            if (n < 0 || n > remaining() / minItemBytes) {
                throw error(at, what + " " + Long.toUnsignedString(n) + " cannot fit in the " + remaining()
                        + " bytes that remain");
            }
            return n;
        }

        String string(String what, long cap) throws GgufFormatException {
            long at = position;
            long length = i64("the length of " + what);
            if (length < 0 || length > cap) {
                throw error(at, what + ": string length " + Long.toUnsignedString(length) + " exceeds the limit of " + cap);
            }
            need(length, what);
            byte[] bytes = file.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
            position += length;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValue value(String key, GgufValueType type, int depth) throws GgufFormatException {
            return switch (type) {
                case ARRAY -> array(key, depth);
                case STRING -> new GgufValue(type, null, string(key, MAX_STRING_BYTES));
                case FLOAT32 -> {
                    need(4, key);
                    float v = file.get(F32, position);
                    position += 4;
                    yield new GgufValue(type, null, v);
                }
                case FLOAT64 -> {
                    need(8, key);
                    double v = file.get(F64, position);
                    position += 8;
                    yield new GgufValue(type, null, v);
                }
                case BOOL -> {
                    need(1, key);
                    byte b = file.get(ValueLayout.JAVA_BYTE, position);
                    if (b != 0 && b != 1) {
                        throw error(position, key + ": BOOL value " + (b & 0xFF) + " is neither 0 nor 1");
                    }
                    position += 1;
                    yield new GgufValue(type, null, b == 1);
                }
                default -> new GgufValue(type, null, integer(key, type));
            };
        }

        private long integer(String key, GgufValueType type) throws GgufFormatException {
            long at = position;
            need(type.minBytes(), key);
            long v = switch (type) {
                case UINT8 -> file.get(ValueLayout.JAVA_BYTE, position) & 0xFFL;
                case INT8 -> file.get(ValueLayout.JAVA_BYTE, position);
                case UINT16 -> file.get(I16, position) & 0xFFFFL;
                case INT16 -> file.get(I16, position);
                case UINT32 -> file.get(I32, position) & 0xFFFFFFFFL;
                case INT32 -> file.get(I32, position);
                case UINT64, INT64 -> file.get(I64, position);
                default -> throw new IllegalStateException(type.name());
            };
            if (type == GgufValueType.UINT64 && v < 0) {
                throw error(at, key + ": UINT64 value " + Long.toUnsignedString(v) + " is too large");
            }
            position += type.minBytes();
            return v;
        }

        private GgufValue array(String key, int depth) throws GgufFormatException {
            if (depth >= MAX_NESTING) {
                throw error(position, key + ": arrays nested deeper than " + MAX_NESTING);
            }
            int elementId = i32("the element type of " + key);
            GgufValueType element = GgufValueType.of(elementId);
            if (element == null) {
                throw error(position - 4, key + ": unknown array element type " + Integer.toUnsignedString(elementId));
            }
            long n = count("the length of array " + key, element.minBytes());
            if (n > Integer.MAX_VALUE - 8) {
                throw error(position - 8, key + ": array of " + n + " elements is too long");
            }
            int length = (int) n;
            Object values = switch (element) {
                case STRING -> {
                    String[] a = new String[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = string(key + "[" + i + "]", MAX_STRING_BYTES);
                    }
                    yield a;
                }
                case FLOAT32 -> {
                    float[] a = new float[length];
                    MemorySegment.copy(file, F32, position, a, 0, length);
                    position += 4L * length;
                    yield a;
                }
                case FLOAT64 -> {
                    double[] a = new double[length];
                    MemorySegment.copy(file, F64, position, a, 0, length);
                    position += 8L * length;
                    yield a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = (Boolean) value(key + "[" + i + "]", GgufValueType.BOOL, depth + 1).value();
                    }
                    yield a;
                }
                case ARRAY -> {
                    GgufValue[] a = new GgufValue[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = array(key + "[" + i + "]", depth + 1);
                    }
                    yield a;
                }
                default -> {
                    long[] a = new long[length];
                    for (int i = 0; i < length; i++) {
                        a[i] = integer(key, element);
                    }
                    yield a;
                }
            };
            return new GgufValue(GgufValueType.ARRAY, element, values);
        }
    }
}
