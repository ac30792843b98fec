package io.github.convnet4j.nn;

import static io.github.convnet4j.testing.Check.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Graph networks: bad graphs refused with the nodes and shapes named, fan-out gradients summed, liveness. */
class GraphTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static void assertMentions(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    // ---- bad graphs -----------------------------------------------------------------------------

    @Test
    void aCycleIsRefusedNamingItsNodes() {
        try (Layer a = ActivationLayer.relu(cpu, "a"); Layer b = ActivationLayer.relu(cpu, "b");
             Layer c = ActivationLayer.relu(cpu, "c")) {
            List<Graph.Node> nodes = List.of(new Graph.Node("a", a, List.of("input")), new Graph.Node("b", b, List.of("c")),
                    new Graph.Node("c", c, List.of("b")));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Graph.of(Shape.of(1, 2, 3, 3), nodes, "c"));
            assertMentions(e, "cycle", "b reads c reads b");
        }
    }

    @Test
    void anUnknownInputIsRefusedNamingNodeAndValue() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(2, 4, 4), 1).conv("c1", 2, 3, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.sum("s", "c1", "c9"));
        assertMentions(e, "node 's'", "'c9'", "no node defines");
        IllegalArgumentException from = assertThrows(IllegalArgumentException.class,
                () -> new NetworkBuilder(cpu, Shape.of(2, 4, 4), 1).from("nowhere"));
        assertMentions(from, "nowhere");
        try (Layer a = ActivationLayer.relu(cpu, "a")) {
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> Graph.of(Shape.of(1, 2), List.of(new Graph.Node("a", a, List.of("ghost"))), "a"));
            assertMentions(g, "node 'a'", "'ghost'");
        }
    }

    @Test
    void addingDifferentShapesIsRefusedNamingNodesAndShapes() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(2, 6, 6), 1).conv("c1", 3, 3, 1, 1).from("input")
                .conv("c2", 4, 3, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.sum("res", "c1", "c2"));
        assertMentions(e, "node 'res'", "c1 [1, 3, 6, 6]", "c2 [1, 4, 6, 6]", "different shapes");
    }

    @Test
    void concatenatingMismatchedSpatialSizesIsRefusedNamingNodesAndShapes() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(2, 6, 6), 1).conv("c1", 3, 3, 1, 1).from("input")
                .conv("c2", 4, 2, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.concat("cat", "c1", "c2"));
        assertMentions(e, "node 'cat'", "c1 [1, 3, 6, 6]", "c2 [1, 4, 3, 3]", "spatial");
    }

    @Test
    void nodesThatDoNotLeadToTheOutputAndDuplicateNamesAreRefused() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(2, 4, 4), 1).conv("dead", 2, 3, 1, 1).from("input")
                .conv("c1", 2, 3, 1, 1).flatten("f").affine("fc", 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::softmaxWithLoss);
        assertMentions(e, "[dead]", "do not lead to the output");
        NetworkBuilder twice = new NetworkBuilder(cpu, Shape.of(2, 4, 4), 1).relu("r");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> twice.relu("r")), "two nodes are named 'r'");
    }

    @Test
    void aSpecGraphIsPlannedAndItsFaultsNamedBeforeAnythingIsAllocated() {
        NetworkSpec.LayerSpec c1 = new NetworkSpec.LayerSpec("relu", "r1", java.util.Map.of());
        NetworkSpec.LayerSpec forward = new NetworkSpec.LayerSpec("add", "s", java.util.Map.of(), List.of("r1", "r2"));
        NetworkSpec.LayerSpec r2 = new NetworkSpec.LayerSpec("relu", "r2", java.util.Map.of(), List.of("s"));
        NetworkSpec cyclic = new NetworkSpec(List.of(2, 4, 4), List.of(c1, forward, r2), "softmax_cross_entropy");
        assertMentions(assertThrows(IllegalArgumentException.class, cyclic::plan), "layer s reads 'r2'", "a cycle");
        NetworkSpec.LayerSpec pool = new NetworkSpec.LayerSpec("maxpool", "p", java.util.Map.of("window", 2, "stride", 2,
                "pad", 0, "rounding", "STRICT"), List.of("input"));
        NetworkSpec.LayerSpec add = new NetworkSpec.LayerSpec("add", "s", java.util.Map.of(), List.of("r1", "p"));
        NetworkSpec mismatch = new NetworkSpec(List.of(2, 4, 4), List.of(c1, pool, add), "softmax_cross_entropy");
        assertMentions(assertThrows(IllegalArgumentException.class, mismatch::plan), "layer s reads", "r1 [1, 2, 4, 4]",
                "p [1, 2, 2, 2]");
        assertThrows(IllegalArgumentException.class,
                () -> new NetworkSpec.LayerSpec("add", "s", java.util.Map.of(), List.of("r1")));
    }

    // ---- fan-out and merges ---------------------------------------------------------------------

    /**
     * x feeds two convolutions whose outputs are added: dL/dx must be the sum of what each
     * convolution sends back. Checked against the same network with each branch's contribution
     * isolated (the other convolution's weights zeroed make its data gradient zero).
     */
    @Test
    void aValueReadTwiceReceivesTheSumOfBothGradients() {
        float[] x = randomFloats(new Random(3), 2 * 2 * 5 * 5);
        float[] both = inputGradient(x, false, false);
        float[] onlyA = inputGradient(x, true, false);
        float[] onlyB = inputGradient(x, false, true);
        for (int i = 0; i < both.length; i++) {
            assertEquals(onlyA[i] + onlyB[i], both[i], 1e-5 * (1 + Math.abs(both[i])), "dL/dx[" + i + "]");
        }
        assertTrue(java.util.Arrays.stream(toDouble(onlyA)).anyMatch(v -> v != 0)
                && java.util.Arrays.stream(toDouble(onlyB)).anyMatch(v -> v != 0), "both branches contribute");
    }

    /** dL/dx of the two-branch net, optionally with one branch's filters zeroed (its data gradient is then 0). */
    private static float[] inputGradient(float[] xs, boolean zeroB, boolean zeroA) {
        try (Network net = new NetworkBuilder(cpu, Shape.of(2, 5, 5), 4).conv("a", 3, 3, 1, 1).from("input")
                .conv("b", 3, 3, 1, 1).sum("s", "a", "b").flatten("f").affine("fc", 4).meanSquaredError();
             Tensor x = cpu.tensor(xs, Shape.of(2, 2, 5, 5)); Tensor t = cpu.allocate(Shape.of(2, 4))) {
            // dL/dy is held at 1/N by moving the target to y − 1 (recenter), so zeroing one
            // branch's filters changes only which branch sends a gradient back to x.
            if (zeroA) {
                cpu.fill(net.parameter("a.weight").value(), 0f);
            }
            if (zeroB) {
                cpu.fill(net.parameter("b.weight").value(), 0f);
            }
            recenter(net, x, t);
            net.gradient(x, t);
            return net.inputGradient().toArray();
        }
    }

    /** Keeps dL/dy = 1/N after the weights changed: the target is moved to (new y) − 1. */
    private static void recenter(Network net, Tensor x, Tensor t) {
        float[] y = net.predict(x).toArray();
        for (int i = 0; i < y.length; i++) {
            y[i] -= 1f;
        }
        t.copyFrom(y);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * cat = [relu(x), sigmoid(x)] along channels, then fc and a squared error whose target is
     * y − 1, so that dL/dy = 1/N everywhere. Then fc's weight gradient is the batch mean of the
     * concatenated features (the forward placed each branch in its channels), and dL/dx is what
     * both branches send back through their slices of dL/dcat.
     */
    @Test
    void concatForwardPlacesEachBranchInItsChannelsAndBackwardSplitsTheGradient() {
        int n = 2;
        try (Network net = new NetworkBuilder(cpu, Shape.of(1, 3, 3), 2).relu("r").from("input").sigmoid("s")
                .concat("cat", "r", "s").flatten("f").affine("fc", 2).meanSquaredError();
             Tensor x = cpu.tensor(randomFloats(new Random(1), n * 9), Shape.of(n, 1, 3, 3));
             Tensor t = cpu.allocate(Shape.of(n, 2))) {
            assertEquals(Shape.of(1, 2, 3, 3), net.graph().shapes().get("cat"));
            recenter(net, x, t);
            net.gradient(x, t);
            float[] xs = x.toArray();
            float[] dw = net.parameter("fc.weight").gradient().toArray();
            float[] w = net.parameter("fc.weight").value().toArray();
            float[] dx = net.inputGradient().toArray();
            for (int j = 0; j < 9; j++) {
                double relu = 0;
                double sig = 0;
                for (int b = 0; b < n; b++) {
                    relu += Math.max(0, xs[b * 9 + j]) / n;
                    sig += 1 / (1 + Math.exp(-xs[b * 9 + j])) / n;
                }
                for (int k = 0; k < 2; k++) {
                    assertEquals(relu, dw[k * 18 + j], 1e-5, "fc.weight gradient, relu channel, pixel " + j);
                    assertEquals(sig, dw[k * 18 + 9 + j], 1e-5, "fc.weight gradient, sigmoid channel, pixel " + j);
                }
                for (int b = 0; b < n; b++) {
                    double v = xs[b * 9 + j];
                    double dcatRelu = (w[j] + w[18 + j]) / n;
                    double dcatSig = (w[9 + j] + w[27 + j]) / n;
                    double sg = 1 / (1 + Math.exp(-v));
                    double expected = (v > 0 ? dcatRelu : 0) + dcatSig * sg * (1 - sg);
                    assertEquals(expected, dx[b * 9 + j], 1e-5, "dL/dx item " + b + " pixel " + j);
                }
            }
        }
    }

    // ---- liveness ----------------------------------------------------------------------------

    @Test
    void inferenceReusesTwoBuffersAlongAChainAndTrainingKeepsOnlyWhatBackwardReads() {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(4, 8, 8), 1);
        for (int i = 0; i < 10; i++) {
            b.relu("r" + i);
        }
        try (Network net = b.flatten("f").meanSquaredError();
             Tensor x = cpu.tensor(randomFloats(new Random(2), 3 * 256), Shape.of(3, 4, 8, 8));
             Tensor t = cpu.allocate(Shape.of(3, 256))) {
            long one = 4L * 3 * 256;
            net.predict(x);
            assertEquals(2 * one, net.bufferPool().allocatedBytes(), "inference: ping-pong between two buffers");
            net.gradient(x, t);
            // Training keeps all 10 ReLU outputs (their backward reads them) plus two gradients in flight.
            assertTrue(net.bufferPool().peakBytesInUse() <= 12 * one, net.bufferPool().peakBytesInUse() + " bytes");
            float[] before = net.inputGradient().toArray();
            net.gradient(x, t);
            assertArrayEquals(before, net.inputGradient().toArray(), "a second pass from the pool gives the same result");
            assertTrue(net.bufferPool().allocatedBytes() <= 12 * one, "steady state allocates nothing new");
        }
    }

    /** Two blocks with shortcuts, a concat of branches and a flatten view: bit-identical with and without the shared pool. */
    private static Network mixedGraph(boolean shared) {
        NetworkBuilder b = new NetworkBuilder(cpu, Shape.of(2, 8, 8), 12);
        if (!shared) {
            b.withoutSharedBuffers();
        }
        return b.conv("stem", 4, 3, 1, 1).relu("stem.relu")
                .conv("a1", 4, 3, 1, 1, false).batchNorm("a.bn").relu("a.relu").conv("a2", 4, 3, 1, 1)
                .sum("a", "a2", "stem.relu").relu("a.out")
                .maxPool("p", 2, 2).from("a.out").conv("q", 3, 2, 2, 0).from("a.out").avgPool("r", 2, 2)
                .concat("cat", "p", "q", "r").dropout("drop", 0.3f).flatten("flat").affine("fc", 5).softmaxWithLoss();
    }

    @Test
    void sharingBuffersByLivenessChangesNoNumber() {
        try (Network pooled = mixedGraph(true); Network own = mixedGraph(false);
             Tensor x = cpu.tensor(randomFloats(new Random(8), 3 * 128), Shape.of(3, 2, 8, 8));
             Tensor labels = cpu.tensor(new float[] {0, 4, 2}, Shape.of(3))) {
            for (int step = 0; step < 2; step++) {
                float lossPooled = pooled.gradient(x, labels).toArray()[0];
                float lossOwn = own.gradient(x, labels).toArray()[0];
                assertEquals(lossOwn, lossPooled, 0f, "loss, step " + step);
                for (Parameter p : own.parameters()) {
                    assertArrayEquals(p.gradient().toArray(), pooled.parameter(p.name()).gradient().toArray(), p.name());
                }
                assertArrayEquals(own.inputGradient().toArray(), pooled.inputGradient().toArray(), "dL/dx");
                assertArrayEquals(own.predict(x).toArray(), pooled.predict(x).toArray(), "scores");
            }
            // Without sharing, the pool holds only the sums made where a layer-owned gradient was read twice.
            assertTrue(own.bufferPool().allocatedBytes() < pooled.bufferPool().allocatedBytes());
        }
    }

    @Test
    void resultsOfTheLastPassStayValidWhileTheNextLayersReuseMemory() {
        try (Network net = new NetworkBuilder(cpu, Shape.of(2, 6, 6), 5).conv("c1", 4, 3, 1, 1).relu("r1")
                .conv("c2", 4, 3, 1, 1).sum("s", "c2", "r1").relu("r2").flatten("f").affine("fc", 3).softmaxWithLoss();
             Tensor x = cpu.tensor(randomFloats(new Random(9), 2 * 72), Shape.of(2, 2, 6, 6));
             Tensor labels = cpu.tensor(new float[] {0, 2}, Shape.of(2))) {
            float[] scores = net.predict(x).toArray();
            net.gradient(x, labels);
            float[] dx = net.inputGradient().toArray();
            assertArrayEquals(scores, net.lastScores().toArray(), "training scores equal inference ones (no dropout or batch norm)");
            assertArrayEquals(scores, net.predict(x).toArray(), "a pass reusing the pool computes the same");
            net.gradient(x, labels);
            assertArrayEquals(dx, net.inputGradient().toArray());
            assertArrayEquals(scores, net.lastScores().toArray());
        }
    }
}
