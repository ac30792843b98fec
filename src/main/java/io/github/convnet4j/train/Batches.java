package io.github.convnet4j.train;

import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.tensor.Shape;
import java.util.Arrays;

/** Shapes and arrays of loader batches as tensors need them (a last, smaller batch included). */
final class Batches {
    private Batches() {
    }

    static Shape shape(Dataset d, int n) {
        Shape item = d.itemShape();
        return Shape.of(n, item.dim(0), item.dim(1), item.dim(2));
    }

    static float[] images(BatchLoader.Batch b, Dataset d) {
        int len = b.size() * d.itemShape().size();
        return b.images().length == len ? b.images() : Arrays.copyOf(b.images(), len);
    }

    static float[] labels(BatchLoader.Batch b) {
        return b.labels().length == b.size() ? b.labels() : Arrays.copyOf(b.labels(), b.size());
    }
}
