package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Initializer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;

/**
 * The book's chapter-7 SimpleConvNet: conv 30×5×5 (stride 1, pad 0) – ReLU – max-pool 2×2/2 –
 * Affine 100 – ReLU – Affine classes – SoftmaxWithLoss, weights N(0, 0.01²) by default.
 */
public final class SimpleConvNet {
    private SimpleConvNet() {
    }

    public static Network build(Backend backend, Shape itemShape, int classes, long seed) {
        return build(backend, itemShape, classes, seed, Initializer.normal(0.01));
    }

    public static Network build(Backend backend, Shape itemShape, int classes, long seed, Initializer init) {
        return new NetworkBuilder(backend, itemShape, seed)
                .initializer(init)
                .conv("conv1", 30, 5, 1, 0)
                .relu("relu1")
                .maxPool("pool1", 2, 2)
                .affine("fc1", 100)
                .relu("relu2")
                .affine("fc2", classes)
                .softmaxWithLoss();
    }
}
