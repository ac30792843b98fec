package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;

/**
 * GoogLeNet (Inception v1) as torchvision builds it without the auxiliary classifiers
 * ({@code aux_logits=False}) and without {@code transform_input}: torchvision's BasicConv2d
 * (convolution without bias, batch norm with eps 0.001, ReLU) named {@code conv1.conv},
 * {@code conv1.bn}; Inception modules whose four branches ({@code branch1},
 * {@code branch2.0/1}, {@code branch3.0/1}, max pool then {@code branch4.1}) are concatenated
 * along channels; ceil-mode max pools; global average pooling, dropout 0.2 and {@code fc}. Like
 * torchvision, the "5×5" branch uses a 3×3 convolution (pytorch/vision#906), so its weights load.
 */
public final class GoogLeNet {
    private static final double EPS = 0.001;

    private GoogLeNet() {
    }

    public static NetworkSpec spec(Shape itemShape, int classes) {
        SpecBuilder b = new SpecBuilder(itemShape);
        basicConv(b, "conv1", 64, 7, 2, 3);
        b.maxPool("maxpool1", 3, 2, 0, true);
        basicConv(b, "conv2", 64, 1, 1, 0);
        basicConv(b, "conv3", 192, 3, 1, 1);
        b.maxPool("maxpool2", 3, 2, 0, true);
        inception(b, "inception3a", 64, 96, 128, 16, 32, 32);
        inception(b, "inception3b", 128, 128, 192, 32, 96, 64);
        b.maxPool("maxpool3", 3, 2, 0, true);
        inception(b, "inception4a", 192, 96, 208, 16, 48, 64);
        inception(b, "inception4b", 160, 112, 224, 24, 64, 64);
        inception(b, "inception4c", 128, 128, 256, 24, 64, 64);
        inception(b, "inception4d", 112, 144, 288, 32, 64, 64);
        inception(b, "inception4e", 256, 160, 320, 32, 128, 128);
        b.maxPool("maxpool4", 2, 2, 0, true);
        inception(b, "inception5a", 256, 160, 320, 32, 128, 128);
        inception(b, "inception5b", 384, 192, 384, 48, 128, 128);
        return b.adaptiveAvgPool("avgpool", 1, 1).dropout("dropout", 0.2f).affine("fc", classes).softmaxWithLoss();
    }

    public static Network build(Backend backend, Shape itemShape, int classes, long seed) {
        return spec(itemShape, classes).build(backend, seed);
    }

    /** torchvision's BasicConv2d: conv (no bias) – batch norm (eps 0.001) – ReLU, as name.conv and name.bn. */
    static void basicConv(SpecBuilder b, String name, int out, int kernel, int stride, int pad) {
        b.conv(name + ".conv", out, kernel, stride, pad, false).batchNorm(name + ".bn", EPS).relu(name + ".relu");
    }

    /** Four branches from the current value, concatenated: 1×1; 1×1–3×3; 1×1–3×3; 3×3/1 max pool–1×1. */
    static void inception(SpecBuilder b, String name, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5,
                          int poolProj) {
        String x = b.current();
        basicConv(b, name + ".branch1", ch1x1, 1, 1, 0);
        String b1 = b.current();
        b.from(x);
        basicConv(b, name + ".branch2.0", ch3x3red, 1, 1, 0);
        basicConv(b, name + ".branch2.1", ch3x3, 3, 1, 1);
        String b2 = b.current();
        b.from(x);
        basicConv(b, name + ".branch3.0", ch5x5red, 1, 1, 0);
        basicConv(b, name + ".branch3.1", ch5x5, 3, 1, 1);
        String b3 = b.current();
        b.from(x).maxPool(name + ".branch4.0", 3, 1, 1, true);
        basicConv(b, name + ".branch4.1", poolProj, 1, 1, 0);
        b.concat(name, b1, b2, b3, b.current());
    }
}
