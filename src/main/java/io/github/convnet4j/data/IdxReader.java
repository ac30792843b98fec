package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads MNIST-style IDX files (MNIST, Fashion-MNIST), gzipped or raw: magic 0x00000801 for labels
 * and 0x00000803 for images, big-endian counts, then unsigned bytes. Headers are validated: the
 * magic, positive sizes, the count the data must hold, and that image and label files agree; a
 * truncated or padded file is an error naming the file.
 */
public final class IdxReader {
    private static final int LABEL_MAGIC = 0x00000801;
    private static final int IMAGE_MAGIC = 0x00000803;
    /** No MNIST-like set has more; a header claiming more is corrupt, not big. */
    private static final int MAX_ITEMS = 10_000_000;

    private IdxReader() {
    }

    /** Opens one of the two files (a path, a class-path resource...). */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    public static Dataset read(String name, Path images, Path labels, List<String> classNames) throws IOException {
        return read(name, images.toString(), () -> open(images), labels.toString(), () -> open(labels), classNames);
    }

    /** Reads a label file and its image file, each named in errors by the given description. */
    static Dataset read(String name, String imagesName, Source images, String labelsName, Source labels,
                        List<String> classNames) throws IOException {
        int[] labelValues;
        try (InputStream in = labels.open()) {
            labelValues = readLabels(labelsName, in, classNames.size());
        }
        try (InputStream in = images.open()) {
            return readImages(name, imagesName, in, labelValues, classNames);
        }
    }

    /** Opens a file, unzipping it when it starts with the gzip magic. */
    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        return b1 == 0x1f && b2 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    static int[] readLabels(String file, InputStream in, int classes) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = header(file, data, "magic");
        if (magic != LABEL_MAGIC) {
            throw new DataFormatException(file + ": not an IDX label file (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x00000801)");
        }
        int count = count(file, header(file, data, "item count"));
        byte[] bytes = readExactly(file, data, count, "labels");
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = bytes[i] & 0xFF;
            if (labels[i] >= classes) {
                throw new DataFormatException(file + ": label " + labels[i] + " of item " + i + " is not in [0, "
                        + classes + ")");
            }
        }
        requireEnd(file, data);
        return labels;
    }

    static Dataset readImages(String name, String file, InputStream in, int[] labels, List<String> classNames)
            throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = header(file, data, "magic");
        if (magic != IMAGE_MAGIC) {
            throw new DataFormatException(file + ": not an IDX image file (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x00000803)");
        }
        int count = count(file, header(file, data, "image count"));
        int rows = header(file, data, "rows");
        int cols = header(file, data, "columns");
        if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
            throw new DataFormatException(file + ": implausible image size " + rows + "x" + cols);
        }
        if (count != labels.length) {
            throw new DataFormatException(file + ": " + count + " images but the label file has " + labels.length);
        }
        long total = (long) count * rows * cols;
        if (total > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(file + ": " + total + " pixels do not fit in memory as one array");
        }
        byte[] pixels = readExactly(file, data, (int) total, "pixels");
        requireEnd(file, data);
        return new Dataset(name, Shape.of(1, rows, cols), pixels, labels, classNames);
    }

    private static int header(String file, DataInputStream in, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(file + ": truncated header (no " + what + ")");
        }
    }

    private static int count(String file, int count) throws DataFormatException {
        if (count <= 0 || count > MAX_ITEMS) {
            throw new DataFormatException(file + ": implausible item count " + count);
        }
        return count;
    }

    /** Reads n bytes in chunks, so a header claiming more than the file holds fails before allocating it all. */
    private static byte[] readExactly(String file, DataInputStream in, int n, String what) throws IOException {
        byte[] out = new byte[Math.min(n, 1 << 20)];
        int got = 0;
        while (got < n) {
            if (got == out.length) {
                out = java.util.Arrays.copyOf(out, (int) Math.min(n, (long) out.length * 2));
            }
            int r = in.read(out, got, out.length - got);
            if (r < 0) {
                throw new DataFormatException(file + ": truncated: header promises " + n + " bytes of " + what
                        + ", the file holds " + got);
            }
            got += r;
        }
        return out;
    }

    private static void requireEnd(String file, DataInputStream in) throws IOException {
        if (in.read() >= 0) {
            throw new DataFormatException(file + ": data continues past what the header describes");
        }
    }
}
