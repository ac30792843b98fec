package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10's binary batches: records of 1 label byte and 3,072 pixel bytes (32×32 red, then
 * green, then blue). A file whose length is not a whole number of records is rejected.
 */
public final class Cifar10Reader {
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    private static final int PIXELS = 3 * 32 * 32;
    private static final int RECORD = 1 + PIXELS;

    private Cifar10Reader() {
    }

    public static Dataset read(String name, List<Path> batches) throws IOException {
        long total = 0;
        for (Path p : batches) {
            long size = Files.size(p);
            if (size == 0 || size % RECORD != 0) {
                throw new DataFormatException(p + ": " + size + " bytes is not a whole number of CIFAR-10 records ("
                        + RECORD + " bytes each)");
            }
            total += size / RECORD;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(name + ": too many records (" + total + ")");
        }
        int n = (int) total;
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int item = 0;
        byte[] record = new byte[RECORD];
        for (Path p : batches) {
            try (InputStream in = Files.newInputStream(p)) {
                while (in.readNBytes(record, 0, RECORD) == RECORD) {
                    int label = record[0] & 0xFF;
                    if (label >= CLASSES.size()) {
                        throw new DataFormatException(p + ": label " + label + " of record " + item + " is not in [0, 10)");
                    }
                    labels[item] = label;
                    System.arraycopy(record, 1, pixels, item * PIXELS, PIXELS);
                    item++;
                }
            }
        }
        return new Dataset(name, Shape.of(3, 32, 32), pixels, labels, CLASSES);
    }
}
