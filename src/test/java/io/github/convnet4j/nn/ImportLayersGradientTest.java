package io.github.convnet4j.nn;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.GradientCheck;
import io.github.convnet4j.testing.RandomBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Backprop through the layers added for ONNX import (pad, softmax, log-softmax, average pooling without pads). */
class ImportLayersGradientTest {
    private static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    private static Tensor targets(int n, int k, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n * k];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 1.5f; // log-probabilities are negative
        }
        return backend.tensor(v, Shape.of(n, k));
    }

    @Test
    void asymmetricPadAveragePoolExcludingPadsAndLogSoftmax() {
        try (Network net = new NetworkBuilder(backend, Shape.of(2, 6, 6), 5).conv("c1", 3, 3, 1, 0)
                .pad("p", 0, 1, 1, 0, false).conv("c2", 2, 3, 1, 1).avgPool("a", 3, 1, 1, false).flatten("f")
                .affine("fc", 4).softmax("s", 1, false, true).meanSquaredError();
             Tensor x = RandomBatch.images(backend, 3, 2, 6, 6, 6); Tensor t = targets(3, 4, 7)) {
            GradientCheck.check(net, x, t, 8, GradientCheck.Budget.SMOOTH);
        }
    }

    @Test
    void softmaxOverTrailingDimensionsAndMaxPoolAfterMinusInfinityPad() {
        try (Network net = new NetworkBuilder(backend, Shape.of(2, 5, 5), 9).conv("c1", 2, 3, 1, 1)
                .softmax("s", 1, true, false).pad("p", 1, 0, 0, 1, true).maxPool("m", 2, 2).flatten("f")
                .affine("fc", 3).meanSquaredError();
             Tensor x = RandomBatch.images(backend, 2, 2, 5, 5, 10); Tensor t = targets(2, 3, 11)) {
            GradientCheck.check(net, x, t, 12, GradientCheck.Budget.KINKED);
        }
    }
}
