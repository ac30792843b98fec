package io.github.convnet4j.bench;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.cpu.GemmKernels;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.BatchLoader;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Prints the CPU backend's speed: SGEMM, single convolutions, LeNet-5 (modern) and AlexNet
 * (single tower with LRN, 1000 classes) forward+backward and inference, and one LeNet-5 epoch
 * (random Fashion-MNIST-sized data, batch 100, Adam, through the {@link BatchLoader}). A tool, not
 * a test: one untimed warm-up, then timed repetitions for at least a second per figure.
 * {@code src/test/python/torch_cpu_reference.py} prints the same labels for PyTorch.
 *
 * <pre>mvn -q compile &amp;&amp; java --add-modules jdk.incubator.vector -cp target/classes io.github.convnet4j.bench.CpuBenchmark [threads] [epoch-images]</pre>
 */
public final class CpuBenchmark {
    private static final double MIN_SECONDS = 1.0;
    private static final int LENET_EPOCH_IMAGES = 60_000;

    private CpuBenchmark() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int epochImages = args.length > 1 ? Integer.parseInt(args[1]) : LENET_EPOCH_IMAGES;
        System.out.printf("convnet4j CPU benchmark: %d threads, %s %s, %s%n", threads,
                System.getProperty("java.vm.name"), System.getProperty("java.version"), System.getProperty("os.arch"));
        String vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? "--add-modules jdk.incubator.vector " : "";
        System.out.println("command: java " + vector + "-cp target/classes " + CpuBenchmark.class.getName() + " " + threads
                + " " + epochImages + "   (or: java " + vector + "-jar target/convnet4j.jar bench cpu --threads " + threads + ")");
        System.out.println(GemmKernels.describe());
        try (CpuBackend cpu = new CpuBackend(threads)) {
            for (int n : new int[]{256, 512, 1024, 2048}) {
                gemm(cpu, n);
            }
            for (ConvCase c : CONV_CASES) {
                conv(cpu, c);
            }
            leNet(cpu, epochImages);
            alexNet(cpu);
        }
    }

    /** One benchmarked convolution; the Python reference has the same list. */
    record ConvCase(String label, Shape input, Shape filter, int stride, int pad) {
    }

    static final List<ConvCase> CONV_CASES = List.of(
            new ConvCase("LeNet conv1 N=100 C=1 28x28 K=6 5x5 pad 2", Shape.of(100, 1, 28, 28), Shape.of(6, 1, 5, 5), 1, 2),
            new ConvCase("LeNet conv1 N=1 C=1 28x28 K=6 5x5 pad 2", Shape.of(1, 1, 28, 28), Shape.of(6, 1, 5, 5), 1, 2),
            new ConvCase("LeNet conv2 N=100 C=6 14x14 K=16 5x5", Shape.of(100, 6, 14, 14), Shape.of(16, 6, 5, 5), 1, 0),
            new ConvCase("LeNet conv2 N=1 C=6 14x14 K=16 5x5", Shape.of(1, 6, 14, 14), Shape.of(16, 6, 5, 5), 1, 0),
            new ConvCase("AlexNet conv1 N=8 C=3 224x224 K=64 11x11 stride 4 pad 2", Shape.of(8, 3, 224, 224),
                    Shape.of(64, 3, 11, 11), 4, 2),
            new ConvCase("AlexNet conv2 N=32 C=64 27x27 K=192 5x5 pad 2", Shape.of(32, 64, 27, 27),
                    Shape.of(192, 64, 5, 5), 1, 2),
            new ConvCase("AlexNet conv3 N=32 C=192 13x13 K=384 3x3 pad 1", Shape.of(32, 192, 13, 13),
                    Shape.of(384, 192, 3, 3), 1, 1));

    private static float[] randomArray(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    private static Tensor random(CpuBackend cpu, Shape s, Random rng) {
        return cpu.tensor(randomArray(rng, s.size()), s);
    }

    private static Tensor randomLabels(CpuBackend cpu, int n, int classes, Random rng) {
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(classes);
        }
        return cpu.tensor(labels, Shape.of(n));
    }

    private static void gemm(CpuBackend cpu, int n) {
        Random rng = new Random(n);
        try (Tensor a = random(cpu, Shape.of(n, n), rng); Tensor b = random(cpu, Shape.of(n, n), rng);
             Tensor c = cpu.allocate(Shape.of(n, n))) {
            double seconds = time(() -> cpu.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c));
            System.out.printf("sgemm %d: %.1f GFLOP/s (%.2f ms)%n", n, 2.0 * n * n * n / seconds / 1e9, seconds * 1e3);
        }
    }

    private static void conv(CpuBackend cpu, ConvCase c) {
        ConvGeometry g = ConvGeometry.of(c.label(), c.input(), c.filter(), c.stride(), c.stride(), c.pad(), c.pad(),
                OutputRounding.FLOOR);
        Random rng = new Random(1);
        try (Tensor x = random(cpu, c.input(), rng); Tensor w = random(cpu, c.filter(), rng);
             Tensor b = random(cpu, Shape.of(c.filter().dim(0)), rng); Tensor y = cpu.allocate(g.outputShape());
             Tensor dy = random(cpu, g.outputShape(), rng); Tensor dx = cpu.allocate(c.input());
             Tensor dw = cpu.allocate(c.filter()); Tensor db = cpu.allocate(Shape.of(c.filter().dim(0)))) {
            double fwd = time(() -> cpu.convForward(g, x, w, b, y));
            double bwdData = time(() -> cpu.convBackwardData(g, dy, w, dx));
            double bwdFilter = time(() -> {
                cpu.convBackwardFilter(g, x, dy, dw);
                cpu.convBackwardBias(g, dy, db);
            });
            double gflop = g.forwardFlops() / 1e9;
            System.out.printf("conv %s: forward %.3f ms (%.1f GFLOP/s), backward-data %.3f ms (%.1f),"
                            + " backward-filter+bias %.3f ms (%.1f)%n", c.label(), fwd * 1e3, gflop / fwd,
                    bwdData * 1e3, gflop / bwdData, bwdFilter * 1e3, gflop / bwdFilter);
        }
    }

    private static void leNet(CpuBackend cpu, int epochImages) {
        Random rng = new Random(2);
        try (Network net = LeNet.modern(cpu, 10, 1)) {
            trainingPass(cpu, net, "LeNet-5", Shape.of(1, 28, 28), 10, 100, rng);
            for (int batch : new int[]{1, 8, 100}) {
                inference(cpu, net, "LeNet-5", Shape.of(1, 28, 28), batch, rng);
            }
        }
        leNetEpoch(cpu, epochImages);
    }

    private static void alexNet(CpuBackend cpu) {
        Random rng = new Random(3);
        Shape item = Shape.of(3, 224, 224);
        try (Network net = AlexNet.build(cpu, item, 1000, 1)) {
            trainingPass(cpu, net, "AlexNet", item, 1000, 8, rng);
            for (int batch : new int[]{1, 8}) {
                inference(cpu, net, "AlexNet", item, batch, rng);
            }
        }
    }

    private static Shape batchOf(Shape item, int n) {
        return Shape.of(n, item.dim(0), item.dim(1), item.dim(2));
    }

    private static void trainingPass(CpuBackend cpu, Network net, String name, Shape item, int classes, int batch,
                                     Random rng) {
        try (Tensor x = random(cpu, batchOf(item, batch), rng); Tensor t = randomLabels(cpu, batch, classes, rng)) {
            double s = time(() -> net.gradient(x, t));
            System.out.printf("%s batch %d forward+backward: %.2f ms%n", name, batch, s * 1e3);
        }
    }

    private static void inference(CpuBackend cpu, Network net, String name, Shape item, int batch, Random rng) {
        try (Tensor x = random(cpu, batchOf(item, batch), rng)) {
            double s = time(() -> net.predict(x));
            System.out.printf("%s batch %d inference: %.3f ms%n", name, batch, s * 1e3);
        }
    }

    /**
     * One epoch as the trainer runs it: the loader normalises shuffled byte images on its thread
     * while the step (upload, forward, backward, accuracy count, Adam) runs; after a warm-up epoch
     * of 20 batches.
     */
    private static void leNetEpoch(CpuBackend cpu, int images) {
        int batch = 100;
        Random rng = new Random(4);
        byte[] pixels = new byte[images * 28 * 28];
        rng.nextBytes(pixels);
        int[] labels = new int[images];
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            classes.add("class" + i);
        }
        for (int i = 0; i < images; i++) {
            labels[i] = rng.nextInt(10);
        }
        Dataset data = new Dataset("random", Shape.of(1, 28, 28), pixels, labels, classes);
        Normalization norm = Normalization.of(data);
        try (Network net = LeNet.modern(cpu, 10, 1); Optimizer opt = new Adam(1e-3f);
             BatchLoader warmLoader = new BatchLoader(data.head(batch * 20), batch, true, 1, norm, Augmentation.NONE);
             BatchLoader loader = new BatchLoader(data, batch, true, 1, norm, Augmentation.NONE);
             Tensor x = cpu.allocate(Shape.of(batch, 1, 28, 28)); Tensor t = cpu.allocate(Shape.of(batch))) {
            epoch(cpu, net, opt, warmLoader, x, t);
            long start = System.nanoTime();
            int correct = epoch(cpu, net, opt, loader, x, t);
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf("LeNet-5 epoch %d images batch %d Adam: %.2f s (%.0f images/s, %d correct)%n", images,
                    batch, s, images / s, correct);
        }
    }

    private static int epoch(CpuBackend cpu, Network net, Optimizer opt, BatchLoader loader, Tensor x, Tensor t) {
        loader.startEpoch(0);
        int correct = 0;
        BatchLoader.Batch b;
        while ((b = loader.next()) != null) {
            if (b.size() != x.dim(0)) {
                continue; // the benchmark's sizes are multiples of the batch; a short tail is skipped
            }
            x.copyFrom(b.images());
            t.copyFrom(b.labels());
            net.gradient(x, t);
            correct += cpu.countCorrect(net.lastScores(), t);
            opt.step(net.parameters());
        }
        return correct;
    }

    /** Seconds per call: one warm-up call, then repeats until MIN_SECONDS have passed. */
    private static double time(Runnable r) {
        r.run();
        int reps = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            r.run();
            reps++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < MIN_SECONDS * 1e9 || reps < 3);
        return elapsed / 1e9 / reps;
    }
}
