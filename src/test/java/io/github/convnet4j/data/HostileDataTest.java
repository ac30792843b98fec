package io.github.convnet4j.data;

import static io.github.convnet4j.data.IdxReaderTest.images;
import static io.github.convnet4j.data.IdxReaderTest.labels;
import static io.github.convnet4j.data.StrictGzipInputStreamTest.concat;
import static io.github.convnet4j.data.StrictGzipInputStreamTest.gzip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and hostile data files: each is refused with one message naming the file, before anything
 * near the size it claims is allocated or inflated. Big files are sparse or gzips of zeros, so the
 * tests use little disk and time.
 */
class HostileDataTest {
    private static final List<String> TEN = DataSources.FASHION_CLASSES;
    @TempDir
    Path dir;

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static String idxError(Path img, Path lab) {
        return assertThrows(DataFormatException.class, () -> IdxReader.read("t", img, lab, TEN)).getMessage();
    }

    /** An IDX image header for {@code count} images of rows×cols, then {@code zeros} zero bytes, gzipped as it is written. */
    private Path gzipIdx(String name, int count, int rows, int cols, long zeros) throws IOException {
        Path p = dir.resolve(name);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(p), 1 << 16))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            byte[] block = new byte[1 << 20];
            for (long left = zeros; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(left, block.length));
            }
        }
        return p;
    }

    @Test
    void aGzipBombIsInflatedOnlyAsFarAsTheHeaderPromises() throws IOException {
        Path lab = write("lab", labels(3, 1, 2, 3));
        // 3 images of 2x2 promised, 256 MB of zeros delivered (a 250 KB file).
        Path bomb = gzipIdx("bomb.gz", 3, 2, 2, 256L << 20);
        assertTrue(Files.size(bomb) < 1 << 20);
        assertTrue(idxError(bomb, lab).startsWith(bomb + ": trailing data"), idxError(bomb, lab));
        long[] inflated = {0};
        IdxFile f = IdxFile.of(bomb);
        // The inflating stream itself, without IdxFile's read-ahead buffer, so that what is counted is what was inflated.
        try (InputStream in = new FilterInputStream(new StrictGzipInputStream(Files.newInputStream(bomb), bomb.toString())) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                inflated[0] += b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                inflated[0] += Math.max(n, 0);
                return n;
            }
        }) {
            assertThrows(DataFormatException.class, () -> IdxReader.readImages("t", f, in, new int[]{1, 2, 3}, TEN));
        }
        assertTrue(inflated[0] <= 16 + 12 + 1, "inflated " + inflated[0] + " bytes");
    }

    @Test
    void aHeaderClaimingGigabytesIsRefusedBeforeInflating() throws IOException {
        // The bomb: 2.1 GB promised by the header of a small gzip.
        int count = 2_700_000;
        Path lab = dir.resolve("lab.gz");
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(lab)))) {
            out.writeInt(0x801);
            out.writeInt(count);
            out.write(new byte[count]);
        }
        Path img = gzipIdx("img.gz", count, 28, 28, 2 << 20);
        String m = idxError(img, lab);
        assertTrue(m.startsWith(img + ": the header declares 2700000 images of 28x28 = 2116800000 bytes, more than the limit"),
                m);
        // Within the limit, but more than a gzip of this size can inflate to (1032:1 at best).
        Path lab2 = dir.resolve("lab2.gz");
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(lab2)))) {
            out.writeInt(0x801);
            out.writeInt(1_000_000);
            out.write(new byte[1_000_000]);
        }
        Path small = gzipIdx("small.gz", 1_000_000, 28, 28, 1 << 20);
        String m2 = idxError(small, lab2);
        assertTrue(m2.startsWith(small + ": truncated: the header promises 784000000 bytes")
                && m2.contains("more than a gzip file of"), m2);
    }

    @Test
    void aRawFileIsComparedWithItsLengthBeforeReading() throws IOException {
        Path lab = write("lab", labels(3, 1, 2, 3));
        Path sparse = dir.resolve("sparse.idx");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.write(images(0x803, 3, 2, 2, 0));
            f.setLength(900L << 20); // far more than the 12 bytes promised; sparse, so no disk is used
        }
        String m = idxError(sparse, lab);
        assertTrue(m.startsWith(sparse + ": trailing data: the file continues " + ((900L << 20) - 16 - 12) + " bytes"), m);
    }

    @Test
    void gzipFaultsNameTheFile() throws IOException {
        Path lab = write("lab", labels(3, 1, 2, 3));
        byte[] good = gzip(images(0x803, 3, 2, 2, 12));
        assertEquals(3, IdxReader.read("t", write("good.gz", good), lab, TEN).size());

        Path truncated = write("truncated.gz", Arrays.copyOf(good, good.length - 10));
        assertTrue(idxError(truncated, lab).startsWith(truncated + ": truncated gzip"), idxError(truncated, lab));
        byte[] crc = good.clone();
        crc[crc.length - 8] ^= 1;
        Path badCrc = write("crc.gz", crc);
        assertTrue(idxError(badCrc, lab).startsWith(badCrc + ": corrupt gzip data"), idxError(badCrc, lab));
        Path garbage = write("garbage.gz", concat(good, "garbage".getBytes()));
        assertTrue(idxError(garbage, lab).startsWith(garbage + ": trailing data after the gzip stream"),
                idxError(garbage, lab));
        Path second = write("second.gz", concat(good, gzip(new byte[]{1, 2, 3})));
        assertTrue(idxError(second, lab).startsWith(second + ": trailing data"), idxError(second, lab));
        // A valid gzip of two members that together hold the data is read.
        byte[] idx = images(0x803, 3, 2, 2, 12);
        Path split = write("split.gz", concat(gzip(Arrays.copyOf(idx, 10)), gzip(Arrays.copyOfRange(idx, 10, idx.length))));
        assertEquals(3, IdxReader.read("t", split, lab, TEN).size());
    }

    @Test
    void cifarFilesAreCheckedByLengthBeforeAllocating() throws IOException {
        Path c100 = write("train.bin", new byte[3074 * 3]);
        String m = assertThrows(DataFormatException.class, () -> Cifar10Reader.read("c", List.of(c100))).getMessage();
        assertTrue(m.startsWith(c100 + ": ") && m.contains("CIFAR-100 records"), m);
        Path sparse = dir.resolve("data_batch_1.bin");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3073L * 700_000); // 2.15 GB, sparse
        }
        String big = assertThrows(DataFormatException.class, () -> Cifar10Reader.read("c", List.of(sparse))).getMessage();
        assertTrue(big.startsWith(sparse + ": 2151100000 bytes = 700000 records, more than the 60000"), big);
        Path cifar10Labels = write("labels.bin", new byte[3073]);
        Files.write(cifar10Labels, new byte[]{42}, java.nio.file.StandardOpenOption.WRITE);
        String label = assertThrows(DataFormatException.class,
                () -> Cifar10Reader.read("c", List.of(cifar10Labels))).getMessage();
        assertTrue(label.startsWith(cifar10Labels + ": label 42 of record 0"), label);
    }

    private Path digits(String zeroJson) throws IOException {
        Path d = Files.createDirectories(dir.resolve("digits"));
        String image = "{\"data\": [" + String.join(",", java.util.Collections.nCopies(784, "0")) + "]}";
        for (int i = 0; i < 10; i++) {
            Files.writeString(d.resolve(i + ".json"), i == 0 ? zeroJson : image);
        }
        return d;
    }

    private static String npmError(Path digits) {
        return assertThrows(DataFormatException.class, () -> MnistNpmReader.read(digits)).getMessage();
    }

    @Test
    void npmJsonErrorsNameTheFileAndTrailingDataIsRefused() throws IOException {
        String image = "{\"data\": [" + String.join(",", java.util.Collections.nCopies(784, "0.5")) + "]}";
        assertEquals(10, MnistNpmReader.read(digits(image)).size());
        Path zero = dir.resolve("digits").resolve("0.json");
        String trailing = npmError(digits(image + " garbage"));
        assertTrue(trailing.startsWith(zero + ": trailing data after the JSON object"), trailing);
        assertTrue(npmError(digits(image + "{}")).startsWith(zero + ": trailing data"));
        String broken = npmError(digits("{\"data\": [0, 0.5,, 1]}"));
        assertTrue(broken.startsWith(zero + ": not valid JSON") && broken.contains("line 1"), broken);
        String extra = npmError(digits(image.replace("]}", "], \"more\": 1}")));
        assertTrue(extra.startsWith(zero + ": expected only"), extra);
        assertTrue(npmError(digits("{\"data\": [0, 0.5")).startsWith(zero + ": "));
    }

    @Test
    void anOversizedNpmFileIsRefusedBeforeParsing() throws IOException {
        Path d = digits("{}");
        Path zero = d.resolve("0.json");
        try (RandomAccessFile f = new RandomAccessFile(zero.toFile(), "rw")) {
            f.setLength(160L << 20); // the 160 MB, sparse
        }
        String m = npmError(d);
        assertTrue(m.startsWith(zero + ": 167772160 bytes, more than the limit"), m);
    }
}
