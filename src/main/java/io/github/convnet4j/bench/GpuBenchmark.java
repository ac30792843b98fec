package io.github.convnet4j.bench;

import io.github.convnet4j.cuda.CudaBackend;
import io.github.convnet4j.cuda.CudaOptions;
import io.github.convnet4j.cuda.CudaUnavailableException;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Layer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * GPU training-speed figures: AlexNet (batch 128, 3×224×224, 1000 classes) step time in FP32 and
 * TF32 with the forward/backward time of every layer, and one LeNet epoch (60,000 images, batch
 * 100, Adam) with a host-to-device copy of each batch, as a data loader would do. A tool, not a
 * test; it prints the command that produced it.
 *
 * <pre>java -cp ... io.github.convnet4j.bench.GpuBenchmark [alexnet-steps] [lenet-images]</pre>
 */
public final class GpuBenchmark {
    private GpuBenchmark() {
    }

    public static void main(String[] args) throws CudaUnavailableException {
        int alexSteps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int lenetImages = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
        System.out.println("command: java " + GpuBenchmark.class.getName() + " " + alexSteps + " " + lenetImages);
        for (boolean tf32 : new boolean[]{false, true}) {
            CudaOptions options = CudaOptions.defaults().withTf32(tf32);
            try (CudaBackend cuda = CudaBackend.open(options)) {
                if (!tf32) {
                    System.out.println("device: " + cuda.description());
                }
                String math = tf32 ? "TF32" : "FP32";
                alexNet(cuda, math, alexSteps);
                leNetEpoch(cuda, math, lenetImages);
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

    private static void alexNet(CudaBackend cuda, String math, int steps) {
        int batch = 128;
        Random rng = new Random(1);
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(1000);
        }
        try (Network net = AlexNet.build(cuda, Shape.of(3, 224, 224), 1000, 1);
             Optimizer opt = new Momentum(0.01f, 0.9f, 5e-4f);
             Tensor x = cuda.tensor(random(rng, batch * 3 * 224 * 224), Shape.of(batch, 3, 224, 224));
             Tensor t = cuda.tensor(labels, Shape.of(batch))) {
            for (int i = 0; i < 3; i++) { // warm-up: algorithm search, buffer allocation
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            cuda.synchronize();
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            float loss = net.lossLayer().forward(net.forward(x, false), t).toArray()[0];
            double ms = (System.nanoTime() - start) / 1e6 / steps;
            System.out.printf("AlexNet %s batch %d 224x224: %.2f ms/step, %.0f images/s (loss %.3f)%n",
                    math, batch, ms, batch * 1000 / ms, loss);
            perLayer(cuda, net, x);
        }
    }

    /** Forward and backward time of each layer alone, averaged over 10 runs, synchronising around each. */
    private static void perLayer(CudaBackend cuda, Network net, Tensor x) {
        List<Tensor> inputs = new ArrayList<>();
        Tensor in = x;
        for (Layer layer : net.layers()) {
            inputs.add(in);
            in = layer.forward(in, true);
        }
        StringBuilder sb = new StringBuilder("  per layer (forward/backward ms):");
        Random rng = new Random(2);
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            Tensor input = inputs.get(i);
            Shape outShape = layer.outputShape(input.shape());
            try (Tensor dout = cuda.tensor(random(rng, outShape.size()), outShape)) {
                double fwd = 0;
                double bwd = 0;
                for (int r = 0; r < 11; r++) {
                    cuda.synchronize();
                    long t0 = System.nanoTime();
                    layer.forward(input, true);
                    cuda.synchronize();
                    long t1 = System.nanoTime();
                    layer.backward(dout);
                    cuda.synchronize();
                    long t2 = System.nanoTime();
                    if (r > 0) {
                        fwd += (t1 - t0) / 1e6;
                        bwd += (t2 - t1) / 1e6;
                    }
                }
                sb.append(String.format(" %s %.2f/%.2f", layer.name(), fwd / 10, bwd / 10));
            }
        }
        System.out.println(sb);
    }

    private static void leNetEpoch(CudaBackend cuda, String math, int images) {
        int batch = 100;
        Random rng = new Random(3);
        float[] hostImages = random(rng, batch * 784);
        float[] hostLabels = new float[batch];
        for (int i = 0; i < batch; i++) {
            hostLabels[i] = rng.nextInt(10);
        }
        try (Network net = LeNet.modern(cuda, 10, 1); Optimizer opt = new Adam(1e-3f);
             Tensor x = cuda.allocate(Shape.of(batch, 1, 28, 28)); Tensor t = cuda.allocate(Shape.of(batch))) {
            for (int i = 0; i < 20; i++) {
                x.copyFrom(hostImages);
                t.copyFrom(hostLabels);
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            cuda.synchronize();
            int steps = images / batch;
            long start = System.nanoTime();
            float loss = 0;
            for (int i = 0; i < steps; i++) {
                x.copyFrom(hostImages);
                t.copyFrom(hostLabels);
                Tensor l = net.gradient(x, t);
                opt.step(net.parameters());
                if (i == steps - 1) {
                    loss = l.toArray()[0];
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("LeNet %s batch %d, %d images (one epoch, batches copied from the host): %.2f s,"
                    + " %.0f images/s (loss %.3f)%n", math, batch, steps * batch, seconds, steps * batch / seconds, loss);
        }
    }
}
