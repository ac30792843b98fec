package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads MNIST-style IDX files (MNIST, Fashion-MNIST), gzipped or raw: magic 0x00000801 for labels
 * and 0x00000803 for images, big-endian counts, then unsigned bytes. Headers are validated before
 * the body is read: the magic, positive sizes, that image and label files agree, and that the bytes
 * promised are within {@link DataLimits#IDX_MAX_BYTES}, what the JVM can hold, and what the file can
 * hold (its exact length when raw; deflate's best ratio times its length when gzipped). Exactly the
 * promised bytes are then read (inflated) and the file must end there: a truncated file, trailing
 * data and every gzip fault are one error naming the file.
 */
public final class IdxReader {
    private static final int LABEL_MAGIC = 0x00000801;
    private static final int IMAGE_MAGIC = 0x00000803;
    private static final int LABEL_HEADER_BYTES = 8;
    private static final int IMAGE_HEADER_BYTES = 16;
    /** No MNIST-like set has more; a header claiming more is corrupt, not big. */
    private static final int MAX_ITEMS = 10_000_000;

    private IdxReader() {
    }

    public static Dataset read(String name, Path images, Path labels, List<String> classNames) throws IOException {
        return read(name, IdxFile.of(images), IdxFile.of(labels), classNames);
    }

    /** Reads a label file and its image file. */
    static Dataset read(String name, IdxFile images, IdxFile labels, List<String> classNames) throws IOException {
        int[] labelValues;
        try (InputStream in = labels.open()) {
            labelValues = readLabels(labels, in, classNames.size());
        }
        try (InputStream in = images.open()) {
            return readImages(name, images, in, labelValues, classNames);
        }
    }

    static int[] readLabels(IdxFile f, InputStream in, int classes) throws IOException {
        String file = f.name();
        DataInputStream data = new DataInputStream(in);
        int magic = header(file, data, "magic");
        if (magic != LABEL_MAGIC) {
            throw new DataFormatException(file + ": not an IDX label file (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x00000801)");
        }
        int count = count(file, header(file, data, "item count"));
        boolean exact = requireRoom(f, LABEL_HEADER_BYTES, count, count + " labels");
        byte[] bytes = readExactly(file, data, count, "labels", exact);
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

    static Dataset readImages(String name, IdxFile f, InputStream in, int[] labels, List<String> classNames)
            throws IOException {
        String file = f.name();
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
        boolean exact = requireRoom(f, IMAGE_HEADER_BYTES, total, count + " images of " + rows + "x" + cols);
        byte[] pixels = readExactly(file, data, (int) total, "pixels", exact);
        requireEnd(file, data);
        return new Dataset(name, Shape.of(1, rows, cols), pixels, labels, classNames);
    }

    /**
     * Checks the body a header promises before any of it is read: within the limit, within the heap,
     * and within what the file can hold — exactly its remaining length when raw. Returns whether the
     * body's size is thereby known to be present (a raw file of exactly that length), so that it can
     * be read into one array; a gzip body is read into a growing array, whose last doubling holds
     * 1.5 times the body at once, and so needs that much heap.
     */
    private static boolean requireRoom(IdxFile f, long headerBytes, long body, String what) throws DataFormatException {
        String file = f.name();
        if (body > DataLimits.IDX_MAX_BYTES) {
            throw new DataFormatException(file + ": the header declares " + what + " = " + body
                    + " bytes, more than the limit of " + DataLimits.IDX_MAX_BYTES + " for an IDX file (a corrupt header?)");
        }
        long stored = f.storedBytes();
        if (stored >= 0 && !f.gzip()) {
            long held = stored - headerBytes;
            if (held < body) {
                throw new DataFormatException(file + ": truncated: the header promises " + body + " bytes of " + what
                        + ", the file holds " + held);
            }
            if (held > body) {
                throw new DataFormatException(file + ": trailing data: the file continues " + (held - body)
                        + " bytes past what the header describes (" + what + ")");
            }
        }
        if (stored >= 0 && f.gzip() && headerBytes + body > DataLimits.DEFLATE_MAX_RATIO * stored) {
            throw new DataFormatException(file + ": truncated: the header promises " + body + " bytes of " + what
                    + ", more than a gzip file of " + stored + " bytes can inflate to");
        }
        boolean exact = stored >= 0 && !f.gzip();
        DataLimits.requireHeap(file, what, body, exact ? body : body + body / 2);
        return exact;
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

    /**
     * Reads n bytes. When the file is known to hold them ({@code present}) into one array; otherwise
     * in a doubling array, so a gzip header claiming more than the stream inflates to fails before
     * all of it is allocated.
     */
    private static byte[] readExactly(String file, DataInputStream in, int n, String what, boolean present)
            throws IOException {
        byte[] out = new byte[present ? n : Math.min(n, 1 << 20)];
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
            throw new DataFormatException(file + ": trailing data: the file continues past what the header describes");
        }
    }
}
