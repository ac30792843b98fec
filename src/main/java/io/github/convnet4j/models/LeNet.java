package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Initializer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;

/**
 * LeNet-5 for 28×28 inputs (conv1 pads by 2 to LeCun's 32×32): conv 6×5×5 – pool 2×2/2 –
 * conv 16×5×5 – pool 2×2/2 – FC 120 – FC 84 – FC classes.
 */
public final class LeNet {
    /** The squashing function of the 1998 network. */
    public enum Squash { TANH, SIGMOID }

    private LeNet() {
    }

    /**
     * The 1998 form: tanh or sigmoid and average subsampling (without the original's learned
     * per-map coefficient and bias, and with full conv2 connectivity), Xavier initialisation.
     */
    public static Network classic(Backend backend, Squash squash, int classes, long seed) {
        NetworkBuilder b = new NetworkBuilder(backend, Shape.of(1, 28, 28), seed).initializer(Initializer.xavier());
        b.conv("conv1", 6, 5, 1, 2);
        activation(b, squash, "act1");
        b.avgPool("pool1", 2, 2).conv("conv2", 16, 5, 1, 0);
        activation(b, squash, "act2");
        b.avgPool("pool2", 2, 2).affine("fc1", 120);
        activation(b, squash, "act3");
        b.affine("fc2", 84);
        activation(b, squash, "act4");
        return b.affine("fc3", classes).softmaxWithLoss();
    }

    /** The modern form: ReLU and max pooling, He initialisation; 61,706 parameters for 10 classes. */
    public static Network modern(Backend backend, int classes, long seed) {
        return new NetworkBuilder(backend, Shape.of(1, 28, 28), seed)
                .initializer(Initializer.he())
                .conv("conv1", 6, 5, 1, 2).relu("relu1").maxPool("pool1", 2, 2)
                .conv("conv2", 16, 5, 1, 0).relu("relu2").maxPool("pool2", 2, 2)
                .affine("fc1", 120).relu("relu3")
                .affine("fc2", 84).relu("relu4")
                .affine("fc3", classes)
                .softmaxWithLoss();
    }

    private static void activation(NetworkBuilder b, Squash squash, String name) {
        if (squash == Squash.TANH) {
            b.tanh(name);
        } else {
            b.sigmoid(name);
        }
    }
}
