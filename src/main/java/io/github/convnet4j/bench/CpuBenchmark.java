package io.github.convnet4j.bench;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;

/**
 * Prints SGEMM and convolution throughput of the CPU backend. A tool, not a test: one untimed
 * warm-up, then timed repetitions for at least a second per figure.
 *
 * <pre>mvn -q compile &amp;&amp; java --add-modules jdk.incubator.vector -cp target/classes io.github.convnet4j.bench.CpuBenchmark [threads]</pre>
 */
public final class CpuBenchmark {
    private static final double MIN_SECONDS = 1.0;

    private CpuBenchmark() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        System.out.printf("convnet4j CPU benchmark: %d threads, %s %s, %s%n", threads,
                System.getProperty("java.vm.name"), System.getProperty("java.version"), System.getProperty("os.arch"));
        System.out.println("command: mvn -q compile && java -cp target/classes " + CpuBenchmark.class.getName() + " " + threads);
        try (CpuBackend cpu = new CpuBackend(threads)) {
            for (int n : new int[]{256, 512, 1024, 2048}) {
                gemm(cpu, n);
            }
            conv(cpu, "LeNet conv2   N=100 C=6 14x14 K=16 5x5", Shape.of(100, 6, 14, 14), Shape.of(16, 6, 5, 5), 0);
            conv(cpu, "AlexNet conv2 N=32 C=64 27x27 K=192 5x5 pad 2", Shape.of(32, 64, 27, 27), Shape.of(192, 64, 5, 5), 2);
            conv(cpu, "AlexNet conv3 N=32 C=192 13x13 K=384 3x3 pad 1", Shape.of(32, 192, 13, 13), Shape.of(384, 192, 3, 3), 1);
        }
    }

    private static Tensor random(CpuBackend cpu, Shape s, Random rng) {
        float[] a = new float[s.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return cpu.tensor(a, s);
    }

    private static void gemm(CpuBackend cpu, int n) {
        Random rng = new Random(n);
        try (Tensor a = random(cpu, Shape.of(n, n), rng); Tensor b = random(cpu, Shape.of(n, n), rng);
             Tensor c = cpu.allocate(Shape.of(n, n))) {
            double seconds = time(() -> cpu.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c));
            System.out.printf("sgemm %4d x %4d x %4d: %7.1f GFLOP/s (%.2f ms)%n", n, n, n,
                    2.0 * n * n * n / seconds / 1e9, seconds * 1e3);
        }
    }

    private static void conv(CpuBackend cpu, String label, Shape input, Shape filter, int pad) {
        ConvGeometry g = ConvGeometry.of(label, input, filter, 1, 1, pad, pad, OutputRounding.STRICT);
        Random rng = new Random(1);
        try (Tensor x = random(cpu, input, rng); Tensor w = random(cpu, filter, rng);
             Tensor b = random(cpu, Shape.of(filter.dim(0)), rng); Tensor y = cpu.allocate(g.outputShape());
             Tensor dy = random(cpu, g.outputShape(), rng); Tensor dx = cpu.allocate(input);
             Tensor dw = cpu.allocate(filter); Tensor db = cpu.allocate(Shape.of(filter.dim(0)))) {
            double fwd = time(() -> cpu.convForward(g, x, w, b, y));
            double bwdData = time(() -> cpu.convBackwardData(g, dy, w, dx));
            double bwdFilter = time(() -> {
                cpu.convBackwardFilter(g, x, dy, dw);
                cpu.convBackwardBias(g, dy, db);
            });
            double flops = g.forwardFlops();
            System.out.printf("conv %-48s forward %6.1f GFLOP/s (%.1f ms), backward-data %6.1f (%.1f ms),"
                            + " backward-filter %6.1f (%.1f ms), fwd+bwd %6.1f GFLOP/s%n",
                    label, flops / fwd / 1e9, fwd * 1e3, flops / bwdData / 1e9, bwdData * 1e3,
                    flops / bwdFilter / 1e9, bwdFilter * 1e3, 3 * flops / (fwd + bwdData + bwdFilter) / 1e9);
        }
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
