package io.github.convnet4j.bench;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Layer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Where a CPU training step goes: forward and backward time of every layer of LeNet-5 (batch 100)
 * and AlexNet (batch 8) alone, and the Adam step, in ms averaged over repeats after a warm-up.
 * A profiling tool, not a test.
 *
 * <pre>java -cp target/classes io.github.convnet4j.bench.CpuLayerProfile [threads]</pre>
 */
public final class CpuLayerProfile {
    private CpuLayerProfile() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        System.out.println("command: java -cp target/classes " + CpuLayerProfile.class.getName() + " " + threads);
        try (CpuBackend cpu = new CpuBackend(threads)) {
            try (Network lenet = LeNet.modern(cpu, 10, 1)) {
                profile(cpu, lenet, "LeNet-5 batch 100", Shape.of(100, 1, 28, 28), 10, 50);
            }
            try (Network alex = AlexNet.build(cpu, Shape.of(3, 224, 224), 1000, 1)) {
                profile(cpu, alex, "AlexNet batch 8", Shape.of(8, 3, 224, 224), 1000, 5);
            }
        }
    }

    private static float[] random(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    private static void profile(CpuBackend cpu, Network net, String label, Shape input, int classes, int reps) {
        Random rng = new Random(1);
        float[] labels = new float[input.dim(0)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(classes);
        }
        try (Tensor x = cpu.tensor(random(rng, input.size()), input);
             Tensor t = cpu.tensor(labels, Shape.of(input.dim(0)));
             Optimizer opt = new Adam(1e-3f)) {
            net.gradient(x, t);
            opt.step(net.parameters());
            List<Tensor> inputs = new ArrayList<>();
            Tensor in = x;
            for (Layer layer : net.layers()) {
                inputs.add(in);
                in = layer.forward(in, true);
            }
            StringBuilder sb = new StringBuilder(label + " per layer (forward/backward ms):");
            double total = 0;
            for (int i = 0; i < net.layers().size(); i++) {
                Layer layer = net.layers().get(i);
                Shape outShape = layer.outputShape(inputs.get(i).shape());
                try (Tensor dout = cpu.tensor(random(rng, outShape.size()), outShape)) {
                    double fwd = 0;
                    double bwd = 0;
                    for (int r = 0; r <= reps; r++) {
                        long t0 = System.nanoTime();
                        layer.forward(inputs.get(i), true);
                        long t1 = System.nanoTime();
                        layer.backward(dout);
                        long t2 = System.nanoTime();
                        if (r > 0) {
                            fwd += (t1 - t0) / 1e6;
                            bwd += (t2 - t1) / 1e6;
                        }
                    }
                    total += (fwd + bwd) / reps;
                    sb.append(String.format("%n  %-8s %8.3f / %8.3f", layer.name(), fwd / reps, bwd / reps));
                }
            }
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                opt.step(net.parameters());
            }
            double adam = (System.nanoTime() - t0) / 1e6 / reps;
            sb.append(String.format("%n  Adam step %.3f ms; sum of layers %.2f ms", adam, total));
            System.out.println(sb);
        }
    }
}
