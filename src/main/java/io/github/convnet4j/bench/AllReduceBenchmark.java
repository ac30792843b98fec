package io.github.convnet4j.bench;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.distributed.Communicator;
import io.github.convnet4j.distributed.InProcessGroup;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prints what one gradient all-reduce per step costs with {@code train --replicas N} on the CPU
 * (the in-process group, one thread per replica): milliseconds per all-reduce of each model's
 * gradient bytes (LeNet-5, ResNet-20, ResNet-50, AlexNet), the median of several after a warm-up.
 * A tool, not a test.
 *
 * <pre>java -cp target/convnet4j.jar io.github.convnet4j.bench.AllReduceBenchmark [replicas]</pre>
 */
public final class AllReduceBenchmark {
    private static final String[] MODELS = {"LeNet-5", "ResNet-20 (1x28x28)", "ResNet-50", "AlexNet"};
    private static final int[] PARAMETERS = {61_706, 272_186, 25_557_032, 61_100_840};

    private AllReduceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        System.out.println("command: java -cp target/convnet4j.jar io.github.convnet4j.bench.AllReduceBenchmark " + replicas);
        System.out.printf(Locale.ROOT, "in-process all-reduce (SUM), %d replicas, %d cores%n", replicas,
                Runtime.getRuntime().availableProcessors());
        for (int m = 0; m < MODELS.length; m++) {
            double ms = medianMillis(replicas, PARAMETERS[m]);
            double mb = PARAMETERS[m] * 4.0 / 1e6;
            System.out.printf(Locale.ROOT, "%-22s %,12d parameters %9.1f MB  %9.3f ms per all-reduce  %7.2f GB/s%n",
                    MODELS[m], PARAMETERS[m], mb, ms, mb / ms);
        }
    }

    /** Each rank all-reduces one flat tensor of {@code floats} floats, 7 times after 2 untimed; rank 0's median. */
    private static double medianMillis(int replicas, int floats) throws Exception {
        List<Communicator> group = InProcessGroup.create(replicas);
        List<CpuBackend> backends = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<double[]>> runs = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                CpuBackend cpu = new CpuBackend(1);
                backends.add(cpu);
                Communicator comm = group.get(r);
                runs.add(threads.submit(() -> {
                    try (Tensor t = cpu.allocate(Shape.of(floats))) {
                        cpu.fill(t, 1f / (comm.rank() + 1));
                        double[] times = new double[7];
                        for (int i = -2; i < times.length; i++) {
                            comm.barrier();
                            long start = System.nanoTime();
                            comm.allReduce(List.of(t), ReduceOp.SUM);
                            if (i >= 0) {
                                times[i] = (System.nanoTime() - start) / 1e6;
                            }
                        }
                        java.util.Arrays.sort(times);
                        return times;
                    }
                }));
            }
            double[] rank0 = runs.get(0).get();
            for (Future<double[]> f : runs) {
                f.get();
            }
            return rank0[rank0.length / 2];
        } finally {
            threads.shutdownNow();
            backends.forEach(CpuBackend::close);
        }
    }
}
