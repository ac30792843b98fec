package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad shapes are rejected with a message naming the layer and both shapes; nothing truncates silently. */
class BadInputTest {
    private final CpuBackend cpu = new CpuBackend(1);

    private static void assertMessage(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void channelMismatchBetweenInputAndFilter() {
        assertMessage(() -> ConvGeometry.of("conv2", Shape.of(2, 3, 8, 8), Shape.of(4, 5, 3, 3), 1, 1, 0, 0,
                OutputRounding.STRICT), "conv2", "3 channels", "[4, 5, 3, 3]");
    }

    @Test
    void wrongRank() {
        assertMessage(() -> ConvGeometry.of("conv1", Shape.of(2, 8, 8), Shape.of(4, 2, 3, 3), 1, 1, 0, 0,
                OutputRounding.STRICT), "conv1", "rank 4", "[2, 8, 8]");
        try (Network net = LeNet.modern(cpu, 10, 1); Tensor x = cpu.allocate(Shape.of(2, 28, 28))) {
            assertMessage(() -> net.predict(x), "network input", "[2, 28, 28]");
        }
    }

    @Test
    void windowLargerThanPaddedInput() {
        assertMessage(() -> PoolGeometry.of("pool1", Shape.of(1, 1, 3, 3), 5, 5, 1, 1, 0, 0, OutputRounding.STRICT),
                "pool1", "window 5", "larger than the padded input");
        assertMessage(() -> ConvGeometry.of("conv1", Shape.of(1, 1, 3, 3), Shape.of(1, 1, 7, 7), 1, 1, 1, 1,
                OutputRounding.STRICT), "conv1", "window 7");
    }

    @Test
    void nonIntegralOutputSize() {
        assertMessage(() -> ConvGeometry.of("conv1", Shape.of(1, 3, 224, 224), Shape.of(64, 3, 11, 11), 4, 4, 2, 2,
                OutputRounding.STRICT), "conv1", "not an integer", "224");
        assertMessage(() -> PoolGeometry.of("pool", Shape.of(1, 1, 5, 5), 2, 2, 2, 2, 0, 0, OutputRounding.STRICT),
                "pool", "not an integer");
    }

    @Test
    void labelCountDiffersFromBatch() {
        try (Network net = LeNet.modern(cpu, 10, 1); Tensor x = cpu.allocate(Shape.of(4, 1, 28, 28));
             Tensor labels = cpu.allocate(Shape.of(3))) {
            assertMessage(() -> net.gradient(x, labels), "softmax_with_loss", "expected 4 labels", "got 3");
        }
    }

    @Test
    void labelOutOfRange() {
        try (Network net = LeNet.modern(cpu, 10, 1); Tensor x = cpu.allocate(Shape.of(2, 1, 28, 28));
             Tensor labels = cpu.tensor(new float[]{1, 10}, Shape.of(2))) {
            assertMessage(() -> net.gradient(x, labels), "label 10", "[0, 10)");
        }
    }

    @Test
    void affineGetsTheWrongFeatureCount() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(1, 28, 28), 1).conv("conv1", 6, 5, 1, 0);
        Affine fc = new Affine(cpu, "fc1", 100, 10, Initializer.he(), new java.util.Random(1));
        assertMessage(() -> b.add(fc), "fc1", "100", "[1, 6, 24, 24]");
    }

    @Test
    void reshapeToAnotherSize() {
        try (Tensor t = cpu.allocate(Shape.of(2, 3))) {
            assertMessage(() -> t.reshape(7), "cannot reshape", "[2, 3]", "[7]");
        }
    }
}
