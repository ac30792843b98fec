package io.github.convnet4j.models;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Graph;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.Check;
import java.util.Random;

/**
 * Peak activation memory of one training step, with buffers shared by liveness, against what one
 * buffer per layer output and per input gradient would hold (the chain engine's way).
 * Usage: MemoryProbe resnet20|resnet18|resnet50|googlenet BATCH C H W
 */
public final class MemoryProbe {
    /** Bytes the graph's values and input gradients would take with a buffer of each per layer. */
    static long perLayerBytes(Network net, int batch) {
        long floats = 0;
        for (Graph.Node n : net.graph().nodes()) {
            floats += net.graph().shapes().get(n.name()).size();
            for (String in : n.inputs()) {
                floats += net.graph().shapes().get(in).size();
            }
        }
        return 4L * floats * batch;
    }

    static NetworkSpec spec(String model, Shape item, int classes) {
        return switch (model) {
            case "resnet20" -> CifarResNet.spec(20, item, classes);
            case "resnet18" -> ResNet.spec(18, item, classes);
            case "resnet50" -> ResNet.spec(50, item, classes);
            case "googlenet" -> GoogLeNet.spec(item, classes);
            default -> throw new IllegalArgumentException(model);
        };
    }

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[1]);
        Shape item = Shape.of(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        try (CpuBackend cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
             Network net = spec(args[0], item, 10).build(cpu, 1);
             Tensor x = cpu.tensor(Check.randomFloats(new Random(1), batch * item.size()), Shape.of(batch, item.dim(0), item.dim(1), item.dim(2)));
             Tensor t = cpu.tensor(new float[batch], Shape.of(batch))) {
            long t0 = System.nanoTime();
            net.gradient(x, t);
            long t1 = System.nanoTime();
            System.out.printf("%s batch %d %s: peak in use %,d bytes, pool holds %,d; one buffer per layer output and"
                            + " input gradient: %,d bytes; parameters %,d bytes; step %.1f s%n", args[0], batch, item,
                    net.bufferPool().peakBytesInUse(), net.bufferPool().allocatedBytes(), perLayerBytes(net, batch),
                    4 * net.parameterCount(), (t1 - t0) / 1e9);
        }
    }
}
