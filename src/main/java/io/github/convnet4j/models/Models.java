package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import java.util.List;
import java.util.Locale;

/** The ready-made networks by name, for the command line. */
public final class Models {
    public static final List<String> NAMES = List.of("lenet", "lenet-classic-tanh", "lenet-classic-sigmoid",
            "simpleconvnet", "alexnet");

    private Models() {
    }

    /** Builds a named network for items of the given shape. */
    public static Network build(String name, Backend backend, Shape itemShape, int classes, long seed) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "lenet":
                requireMnistShape(name, itemShape);
                return LeNet.modern(backend, classes, seed);
            case "lenet-classic-tanh":
                requireMnistShape(name, itemShape);
                return LeNet.classic(backend, LeNet.Squash.TANH, classes, seed);
            case "lenet-classic-sigmoid":
                requireMnistShape(name, itemShape);
                return LeNet.classic(backend, LeNet.Squash.SIGMOID, classes, seed);
            case "simpleconvnet":
                return SimpleConvNet.build(backend, itemShape, classes, seed);
            case "alexnet":
                return AlexNet.build(backend, itemShape, classes, seed);
            default:
                throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + NAMES);
        }
    }

    private static void requireMnistShape(String name, Shape itemShape) {
        if (!itemShape.equals(Shape.of(1, 28, 28))) {
            throw new IllegalArgumentException(name + " expects 1x28x28 images, the data has " + itemShape);
        }
    }
}
