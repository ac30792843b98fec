package io.github.convnet4j.cpu;

import static io.github.convnet4j.testing.Check.randomFloats;
import static io.github.convnet4j.testing.KindParity.F32_KERNEL_SLACK;
import static io.github.convnet4j.testing.KindParity.rounded;
import static io.github.convnet4j.testing.KindParity.unitRoundoff;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.DropoutHash;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.reference.Reference;
import io.github.convnet4j.testing.KindParity;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op of the SPI that takes data tensors, on BF16, F16 and NHWC tensors (rank 4 in the
 * kind's format, lower ranks NCHW; batch-norm parameters and statistics and labels F32), checked
 * two ways: against the double-precision {@link Reference} (or a definition written here) computed
 * on the inputs rounded to the type, within what one rounding of the output and the F32 kernel's
 * own error allow ({@link KindParity#assertNearReference}); and, bit for bit, against the staging
 * contract: the F32 NCHW op on the same rounded inputs with each output rounded once to the type.
 * Outputs start as NaN, so an output the op fails to overwrite shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedKindOpsTest {
    /** One type and memory format for an op's data tensors. */
    record Kind(DType type, MemoryFormat format) {
        static final Kind F32_NCHW = new Kind(DType.F32, MemoryFormat.NCHW);

        @Override
        public String toString() {
            return type + " " + format;
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(new Kind(DType.BF16, MemoryFormat.NCHW), new Kind(DType.F16, MemoryFormat.NCHW),
                new Kind(DType.F32, MemoryFormat.NHWC), new Kind(DType.BF16, MemoryFormat.NHWC),
                new Kind(DType.F16, MemoryFormat.NHWC));
    }

    private final CpuBackend backend = new CpuBackend(3);

    @AfterAll
    void close() {
        backend.close();
    }

    // ---- the two runs of one op ----------------------------------------------------------------

    /** One named output of an op call: its values and the type it was stored in. */
    private record Result(String name, double[] values, DType type) {
    }

    /**
     * The tensors of one run of an op body. In the kind's run, data tensors have the kind and get
     * the raw inputs (the upload rounds them); in the staged run they are F32 NCHW and get the
     * inputs already rounded to the kind's type, and each reported output is rounded in place as
     * the kind would have stored it, so that an output read again (a backward's y) is the same
     * value in both runs.
     */
    private final class Session implements AutoCloseable {
        private final Kind kind;
        private final DType roundInputsTo;
        private final List<Tensor> tensors = new ArrayList<>();
        private final Set<Tensor> dataTensors = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private final List<Result> results = new ArrayList<>();

        Session(Kind kind, DType roundInputsTo) {
            this.kind = kind;
            this.roundInputsTo = roundInputsTo;
        }

        /** A data tensor holding {@code values}: in the kind's type, and its format if rank 4. */
        Tensor data(float[] values, Shape shape) {
            Tensor t = allocate(shape, kind.type(), shape.rank() == 4 ? kind.format() : MemoryFormat.NCHW);
            t.copyFrom(rounded(values, roundInputsTo));
            dataTensors.add(t);
            return t;
        }

        Tensor data(float[] values, int... dims) {
            return data(values, Shape.of(dims));
        }

        /** A data tensor the op must overwrite: it starts as NaN. */
        Tensor output(Shape shape) {
            Tensor t = data(new float[shape.size()], shape);
            backend.fill(t, Float.NaN);
            return t;
        }

        Tensor output(int... dims) {
            return output(Shape.of(dims));
        }

        /** An F32 NCHW tensor (parameters, statistics and labels stay F32 whatever the data's type). */
        Tensor f32(float[] values, int... dims) {
            Tensor t = allocate(Shape.of(dims), DType.F32, MemoryFormat.NCHW);
            t.copyFrom(values);
            return t;
        }

        void result(String name, Tensor t) {
            float[] values = t.toArray();
            if (dataTensors.contains(t)) {
                t.copyFrom(rounded(values, roundInputsTo)); // what the kind stores (a no-op in the kind's own run)
            }
            results.add(new Result(name, KindParity.widen(values), t.dtype()));
        }

        /** A Java value an op returns: compared exactly, never rounded. */
        void result(String name, double value) {
            results.add(new Result(name, new double[] {value}, DType.F32));
        }

        private Tensor allocate(Shape shape, DType type, MemoryFormat format) {
            Tensor t = backend.allocate(shape, type, format);
            tensors.add(t);
            return t;
        }

        @Override
        public void close() {
            tensors.forEach(Tensor::close);
        }
    }

    /** An op call (or a few) on one session's tensors, reporting its outputs with {@link Session#result}. */
    private interface Body {
        void run(Session s);
    }

    /** The reference for one output and the slack (relative to the output's scale) it is held to. */
    private record Expected(double[] values, double slack) {
    }

    private static Expected ref(double[] values) {
        return new Expected(values, F32_KERNEL_SLACK);
    }

    /**
     * An output computed from a stored forward output (sigmoid and tanh from y, LRN from y): y is
     * rounded to the type as it is stored, an input error of u relative that the reference (from x)
     * does not have. Sigmoid's y(1 − y) then errs by up to u·|dy| (near y = 1 the small 1 − y takes
     * the whole error), tanh's 1 − y² by 2u·y²·|dy|, LRN's correction term by less; |dy| reaches
     * about three times these outputs' scale here (the worst seen is 1.6u of it, sigmoid in BF16),
     * hence 4u of the scale on top of the kernel's slack.
     */
    private static Expected refFromRoundedOutput(double[] values, DType type) {
        return new Expected(values, F32_KERNEL_SLACK + 4 * unitRoundoff(type));
    }

    private List<Result> run(Session session, Body body) {
        try (session) {
            body.run(session);
            return session.results;
        }
    }

    /** Runs the body on the kind and staged on F32 NCHW, and checks every output both ways. */
    private void verify(Kind kind, Body body, Map<String, Expected> reference) {
        List<Result> actual = run(new Session(kind, DType.F32), body);
        List<Result> staged = run(new Session(Kind.F32_NCHW, kind.type()), body);
        assertEquals(reference.keySet(), actual.stream().map(Result::name).collect(java.util.stream.Collectors.toSet()),
                "the outputs checked");
        for (int i = 0; i < actual.size(); i++) {
            Result got = actual.get(i);
            assertEquals(got.name(), staged.get(i).name(), "the runs report the same outputs in the same order");
            String what = got.name() + " on " + kind;
            KindParity.assertRoundedOnce(what + " vs F32 staged", got.type(), staged.get(i).values(), got.values());
            Expected e = reference.get(got.name());
            KindParity.assertNearReference(what + " vs reference", got.type(), e.values(), got.values(), e.slack());
        }
    }

    private static double[] widen(float[] values) {
        return KindParity.widen(values);
    }

    // ---- linear algebra and element-wise ---------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void gemm(Kind kind) {
        Random rng = new Random(1);
        int m = 5;
        int n = 4;
        int k = 7;
        float[] a = randomFloats(rng, m * k);
        float[] b = randomFloats(rng, k * n);
        float[] c = randomFloats(rng, m * n);
        Map<String, Expected> reference = new LinkedHashMap<>();
        float[] ar = rounded(a, kind.type());
        float[] br = rounded(b, kind.type());
        float[] cr = rounded(c, kind.type());
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                reference.put("gemm " + ta + " " + tb, ref(Reference.gemm(ta, tb, m, n, k, 1.5, ar, br, -0.5, cr)));
            }
        }
        reference.put("gemm beta 0", ref(Reference.gemm(false, false, m, n, k, 1, ar, br, 0, cr)));
        verify(kind, s -> {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    // A (m×k) stored transposed is the k×m matrix whose (p, i) is A's (i, p): the same array read
                    // column-major, which is what Reference.gemm reads for ta.
                    Tensor ta2 = ta ? s.data(a, k, m) : s.data(a, m, k);
                    Tensor tb2 = tb ? s.data(b, n, k) : s.data(b, k, n);
                    Tensor tc = s.data(c, m, n);
                    backend.gemm(ta ? Transpose.YES : Transpose.NO, tb ? Transpose.YES : Transpose.NO, 1.5f, ta2, tb2,
                            -0.5f, tc);
                    s.result("gemm " + ta + " " + tb, tc);
                }
            }
            Tensor out = s.output(m, n); // NaN: beta 0 must ignore it
            backend.gemm(Transpose.NO, Transpose.NO, 1f, s.data(a, m, k), s.data(b, k, n), 0f, out);
            s.result("gemm beta 0", out);
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void rowVectorOps(Kind kind) {
        Random rng = new Random(2);
        float[] m = randomFloats(rng, 6 * 5);
        float[] row = randomFloats(rng, 5);
        float[] mr = rounded(m, kind.type());
        float[] rr = rounded(row, kind.type());
        double[] added = new double[m.length];
        double[] sums = new double[5];
        for (int i = 0; i < m.length; i++) {
            added[i] = (double) mr[i] + rr[i % 5];
            sums[i % 5] += mr[i];
        }
        verify(kind, s -> {
            Tensor tm = s.data(m, 6, 5);
            Tensor out = s.output(5);
            backend.sumRows(tm, out);
            s.result("sumRows", out);
            backend.addRowVector(tm, s.data(row, 5));
            s.result("addRowVector", tm);
        }, Map.of("sumRows", ref(sums), "addRowVector", ref(added)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void elementwise(Kind kind) {
        Random rng = new Random(3);
        int[] dims = {2, 3, 4, 5};
        float[] a = randomFloats(rng, 120);
        float[] b = randomFloats(rng, 120);
        float[] ar = rounded(a, kind.type());
        float[] br = rounded(b, kind.type());
        double[] axpy = new double[120];
        double[] scaled = new double[120];
        double[] product = new double[120];
        double squares = 0;
        for (int i = 0; i < 120; i++) {
            axpy[i] = br[i] + 0.75 * ar[i];
            scaled[i] = -1.25 * ar[i];
            product[i] = (double) ar[i] * br[i];
            squares += (double) ar[i] * ar[i];
        }
        verify(kind, s -> {
            Tensor ta = s.data(a, dims);
            Tensor tb = s.data(b, dims);
            Tensor out = s.output(dims);
            backend.multiply(ta, tb, out);
            s.result("multiply", out);
            s.result("sumOfSquares", backend.sumOfSquares(ta));
            backend.axpy(0.75f, ta, tb);
            s.result("axpy", tb);
            backend.scale(ta, -1.25f);
            s.result("scale", ta);
        }, Map.of("multiply", ref(product), "sumOfSquares", ref(new double[] {squares}), "axpy", ref(axpy),
                "scale", ref(scaled)));
    }

    // ---- convolution and pooling -----------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void convolution(Kind kind) {
        Random rng = new Random(4);
        int n = 2;
        int c = 3;
        int h = 7;
        int w = 6;
        int k = 4;
        ConvGeometry g = ConvGeometry.of("test", Shape.of(n, c, h, w), Shape.of(k, c, 3, 3), 2, 1, 1, 1,
                OutputRounding.STRICT);
        float[] x = randomFloats(rng, n * c * h * w);
        float[] wt = randomFloats(rng, k * c * 9);
        float[] bias = randomFloats(rng, k);
        float[] dy = randomFloats(rng, g.outputShape().size());
        DType type = kind.type();
        float[] xr = rounded(x, type);
        float[] wr = rounded(wt, type);
        float[] dyr = rounded(dy, type);
        Map<String, Expected> reference = Map.of(
                "convForward", ref(Reference.convForward(xr, n, c, h, w, wr, k, 3, 3, rounded(bias, type), 2, 1, 1, 1)),
                "convForward without bias", ref(Reference.convForward(xr, n, c, h, w, wr, k, 3, 3, null, 2, 1, 1, 1)),
                "convBackwardData", ref(Reference.convBackwardData(dyr, n, c, h, w, wr, k, 3, 3, 2, 1, 1, 1)),
                "convBackwardFilter", ref(Reference.convBackwardFilter(xr, n, c, h, w, dyr, k, 3, 3, 2, 1, 1, 1)),
                "convBackwardBias", ref(Reference.convBackwardBias(dyr, n, k, g.outH() * g.outW())));
        verify(kind, s -> {
            Tensor tx = s.data(x, g.inputShape());
            Tensor tw = s.data(wt, g.filterShape());
            Tensor tdy = s.data(dy, g.outputShape());
            Tensor y = s.output(g.outputShape());
            backend.convForward(g, tx, tw, s.data(bias, k), y);
            s.result("convForward", y);
            Tensor y2 = s.output(g.outputShape());
            backend.convForward(g, tx, tw, null, y2);
            s.result("convForward without bias", y2);
            Tensor dx = s.output(g.inputShape());
            backend.convBackwardData(g, tdy, tw, dx);
            s.result("convBackwardData", dx);
            Tensor dw = s.output(g.filterShape());
            backend.convBackwardFilter(g, tx, tdy, dw);
            s.result("convBackwardFilter", dw);
            Tensor db = s.output(k);
            backend.convBackwardBias(g, tdy, db);
            s.result("convBackwardBias", db);
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void pooling(Kind kind) {
        Random rng = new Random(5);
        int n = 2;
        int c = 3;
        int h = 7;
        int w = 9;
        PoolGeometry g = PoolGeometry.of("test", Shape.of(n, c, h, w), 3, 3, 2, 2, 1, 1, OutputRounding.STRICT);
        float[] x = randomFloats(rng, n * c * h * w);
        x[10] = x[11] = 5f; // a tie inside one window: the first maximum (row-major, logical order) takes the gradient
        x[1] = 3f + 0x1p-12f; // equal to x[2] once rounded to BF16 or F16: a tie made by rounding
        x[2] = 3f;
        float[] dy = randomFloats(rng, g.outputShape().size());
        float[] xr = rounded(x, kind.type());
        float[] dyr = rounded(dy, kind.type());
        Map<String, Expected> reference = Map.of(
                "max forward", ref(Reference.maxPool(xr, n, c, h, w, 3, 2, 1, null)),
                "max backward", ref(Reference.maxPoolBackward(xr, dyr, n, c, h, w, 3, 2, 1)),
                "average forward", ref(Reference.avgPool(xr, n, c, h, w, 3, 2, 1)),
                "average backward", ref(Reference.avgPoolBackward(dyr, n, c, h, w, 3, 2, 1)));
        verify(kind, s -> {
            Tensor tx = s.data(x, g.inputShape());
            Tensor tdy = s.data(dy, g.outputShape());
            for (PoolMode mode : new PoolMode[] {PoolMode.MAX, PoolMode.AVERAGE}) {
                String name = mode == PoolMode.MAX ? "max" : "average";
                Tensor y = s.output(g.outputShape());
                backend.poolForward(mode, g, tx, y);
                s.result(name + " forward", y);
                Tensor dx = s.output(g.inputShape());
                backend.poolBackward(mode, g, tx, y, tdy, dx);
                s.result(name + " backward", dx);
            }
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void adaptiveAveragePooling(Kind kind) {
        Random rng = new Random(6);
        int n = 2;
        int c = 3;
        int h = 7;
        int w = 10;
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, n * c * 3 * 4);
        Map<String, Expected> reference = Map.of(
                "adaptive forward", ref(Reference.adaptiveAvgPool(rounded(x, kind.type()), n, c, h, w, 3, 4)),
                "adaptive backward", ref(Reference.adaptiveAvgPoolBackward(rounded(dy, kind.type()), n, c, h, w, 3, 4)));
        verify(kind, s -> {
            Tensor y = s.output(n, c, 3, 4);
            backend.adaptiveAvgPoolForward(s.data(x, n, c, h, w), y);
            s.result("adaptive forward", y);
            Tensor dx = s.output(n, c, h, w);
            backend.adaptiveAvgPoolBackward(s.data(dy, n, c, 3, 4), dx);
            s.result("adaptive backward", dx);
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void copyChannels(Kind kind) {
        Random rng = new Random(7);
        int n = 2;
        int h = 4;
        int w = 5;
        float[] src = randomFloats(rng, n * 3 * h * w);
        float[] dst = randomFloats(rng, n * 4 * h * w);
        float[] srcR = rounded(src, kind.type());
        double[] expected = widen(rounded(dst, kind.type()));
        // By the definition: dst[n, 1 + c, y, x] = src[n, 1 + c, y, x] for c in {0, 1}; the rest of dst is kept.
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < 2; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        expected[((img * 4 + 1 + ch) * h + y) * w + x] = srcR[((img * 3 + 1 + ch) * h + y) * w + x];
                    }
                }
            }
        }
        verify(kind, s -> {
            Tensor td = s.data(dst, n, 4, h, w);
            backend.copyChannels(s.data(src, n, 3, h, w), 1, td, 1, 2);
            s.result("copyChannels", td);
        }, Map.of("copyChannels", ref(expected)));
    }

    // ---- activations -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void activations(Kind kind) {
        Random rng = new Random(8);
        int[] dims = {2, 3, 4, 5};
        float[] x = randomFloats(rng, 120);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 2;
        }
        float[] dy = randomFloats(rng, 120);
        float[] xr = rounded(x, kind.type());
        float[] dyr = rounded(dy, kind.type());
        float slope = 0.1f;
        String[] names = {"relu", "leaky", "sigmoid", "tanh", "softplus"};
        Activation[] functions = {Activation.RELU, Activation.LEAKY_RELU, Activation.SIGMOID, Activation.TANH,
            Activation.SOFTPLUS};
        Map<String, Expected> reference = new LinkedHashMap<>();
        for (String name : names) {
            double[] y = new double[120];
            double[] dx = new double[120];
            for (int i = 0; i < 120; i++) {
                y[i] = Reference.activation(name, xr[i], slope);
                dx[i] = dyr[i] * Reference.activationDerivative(name, xr[i], slope);
            }
            reference.put(name + " forward", ref(y));
            boolean fromY = name.equals("sigmoid") || name.equals("tanh"); // the CPU computes these from y
            reference.put(name + " backward", fromY ? refFromRoundedOutput(dx, kind.type()) : ref(dx));
            if (name.equals("tanh")) {
                reference.put("tanh in place", ref(y));
            }
        }
        verify(kind, s -> {
            Tensor tx = s.data(x, dims);
            Tensor tdy = s.data(dy, dims);
            for (int f = 0; f < names.length; f++) {
                Tensor y = s.output(dims);
                backend.activationForward(functions[f], slope, tx, y);
                s.result(names[f] + " forward", y);
                Tensor dx = s.output(dims);
                backend.activationBackward(functions[f], slope, tx, y, tdy, dx);
                s.result(names[f] + " backward", dx);
            }
            Tensor inPlace = s.data(x, dims); // "x and y may be the same"
            backend.activationForward(Activation.TANH, 0, inPlace, inPlace);
            s.result("tanh in place", inPlace);
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void prelu(Kind kind) {
        Random rng = new Random(9);
        int n = 3;
        int c = 4;
        int h = 2;
        int w = 3;
        int plane = h * w;
        float[] x = randomFloats(rng, n * c * plane);
        float[] slope = {0.1f, 0.2f, -0.3f, 0.55f};
        float[] dy = randomFloats(rng, x.length);
        float[] xr = rounded(x, kind.type());
        float[] sr = rounded(slope, kind.type());
        float[] dyr = rounded(dy, kind.type());
        // By the definition: y = x for x > 0, slope[c]·x otherwise; dslope[c] = Σ dy·x over x ≤ 0 of channel c.
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        double[] dslope = new double[c];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / plane) % c;
            y[i] = xr[i] > 0 ? xr[i] : (double) sr[ch] * xr[i];
            dx[i] = xr[i] > 0 ? dyr[i] : (double) sr[ch] * dyr[i];
            dslope[ch] += xr[i] > 0 ? 0 : (double) dyr[i] * xr[i];
        }
        verify(kind, s -> {
            Tensor tx = s.data(x, n, c, h, w);
            Tensor ts = s.data(slope, c);
            Tensor ty = s.output(n, c, h, w);
            backend.preluForward(tx, ts, ty);
            s.result("prelu forward", ty);
            Tensor tdx = s.output(n, c, h, w);
            Tensor tds = s.output(c);
            backend.preluBackward(tx, ts, s.data(dy, n, c, h, w), tdx, tds);
            s.result("prelu dx", tdx);
            s.result("prelu dslope", tds);
        }, Map.of("prelu forward", ref(y), "prelu dx", ref(dx), "prelu dslope", ref(dslope)));
    }

    // ---- normalisation, dropout, accuracy ----------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void lrn(Kind kind) {
        Random rng = new Random(10);
        int n = 2;
        int c = 7;
        int h = 3;
        int w = 4;
        LrnParams p = new LrnParams(5, 0.5, 0.75, 1.0);
        float[] x = randomFloats(rng, n * c * h * w);
        float[] dy = randomFloats(rng, x.length);
        float[] xr = rounded(x, kind.type());
        float[] dyr = rounded(dy, kind.type());
        Map<String, Expected> reference = Map.of(
                "lrn forward", ref(Reference.lrn(xr, n, c, h * w, 5, 0.5, 0.75, 1.0)),
                "lrn backward", refFromRoundedOutput(Reference.lrnBackward(xr, dyr, n, c, h * w, 5, 0.5, 0.75, 1.0),
                        kind.type()));
        verify(kind, s -> {
            Tensor tx = s.data(x, n, c, h, w);
            Tensor ty = s.output(n, c, h, w);
            backend.lrnForward(p, tx, ty);
            s.result("lrn forward", ty);
            Tensor tdx = s.output(n, c, h, w);
            backend.lrnBackward(p, tx, ty, s.data(dy, n, c, h, w), tdx);
            s.result("lrn backward", tdx);
        }, reference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void dropoutMask(Kind kind) {
        int[] dims = {2, 3, 4, 5};
        double[] expected = new double[120];
        for (int i = 0; i < 120; i++) { // element i of the logical (NCHW) order draws hash i, whatever the format
            expected[i] = DropoutHash.maskValue(7L, i, 0.3f);
        }
        verify(kind, s -> {
            Tensor mask = s.output(dims);
            backend.dropoutMask(mask, 0.3f, 7L);
            s.result("dropout mask", mask);
        }, Map.of("dropout mask", ref(expected)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void batchNorm(Kind kind) {
        for (int[] dims : new int[][] {{4, 3, 2, 3}, {6, 5}}) {
            batchNorm(kind, dims);
        }
    }

    private void batchNorm(Kind kind, int[] dims) {
        Shape shape = Shape.of(dims);
        int n = dims[0];
        int c = dims[1];
        int plane = shape.size() / n / c;
        Random rng = new Random(shape.size());
        float[] x = randomFloats(rng, shape.size());
        float[] dy = randomFloats(rng, shape.size());
        float[] gamma = randomFloats(rng, c);
        float[] beta = randomFloats(rng, c);
        double eps = 1e-5;
        float[] xr = rounded(x, kind.type());
        float[] dyr = rounded(dy, kind.type());
        double[] mean = new double[c];
        double[] var = new double[c];
        double[] y = Reference.batchNorm(xr, n, c, plane, gamma, beta, eps, mean, var);
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        double[] dx = Reference.batchNormBackward(xr, dyr, n, c, plane, gamma, eps, dgamma, dbeta);
        double m = n * plane;
        double[] runMean = new double[c];
        double[] runVar = new double[c];
        double[] invStd = new double[c];
        for (int i = 0; i < c; i++) { // from 0 and 1 with momentum 0.1, the variance unbiased
            runMean[i] = 0.1 * mean[i];
            runVar[i] = 0.9 + 0.1 * var[i] * m / (m - 1);
            invStd[i] = 1 / Math.sqrt(var[i] + eps);
        }
        double[] inference = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / plane) % c;
            inference[i] = gamma[ch] * (xr[i] - runMean[ch]) / Math.sqrt(runVar[ch] + eps) + beta[ch];
        }
        Map<String, Expected> reference = new LinkedHashMap<>();
        reference.put("bn y", ref(y));
        reference.put("bn running mean", ref(runMean));
        reference.put("bn running var", ref(runVar));
        reference.put("bn saved mean", ref(mean));
        reference.put("bn saved inverse std", ref(invStd));
        reference.put("bn inference y", ref(inference));
        reference.put("bn dx", ref(dx));
        reference.put("bn dgamma", ref(dgamma));
        reference.put("bn dbeta", ref(dbeta));
        verify(kind, s -> {
            Tensor tx = s.data(x, shape);
            Tensor tg = s.f32(gamma, c);
            Tensor tb = s.f32(beta, c);
            Tensor rm = s.f32(new float[c], c);
            Tensor rv = s.f32(new float[c], c);
            backend.fill(rv, 1f);
            Tensor sm = s.f32(new float[c], c);
            Tensor si = s.f32(new float[c], c);
            Tensor ty = s.output(shape);
            backend.batchNormForwardTraining(tx, tg, tb, ty, rm, rv, sm, si, 0.1, eps);
            s.result("bn y", ty);
            s.result("bn running mean", rm);
            s.result("bn running var", rv);
            s.result("bn saved mean", sm);
            s.result("bn saved inverse std", si);
            Tensor yi = s.output(shape);
            backend.batchNormForwardInference(tx, tg, tb, yi, rm, rv, eps);
            s.result("bn inference y", yi);
            Tensor tdx = s.output(shape);
            Tensor tdg = s.f32(new float[c], c);
            Tensor tdb = s.f32(new float[c], c);
            backend.batchNormBackward(tx, s.data(dy, shape), tg, sm, si, tdx, tdg, tdb, eps);
            s.result("bn dx", tdx);
            s.result("bn dgamma", tdg);
            s.result("bn dbeta", tdb);
        }, reference);
    }

    // ---- what stays F32: losses and optimizer steps, in NHWC ---------------------------------------

    /**
     * Losses take F32 only, but F32 NHWC is allowed: rank-4 scores whose row is an item's logical
     * (c, h, w) values, the label indexing that logical order.
     */
    @org.junit.jupiter.api.Test
    void lossesOnNhwcTensors() {
        Kind kind = new Kind(DType.F32, MemoryFormat.NHWC);
        Random rng = new Random(12);
        int n = 4;
        int[] dims = {n, 3, 2, 2};
        int classes = 12;
        float[] logits = randomFloats(rng, n * classes);
        int[] labels = {1, 5, 11, 6}; // positions whose NHWC memory offset differs from their logical one
        float[] labelsF = {1, 5, 11, 6};
        float[] target = randomFloats(rng, n * classes);
        double[] probs = new double[n * classes];
        double loss = Reference.softmaxCrossEntropy(logits, n, classes, labels, probs);
        double[] dx = new double[n * classes];
        double squares = 0;
        double[] mseDx = new double[n * classes];
        for (int i = 0; i < n * classes; i++) {
            dx[i] = (probs[i] - (labels[i / classes] == i % classes ? 1 : 0)) / n;
            double d = (double) logits[i] - target[i];
            squares += d * d;
            mseDx[i] = d / n;
        }
        Map<String, Expected> reference = Map.of("softmax", ref(probs), "cross-entropy", ref(new double[] {loss}),
                "cross-entropy dx", ref(dx), "mse", ref(new double[] {0.5 * squares / n}), "mse dx", ref(mseDx));
        verify(kind, s -> {
            Tensor tl = s.data(logits, dims);
            Tensor tlab = s.f32(labelsF, n);
            Tensor tp = s.output(dims);
            Tensor tloss = s.f32(new float[1], 1);
            backend.softmaxCrossEntropy(tl, tlab, tp, tloss);
            s.result("softmax", tp);
            s.result("cross-entropy", tloss);
            Tensor tdx = s.output(dims);
            backend.softmaxCrossEntropyBackward(tp, tlab, tdx);
            s.result("cross-entropy dx", tdx);
            Tensor mse = s.f32(new float[1], 1);
            Tensor tt = s.data(target, dims);
            backend.meanSquaredError(tl, tt, mse);
            s.result("mse", mse);
            Tensor mdx = s.output(dims);
            backend.meanSquaredErrorBackward(tl, tt, mdx);
            s.result("mse dx", mdx);
        }, reference);
    }

    /** Optimizer steps on F32 NHWC weights and state (conv filters kept channels-last): element-wise in one order. */
    @org.junit.jupiter.api.Test
    void optimizerStepsOnNhwcTensors() {
        Kind kind = new Kind(DType.F32, MemoryFormat.NHWC);
        Random rng = new Random(13);
        int[] dims = {4, 3, 2, 2};
        float[] w = randomFloats(rng, 48);
        float[] g = randomFloats(rng, 48);
        float lr = 0.01f;
        float wd = 0.1f;
        double[] sgd = new double[48];
        double[] momentumW = new double[48];
        double[] momentumV = new double[48];
        double[] adamW = new double[48];
        for (int i = 0; i < 48; i++) { // one step of each from zero state, by the SPI's definitions
            double gi = g[i] + wd * (double) w[i];
            sgd[i] = w[i] - lr * gi;
            momentumV[i] = -lr * gi;
            momentumW[i] = w[i] + momentumV[i];
            double m = 0.1 * gi;
            double v = 0.001 * gi * gi;
            adamW[i] = w[i] - lr * m / (Math.sqrt(v) + 1e-8);
        }
        verify(kind, s -> {
            Tensor tw = s.data(w, dims);
            Tensor tg = s.data(g, dims);
            backend.sgdStep(tw, tg, lr, wd);
            s.result("sgd w", tw);
            Tensor mw = s.data(w, dims);
            Tensor mv = s.data(new float[48], dims);
            backend.momentumStep(mw, tg, mv, lr, 0.9f, wd);
            s.result("momentum w", mw);
            s.result("momentum v", mv);
            Tensor aw = s.data(w, dims);
            backend.adamStep(aw, tg, s.data(new float[48], dims), s.data(new float[48], dims), lr, 0.9f, 0.999f, wd,
                    1e-8f);
            s.result("adam w", aw);
        }, Map.of("sgd w", ref(sgd), "momentum w", ref(momentumW), "momentum v", ref(momentumV), "adam w",
                ref(adamW)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void countCorrect(Kind kind) {
        Random rng = new Random(11);
        int n = 6;
        int[] dims = {n, 3, 2, 2}; // twelve scores per row, in logical (c, h, w) order
        float[] scores = randomFloats(rng, n * 12);
        // Row 0: its two largest scores become equal once rounded (5 + 2^-9 is a tie to even 5 in F16, whose ulp at 5
        // is 2^-8, and below half BF16's 2^-5): the first wins, so the label on the second counts in F32 only.
        scores[3] = 5f;
        scores[7] = 5f + 0x1p-9f;
        float[] labels = {7, 0, 0, 0, 0, 0};
        float[] sr = rounded(scores, kind.type());
        for (int r = 1; r < n; r++) {
            labels[r] = r % 2 == 0 ? firstArgmax(sr, r, 12) : (firstArgmax(sr, r, 12) + 1) % 12;
        }
        int hits = 0;
        for (int r = 0; r < n; r++) {
            hits += firstArgmax(sr, r, 12) == (int) labels[r] ? 1 : 0;
        }
        assertEquals(kind.type() == DType.F32 ? 3 : 2, hits, "the planted tie decides row 0");
        double expected = hits;
        verify(kind, s -> s.result("countCorrect", backend.countCorrect(s.data(scores, dims), s.f32(labels, n))),
                Map.of("countCorrect", ref(new double[] {expected})));
    }

    /** The index of the first largest of row r's values (the definition of argmax that ties go first). */
    private static int firstArgmax(float[] values, int r, int classes) {
        int best = 0;
        for (int j = 1; j < classes; j++) {
            if (values[r * classes + j] > values[r * classes + best]) {
                best = j;
            }
        }
        return best;
    }
}
