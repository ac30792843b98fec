package io.github.convnet4j.onnx;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.models.CifarResNet;
import io.github.convnet4j.models.GoogLeNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Map;
import java.util.Random;

/** The networks the export tests write: our models, and one with every layer type and pooling case. */
final class ExportedNetworks {
    private ExportedNetworks() {
    }

    static Network lenet(Backend b) {
        return LeNet.modern(b, 10, 7);
    }

    static Network resnet20(Backend b) {
        return withRandomStatistics(CifarResNet.resnet20(b, Shape.of(3, 32, 32), 10, 7), 7);
    }

    /** GoogLeNet's whole structure (nine Inception modules, four ceil-mode pools) on 64×64 items. */
    static Network googlenet(Backend b) {
        return withRandomStatistics(GoogLeNet.build(b, Shape.of(3, 64, 64), 10, 7), 7);
    }

    /**
     * Every layer type, on a 3×16×18 item so that the poolings meet each ONNX case: a ceil-mode max
     * pool whose height rounds like ONNX's floor and whose width like its ceil (mp2: end padding),
     * a ceil-mode average pool hanging past an unpadded input (ap2: count_include_pad 0) and past a
     * padded one (ap0: count_include_pad 1), an average pool with padding (b.pool), an adaptive pool that divides (adp),
     * a 3-way add (Sum), a concat, LRN with an alpha large enough to matter, batch norm on 4-D and
     * 2-D values, PReLU, leaky ReLU, sigmoid, tanh, softplus, dropout and flatten.
     */
    static Network zoo(Backend b) {
        NetworkBuilder n = new NetworkBuilder(b, Shape.of(3, 16, 18), 11).rounding(OutputRounding.FLOOR)
                .conv("c1", 8, 3, 1, 1).batchNorm("bn1", 1e-3).prelu("pr1")
                .lrn("lrn1", new LrnParams(5, 1.0, 0.75, 1.5))
                .rounding(OutputRounding.CEIL).avgPool("ap0", 3, 2, 1) // 8 x 9 x 10, the last windows past the pads
                .rounding(OutputRounding.FLOOR).maxPool("mp1", 2, 1) // 8 x 8 x 9
                .conv("a.conv", 4, 1, 1, 0).leakyRelu("a.lrelu", 0.1f)
                .from("mp1").avgPool("b.pool", 3, 1, 1).conv("b.conv", 4, 3, 1, 1).sigmoid("b.sig")
                .from("mp1").conv("c.conv", 4, 3, 3, 1, 1, 1, 1, false).tanh("c.tanh")
                .sum("sum", "a.lrelu", "b.sig", "c.tanh")
                .concat("cat", "sum", "mp1") // 12 x 8 x 9
                .rounding(OutputRounding.CEIL)
                .maxPool("mp2", 3, 3, 1) // 12 x 3 x 4
                .avgPool("ap2", 2, 2) // 12 x 2 x 2
                .softplus("sp")
                .adaptiveAvgPool("adp", 1, 2)
                .dropout("drop", 0.3f).flatten("flat")
                .affine("fc1", 16).batchNorm("bn2").relu("relu")
                .affine("fc2", 5);
        return withRandomStatistics(n.softmaxWithLoss(), 11);
    }

    /**
     * Batch-norm scales, shifts and running statistics away from their initial 1, 0, 0, 1 (and PReLU
     * slopes away from 0.25), so that an exported model that dropped or swapped them would differ.
     */
    static Network withRandomStatistics(Network net, long seed) {
        Random rng = new Random(seed);
        for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) {
            float[] v = new float[e.getValue().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getKey().endsWith("running_var") ? 0.5f + rng.nextFloat() : 0.2f * (float) rng.nextGaussian();
            }
            e.getValue().copyFrom(v);
        }
        for (Parameter p : net.parameters()) {
            if (p.shape().rank() == 1) {
                float[] v = new float[p.shape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.name().endsWith(".bias") ? 0.1f * (float) rng.nextGaussian() : 0.5f + rng.nextFloat();
                }
                p.value().copyFrom(v);
            }
        }
        return net;
    }
}
