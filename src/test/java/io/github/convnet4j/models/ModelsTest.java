package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Layer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ModelsTest {
    private final CpuBackend cpu = new CpuBackend(2);

    @Test
    void leNetModernHas61706Parameters() {
        try (Network net = LeNet.modern(cpu, 10, 1)) {
            assertEquals(61_706, net.parameterCount());
            assertEquals(Shape.of(1, 10), outputOf(net));
        }
    }

    @Test
    void leNetClassicHasTheSameShapes() {
        try (Network net = LeNet.classic(cpu, LeNet.Squash.TANH, 10, 1)) {
            assertEquals(61_706, net.parameterCount());
        }
    }

    @Test
    void simpleConvNetMatchesTheBook() {
        try (Network net = SimpleConvNet.build(cpu, Shape.of(1, 28, 28), 10, 1)) {
            // conv 30x1x5x5 + 30, fc 4320 -> 100, fc 100 -> 10
            assertEquals(30 * 25 + 30 + 4320 * 100 + 100 + 100 * 10 + 10, net.parameterCount());
            assertEquals(Shape.of(30, 1, 5, 5), net.parameter("conv1.weight").shape());
            assertEquals(Shape.of(100, 4320), net.parameter("fc1.weight").shape());
            float[] w = net.parameter("conv1.weight").value().toArray();
            double sumSq = 0;
            for (float v : w) {
                sumSq += v * v;
            }
            double std = Math.sqrt(sumSq / w.length);
            assertTrue(Math.abs(std - 0.01) < 0.002, "init std " + std + " should be the book's 0.01");
        }
    }

    @Test
    void alexNetHas61100840ParametersAndTorchvisionShapes() {
        try (Network net = AlexNet.build(cpu, Shape.of(3, 224, 224), 1000, 1)) {
            assertEquals(61_100_840, net.parameterCount());
            assertEquals(Shape.of(4096, 9216), net.parameter("fc6.weight").shape());
            assertEquals(Shape.of(1, 1000), outputOf(net));
        }
    }

    @Test
    void summaryListsEveryLayer() {
        try (Network net = LeNet.modern(cpu, 10, 1)) {
            String s = net.summary();
            for (Layer l : net.layers()) {
                assertTrue(s.contains(l.name()), s);
            }
            assertTrue(s.contains("61,706"), s);
        }
    }

    @Test
    void sameSeedSameWeights() {
        try (Network a = LeNet.modern(cpu, 10, 42); Network b = LeNet.modern(cpu, 10, 42); Network c = LeNet.modern(cpu, 10, 43)) {
            assertEquals(java.util.Arrays.toString(a.parameter("fc1.weight").value().toArray()),
                    java.util.Arrays.toString(b.parameter("fc1.weight").value().toArray()));
            assertTrue(!java.util.Arrays.equals(a.parameter("fc1.weight").value().toArray(),
                    c.parameter("fc1.weight").value().toArray()));
        }
    }

    private static Shape outputOf(Network net) {
        Shape s = Shape.of(1, net.itemShape().dim(0), net.itemShape().dim(1), net.itemShape().dim(2));
        for (Layer l : net.layers()) {
            s = l.outputShape(s);
        }
        return s;
    }

    @Test
    void alexNetRunsForwardAndBackwardOnASmallInput() {
        try (Network net = AlexNet.build(cpu, Shape.of(3, 67, 67), 10, 1);
             Tensor x = cpu.tensor(io.github.convnet4j.testing.Check.randomFloats(new java.util.Random(1), 2 * 3 * 67 * 67),
                     Shape.of(2, 3, 67, 67));
             Tensor t = cpu.tensor(new float[]{3, 7}, Shape.of(2))) {
            float loss = net.gradient(x, t).toArray()[0];
            assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
        }
    }
}
