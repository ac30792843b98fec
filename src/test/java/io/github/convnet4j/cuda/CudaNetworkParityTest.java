package io.github.convnet4j.cuda;

import static io.github.convnet4j.testing.Check.assertClose;
import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.AlexNet;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Whole networks on both backends: the same weights (the seed fixes them on the host), the same
 * batches, the same optimizer; the losses of every step and the final weights must agree.
 */
@Tag("gpu")
class CudaNetworkParityTest {

    private record Run(float[] losses, float[][] weights) {
    }

    private static Run train(Backend b, BiFunction<Backend, Long, Network> model, Shape item, int batch, int classes,
                             int steps, Supplier<Optimizer> optimizer) {
        Random rng = new Random(77);
        float[] losses = new float[steps];
        try (Network net = model.apply(b, 5L); Optimizer opt = optimizer.get()) {
            int[] dims = new int[item.rank() + 1];
            dims[0] = batch;
            System.arraycopy(item.dims(), 0, dims, 1, item.rank());
            for (int step = 0; step < steps; step++) {
                float[] labels = new float[batch];
                for (int i = 0; i < batch; i++) {
                    labels[i] = rng.nextInt(classes);
                }
                try (Tensor x = b.tensor(randomFloats(rng, batch * item.size()), Shape.of(dims));
                     Tensor t = b.tensor(labels, Shape.of(batch))) {
                    losses[step] = net.gradient(x, t).toArray()[0];
                    opt.step(net.parameters());
                }
            }
            float[][] weights = net.parameters().stream().map(p -> p.value().toArray()).toArray(float[][]::new);
            return new Run(losses, weights);
        }
    }

    private static void compare(BiFunction<Backend, Long, Network> model, Shape item, int batch, int classes, int steps,
                                Supplier<Optimizer> optimizer, double tolerance) {
        Run actual;
        try (CudaBackend cuda = CudaTests.openOrSkip(CudaOptions.strictFp32())) {
            actual = train(cuda, model, item, batch, classes, steps, optimizer);
        }
        Run expected;
        try (CpuBackend cpu = new CpuBackend(2)) {
            expected = train(cpu, model, item, batch, classes, steps, optimizer);
        }
        assertClose("losses per step", expected.losses(), actual.losses(), tolerance, tolerance);
        for (int i = 0; i < expected.weights().length; i++) {
            assertClose("weights " + i, expected.weights()[i], actual.weights()[i], tolerance, tolerance * 10);
        }
    }

    @Test
    void leNetTrainsTheSameOnBothBackends() {
        compare((b, seed) -> LeNet.modern(b, 10, seed), Shape.of(1, 28, 28), 32, 10, 20,
                () -> new Adam(1e-3f), 1e-3);
    }

    @Test
    void smallAlexNetTrainsTheSameOnBothBackends() {
        compare((b, seed) -> AlexNet.build(b, Shape.of(3, 67, 67), 10, seed), Shape.of(3, 67, 67), 8, 10, 5,
                () -> new Momentum(1e-3f, 0.9f, 5e-4f), 2e-3);
    }

    @Test
    void badLabelIsReportedAtTheNextSynchronisation() {
        try (CudaBackend cuda = CudaTests.openOrSkip(CudaOptions.strictFp32());
             Network net = LeNet.modern(cuda, 10, 1);
             Tensor x = cuda.allocate(Shape.of(2, 1, 28, 28));
             Tensor t = cuda.tensor(new float[]{1, 10}, Shape.of(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.gradient(x, t).toArray());
            assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("[0, 10)"), e.getMessage());
            // And the backend stays usable afterwards.
            t.copyFrom(new float[]{1, 2});
            assertTrue(Float.isFinite(net.gradient(x, t).toArray()[0]));
        }
    }

    /** 1,000 LeNet training steps: device memory in use and cudaMalloc calls are the same at step 100 and 1,000. */
    @Test
    void trainingAllocatesNothingInSteadyState() {
        try (CudaBackend cuda = CudaTests.openOrSkip(CudaOptions.defaults());
             Network net = LeNet.modern(cuda, 10, 3); Optimizer opt = new Adam(1e-3f);
             Tensor x = cuda.tensor(randomFloats(new Random(1), 64 * 784), Shape.of(64, 1, 28, 28));
             Tensor t = cuda.allocate(Shape.of(64))) {
            long bytesAt100 = 0;
            long mallocsAt100 = 0;
            for (int step = 1; step <= 1000; step++) {
                net.gradient(x, t);
                opt.step(net.parameters());
                if (step == 100) {
                    cuda.synchronize();
                    bytesAt100 = cuda.bytesInUse();
                    mallocsAt100 = cuda.deviceAllocations();
                }
            }
            cuda.synchronize();
            assertEquals(bytesAt100, cuda.bytesInUse(), "device bytes in use, step 100 vs 1000");
            assertEquals(mallocsAt100, cuda.deviceAllocations(), "cudaMalloc calls, step 100 vs 1000");
            for (Parameter p : net.parameters()) {
                for (float v : p.value().toArray()) {
                    assertTrue(Float.isFinite(v), p.name());
                }
            }
        }
    }
}
