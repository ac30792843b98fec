package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static final List<String> TEN = DataSources.FASHION_CLASSES;
    @TempDir
    Path dir;

    static byte[] images(int magic, int count, int rows, int cols, int pixelBytes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(magic);
        d.writeInt(count);
        d.writeInt(rows);
        d.writeInt(cols);
        for (int i = 0; i < pixelBytes; i++) {
            d.writeByte(i * 7);
        }
        return b.toByteArray();
    }

    static byte[] labels(int count, int... values) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x801);
        d.writeInt(count);
        for (int v : values) {
            d.writeByte(v);
        }
        return b.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(content);
        }
        return p;
    }

    @Test
    void readsRawAndGzippedFiles() throws IOException {
        for (boolean gz : new boolean[]{false, true}) {
            Path img = write("img" + gz, images(0x803, 3, 2, 2, 12), gz);
            Path lab = write("lab" + gz, labels(3, 4, 0, 9), gz);
            Dataset d = IdxReader.read("t", img, lab, TEN);
            assertEquals(3, d.size());
            assertEquals(io.github.convnet4j.tensor.Shape.of(1, 2, 2), d.itemShape());
            assertArrayEquals(new int[]{4, 0, 9}, d.labels());
            assertEquals((byte) 7, d.pixels()[1]);
        }
    }

    @Test
    void truncatedImagesNameTheFile() throws IOException {
        Path img = write("short.idx", images(0x803, 3, 2, 2, 10), false);
        Path lab = write("lab", labels(3, 1, 2, 3), false);
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read("t", img, lab, TEN));
        assertTrue(e.getMessage().contains("short.idx") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void hugeClaimedCountFailsWithoutAllocatingIt() throws IOException {
        Path img = write("liar.idx", images(0x803, 9_000_000, 28, 28, 100), false);
        Path lab = write("lab", labels(9_000_000, 1, 2, 3), false);
        DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read("t", img, lab, TEN));
        assertTrue(e.getMessage().contains("lab: truncated: the header promises 9000000 bytes"), e.getMessage());
        Path allLabels = write("all-labels.gz", labels(9_000_000, new int[9_000_000]), true);
        e = assertThrows(DataFormatException.class, () -> IdxReader.read("t", img, allLabels, TEN));
        assertTrue(e.getMessage().contains("liar.idx: the header declares 9000000 images of 28x28")
                && e.getMessage().contains("more than the limit"), e.getMessage());
        Path shortLab = write("short-lab", labels(3, 1, 2, 3), false);
        Path liar = write("liar2.idx", images(0x803, 3, 28, 28, 100), false);
        e = assertThrows(DataFormatException.class, () -> IdxReader.read("t", liar, shortLab, TEN));
        assertTrue(e.getMessage().contains("truncated: the header promises 2352 bytes"), e.getMessage());
    }

    @Test
    void badMagicCountMismatchAndTrailingBytes() throws IOException {
        Path lab = write("lab", labels(3, 1, 2, 3), false);
        Path badMagic = write("magic.idx", images(0x804, 3, 2, 2, 12), false);
        assertTrue(assertThrows(DataFormatException.class, () -> IdxReader.read("t", badMagic, lab, TEN))
                .getMessage().contains("not an IDX image file"));
        Path mismatch = write("mismatch.idx", images(0x803, 2, 2, 2, 8), false);
        assertTrue(assertThrows(DataFormatException.class, () -> IdxReader.read("t", mismatch, lab, TEN))
                .getMessage().contains("2 images but the label file has 3"));
        Path trailing = write("trailing.idx", images(0x803, 3, 2, 2, 13), false);
        assertTrue(assertThrows(DataFormatException.class, () -> IdxReader.read("t", trailing, lab, TEN))
                .getMessage().contains("past what the header describes"));
        Path badLabel = write("badlabel", labels(3, 1, 12, 3), false);
        Path ok = write("ok.idx", images(0x803, 3, 2, 2, 12), false);
        assertTrue(assertThrows(DataFormatException.class, () -> IdxReader.read("t", ok, badLabel, TEN))
                .getMessage().contains("label 12"));
    }

    @Test
    void bundledSampleIsRealFashionMnist() throws IOException {
        DataSources.Split s = DataSources.bundledSample();
        assertEquals(2000, s.train().size());
        assertEquals(500, s.test().size());
        assertEquals(io.github.convnet4j.tensor.Shape.of(1, 28, 28), s.train().itemShape());
        int[] counts = new int[10];
        for (int l : s.train().labels()) {
            counts[l]++;
        }
        for (int c : counts) {
            assertTrue(c > 150, "every class is present: " + java.util.Arrays.toString(counts));
        }
    }

    @Test
    void cifarRejectsPartialRecords() throws IOException {
        Path p = dir.resolve("data_batch_1.bin");
        Files.write(p, new byte[3073 * 2 + 5]);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Cifar10Reader.read("c", List.of(p)));
        assertTrue(e.getMessage().contains("whole number of CIFAR-10 records"), e.getMessage());
        Files.write(p, new byte[3073 * 2]);
        assertEquals(2, Cifar10Reader.read("c", List.of(p)).size());
    }
}
