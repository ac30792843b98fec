package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;

/**
 * ResNet-18/34/50 exactly as torchvision builds them (v1.5: a bottleneck's stride is on its 3×3),
 * with torchvision's state_dict names (conv1.weight, bn1.running_var, layer1.0.conv1.weight,
 * layer2.0.downsample.0.weight, fc.weight), so that torchvision weights saved as safetensors load
 * with no renaming. Convolutions have no bias (each is followed by a batch norm); the shortcut is
 * the identity unless the stride or width changes, then a 1×1 convolution and batch norm
 * (torchvision's option B). The classifier reads a global average pool, so any input of at least
 * 32×32 works; 3×224×224 is ImageNet's.
 */
public final class ResNet {
    private ResNet() {
    }

    /** The residual block: two 3×3 convolutions (18, 34) or a 1×1–3×3–1×1 bottleneck (50). */
    enum Block { BASIC, BOTTLENECK }

    /** Blocks per stage and block type of a depth. */
    private record Depth(Block block, int[] blocks) {
    }

    private static Depth depth(int layers) {
        return switch (layers) {
            case 18 -> new Depth(Block.BASIC, new int[] {2, 2, 2, 2});
            case 34 -> new Depth(Block.BASIC, new int[] {3, 4, 6, 3});
            case 50 -> new Depth(Block.BOTTLENECK, new int[] {3, 4, 6, 3});
            default -> throw new IllegalArgumentException("ResNet depth must be 18, 34 or 50, got " + layers);
        };
    }

    /** The architecture alone (nothing allocated): count its parameters with {@code spec.plan()}. */
    public static NetworkSpec spec(int layers, Shape itemShape, int classes) {
        Depth d = depth(layers);
        SpecBuilder b = new SpecBuilder(itemShape);
        b.conv("conv1", 64, 7, 2, 3, false).batchNorm("bn1", 1e-5).relu("relu").maxPool("maxpool", 3, 2, 1, false);
        int in = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int i = 0; i < d.blocks()[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                String name = "layer" + (stage + 1) + "." + i;
                in = d.block() == Block.BASIC ? basic(b, name, in, widths[stage], stride)
                        : bottleneck(b, name, in, widths[stage], stride);
            }
        }
        return b.adaptiveAvgPool("avgpool", 1, 1).affine("fc", classes).softmaxWithLoss();
    }

    public static Network build(Backend backend, int layers, Shape itemShape, int classes, long seed) {
        return spec(layers, itemShape, classes).build(backend, seed);
    }

    /** conv3×3(stride)–bn–relu–conv3×3–bn, plus the shortcut, then relu; returns the output width. */
    static int basic(SpecBuilder b, String name, int in, int width, int stride) {
        String x = b.current();
        b.conv(name + ".conv1", width, 3, stride, 1, false).batchNorm(name + ".bn1", 1e-5).relu(name + ".relu1")
                .conv(name + ".conv2", width, 3, 1, 1, false).batchNorm(name + ".bn2", 1e-5);
        return merge(b, name, x, in, width, stride);
    }

    /** conv1×1–bn–relu–conv3×3(stride)–bn–relu–conv1×1(4·width)–bn, plus the shortcut, then relu. */
    static int bottleneck(SpecBuilder b, String name, int in, int width, int stride) {
        String x = b.current();
        b.conv(name + ".conv1", width, 1, 1, 0, false).batchNorm(name + ".bn1", 1e-5).relu(name + ".relu1")
                .conv(name + ".conv2", width, 3, stride, 1, false).batchNorm(name + ".bn2", 1e-5).relu(name + ".relu2")
                .conv(name + ".conv3", 4 * width, 1, 1, 0, false).batchNorm(name + ".bn3", 1e-5);
        return merge(b, name, x, in, 4 * width, stride);
    }

    /** Adds the shortcut (identity, or torchvision's downsample.0 conv and downsample.1 batch norm) and the relu. */
    private static int merge(SpecBuilder b, String name, String x, int in, int out, int stride) {
        String residual = b.current();
        String shortcut = x;
        if (stride != 1 || in != out) {
            b.from(x).conv(name + ".downsample.0", out, 1, stride, 0, false).batchNorm(name + ".downsample.1", 1e-5);
            shortcut = b.current();
        }
        b.sum(name + ".add", residual, shortcut).relu(name + ".relu");
        return out;
    }
}
