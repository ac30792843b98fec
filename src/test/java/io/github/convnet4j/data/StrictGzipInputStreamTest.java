package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The gzip reader against the JDK's GZIPInputStream (an independent implementation) and RFC 1952's format. */
class StrictGzipInputStreamTest {
    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] inflate(byte[] gz) throws IOException {
        try (InputStream in = new StrictGzipInputStream(new ByteArrayInputStream(gz), "f.gz")) {
            return in.readAllBytes();
        }
    }

    private static byte[] jdkInflate(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static String fault(byte[] gz) {
        return assertThrows(DataFormatException.class, () -> inflate(gz)).getMessage();
    }

    private static byte[] data(int n) {
        byte[] d = new byte[n];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (r.nextInt(8) * (i % 3)); // compressible, not trivial
        }
        return d;
    }

    @Test
    void inflatesLikeTheJdkIncludingSeveralMembers() throws IOException {
        byte[] a = data(300_000);
        byte[] b = data(1000);
        for (byte[] gz : new byte[][]{gzip(a), gzip(new byte[0]), concat(gzip(a), gzip(b)), concat(gzip(a), gzip(new byte[0]))}) {
            assertArrayEquals(jdkInflate(gz), inflate(gz));
        }
    }

    /** What gzip(1) writes: a file name, and here also an extra field, a comment and a header CRC (RFC 1952). */
    @Test
    void readsHeadersWithEveryOptionalField() throws IOException {
        byte[] content = data(5000);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[]{0x1f, (byte) 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3});
        b.writeBytes(new byte[]{3, 0, 'a', 'b', 'c'});
        b.writeBytes("train-images-idx3-ubyte\0".getBytes());
        b.writeBytes("a comment\0".getBytes());
        CRC32 headerCrc = new CRC32();
        headerCrc.update(b.toByteArray());
        b.write((int) headerCrc.getValue() & 0xFF); // CRC-16: the low two bytes of the header's CRC-32
        b.write((int) (headerCrc.getValue() >>> 8) & 0xFF);
        int crc16At = b.size() - 1;
        Deflater d = new Deflater(9, true);
        d.setInput(content);
        d.finish();
        byte[] buf = new byte[10_000];
        int n = d.deflate(buf);
        d.end();
        b.write(buf, 0, n);
        CRC32 crc = new CRC32();
        crc.update(content);
        writeLe(b, crc.getValue());
        writeLe(b, content.length);
        assertArrayEquals(content, inflate(b.toByteArray()));
        assertArrayEquals(content, jdkInflate(b.toByteArray()), "the reference reads it too");
        byte[] badHeader = b.toByteArray();
        badHeader[crc16At] ^= 1;
        assertTrue(fault(badHeader).contains("CRC-16"), fault(badHeader));
    }

    private static void writeLe(ByteArrayOutputStream b, long v) {
        for (int i = 0; i < 4; i++) {
            b.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    @Test
    void everyFaultNamesTheFile() throws IOException {
        byte[] gz = gzip(data(100_000));
        String truncated = fault(Arrays.copyOf(gz, gz.length / 2));
        assertTrue(truncated.startsWith("f.gz: truncated gzip data"), truncated);
        assertTrue(fault(Arrays.copyOf(gz, gz.length - 3)).startsWith("f.gz: truncated gzip trailer"));
        assertTrue(fault(Arrays.copyOf(gz, 5)).startsWith("f.gz: truncated gzip header"));
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 6] ^= 1;
        assertTrue(fault(badCrc).contains("CRC-32"), fault(badCrc));
        byte[] badSize = gz.clone();
        badSize[gz.length - 2] ^= 1;
        assertTrue(fault(badSize).contains("length does not match"), fault(badSize));
        byte[] badDeflate = gz.clone();
        Arrays.fill(badDeflate, 12, 40, (byte) 0xff);
        String corrupt = fault(badDeflate);
        assertTrue(corrupt.startsWith("f.gz: corrupt gzip data"), corrupt);
        assertTrue(fault(new byte[]{1, 2, 3}).contains("not a gzip file"));
        assertTrue(fault(new byte[0]).contains("empty file"));
    }

    /** GZIPInputStream ignores such bytes; a data file with garbage appended is damaged. */
    @Test
    void trailingGarbageIsRefused() throws IOException {
        byte[] withGarbage = concat(gzip(data(1000)), "garbage".getBytes());
        assertArrayEquals(data(1000), jdkInflate(withGarbage), "the JDK's reader silently accepts it");
        String m = fault(withGarbage);
        assertTrue(m.startsWith("f.gz: trailing data after the gzip stream"), m);
        assertTrue(fault(concat(gzip(data(10)), new byte[]{0x1f})).contains("trailing data"));
    }

    @Test
    void inflatesOnlyAsFarAsItIsRead() throws IOException {
        byte[] bomb = gzip(new byte[64 << 20]); // 64 MB of zeros: 65 KB of gzip
        int[] consumed = {0};
        InputStream counting = new ByteArrayInputStream(bomb) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                consumed[0] += Math.max(n, 0);
                return n;
            }
        };
        try (InputStream in = new StrictGzipInputStream(counting, "bomb.gz")) {
            in.readNBytes(1000);
        }
        assertTrue(consumed[0] <= 1 << 16, "read " + consumed[0] + " of " + bomb.length + " compressed bytes");
    }
}
