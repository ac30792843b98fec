package io.github.convnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * CheckedBackend's rules for typed tensors: one type per op and one memory format for its rank-4
 * tensors, F32 for what accumulates (batch-norm parameters, losses, optimizer state), no copy
 * across kinds, and a backend that holds F32 NCHW only refuses the other kinds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TensorKindsChecksTest {
    private final CpuBackend backend = new CpuBackend(1);
    private final List<Tensor> made = new ArrayList<>();

    @AfterAll
    void close() {
        made.forEach(Tensor::close);
        backend.close();
    }

    private Tensor t(DType type, MemoryFormat format, int... dims) {
        Tensor t = backend.allocate(Shape.of(dims), type, format);
        made.add(t);
        return t;
    }

    private Tensor f32(int... dims) {
        return t(DType.F32, MemoryFormat.NCHW, dims);
    }

    private Tensor bf16(int... dims) {
        return t(DType.BF16, MemoryFormat.NCHW, dims);
    }

    /** Asserts the call throws IllegalArgumentException whose message contains every one of {@code parts}. */
    private static void assertRefused(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should name " + part + ": " + e.getMessage());
        }
    }

    private static ConvGeometry conv() {
        return ConvGeometry.of("test", Shape.of(2, 3, 5, 5), Shape.of(4, 3, 3, 3), 1, 1, 1, 1, OutputRounding.STRICT);
    }

    @Test
    void convolutionRefusesTwoTypes() {
        ConvGeometry g = conv();
        Tensor x = bf16(2, 3, 5, 5);
        Tensor w = f32(4, 3, 3, 3);
        Tensor y = bf16(2, 4, 5, 5);
        assertRefused(() -> backend.convForward(g, x, w, null, y), "convForward", OpChecks.kind(x), OpChecks.kind(w));
        // The bias counts too, though it is not rank 4.
        Tensor wb = bf16(4, 3, 3, 3);
        Tensor bias = f32(4);
        assertRefused(() -> backend.convForward(g, x, wb, bias, y), "convForward", OpChecks.kind(x), OpChecks.kind(bias));
        Tensor dx = t(DType.F16, MemoryFormat.NCHW, 2, 3, 5, 5);
        assertRefused(() -> backend.convBackwardData(g, y, wb, dx), "convBackwardData", OpChecks.kind(y), OpChecks.kind(dx));
    }

    @Test
    void rankFourTensorsOfOneOpShareOneFormat() {
        PoolGeometry g = PoolGeometry.of("test", Shape.of(2, 3, 4, 6), 2, 2, 2, 2, 0, 0, OutputRounding.STRICT);
        Tensor x = t(DType.F32, MemoryFormat.NHWC, 2, 3, 4, 6);
        Tensor y = f32(2, 3, 2, 3);
        assertRefused(() -> backend.poolForward(PoolMode.MAX, g, x, y), "poolForward", "memory format", OpChecks.kind(x),
                OpChecks.kind(y));
        Tensor a = t(DType.BF16, MemoryFormat.NHWC, 2, 3, 4, 6);
        Tensor b = bf16(2, 3, 4, 6);
        assertRefused(() -> backend.axpy(1f, a, b), "axpy", OpChecks.kind(a), OpChecks.kind(b));
    }

    @Test
    void opsThatPairElementsRefuseAnNhwcTensorBesideARankTwoOne() {
        // Same size, but a rank-2 tensor is in NCHW order: a GPU pairing memory would pair the wrong elements.
        Tensor x = t(DType.BF16, MemoryFormat.NHWC, 2, 3, 2, 2);
        Tensor y = bf16(2, 12);
        assertRefused(() -> backend.activationForward(Activation.RELU, 0, x, y), "activationForward", "pairs elements",
                OpChecks.kind(x), OpChecks.kind(y));
        assertRefused(() -> backend.axpy(1f, y, x), "axpy", "pairs elements");
        Tensor other = t(DType.F16, MemoryFormat.NCHW, 2, 12);
        assertRefused(() -> backend.activationForward(Activation.RELU, 0, y, other), "activationForward", OpChecks.kind(y),
                OpChecks.kind(other));
    }

    @Test
    void rankBelowFourIsNotAFormatMismatchWhereNothingIsPaired() {
        // A convolution's rank-1 bias beside NHWC data: per channel, not per element, so any format is fine.
        ConvGeometry g = conv();
        Tensor x = t(DType.BF16, MemoryFormat.NHWC, 2, 3, 5, 5);
        Tensor w = t(DType.BF16, MemoryFormat.NHWC, 4, 3, 3, 3);
        Tensor y = t(DType.BF16, MemoryFormat.NHWC, 2, 4, 5, 5);
        backend.convForward(g, x, w, bf16(4), y);
    }

    @Test
    void batchNormParametersMustBeF32() {
        Tensor x = bf16(4, 3, 2, 2);
        Tensor y = bf16(4, 3, 2, 2);
        Tensor gamma = bf16(3);
        Tensor beta = f32(3);
        Tensor mean = f32(3);
        Tensor var = f32(3);
        assertRefused(() -> backend.batchNormForwardTraining(x, gamma, beta, y, mean, var, f32(3), f32(3), 0.1, 1e-5),
                "batchNormForwardTraining", "gamma", "F32", OpChecks.kind(gamma));
        Tensor bf16Var = bf16(3);
        assertRefused(() -> backend.batchNormForwardInference(x, f32(3), beta, y, mean, bf16Var, 1e-5),
                "batchNormForwardInference", "runningVar", "F32");
        Tensor dgamma = t(DType.F16, MemoryFormat.NCHW, 3);
        assertRefused(() -> backend.batchNormBackward(x, y, f32(3), mean, var, bf16(4, 3, 2, 2), dgamma, f32(3), 1e-5),
                "batchNormBackward", "dgamma", "F32");
    }

    @Test
    void lossesMustBeF32() {
        Tensor logits = bf16(4, 5);
        Tensor labels = f32(4);
        assertRefused(() -> backend.softmaxCrossEntropy(logits, labels, f32(4, 5), f32(1)), "softmaxCrossEntropy",
                "logits", "F32", OpChecks.kind(logits));
        Tensor bf16Labels = bf16(4);
        assertRefused(() -> backend.countCorrect(logits, bf16Labels), "countCorrect", "labels", "F32");
        assertRefused(() -> backend.meanSquaredError(f32(4, 5), f32(4, 5), bf16(1)), "meanSquaredError", "loss", "F32");
    }

    @Test
    void optimizerStateMustBeF32() {
        Tensor w = bf16(10);
        assertRefused(() -> backend.sgdStep(w, f32(10), 0.1f, 0f), "sgdStep", "w", "F32", OpChecks.kind(w));
        Tensor g = bf16(10);
        assertRefused(() -> backend.sgdStep(f32(10), g, 0.1f, 0f), "sgdStep", "g", "F32");
        Tensor m = t(DType.F16, MemoryFormat.NCHW, 10);
        assertRefused(() -> backend.adamStep(f32(10), f32(10), m, f32(10), 0.1f, 0.9f, 0.999f, 0f, 1e-8f),
                "adamStep", "m", "F32");
    }

    @Test
    void lossesAndOptimizerStepsRefuseTwoFormats() {
        // All F32, but an NHWC tensor met with an NCHW one: element i of one is not element i of the other.
        Tensor w = t(DType.F32, MemoryFormat.NHWC, 4, 3, 2, 2);
        Tensor g = f32(4, 3, 2, 2);
        assertRefused(() -> backend.sgdStep(w, g, 0.1f, 0f), "sgdStep", "memory format", OpChecks.kind(w), OpChecks.kind(g));
        Tensor v = f32(4, 3, 2, 2);
        assertRefused(() -> backend.momentumStep(w, t(DType.F32, MemoryFormat.NHWC, 4, 3, 2, 2), v, 0.1f, 0.9f, 0f),
                "momentumStep", "memory format", OpChecks.kind(v));
        assertRefused(() -> backend.adamStep(w, t(DType.F32, MemoryFormat.NHWC, 4, 3, 2, 2), v,
                t(DType.F32, MemoryFormat.NHWC, 4, 3, 2, 2), 0.1f, 0.9f, 0.999f, 0f, 1e-8f), "adamStep", "memory format");
        Tensor y = t(DType.F32, MemoryFormat.NHWC, 4, 3, 2, 2);
        Tensor target = f32(4, 3, 2, 2);
        assertRefused(() -> backend.meanSquaredError(y, target, f32(1)), "meanSquaredError", "memory format",
                OpChecks.kind(y), OpChecks.kind(target));
        assertRefused(() -> backend.meanSquaredErrorBackward(y, y, target), "meanSquaredErrorBackward",
                "memory format");
        Tensor probs = f32(4, 3, 2, 2);
        assertRefused(() -> backend.softmaxCrossEntropy(y, f32(4), probs, f32(1)), "softmaxCrossEntropy",
                "memory format", OpChecks.kind(y), OpChecks.kind(probs));
        assertRefused(() -> backend.softmaxCrossEntropyBackward(y, f32(4), probs), "softmaxCrossEntropyBackward",
                "memory format");
    }

    @Test
    void copyBetweenKindsIsRefusedInFavourOfConvert() {
        Tensor a = bf16(2, 3, 4, 5);
        Tensor b = f32(2, 3, 4, 5);
        assertRefused(() -> backend.copy(a, b), "copy", "use convert", OpChecks.kind(a), OpChecks.kind(b));
        Tensor nhwc = t(DType.BF16, MemoryFormat.NHWC, 2, 3, 4, 5);
        assertRefused(() -> backend.copy(a, nhwc), "copy", "use convert");
        backend.convert(a, nhwc); // what the message asks for works
        backend.convert(a, b);
    }

    @Test
    void aBackendOfF32NchwOnlyRefusesOpsOnOtherKinds() {
        // A BF16 tensor claiming that backend (Tensor's constructor is public): every op must refuse it, naming the op.
        try (ForwardingBackend f32Only = new ForwardingBackend(true)) {
            io.github.convnet4j.tensor.Storage bits = new io.github.convnet4j.tensor.Storage() {
                @Override
                public long bytes() {
                    return 12;
                }

                @Override
                public boolean isClosed() {
                    return false;
                }

                @Override
                public void close() {
                }
            };
            Tensor half = new Tensor(f32Only, Shape.of(6), DType.BF16, MemoryFormat.NCHW, bits, false);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> f32Only.fill(half, 1f));
            assertTrue(e.getMessage().contains("fill") && e.getMessage().contains("BF16"), e.getMessage());
            try (Tensor y = f32Only.allocate(Shape.of(6))) {
                e = assertThrows(UnsupportedOperationException.class,
                        () -> f32Only.activationForward(Activation.RELU, 0, half, half));
                assertTrue(e.getMessage().contains("activationForward") && e.getMessage().contains("BF16"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aBackendOfF32NchwOnlyRefusesToHoldOtherKinds() {
        try (ForwardingBackend f32Only = new ForwardingBackend(true)) {
            for (DType type : new DType[] {DType.BF16, DType.F16}) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> f32Only.allocate(Shape.of(2, 3), type, MemoryFormat.NCHW));
                assertTrue(e.getMessage().contains(type.name()) && e.getMessage().contains("allocate"), e.getMessage());
            }
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> f32Only.allocate(Shape.of(2, 3, 4, 5), DType.F32, MemoryFormat.NHWC));
            assertTrue(e.getMessage().contains("NHWC"), e.getMessage());
            // F32 NCHW through the typed allocate is the default kind, always held.
            f32Only.allocate(Shape.of(2, 3), DType.F32, MemoryFormat.NCHW).close();
        }
    }
}
