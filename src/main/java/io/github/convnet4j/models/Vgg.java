package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.util.List;

/**
 * VGG-11, VGG-16 and VGG-16 with batch norm as torchvision builds them: the convolution stack
 * {@code features.N} (3×3 convolutions with bias, ReLU, optionally a batch norm between, 2×2 max
 * pools), an adaptive average pool to 7×7 ({@code avgpool}), and the classifier
 * {@code classifier.0/3/6} (4096, 4096, classes, with ReLU and dropout 0.5 between). N counts
 * torchvision's modules, so {@code features.0.weight} and the others carry torchvision's names.
 * The 7×7 pool makes the classifier independent of the input size (a 32×32 input is pooled to
 * 1×1 and spread back to 7×7, as PyTorch does).
 */
public final class Vgg {
    /** A stage marker in the configurations: a max pool. */
    private static final int M = 0;
    private static final List<Integer> VGG11 = List.of(64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M);
    private static final List<Integer> VGG16 = List.of(64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M,
            512, 512, 512, M);

    private Vgg() {
    }

    /** The architecture: depth 11 or 16, with or without batch norm. */
    public static NetworkSpec spec(int depth, boolean batchNorm, Shape itemShape, int classes) {
        List<Integer> config = switch (depth) {
            case 11 -> VGG11;
            case 16 -> VGG16;
            default -> throw new IllegalArgumentException("VGG depth must be 11 or 16, got " + depth);
        };
        SpecBuilder b = new SpecBuilder(itemShape);
        int module = 0;
        for (int width : config) {
            if (width == M) {
                b.maxPool("features." + module++, 2, 2, 0, false);
                continue;
            }
            b.conv("features." + module++, width, 3, 1, 1, true);
            if (batchNorm) {
                b.batchNorm("features." + module++, 1e-5);
            }
            b.relu("features." + module++);
        }
        return b.adaptiveAvgPool("avgpool", 7, 7).affine("classifier.0", 4096).relu("classifier.1")
                .dropout("classifier.2", 0.5f).affine("classifier.3", 4096).relu("classifier.4")
                .dropout("classifier.5", 0.5f).affine("classifier.6", classes).softmaxWithLoss();
    }

    public static Network build(Backend backend, int depth, boolean batchNorm, Shape itemShape, int classes, long seed) {
        return spec(depth, batchNorm, itemShape, classes).build(backend, seed);
    }
}
