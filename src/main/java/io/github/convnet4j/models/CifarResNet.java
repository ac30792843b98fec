package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;

/**
 * The CIFAR ResNets of He et al. 2016 (section 4.2): a 3×3 convolution to 16 channels, three
 * stages of n basic blocks at 16, 32 and 64 channels (the first block of stages 2 and 3 strides by
 * 2), global average pooling and one fully connected layer: 6n + 2 layers, ResNet-20 for n = 3
 * (0.27 M parameters). Works for 28×28 (Fashion-MNIST) and 32×32 (CIFAR-10) inputs of any channel count.
 *
 * <p>Shortcut: where the width changes, a 1×1 convolution with stride 2 and batch norm (the
 * paper's option B, the one torchvision's ResNets use), rather than option A's zero-padded
 * identity; it adds 2,752 parameters to ResNet-20 and needs no extra op. Names follow torchvision's
 * ResNet (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc).
 */
public final class CifarResNet {
    private CifarResNet() {
    }

    /** ResNet-(6n+2); depth 20, 32, 44, 56, 110. */
    public static NetworkSpec spec(int depth, Shape itemShape, int classes) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("CIFAR ResNet depth must be 6n + 2 (20, 32, 44, 56, 110), got " + depth);
        }
        int n = (depth - 2) / 6;
        SpecBuilder b = new SpecBuilder(itemShape);
        b.conv("conv1", 16, 3, 1, 1, false).batchNorm("bn1", 1e-5).relu("relu");
        int in = 16;
        int[] widths = {16, 32, 64};
        for (int stage = 0; stage < 3; stage++) {
            for (int i = 0; i < n; i++) {
                in = ResNet.basic(b, "layer" + (stage + 1) + "." + i, in, widths[stage], stage > 0 && i == 0 ? 2 : 1);
            }
        }
        return b.adaptiveAvgPool("avgpool", 1, 1).affine("fc", classes).softmaxWithLoss();
    }

    public static Network resnet20(Backend backend, Shape itemShape, int classes, long seed) {
        return spec(20, itemShape, classes).build(backend, seed);
    }
}
