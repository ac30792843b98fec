package io.github.convnet4j.cuda;

import static io.github.convnet4j.testing.Check.assertClose;
import static io.github.convnet4j.testing.Check.randomFloats;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend against the CPU backend, op by op, on the same inputs: forward and backward of
 * every op that cuDNN, cuBLAS or our kernels compute. Tolerance: 1e-4 absolute + 1e-4 relative
 * (FP32 throughout; TF32 is off in these tests).
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaCpuParityTest {
    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;
    private CpuBackend cpu;
    private CudaBackend cuda;

    @BeforeAll
    void open() {
        cpu = new CpuBackend(2);
        cuda = CudaTests.openOrSkip(CudaOptions.strictFp32());
    }

    @AfterAll
    void close() {
        if (cuda != null) {
            cuda.close();
        }
        cpu.close();
    }

    /** Runs op on both backends with the same host inputs; returns each backend's outputs. */
    private void compare(String what, List<float[]> inputs, List<Shape> shapes, List<Shape> outputShapes,
                         BiFunction<Backend, List<Tensor>, Void> op) {
        List<float[]> expected = run(cpu, inputs, shapes, outputShapes, op);
        List<float[]> actual = run(cuda, inputs, shapes, outputShapes, op);
        for (int i = 0; i < expected.size(); i++) {
            assertClose(what + " output " + i, expected.get(i), actual.get(i), ATOL, RTOL);
        }
    }

    private static List<float[]> run(Backend b, List<float[]> inputs, List<Shape> shapes, List<Shape> outputShapes,
                                     BiFunction<Backend, List<Tensor>, Void> op) {
        List<Tensor> tensors = new ArrayList<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                tensors.add(b.tensor(inputs.get(i), shapes.get(i)));
            }
            for (Shape s : outputShapes) {
                tensors.add(b.allocate(s));
            }
            op.apply(b, tensors);
            List<float[]> out = new ArrayList<>();
            for (int i = inputs.size(); i < tensors.size(); i++) {
                out.add(tensors.get(i).toArray());
            }
            return out;
        } finally {
            tensors.forEach(Tensor::close);
        }
    }

    static Stream<Arguments> convCases() {
        return Stream.of(
                Arguments.of(2, 3, 7, 9, 4, 3, 3, 2, 2, 1, 1), Arguments.of(3, 2, 6, 5, 3, 3, 2, 1, 1, 0, 0),
                Arguments.of(2, 4, 8, 6, 5, 1, 1, 1, 1, 0, 0), Arguments.of(1, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2),
                Arguments.of(4, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0), Arguments.of(2, 3, 35, 35, 8, 11, 11, 4, 4, 2, 2),
                Arguments.of(2, 5, 13, 13, 7, 3, 3, 1, 1, 1, 1));
    }

    @ParameterizedTest(name = "conv N={0} C={1} {2}x{3} K={4} {5}x{6} s{7}x{8} p{9}x{10}")
    @MethodSource("convCases")
    void convolution(int n, int c, int h, int w, int k, int fh, int fw, int sh, int sw, int ph, int pw) {
        ConvGeometry g = ConvGeometry.of("parity", Shape.of(n, c, h, w), Shape.of(k, c, fh, fw), sh, sw, ph, pw,
                OutputRounding.FLOOR);
        Random rng = new Random(h * 31L + k);
        compare("conv [" + cuda.convolutionPlan(g) + "]", List.of(randomFloats(rng, g.inputShape().size()), randomFloats(rng, g.filterShape().size()),
                        randomFloats(rng, k), randomFloats(rng, g.outputShape().size())),
                List.of(g.inputShape(), g.filterShape(), Shape.of(k), g.outputShape()),
                List.of(g.outputShape(), g.inputShape(), g.filterShape(), Shape.of(k)),
                (b, t) -> {
                    b.convForward(g, t.get(0), t.get(1), t.get(2), t.get(4));
                    b.convBackwardData(g, t.get(3), t.get(1), t.get(5));
                    b.convBackwardFilter(g, t.get(0), t.get(3), t.get(6));
                    b.convBackwardBias(g, t.get(3), t.get(7));
                    return null;
                });
    }

    static Stream<Arguments> poolCases() {
        return Stream.of(Arguments.of(2, 3, 6, 8, 2, 2, 0), Arguments.of(2, 2, 7, 7, 3, 2, 1),
                Arguments.of(1, 2, 5, 6, 2, 1, 0), Arguments.of(2, 4, 55, 55, 3, 2, 0), Arguments.of(3, 6, 28, 28, 2, 2, 0));
    }

    @ParameterizedTest(name = "pool N={0} C={1} {2}x{3} window {4} stride {5} pad {6}")
    @MethodSource("poolCases")
    void pooling(int n, int c, int h, int w, int win, int stride, int pad) {
        PoolGeometry g = PoolGeometry.of("parity", Shape.of(n, c, h, w), win, win, stride, stride, pad, pad,
                OutputRounding.FLOOR);
        for (PoolMode mode : PoolMode.values()) {
            Random rng = new Random(h * 7L + win);
            compare(mode + " pool", List.of(randomFloats(rng, g.inputShape().size()), randomFloats(rng, g.outputShape().size())),
                    List.of(g.inputShape(), g.outputShape()), List.of(g.outputShape(), g.inputShape()),
                    (b, t) -> {
                        b.poolForward(mode, g, t.get(0), t.get(2));
                        b.poolBackward(mode, g, t.get(0), t.get(2), t.get(1), t.get(3));
                        return null;
                    });
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activation(Activation f) {
        Shape s = Shape.of(3, 4, 5, 6);
        Random rng = new Random(f.ordinal());
        compare(f.name(), List.of(randomFloats(rng, s.size()), randomFloats(rng, s.size())), List.of(s, s), List.of(s, s),
                (b, t) -> {
                    b.activationForward(f, 0.1f, t.get(0), t.get(2));
                    b.activationBackward(f, 0.1f, t.get(0), t.get(2), t.get(1), t.get(3));
                    return null;
                });
    }

    @Test
    void preluLrnAndBatchNorm() {
        Shape s = Shape.of(4, 7, 5, 6);
        Shape ch = Shape.of(7);
        Random rng = new Random(9);
        LrnParams lrn = LrnParams.ALEXNET;
        LrnParams strong = new LrnParams(3, 0.5, 0.75, 1.0);
        compare("prelu/lrn/bn", List.of(randomFloats(rng, s.size()), randomFloats(rng, s.size()), randomFloats(rng, 7),
                        randomFloats(rng, 7)), List.of(s, s, ch, ch),
                List.of(s, s, ch, s, s, s, s, ch, ch, ch, ch, s, ch, ch, s),
                (b, t) -> {
                    Tensor x = t.get(0);
                    Tensor dy = t.get(1);
                    b.preluForward(x, t.get(2), t.get(4));
                    b.preluBackward(x, t.get(2), dy, t.get(5), t.get(6));
                    b.lrnForward(lrn, x, t.get(7));
                    b.lrnBackward(lrn, x, t.get(7), dy, t.get(8));
                    b.lrnForward(strong, x, t.get(9));
                    b.lrnBackward(strong, x, t.get(9), dy, t.get(10));
                    b.fill(t.get(12), 1f);
                    b.batchNormForwardTraining(x, t.get(2), t.get(3), t.get(15), t.get(11), t.get(12), t.get(13),
                            t.get(14), 0.1, 1e-5);
                    b.batchNormBackward(x, dy, t.get(2), t.get(13), t.get(14), t.get(18), t.get(16), t.get(17), 1e-5);
                    return null;
                });
    }

    @Test
    void gemmLossesAndSteps() {
        Random rng = new Random(10);
        Shape a = Shape.of(70, 130);
        Shape bShape = Shape.of(90, 130);
        Shape c = Shape.of(70, 90);
        float[] labels = new float[70];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(90);
        }
        compare("gemm/softmax/mse/adam", List.of(randomFloats(rng, a.size()), randomFloats(rng, bShape.size()), labels,
                        randomFloats(rng, c.size())), List.of(a, bShape, Shape.of(70), c),
                List.of(c, c, Shape.of(1), c, Shape.of(1), c, Shape.of(90), c, c, c),
                (b, t) -> {
                    b.gemm(Transpose.NO, Transpose.YES, 1f, t.get(0), t.get(1), 0f, t.get(4));
                    b.softmaxCrossEntropy(t.get(4), t.get(2), t.get(5), t.get(6));
                    b.softmaxCrossEntropyBackward(t.get(5), t.get(2), t.get(7));
                    b.meanSquaredError(t.get(4), t.get(3), t.get(8));
                    b.meanSquaredErrorBackward(t.get(4), t.get(3), t.get(9));
                    b.sumRows(t.get(4), t.get(10));
                    b.copy(t.get(4), t.get(11));
                    b.adamStep(t.get(11), t.get(9), t.get(12), t.get(13), 1e-3f, 0.9f, 0.999f, 1e-4f, 1e-7f);
                    return null;
                });
    }
}
