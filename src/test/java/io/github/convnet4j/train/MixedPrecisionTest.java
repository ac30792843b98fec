package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ForwardingBackend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Augmentation;
import io.github.convnet4j.data.DataSources;
import io.github.convnet4j.data.Dataset;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Adam;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mixed precision and channels-last as a policy above the backend (issue 12), on the CPU backend,
 * which stores BF16/F16 as a GPU does and computes in FP32. The reference is the FP32 NCHW network
 * with the same seed: channels-last must be the same computation bit for bit (only the memory order
 * differs), BF16/F16 must follow FP32 within what their precision allows, tensor by tensor.
 */
class MixedPrecisionTest {
    private static final long SEED = 11;
    private static Dataset train;
    private static Dataset test;
    private static Normalization norm;

    @BeforeAll
    static void data() throws IOException {
        train = DataSources.bundledSample().train();
        test = DataSources.bundledSample().test().head(500);
        norm = Normalization.of(train);
    }

    /** What one forward + backward produced: the scores and every parameter's FP32 gradient, by name. */
    private record Pass(float loss, float[] scores, List<String> names, List<float[]> gradients) {
    }

    /**
     * A network without kinks: tanh, sigmoid, softplus, average pooling, batch norm, a concat and a
     * residual sum. ReLU and max pooling are discontinuous in their gradients, so a rounding that
     * moves a value across zero or changes a window's maximum flips a whole gradient entry: through
     * those, how far BF16 lands from FP32 depends on how many values sit near a kink (measured: rounding
     * only the input of an FP32 ResNet-20 to BF16 moves its first gradients by 15-37 %). Here it
     * depends on the precision alone.
     */
    private static Network smooth(io.github.convnet4j.backend.Backend b) {
        return new io.github.convnet4j.nn.NetworkBuilder(b, train.itemShape(), SEED)
                .conv("c1", 8, 3, 1, 1, false).batchNorm("bn").tanh("t1").avgPool("p", 2, 2) // no bias before a batch norm
                .from("p").conv("a", 8, 1, 1, 0).softplus("sa")
                .from("p").conv("b", 8, 3, 1, 1).sigmoid("sb")
                .concat("cat", "sa", "sb").conv("mix", 16, 1, 1, 0).sum("res", "mix", "cat")
                .tanh("t2").flatten("f").affine("fc", 10).softmaxWithLoss();
    }

    private static Network build(String model, io.github.convnet4j.backend.Backend b) {
        return model.equals("smooth") ? smooth(b) : Models.build(model, b, train.itemShape(), 10, SEED);
    }

    private static Pass pass(String model, DType type, MemoryFormat format, float lossScale) {
        return pass(model, type, format, lossScale, DType.F32);
    }

    private static Pass pass(String model, DType type, MemoryFormat format, float lossScale, DType inputRounding) {
        int batch = 8;
        float[] images = new float[batch * train.itemShape().size()];
        float[] labels = new float[batch];
        int plane = train.itemShape().dim(1) * train.itemShape().dim(2);
        for (int i = 0; i < batch; i++) {
            norm.apply(train.item(i), train.itemShape().dim(0), plane, images, i * train.itemShape().size());
            labels[i] = train.labels()[i];
        }
        io.github.convnet4j.tensor.HalfFloats.roundInPlace(images, inputRounding);
        Shape shape = Shape.of(batch, train.itemShape().dim(0), train.itemShape().dim(1), train.itemShape().dim(2));
        try (CpuBackend cpu = new CpuBackend(2);
             Network net = build(model, cpu);
             Tensor x = cpu.tensor(images, shape);
             Tensor t = cpu.tensor(labels, Shape.of(batch))) {
            net.setActivationKind(type, format);
            float loss = net.gradient(x, t, lossScale).toArray()[0];
            List<String> names = new ArrayList<>();
            List<float[]> grads = new ArrayList<>();
            for (Parameter p : net.parameters()) {
                assertTrue(p.value().isF32Nchw() && p.gradient().isF32Nchw(), p.name() + " stays an FP32 master");
                names.add(p.name());
                float[] g = p.gradient().toArray();
                for (int i = 0; i < g.length; i++) {
                    g[i] /= lossScale;
                }
                grads.add(g);
            }
            Tensor scores = net.lastScores();
            assertEquals(type, scores.dtype(), "the scores are computed in the activations' type");
            return new Pass(loss, scores.toArray(), names, grads);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet20", "smooth"})
    void channelsLastIsTheSameComputationBitForBit(String model) {
        for (DType type : new DType[]{DType.F32, DType.BF16}) {
            Pass nchw = pass(model, type, MemoryFormat.NCHW, 1f);
            Pass nhwc = pass(model, type, MemoryFormat.NHWC, 1f);
            assertEquals(nchw.loss(), nhwc.loss(), 0f, type + " loss");
            assertArrayEquals(nchw.scores(), nhwc.scores(), 0f, type + " scores");
            for (int i = 0; i < nchw.names().size(); i++) {
                assertArrayEquals(nchw.gradients().get(i), nhwc.gradients().get(i), 0f, type + " " + nchw.names().get(i));
            }
        }
    }

    /**
     * BF16 keeps 8 significant bits (each stored value off by up to 2^-9 relative), F16 11 bits
     * (2^-12). A dozen roundings between the input and each gradient compound to well under 3 %
     * for BF16 and 0.4 % for F16, and the error must shrink with the precision: F16's at least 3
     * times smaller than BF16's (8 times in the ideal). Each tensor is held to the bound on its own,
     * so one wrong gradient cannot hide among many right ones.
     */
    @Test
    void halfPrecisionGradientsFollowFp32TensorByTensor() {
        Pass f32 = pass("smooth", DType.F32, MemoryFormat.NCHW, 1f);
        Pass bf16 = pass("smooth", DType.BF16, MemoryFormat.NCHW, 1f);
        Pass f16 = pass("smooth", DType.F16, MemoryFormat.NCHW, 1024f); // scaled, as F16 training does
        assertEquals(f32.loss(), bf16.loss(), 0.01 * f32.loss(), "BF16 loss");
        assertEquals(f32.loss(), f16.loss(), 0.001 * f32.loss(), "F16 loss");
        double worstBf16 = Agreement.worst(f32, bf16);
        double worstF16 = Agreement.worst(f32, f16);
        assertTrue(worstBf16 < 0.03, "BF16:" + Agreement.report(f32, bf16));
        assertTrue(worstF16 < 0.004, "F16:" + Agreement.report(f32, f16));
        assertTrue(worstBf16 > 3 * worstF16, "the error follows the precision: BF16 " + worstBf16 + ", F16 " + worstF16);
    }

    @Test
    void theTensorByTensorCheckCatchesOneWrongBias() {
        Pass f32 = pass("smooth", DType.F32, MemoryFormat.NCHW, 1f);
        Pass bf16 = pass("smooth", DType.BF16, MemoryFormat.NCHW, 1f);
        List<float[]> planted = new ArrayList<>(bf16.gradients());
        int bias = bf16.names().indexOf(bf16.names().stream().filter(n -> n.endsWith(".bias")).findFirst().orElseThrow());
        float[] doubled = planted.get(bias).clone();
        for (int i = 0; i < doubled.length; i++) {
            doubled[i] *= 2;
        }
        planted.set(bias, doubled);
        Pass wrong = new Pass(bf16.loss(), bf16.scores(), bf16.names(), planted);
        assertTrue(Agreement.worst(f32, bf16) < 0.03);
        assertFalse(Agreement.worst(f32, wrong) < 0.03, "a doubled " + bf16.names().get(bias) + " must fail the check");
    }

    /** Relative L2 distance of each gradient tensor from the FP32 reference. */
    private static final class Agreement {
        static double worst(Pass reference, Pass other) {
            double worst = 0;
            for (int i = 0; i < reference.gradients().size(); i++) {
                worst = Math.max(worst, relative(reference.gradients().get(i), other.gradients().get(i)));
            }
            return worst;
        }

        static String report(Pass reference, Pass other) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < reference.gradients().size(); i++) {
                b.append(String.format(" %s %.2e", reference.names().get(i),
                        relative(reference.gradients().get(i), other.gradients().get(i))));
            }
            return b.toString();
        }

        static double relative(float[] reference, float[] other) {
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < reference.length; i++) {
                diff += Math.pow((double) other[i] - reference[i], 2);
                norm += (double) reference[i] * reference[i];
            }
            return Math.sqrt(diff / Math.max(norm, 1e-30));
        }
    }

    private static Trainer.Config epochs(int n) {
        return new Trainer.Config(n, 100, LearningRateSchedule.constant(1e-3), SEED, Augmentation.NONE, 0, 0, null, 1,
                false);
    }

    private static List<EpochRecord> fit(DType type, MemoryFormat format, int epochs, Trainer[] made) {
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
             Optimizer opt = new Adam(1e-3f)) {
            net.setActivationKind(type, format);
            Trainer trainer = new Trainer(net, opt, epochs(epochs), Map.of(), s -> { });
            made[0] = trainer;
            return trainer.fit(train, test, norm, null);
        }
    }

    @Test
    void bf16AndFp16TrainLeNetAsFp32Does() {
        Trainer[] made = new Trainer[1];
        double f32 = fit(DType.F32, MemoryFormat.NCHW, 2, made).get(1).testAccuracy();
        assertTrue(made[0].lossScaler().isEmpty(), "FP32 needs no loss scaler");
        double bf16 = fit(DType.BF16, MemoryFormat.NHWC, 2, made).get(1).testAccuracy();
        assertTrue(made[0].lossScaler().isEmpty(), "BF16 has FP32's range: no loss scaler");
        double f16 = fit(DType.F16, MemoryFormat.NCHW, 2, made).get(1).testAccuracy();
        DynamicLossScaler scaler = made[0].lossScaler().orElseThrow();
        // 2^16 overflows LeNet's first F16 gradients: the scaler must have skipped and backed off.
        assertTrue(scaler.skippedSteps() > 0 && scaler.scale() < 65536f, "skipped " + scaler.skippedSteps()
                + " at scale " + scaler.scale());
        // 2,000 training and 500 test images: a point of test accuracy is 5 images.
        assertEquals(f32, bf16, 0.02, "BF16 vs FP32 test accuracy");
        assertEquals(f32, f16, 0.02, "F16 vs FP32 test accuracy");
        assertTrue(f32 > 0.6, "LeNet learns at all: " + f32);
    }

    @Test
    void aSkippedF16StepLeavesTheWeightsAsTheyWereAndItsLossOut() {
        Dataset two = train.head(200); // two steps of 100
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
             Optimizer opt = new Adam(1e-3f)) {
            net.setActivationKind(DType.F16, MemoryFormat.NCHW);
            List<float[]> before = new ArrayList<>();
            net.parameters().forEach(p -> before.add(p.value().toArray()));
            // 1e38 times any gradient overflows F16: the first step must be skipped, the second (at 5e37) too...
            DynamicLossScaler scaler = new DynamicLossScaler(1e38f, 2f, 0.5f, 2000);
            Trainer trainer = new Trainer(net, opt, epochs(1), Map.of(), s -> { }).useLossScaler(scaler);
            List<EpochRecord> h = trainer.fit(two, test, norm, null);
            assertEquals(2, scaler.skippedSteps());
            assertEquals(2.5e37f, scaler.scale(), 1e31f, "halved once per skipped step");
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), net.parameters().get(i).value().toArray(), 0f,
                        net.parameters().get(i).name() + " untouched by skipped steps");
            }
            assertTrue(Double.isNaN(h.get(0).loss()), "no step taken: no epoch loss, and no divergence either");
        }
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
             Optimizer opt = new Adam(1e-3f)) {
            net.setActivationKind(DType.F16, MemoryFormat.NCHW);
            DynamicLossScaler scaler = new DynamicLossScaler(1e38f, 2f, 1e-37f, 2000); // back to ~10 after one skip
            Trainer trainer = new Trainer(net, opt, epochs(1), Map.of(), s -> { }).useLossScaler(scaler);
            List<EpochRecord> h = trainer.fit(two, test, norm, null);
            assertEquals(1, scaler.skippedSteps());
            assertTrue(Double.isFinite(h.get(0).loss()) && h.get(0).loss() > 1, "the taken step's loss alone: "
                    + h.get(0).loss());
        }
    }

    /**
     * Two F16 replicas take the single replica's steps, skipped ones included (they check the same
     * all-reduced gradients), so the epoch's loss and accuracy, taken over the steps not skipped,
     * are the single replica's. LeNet's first step at 2^16 overflows (measured), so a skip is in it.
     */
    @Test
    void f16ReplicasSkipTheSameStepsAndReportTheSingleReplicasEpoch() {
        Trainer[] made = new Trainer[1];
        EpochRecord alone = fit(DType.F16, MemoryFormat.NCHW, 1, made).get(0);
        assertTrue(made[0].lossScaler().orElseThrow().skippedSteps() > 0, "the comparison needs a skipped step");
        List<CpuBackend> cpus = List.of(new CpuBackend(1), new CpuBackend(1));
        List<LocalReplicas.Replica> replicas = new ArrayList<>();
        try {
            for (CpuBackend cpu : cpus) {
                Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
                net.setActivationKind(DType.F16, MemoryFormat.NCHW);
                replicas.add(new LocalReplicas.Replica(net, new Adam(1e-3f)));
            }
            EpochRecord two = LocalReplicas.fit(replicas, epochs(1), Map.of(), line -> { }, train, test, norm, null, 1,
                    0).get(0);
            // Not bit for bit: each replica rounds its half-batch gradients to F16 before the sum. But a
            // skip counted twice or not at all would move the loss by 100/1,900 = 5 %; 0.1 % cannot hide it.
            assertEquals(alone.loss(), two.loss(), 1e-3 * alone.loss(), "epoch loss over the steps taken");
            assertEquals(alone.trainAccuracy(), two.trainAccuracy(), 2e-3, "accuracy over the steps taken");
        } finally {
            for (LocalReplicas.Replica r : replicas) {
                r.network().close();
                r.optimizer().close();
            }
            cpus.forEach(CpuBackend::close);
        }
    }

    @Test
    void gradientsThatAreNeverFiniteEndTrainingNamingF16() {
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
             Optimizer opt = new Adam(1e-3f)) {
            net.setActivationKind(DType.F16, MemoryFormat.NCHW);
            // NaN scores make every gradient NaN at every scale (in conv1 a ReLU would swallow them)
            cpu.fill(net.parameters().get(net.parameters().size() - 1).value(), Float.NaN);
            Trainer trainer = new Trainer(net, opt, epochs(2), Map.of(), s -> { }) // 40 steps of 100
                    .useLossScaler(new DynamicLossScaler(1f, 2f, 0.5f, 2000));
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> trainer.fit(train, test, norm, null));
            assertTrue(e.getMessage().contains("not finite at any loss scale") && e.getMessage().contains("bf16"),
                    e.getMessage());
            assertEquals(25, trainer.lossScaler().orElseThrow().skippedSteps(), "1 → 2^-25 < 2^-24 in 25 halvings");
        }
    }

    @Test
    void theInputGradientComesBackInTheInputsKind() {
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("lenet", cpu, train.itemShape(), 10, SEED);
             Tensor x = cpu.tensor(new float[4 * 784], Shape.of(4, 1, 28, 28));
             Tensor t = cpu.tensor(new float[]{1, 2, 3, 4}, Shape.of(4))) {
            net.gradient(x, t);
            float[] f32 = net.inputGradient().toArray();
            net.setActivationKind(DType.BF16, MemoryFormat.NHWC);
            net.gradient(x, t);
            assertTrue(net.inputGradient().isF32Nchw(), "dL/dx in x's kind, not the cast copy's: " + net.inputGradient());
            assertArrayEquals(f32, net.inputGradient().toArray(), 0.05f * max(f32));
        }
    }

    private static float max(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void channelsLastSharesMemoryByLivenessAsNchwDoes() {
        long[] bytes = new long[2];
        MemoryFormat[] formats = {MemoryFormat.NCHW, MemoryFormat.NHWC};
        for (int f = 0; f < 2; f++) {
            try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("resnet20", cpu, train.itemShape(), 10, SEED);
                 Tensor x = cpu.allocate(Shape.of(4, 1, 28, 28));
                 Tensor t = cpu.tensor(new float[]{1, 2, 3, 4}, Shape.of(4))) {
                net.setActivationKind(DType.BF16, formats[f]);
                net.gradient(x, t);
                bytes[f] = net.bufferPool().allocatedBytes();
            }
        }
        assertEquals(bytes[0], bytes[1], "NHWC values reuse free memory of any shape, as NCHW ones do");
    }

    @Test
    void steadyStateMixedPrecisionTrainingAllocatesNoTensors() {
        try (CpuBackend cpu = new CpuBackend(2); Network net = Models.build("resnet20", cpu, train.itemShape(), 10, SEED);
             Optimizer opt = new Adam(1e-3f);
             Tensor x = cpu.tensor(images(4), Shape.of(4, 1, 28, 28));
             Tensor t = cpu.tensor(new float[]{1, 2, 3, 4}, Shape.of(4))) {
            net.setActivationKind(DType.BF16, MemoryFormat.NHWC);
            net.gradient(x, t);
            opt.step(net.parameters());
            long bytes = net.bufferPool().allocatedBytes();
            for (int i = 0; i < 3; i++) {
                net.gradient(x, t);
                opt.step(net.parameters());
            }
            assertEquals(bytes, net.bufferPool().allocatedBytes(), "the pool made nothing new after the first step");
        }
    }

    private static float[] images(int n) {
        float[] x = new float[n * 784];
        for (int i = 0; i < n; i++) {
            norm.apply(train.item(i), 1, 784, x, i * 784);
        }
        return x;
    }

    @Test
    void aBackendWithoutHalfTensorsIsRefusedInOneLine() {
        try (ForwardingBackend fb = new ForwardingBackend(true);
             Network net = Models.build("lenet", fb, train.itemShape(), 10, SEED)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Precision.BF16.applyTo(net, MemoryFormat.NCHW));
            assertTrue(e.getMessage().contains("forwarding backend does not hold BF16 NCHW"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            Precision.FP32.applyTo(net, MemoryFormat.NCHW); // F32 NCHW: every backend
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertEquals("--precision 'fp8': expected fp32, tf32, bf16 or fp16", bad.getMessage());
        assertEquals(Precision.BF16, Precision.parse("BF16"));
    }
}
