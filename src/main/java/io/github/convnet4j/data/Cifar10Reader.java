package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10's binary batches: records of 1 label byte and 3,072 pixel bytes (32×32 red, then
 * green, then blue). Every file's length is checked before anything is allocated: it must be a whole
 * number of records (a CIFAR-100 file, 2 label bytes per record, is recognised and refused as such)
 * and at most {@link DataLimits#CIFAR_MAX_RECORDS_PER_FILE} records, and the set must fit in the heap.
 */
public final class Cifar10Reader {
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    private static final int PIXELS = 3 * 32 * 32;
    private static final int RECORD = 1 + PIXELS;
    /** CIFAR-100's binary records: a coarse and a fine label byte, then the same 3,072 pixels. */
    private static final int CIFAR100_RECORD = 2 + PIXELS;

    private Cifar10Reader() {
    }

    public static Dataset read(String name, List<Path> batches) throws IOException {
        long total = 0;
        for (Path p : batches) {
            total += records(p);
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(name + ": too many records (" + total + ") to hold in one array");
        }
        DataLimits.requireHeap(name, total + " CIFAR-10 images", total * (PIXELS + Integer.BYTES));
        int n = (int) total;
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int item = 0;
        byte[] record = new byte[RECORD];
        for (Path p : batches) {
            int inFile = 0;
            try (InputStream in = Files.newInputStream(p)) {
                while (in.readNBytes(record, 0, RECORD) == RECORD && item < n) {
                    int label = record[0] & 0xFF;
                    if (label >= CLASSES.size()) {
                        throw new DataFormatException(p + ": label " + label + " of record " + inFile
                                + " is not in [0, 10) (not a CIFAR-10 batch?)");
                    }
                    labels[item] = label;
                    System.arraycopy(record, 1, pixels, item * PIXELS, PIXELS);
                    item++;
                    inFile++;
                }
            }
        }
        if (item != n) {
            throw new DataFormatException(name + ": the files changed while being read (" + item + " of " + n
                    + " records read)");
        }
        return new Dataset(name, Shape.of(3, 32, 32), pixels, labels, CLASSES);
    }

    /** The number of records a batch file holds, from its length alone. */
    static long records(Path p) throws IOException {
        long size = Files.size(p);
        if (size == 0) {
            throw new DataFormatException(p + ": empty file (a CIFAR-10 batch has records of " + RECORD + " bytes)");
        }
        if (size % RECORD != 0) {
            if (size % CIFAR100_RECORD == 0) {
                throw new DataFormatException(p + ": " + size + " bytes is a whole number of CIFAR-100 records ("
                        + CIFAR100_RECORD + " bytes: 2 labels and 3,072 pixels), not of CIFAR-10 records (" + RECORD
                        + " bytes); convnet4j reads the CIFAR-10 binary version");
            }
            throw new DataFormatException(p + ": " + size + " bytes is not a whole number of CIFAR-10 records ("
                    + RECORD + " bytes each)");
        }
        long records = size / RECORD;
        if (records > DataLimits.CIFAR_MAX_RECORDS_PER_FILE) {
            throw new DataFormatException(p + ": " + size + " bytes = " + records + " records, more than the "
                    + DataLimits.CIFAR_MAX_RECORDS_PER_FILE + " of the whole CIFAR-10 set (a batch holds 10,000 records, "
                    + 10_000L * RECORD + " bytes)");
        }
        return records;
    }
}
