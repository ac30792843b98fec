package io.github.convnet4j.testing;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;

/** Seeded random inputs for network tests: Gaussian NCHW images and uniform class labels; the caller closes them. */
public final class RandomBatch {
    private RandomBatch() {
    }

    public static Tensor images(Backend backend, int n, int c, int h, int w, long seed) {
        return backend.tensor(Check.randomFloats(new Random(seed), n * c * h * w), Shape.of(n, c, h, w));
    }

    public static Tensor labels(Backend backend, int n, int classes, long seed) {
        Random rng = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = rng.nextInt(classes);
        }
        return backend.tensor(l, Shape.of(n));
    }
}
