package io.github.convnet4j.models;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.nn.Initializer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;

/**
 * Single-tower AlexNet with torchvision's channel counts plus the original's LRN:
 * conv 64×11×11/4 pad 2 – ReLU – LRN – max-pool 3×3/2 – conv 192×5×5 pad 2 – ReLU – LRN – max-pool –
 * conv 384×3×3 – conv 256×3×3 – conv 256×3×3 (ReLU each, pad 1) – max-pool – Dropout – FC 4096 –
 * ReLU – Dropout – FC 4096 – ReLU – FC classes. With 3×224×224 input and 1000 classes it has
 * 61,100,840 parameters. Output sizes round down (as in cuDNN and PyTorch): conv1 on 224 has
 * (224 + 4 − 11)/4 = 54.25, which the book's strict rule would reject.
 */
public final class AlexNet {
    private AlexNet() {
    }

    public static Network build(Backend backend, Shape itemShape, int classes, long seed) {
        return new NetworkBuilder(backend, itemShape, seed)
                .initializer(Initializer.he())
                .rounding(OutputRounding.FLOOR)
                .conv("conv1", 64, 11, 4, 2).relu("relu1").lrn("lrn1", LrnParams.ALEXNET).maxPool("pool1", 3, 2)
                .conv("conv2", 192, 5, 1, 2).relu("relu2").lrn("lrn2", LrnParams.ALEXNET).maxPool("pool2", 3, 2)
                .conv("conv3", 384, 3, 1, 1).relu("relu3")
                .conv("conv4", 256, 3, 1, 1).relu("relu4")
                .conv("conv5", 256, 3, 1, 1).relu("relu5").maxPool("pool5", 3, 2)
                .dropout("drop6", 0.5f).affine("fc6", 4096).relu("relu6")
                .dropout("drop7", 0.5f).affine("fc7", 4096).relu("relu7")
                .affine("fc8", classes)
                .softmaxWithLoss();
    }

    /**
     * torchvision's AlexNet exactly (no LRN, an adaptive 6×6 average pool before the classifier),
     * with its names {@code features.N} and {@code classifier.N}, so torchvision AlexNet weights load.
     */
    public static io.github.convnet4j.nn.NetworkSpec torchvisionSpec(Shape itemShape, int classes) {
        SpecBuilder b = new SpecBuilder(itemShape);
        b.conv("features.0", 64, 11, 4, 2, true).relu("features.1").maxPool("features.2", 3, 2, 0, false)
                .conv("features.3", 192, 5, 1, 2, true).relu("features.4").maxPool("features.5", 3, 2, 0, false)
                .conv("features.6", 384, 3, 1, 1, true).relu("features.7")
                .conv("features.8", 256, 3, 1, 1, true).relu("features.9")
                .conv("features.10", 256, 3, 1, 1, true).relu("features.11").maxPool("features.12", 3, 2, 0, false)
                .adaptiveAvgPool("avgpool", 6, 6)
                .dropout("classifier.0", 0.5f).affine("classifier.1", 4096).relu("classifier.2")
                .dropout("classifier.3", 0.5f).affine("classifier.4", 4096).relu("classifier.5")
                .affine("classifier.6", classes);
        return b.softmaxWithLoss();
    }
}
