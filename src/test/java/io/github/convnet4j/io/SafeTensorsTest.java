package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated, bit-flipped and hostile files give ModelFormatException, never an OutOfMemoryError or a hang. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    private static Map<String, SafeTensors.Entry> sample() {
        Map<String, SafeTensors.Entry> t = new LinkedHashMap<>();
        t.put("conv1.weight", new SafeTensors.Entry(Shape.of(2, 1, 3, 3), floats(18, 1)));
        t.put("conv1.bias", new SafeTensors.Entry(Shape.of(2), floats(2, 2)));
        return t;
    }

    private static float[] floats(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** A file with a hand-written header and {@code data} bytes of data. */
    private static byte[] file(String headerJson, int data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static ModelFormatException rejects(byte[] bytes) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(ModelFormatException.class,
                () -> SafeTensors.read("test.safetensors", new ByteArrayInputStream(bytes), bytes.length)));
    }

    @Test
    void roundTripsThroughAFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        SafeTensors.write(p, sample(), Map.of("k", "v"));
        SafeTensors.Contents c = SafeTensors.read(p);
        assertEquals(Shape.of(2, 1, 3, 3), c.tensors().get("conv1.weight").shape());
        assertArrayEquals(sample().get("conv1.weight").values(), c.tensors().get("conv1.weight").values());
        assertEquals("v", c.metadata().get("k"));
        // The layout PyTorch's safetensors expects: header length, JSON starting with '{', 8-byte alignment.
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals('{', raw[8]);
        assertEquals(raw.length, 8 + n + (18 + 2) * 4);
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] good = SafeTensors.toBytes(sample(), Map.of());
        for (int len = 0; len < good.length; len += 7) {
            rejects(java.util.Arrays.copyOf(good, len));
        }
    }

    @Test
    void everyFlippedDataBitIsCaught() throws IOException {
        byte[] good = SafeTensors.toBytes(sample(), Map.of());
        long headerLen = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int i = (int) (8 + headerLen); i < good.length; i += 3) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            assertTrue(rejects(bad).getMessage().contains("checksum"));
        }
        for (int i = 8; i < 8 + headerLen; i += 5) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            try {
                SafeTensors.read("t", new ByteArrayInputStream(bad), bad.length);
            } catch (ModelFormatException expected) {
                continue; // a header flip is either caught or harmless (e.g. inside a metadata string)
            }
        }
    }

    @Test
    void hostileHeadersAreRejectedBeforeAllocating() {
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4000000000000]}}", 16));
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[268435455],\"data_offsets\":[0,1073741820]}}", 16));
        byte[] bigHeader = new byte[16];
        ByteBuffer.wrap(bigHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        assertTrue(rejects(bigHeader).getMessage().contains("header length"));
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)); // overlap
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)); // hole
        rejects(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)); // shape vs bytes
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4)); // past the end
        rejects(file("[" .repeat(100_000), 0)); // nesting bomb
        rejects(file("{\"__metadata__\":{\"k\":5}}", 0));
        rejects(file("not json", 0));
    }

    @Test
    void modelFilesRejectForeignFormats() throws IOException {
        byte[] plain = SafeTensors.toBytes(sample(), Map.of());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(
                new io.github.convnet4j.cpu.CpuBackend(1), "plain", new ByteArrayInputStream(plain)));
        assertTrue(e.getMessage().contains("not a convnet4j model"), e.getMessage());
    }
}
