package trit.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {

    static final Path SHARED = Path.of("../../../shared/reference/tiny");

    @TempDir
    Path dir;

    // ---- valid files ---------------------------------------------------------------------------

    private static GgufWriter sample() {
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) i;
        }
        byte[] f32 = new byte[4 * 6];
        ByteBuffer.wrap(f32).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(new float[] {1, 2, 3, 4, 5, 6});
        return new GgufWriter()
                .putString("general.architecture", "bitnet")
                .putUInt32("bitnet.context_length", 256)
                .putFloat32("bitnet.attention.layer_norm_rms_epsilon", 1e-5f)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putStrings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "▁héllo")
                .putFloats("tokenizer.ggml.scores", 0f, -1f, -2f, -3.5f)
                .putIntegers("tokenizer.ggml.token_type", GgufValueType.INT32, 2, 3, 3, 1)
                .putIntegers("test.u8", GgufValueType.UINT8, 255, 0)
                .put("test.u64", new GgufValue(GgufValueType.UINT64, null, Long.MAX_VALUE))
                .put("test.f64", new GgufValue(GgufValueType.FLOAT64, null, Math.PI))
                .put("test.nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY, new GgufValue[] {
                        new GgufValue(GgufValueType.ARRAY, GgufValueType.INT16, new long[] {-1, 2}),
                        new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, new String[] {"a"})}))
                .addTensor("output_norm.weight", GgmlType.F32, new long[] {6}, f32)
                .addTensor("token_embd.weight", GgmlType.Q8_0, new long[] {32, 2}, q8);
    }

    @Test
    void writtenFilesReadBackExactly() throws IOException {
        Path path = dir.resolve("sample.gguf");
        sample().write(path);
        try (GgufFile gguf = GgufFile.open(path)) {
            assertEquals(3, gguf.version());
            assertEquals(32, gguf.alignment());
            assertEquals("bitnet", gguf.string("general.architecture"));
            assertEquals(256, gguf.integer("bitnet.context_length"));
            assertEquals(1e-5f, gguf.float32("bitnet.attention.layer_norm_rms_epsilon"));
            assertTrue(gguf.bool("tokenizer.ggml.add_bos_token", false));
            assertArrayEquals(new String[] {"<unk>", "<s>", "</s>", "▁héllo"}, gguf.stringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(new float[] {0f, -1f, -2f, -3.5f}, gguf.float32Array("tokenizer.ggml.scores"));
            assertArrayEquals(new long[] {2, 3, 3, 1}, gguf.integerArray("tokenizer.ggml.token_type"));
            assertArrayEquals(new long[] {255, 0}, gguf.integerArray("test.u8"));
            assertEquals(Long.MAX_VALUE, gguf.integer("test.u64"));
            assertEquals(Math.PI, (Double) gguf.metadata().get("test.f64").value());
            GgufValue[] nested = (GgufValue[]) gguf.metadata().get("test.nested").value();
            assertArrayEquals(new long[] {-1, 2}, (long[]) nested[0].value());
            assertArrayEquals(new String[] {"a"}, (String[]) nested[1].value());
            assertEquals(List.of("output_norm.weight", "token_embd.weight"), List.copyOf(gguf.tensors().keySet()));

            GgufTensor norm = gguf.tensor("output_norm.weight").orElseThrow();
            assertEquals(24, norm.byteSize());
            assertEquals(5f, gguf.data(norm).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
            GgufTensor embd = gguf.tensor("token_embd.weight").orElseThrow();
            assertEquals(32, embd.offset(), "aligned after the 24 bytes of the first tensor");
            assertEquals(2, embd.dim(1));
            assertEquals(1, embd.dim(3));
            byte[] data = gguf.data(embd).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(68, data.length);
            assertEquals(67, data[67]);
            assertTrue(gguf.data(embd).isReadOnly());
        }
    }

    @Test
    void aCustomAlignmentIsHonoured() throws IOException {
        Path path = dir.resolve("aligned.gguf");
        sample().alignment(64).write(path);
        try (GgufFile gguf = GgufFile.open(path)) {
            assertEquals(64, gguf.alignment());
            assertEquals(64, gguf.tensor("token_embd.weight").orElseThrow().offset());
        }
    }

    @Test
    void readsBitnetCppsTinyModel() throws IOException {
        Path tiny = SHARED.resolve("tiny-i2s.gguf");
        if (!(Files.isRegularFile(tiny))) {
            System.out.println("SKIPPED: " + tiny.toAbsolutePath() + " (../shared reference data) is missing");
        }
        assumeTrue(Files.isRegularFile(tiny), "skipped: " + tiny.toAbsolutePath() + " (../shared reference data) is missing");
        try (GgufFile gguf = GgufFile.open(tiny)) {
            assertEquals("bitnet", gguf.string("general.architecture"));
            assertEquals(32000, gguf.stringArray("tokenizer.ggml.tokens").length);
            GgufTensor q = gguf.tensor("blk.0.attn_q.weight").orElseThrow();
            assertEquals(GgmlType.I2_S, q.type());
            assertArrayEquals(new long[] {256, 256}, q.dims());
            assertEquals(256 * 256 / 4 + 32, q.byteSize());
            GgufTensor down = gguf.tensor("blk.3.ffn_down.weight").orElseThrow();
            assertArrayEquals(new long[] {768, 256}, down.dims());
            assertEquals(GgmlType.F16, gguf.tensor("token_embd.weight").orElseThrow().type());
            assertEquals(4 * 11 + 2, gguf.tensors().size(), "per layer: 7 linear weights and 4 norms");
        }
    }

    // ---- malformed files: one crafted file per rule, one precise message each -----------------

    @Test
    void notGgufOrWrongVersion() throws IOException {
        assertRefused(new byte[0], "empty.gguf at byte 0: truncated: the magic number needs 4 bytes, 0 remain");
        assertRefused("GGML....".getBytes(StandardCharsets.US_ASCII), "at byte 0: not a GGUF file (magic 0x4c4d4747");
        assertRefused(header(1, 0, 0).bytes(), "at byte 4: GGUF version 1 is not supported (only 2 and 3)");
        assertRefused(header(7, 0, 0).bytes(), "at byte 4: unsupported GGUF version 7 (only 2 and 3)");
        assertRefused(header(Integer.reverseBytes(3), 0, 0).bytes(), "big-endian GGUF files are not supported");
    }

    @Test
    void countsThatCannotFitTheFileAreRefusedBeforeAllocating() throws IOException {
        assertRefused(header(3, 1L << 62, 0).exact(), "at byte 8: the tensor count 4611686018427387904 cannot fit in the 8 bytes that remain");
        assertRefused(header(3, 0, -1).bytes(), "at byte 16: the metadata count 18446744073709551615 cannot fit");
        assertRefused(header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.UINT8.id())
                .i64(1L << 40).bytes(), "the length of array k 1099511627776 cannot fit in the 64 bytes that remain");
        assertRefused(header(3, 0, 1).i64(1L << 40).bytes(), "metadata key 0: string length 1099511627776 exceeds the limit of 65536");
        assertRefused(header(3, 0, 1).i64(100).bytes(), "truncated: metadata key 0 needs 100 bytes, 64 remain");
        assertRefused(header(3, 0, 1).string("k").i32(GgufValueType.STRING.id()).i64(-5).bytes(),
                "k: string length 18446744073709551611 exceeds the limit of 67108864");
    }

    @Test
    void metadataRules() throws IOException {
        assertRefused(header(3, 0, 1).string("k").i32(99).bytes(), "k: unknown metadata value type 99");
        assertRefused(header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(42).i64(0).bytes(),
                "k: unknown array element type 42");
        Raw deep = header(3, 0, 1).string("k");
        deep.i32(GgufValueType.ARRAY.id());
        for (int i = 0; i < 5; i++) {
            deep.i32(GgufValueType.ARRAY.id()).i64(1);
        }
        assertRefused(deep.bytes(), "arrays nested deeper than 4");
        assertRefused(header(3, 0, 2).string("k").i32(GgufValueType.UINT8.id()).u8(1)
                .string("k").i32(GgufValueType.UINT8.id()).u8(2).bytes(), "duplicate metadata key k");
        assertRefused(header(3, 0, 1).string("b").i32(GgufValueType.BOOL.id()).u8(7).bytes(), "b: BOOL value 7 is neither 0 nor 1");
        assertRefused(header(3, 0, 1).string("u").i32(GgufValueType.UINT64.id()).i64(-1).bytes(),
                "u: UINT64 value 18446744073709551615 is too large");
        assertRefused(header(3, 0, 1).string(GgufFile.ALIGNMENT_KEY).i32(GgufValueType.UINT32.id()).i32(48).bytes(),
                "general.alignment 48 is not a power of two between 1 and 1048576");
        assertRefused(header(3, 0, 1).string(GgufFile.ALIGNMENT_KEY).i32(GgufValueType.STRING.id()).string("32").bytes(),
                "general.alignment: expected UINT32, found STRING");
    }

    @Test
    void tensorRules() throws IOException {
        assertRefused(header(3, 1, 0).string("t").i32(5).bytes(), "tensor t has 5 dimensions (1 to 4 allowed)");
        assertRefused(header(3, 1, 0).string("t").i32(1).i64(-3).bytes(), "tensor t has a negative dimension -3");
        assertRefused(header(3, 1, 0).string("t").i32(3).i64(1L << 32).i64(1L << 32).i64(1L << 32).bytes(),
                "tensor t: the element count overflows 64 bits");
        assertRefused(header(3, 1, 0).string("blk.0.attn_q.weight").i32(2).i64(256).i64(256).i32(99).i64(0).bytes(),
                "tensor blk.0.attn_q.weight has unknown type id 99");
        assertRefused(header(3, 1, 0).string("t").i32(1).i64(30).i32(GgmlType.Q8_0.id()).i64(0).bytes(),
                "tensor t: its first dimension 30 is not a multiple of the Q8_0 block size 32");
        assertRefused(header(3, 1, 0).string("t").i32(1).i64(4).i32(GgmlType.F32.id()).i64(8).bytes(),
                "tensor t: data offset 8 is not a multiple of the alignment 32");
        assertRefused(header(3, 1, 0).string("t").i32(1).i64(1L << 61).i32(GgmlType.F64.id()).i64(0).bytes(),
                "tensor t: its byte size overflows 64 bits");
        Raw outside = header(3, 1, 0).string("t").i32(1).i64(64).i32(GgmlType.F32.id()).i64(0);
        outside.padTo(32).zeros(100);
        assertRefused(outside.exact(), "tensor t (256 bytes at data offset 0) lies outside the file: the data section has 100 bytes");
        Raw overlap = header(3, 2, 0).string("a").i32(1).i64(16).i32(GgmlType.F32.id()).i64(0)
                .string("b").i32(1).i64(16).i32(GgmlType.F32.id()).i64(32);
        overlap.padTo(32).zeros(128);
        assertRefused(overlap.bytes(), "tensors a and b overlap");
        Raw duplicate = header(3, 2, 0).string("a").i32(1).i64(8).i32(GgmlType.F32.id()).i64(0)
                .string("a").i32(1).i64(8).i32(GgmlType.F32.id()).i64(32);
        duplicate.padTo(32).zeros(64);
        assertRefused(duplicate.bytes(), "duplicate tensor name a");
    }

    @Test
    void typedGettersSayWhatTheyExpectedAndFound() throws IOException {
        Path path = dir.resolve("typed.gguf");
        sample().putIntegers("tokenizer.ggml.scores", GgufValueType.UINT8, 1, 2).write(path);
        try (GgufFile gguf = GgufFile.open(path)) {
            assertEquals("tokenizer.ggml.scores: expected array of FLOAT32, found array of UINT8",
                    assertThrows(GgufFormatException.class, () -> gguf.float32Array("tokenizer.ggml.scores")).getMessage());
            assertEquals("general.architecture: expected an integer, found STRING",
                    assertThrows(GgufFormatException.class, () -> gguf.integer("general.architecture")).getMessage());
            assertEquals("typed.gguf: missing metadata key bitnet.block_count",
                    assertThrows(GgufFormatException.class, () -> gguf.integer("bitnet.block_count")).getMessage());
            assertEquals(24, gguf.integer("bitnet.block_count", 24));
        }
    }

    // ---- every truncation and random damage: a clean refusal or a readable file, nothing else ---

    @Test
    void everyTruncationIsRefusedCleanly() throws IOException {
        byte[] whole = sample().toBytes();
        for (int length = 0; length < whole.length; length++) {
            Path path = dir.resolve("cut.gguf");
            Files.write(path, Arrays.copyOf(whole, length));
            try (GgufFile gguf = GgufFile.open(path)) {
                // Cutting only trailing padding may leave a complete file; then every tensor must still fit.
                gguf.tensors().values().forEach(t -> gguf.data(t).toArray(ValueLayout.JAVA_BYTE));
            } catch (GgufFormatException expected) {
                // the point
            }
        }
    }

    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        byte[] whole = sample().toBytes();
        Random random = new Random(9);
        Path path = dir.resolve("damaged.gguf");
        for (int trial = 0; trial < 3000; trial++) {
            byte[] damaged = whole.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            }
            Files.write(path, damaged);
            try (GgufFile gguf = GgufFile.open(path)) {
                gguf.tensors().values().forEach(t -> gguf.data(t).toArray(ValueLayout.JAVA_BYTE));
            } catch (GgufFormatException expected) {
                // the point
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void assertRefused(byte[] bytes, String expectedFragment) throws IOException {
        Path path = dir.resolve(bytes.length == 0 ? "empty.gguf" : "bad.gguf");
        Files.write(path, bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(path).close());
        assertTrue(e.getMessage().contains(expectedFragment), "message was: " + e.getMessage());
    }

    private static Raw header(int version, long tensors, long kvs) {
        return new Raw().i32(GgufFile.MAGIC).i32(version).i64(tensors).i64(kvs);
    }

    /** Little-endian bytes, written field by field. */
    static final class Raw {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw i32(int v) {
            byte[] b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
            out.writeBytes(b);
            return this;
        }

        Raw i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw u8(int v) {
            out.write(v);
            return this;
        }

        Raw string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.writeBytes(b);
            return this;
        }

        Raw padTo(int alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            return this;
        }

        Raw zeros(int n) {
            out.writeBytes(new byte[n]);
            return this;
        }

        /** The bytes plus 64 zero bytes of slack, so that counts pass and the rule under test is reached. */
        byte[] bytes() {
            return zeros(64).out.toByteArray();
        }

        /** Exactly the bytes written. */
        byte[] exact() {
            return out.toByteArray();
        }
    }
}
