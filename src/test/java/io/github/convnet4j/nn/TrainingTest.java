package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.models.SimpleConvNet;
import io.github.convnet4j.optim.AdaGrad;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.optim.Nesterov;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.RmsProp;
import io.github.convnet4j.optim.Sgd;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Networks learn, and training is bit-reproducible whatever the thread count. */
class TrainingTest {

    /** A synthetic 3-class task: the class decides which quadrant of a 12x12 image is bright. */
    static float[][] dataset(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 144];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int cls = rng.nextInt(3);
            y[i] = cls;
            for (int p = 0; p < 144; p++) {
                int r = p / 12;
                int c = p % 12;
                boolean bright = (cls == 0 && r < 6 && c < 6) || (cls == 1 && r >= 6 && c >= 6) || (cls == 2 && r < 6 && c >= 6);
                x[i * 144 + p] = (float) ((bright ? 1.0 : 0.0) + 0.3 * rng.nextGaussian());
            }
        }
        return new float[][]{x, y};
    }

    static Stream<Supplier<Optimizer>> optimizers() {
        return Stream.of(() -> new Sgd(0.1f), () -> new Momentum(0.05f, 0.9f, 1e-4f), () -> new Nesterov(0.05f, 0.9f, 0f),
                () -> new AdaGrad(0.05f, 0f), () -> new RmsProp(0.005f, 0.99f, 0f), () -> new Adam(0.005f));
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void simpleConvNetLearnsWithEveryOptimizer(Supplier<Optimizer> optimizer) {
        float[][] d = dataset(120, 1);
        try (Backend cpu = new CpuBackend(2);
             Network net = SimpleConvNet.build(cpu, Shape.of(1, 12, 12), 3, 7, Initializer.he());
             Optimizer opt = optimizer.get();
             Tensor x = cpu.tensor(d[0], Shape.of(120, 1, 12, 12)); Tensor t = cpu.tensor(d[1], Shape.of(120))) {
            float first = net.loss(x, t);
            for (int step = 0; step < 30; step++) {
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            float last = net.loss(x, t);
            assertTrue(last < first * 0.5, opt.getClass().getSimpleName() + ": loss " + first + " -> " + last);
            assertEquals(1.0, net.accuracy(x, t), 0.05, opt.getClass().getSimpleName());
        }
    }

    @Test
    void trainingIsBitReproducibleAcrossThreadCounts() {
        float[] one = trainLeNet(1);
        float[] three = trainLeNet(3);
        assertArrayEquals(one, three, "weights after 5 steps must not depend on the thread count");
        assertArrayEquals(one, trainLeNet(1), "and must repeat exactly");
    }

    private static float[] trainLeNet(int threads) {
        Random rng = new Random(3);
        float[] x = io.github.convnet4j.testing.Check.randomFloats(rng, 16 * 784);
        float[] y = new float[16];
        for (int i = 0; i < 16; i++) {
            y[i] = rng.nextInt(10);
        }
        try (Backend cpu = new CpuBackend(threads); Network net = LeNet.modern(cpu, 10, 5); Optimizer opt = new Adam(1e-3f);
             Tensor tx = cpu.tensor(x, Shape.of(16, 1, 28, 28)); Tensor ty = cpu.tensor(y, Shape.of(16))) {
            for (int step = 0; step < 5; step++) {
                net.gradient(tx, ty);
                opt.step(net.parameters());
            }
            return net.parameter("conv1.weight").value().toArray();
        }
    }
}
