package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The ready-made networks by name, for the command line. The graph networks (VGG, GoogLeNet, the
 * ResNets) are described by a {@link NetworkSpec} that can be planned without allocating anything;
 * LeNet, SimpleConvNet and AlexNet are made by their builders.
 */
public final class Models {
    /** The single list of names the command line offers and names in its messages. */
    public static final List<String> NAMES = List.of("lenet", "lenet-classic-tanh", "lenet-classic-sigmoid",
            "simpleconvnet", "alexnet", "vgg11", "vgg16", "vgg16-bn", "googlenet", "resnet18", "resnet34", "resnet50",
            "resnet20");

    private Models() {
    }

    /** Builds a named network for items of the given shape. */
    public static Network build(String name, Backend backend, Shape itemShape, int classes, long seed) {
        Optional<NetworkSpec> spec = spec(name, itemShape, classes);
        if (spec.isPresent()) {
            return spec.get().build(backend, seed);
        }
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

    /**
     * The architecture of a graph network (nothing allocated; {@code plan()} checks that it takes
     * the items), or empty for the models made by their builders (LeNet, SimpleConvNet, AlexNet)
     * and for unknown names.
     */
    public static Optional<NetworkSpec> spec(String name, Shape itemShape, int classes) {
        return Optional.ofNullable(switch (name.toLowerCase(Locale.ROOT)) {
            case "vgg11" -> Vgg.spec(11, false, itemShape, classes);
            case "vgg16" -> Vgg.spec(16, false, itemShape, classes);
            case "vgg16-bn" -> Vgg.spec(16, true, itemShape, classes);
            case "googlenet" -> GoogLeNet.spec(itemShape, classes);
            case "resnet18" -> ResNet.spec(18, itemShape, classes);
            case "resnet34" -> ResNet.spec(34, itemShape, classes);
            case "resnet50" -> ResNet.spec(50, itemShape, classes);
            case "resnet20" -> CifarResNet.spec(20, itemShape, classes);
            default -> null;
        });
    }

    private static void requireMnistShape(String name, Shape itemShape) {
        if (!itemShape.equals(Shape.of(1, 28, 28))) {
            throw new IllegalArgumentException(name + " expects 1x28x28 images, the data has " + itemShape);
        }
    }
}
