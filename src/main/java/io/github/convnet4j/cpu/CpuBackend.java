package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.CheckedBackend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.DropoutHash;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.Op;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Storage;
import io.github.convnet4j.tensor.Tensor;

/**
 * The pure-Java backend: runs wherever a JVM runs, and is the reference the CUDA backend is
 * tested against. Results are bit-reproducible for a given input whatever the thread count.
 * Arguments arrive checked by {@link CheckedBackend}. Thread-safe: concurrent calls on distinct
 * output tensors share only the worker pool and per-thread scratch arrays.
 */
public final class CpuBackend extends CheckedBackend {
    /** Element-wise ops on fewer elements than this stay on the calling thread. */
    private static final int PARALLEL_THRESHOLD = 1 << 15;

    private final Parallel par;
    private final CpuConvolution conv;
    private final CpuPooling pooling;
    private final CpuNormalization norm;
    /** Each thread's scratch for staged ops (BF16, F16, NHWC), capped; dropped with the backend. */
    private final ThreadLocal<Staging.Pool> stagingPools = ThreadLocal.withInitial(this::newStagingPool);
    /** Every thread's pool, so that closing the backend empties them all (a thread may outlive it). */
    private final java.util.Queue<Staging.Pool> allStagingPools = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A backend using every available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        GemmKernels.logOnce();
        this.par = new Parallel(threads);
        this.conv = new CpuConvolution(par);
        this.pooling = new CpuPooling(par);
        this.norm = new CpuNormalization(par);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public boolean threadSafe() {
        return true;
    }

    public int threads() {
        return par.threads();
    }

    // ---- memory -------------------------------------------------------------------------------

    /**
     * Every op, every type and format: BF16/F16 are stored as their 16-bit patterns and NHWC in
     * channels-last order, and each op on them runs the F32 kernel on widened NCHW copies
     * ({@link Staging}). That makes this backend the reference for mixed precision and
     * channels-last on a GPU, not a fast path: staged ops pay a copy each way.
     */
    @Override
    public boolean supports(Op op, DType dtype, MemoryFormat format) {
        return true;
    }

    /** A tensor built by hand over memory of the other kind would be read as garbage: refuse it. */
    @Override
    protected void requireHeld(String op, String arg, Tensor t) {
        boolean fits = t.dtype() == DType.F32 ? t.storage() instanceof HeapStorage : t.storage() instanceof HalfStorage;
        if (!fits) {
            String holds = t.storage() instanceof HalfStorage ? "16-bit values"
                    : t.storage() instanceof HeapStorage ? "F32 values" : "memory of no CPU storage class";
            throw new IllegalArgumentException(op + ": " + arg + " is a " + t.dtype() + " tensor over "
                    + t.storage().getClass().getSimpleName() + ", which holds " + holds);
        }
    }

    @Override
    protected Tensor doAllocate(Shape shape) {
        return new Tensor(this, shape, new HeapStorage(shape.size()), true);
    }

    @Override
    protected Tensor doAllocate(Shape shape, DType dtype, MemoryFormat format) {
        Storage storage = dtype == DType.F32 ? new HeapStorage(shape.size()) : new HalfStorage(shape.size());
        return new Tensor(this, shape, dtype, format, storage, true);
    }

    @Override
    protected void doUpload(float[] src, Tensor dst) {
        CpuElements.write(src, dst);
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        CpuElements.read(src, dst);
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        CpuElements.copy(src, dst);
    }

    @Override
    protected void doConvert(Tensor src, Tensor dst) {
        if (src.dtype() == dst.dtype() && src.format() == dst.format()) {
            CpuElements.copy(src, dst);
            return;
        }
        try (Staging s = staging()) {
            CpuElements.write(data(s.in(src)), dst); // through F32 NCHW: exact, then rounded once
        }
    }

    @Override
    protected void doFill(Tensor t, float value) {
        CpuElements.fill(t, value);
    }

    private Staging.Pool newStagingPool() {
        Staging.Pool pool = new Staging.Pool();
        allStagingPools.add(pool);
        return pool;
    }

    private Staging staging() {
        return new Staging(this, stagingPools.get());
    }

    /** The array behind an F32 NCHW CPU tensor (CheckedBackend has made sure the tensor is ours; Staging the kind). */
    static float[] data(Tensor t) {
        return ((HeapStorage) t.storage()).data;
    }

    // ---- linear algebra and element-wise ------------------------------------------------------

    @Override
    protected void doGemm(OpChecks.GemmDims d, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (Staging.needed(a, b, c)) {
            try (Staging s = staging()) {
                doGemm(d, alpha, s.in(a), s.in(b), beta, beta == 0f ? s.out(c) : s.inOut(c));
                s.writeBack();
            }
            return;
        }
        Sgemm.sgemm(d.transA(), d.transB(), d.m(), d.n(), d.k(), alpha, data(a), 0, a.dim(1), data(b), 0, b.dim(1),
                beta, data(c), 0, d.n(), par);
    }

    @Override
    protected void doAddRowVector(Tensor matrix, Tensor row) {
        if (Staging.needed(matrix, row)) {
            try (Staging s = staging()) {
                doAddRowVector(s.inOut(matrix), s.in(row));
                s.writeBack();
            }
            return;
        }
        float[] m = data(matrix);
        float[] r = data(row);
        int cols = row.size();
        int rows = matrix.size() / cols;
        for (int i = 0; i < rows; i++) {
            int off = i * cols;
            for (int j = 0; j < cols; j++) {
                m[off + j] += r[j];
            }
        }
    }

    @Override
    protected void doSumRows(Tensor matrix, Tensor out) {
        if (Staging.needed(matrix, out)) {
            try (Staging s = staging()) {
                doSumRows(s.in(matrix), s.out(out));
                s.writeBack();
            }
            return;
        }
        float[] m = data(matrix);
        float[] o = data(out);
        int cols = out.size();
        int rows = matrix.size() / cols;
        java.util.Arrays.fill(o, 0, cols, 0f);
        for (int i = 0; i < rows; i++) {
            int off = i * cols;
            for (int j = 0; j < cols; j++) {
                o[j] += m[off + j];
            }
        }
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doAxpy(alpha, s.in(x), s.inOut(y));
                s.writeBack();
            }
            return;
        }
        float[] xs = data(x);
        float[] ys = data(y);
        elementwise(x.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                ys[i] += alpha * xs[i];
            }
        });
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        if (Staging.needed(x)) {
            try (Staging s = staging()) {
                doScale(s.inOut(x), alpha);
                s.writeBack();
            }
            return;
        }
        float[] xs = data(x);
        elementwise(x.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                xs[i] *= alpha;
            }
        });
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        if (Staging.needed(a, b, out)) {
            try (Staging s = staging()) {
                doMultiply(s.in(a), s.in(b), s.out(out));
                s.writeBack();
            }
            return;
        }
        float[] as = data(a);
        float[] bs = data(b);
        float[] os = data(out);
        elementwise(a.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                os[i] = as[i] * bs[i];
            }
        });
    }

    @Override
    protected double doSumOfSquares(Tensor x) {
        if (Staging.needed(x)) {
            try (Staging s = staging()) {
                var result = doSumOfSquares(s.in(x));
                s.writeBack();
                return result;
            }
        }
        float[] xs = data(x);
        double sum = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += (double) xs[i] * xs[i];
        }
        return sum;
    }

    // ---- convolution and pooling --------------------------------------------------------------

    @Override
    protected void doConvForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        if (Staging.needed(x, w, bias, y)) {
            try (Staging s = staging()) {
                doConvForward(g, s.in(x), s.in(w), s.in(bias), s.out(y));
                s.writeBack();
            }
            return;
        }
        conv.forward(g, data(x), data(w), bias == null ? null : data(bias), data(y));
    }

    @Override
    protected void doConvBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        if (Staging.needed(dy, w, dx)) {
            try (Staging s = staging()) {
                doConvBackwardData(g, s.in(dy), s.in(w), s.out(dx));
                s.writeBack();
            }
            return;
        }
        conv.backwardData(g, data(dy), data(w), data(dx));
    }

    @Override
    protected void doConvBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        if (Staging.needed(x, dy, dw)) {
            try (Staging s = staging()) {
                doConvBackwardFilter(g, s.in(x), s.in(dy), s.out(dw));
                s.writeBack();
            }
            return;
        }
        conv.backwardFilter(g, data(x), data(dy), data(dw));
    }

    @Override
    protected void doConvBackwardBias(ConvGeometry g, Tensor dy, Tensor db) {
        if (Staging.needed(dy, db)) {
            try (Staging s = staging()) {
                doConvBackwardBias(g, s.in(dy), s.out(db));
                s.writeBack();
            }
            return;
        }
        conv.backwardBias(g, data(dy), data(db));
    }

    @Override
    protected void doPoolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doPoolForward(mode, g, s.in(x), s.out(y));
                s.writeBack();
            }
            return;
        }
        pooling.forward(mode, g, data(x), data(y));
    }

    @Override
    protected void doPoolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (Staging.needed(x, y, dy, dx)) {
            try (Staging s = staging()) {
                doPoolBackward(mode, g, s.in(x), s.in(y), s.in(dy), s.out(dx));
                s.writeBack();
            }
            return;
        }
        pooling.backward(mode, g, data(x), data(dy), data(dx));
    }

    @Override
    protected void doAdaptiveAvgPoolForward(Tensor x, Tensor y) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doAdaptiveAvgPoolForward(s.in(x), s.out(y));
                s.writeBack();
            }
            return;
        }
        pooling.adaptiveForward(x.shape(), y.dim(2), y.dim(3), data(x), data(y));
    }

    @Override
    protected void doAdaptiveAvgPoolBackward(Tensor dy, Tensor dx) {
        if (Staging.needed(dy, dx)) {
            try (Staging s = staging()) {
                doAdaptiveAvgPoolBackward(s.in(dy), s.out(dx));
                s.writeBack();
            }
            return;
        }
        pooling.adaptiveBackward(dx.shape(), dy.dim(2), dy.dim(3), data(dy), data(dx));
    }

    @Override
    protected void doCopyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels) {
        if (!src.isF32Nchw()) { // one kind (checked): the elements move as they are, no widening
            CpuElements.copyChannels(src, srcChannel, dst, dstChannel, channels);
            return;
        }
        int plane = src.dim(2) * src.dim(3);
        float[] from = data(src);
        float[] to = data(dst);
        for (int n = 0; n < src.dim(0); n++) {
            System.arraycopy(from, (n * src.dim(1) + srcChannel) * plane, to, (n * dst.dim(1) + dstChannel) * plane,
                    channels * plane);
        }
    }

    // ---- activations --------------------------------------------------------------------------

    @Override
    protected void doActivationForward(Activation f, float param, Tensor x, Tensor y) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doActivationForward(f, param, s.in(x), s.out(y));
                s.writeBack();
            }
            return;
        }
        float[] xs = data(x);
        float[] ys = data(y);
        elementwise(x.size(), (from, to) -> CpuActivations.forward(f, param, xs, ys, from, to));
    }

    @Override
    protected void doActivationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (Staging.needed(x, y, dy, dx)) {
            try (Staging s = staging()) {
                doActivationBackward(f, param, s.in(x), s.in(y), s.in(dy), s.out(dx));
                s.writeBack();
            }
            return;
        }
        float[] xs = x == null ? null : data(x);
        float[] ys = y == null ? null : data(y);
        float[] dys = data(dy);
        float[] dxs = data(dx);
        elementwise(dy.size(), (from, to) -> CpuActivations.backward(f, param, xs, ys, dys, dxs, from, to));
    }

    @Override
    protected void doPreluForward(Tensor x, Tensor slope, Tensor y) {
        if (Staging.needed(x, slope, y)) {
            try (Staging s = staging()) {
                doPreluForward(s.in(x), s.in(slope), s.out(y));
                s.writeBack();
            }
            return;
        }
        float[] xs = data(x);
        float[] s = data(slope);
        float[] ys = data(y);
        int channels = slope.size() == 1 ? 1 : x.dim(1);
        int plane = x.size() / x.dim(0) / channels;
        for (int i = 0; i < x.size(); i++) {
            float a = s[channels == 1 ? 0 : (i / plane) % channels];
            ys[i] = xs[i] > 0f ? xs[i] : a * xs[i];
        }
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope) {
        if (Staging.needed(x, slope, dy, dx, dslope)) {
            try (Staging s = staging()) {
                doPreluBackward(s.in(x), s.in(slope), s.in(dy), s.out(dx), s.out(dslope));
                s.writeBack();
            }
            return;
        }
        float[] xs = data(x);
        float[] s = data(slope);
        float[] dys = data(dy);
        float[] dxs = data(dx);
        float[] ds = data(dslope);
        int channels = slope.size() == 1 ? 1 : x.dim(1);
        int plane = x.size() / x.dim(0) / channels;
        double[] sums = new double[s.length];
        for (int i = 0; i < x.size(); i++) {
            int ch = channels == 1 ? 0 : (i / plane) % channels;
            if (xs[i] > 0f) {
                dxs[i] = dys[i];
            } else {
                dxs[i] = s[ch] * dys[i];
                sums[ch] += (double) dys[i] * xs[i];
            }
        }
        for (int ch = 0; ch < sums.length; ch++) {
            ds[ch] = (float) sums[ch];
        }
    }


    // ---- losses -------------------------------------------------------------------------------

    @Override
    protected void doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        if (Staging.needed(logits, probs)) { // F32 NHWC: a row and its label index are in logical order
            try (Staging s = staging()) {
                doSoftmaxCrossEntropy(s.in(logits), labels, s.out(probs), loss);
                s.writeBack();
            }
            return;
        }
        data(loss)[0] = CpuLosses.softmaxCrossEntropy(logits.dim(0), logits.size() / logits.dim(0),
                data(logits), data(labels), data(probs));
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        if (Staging.needed(probs, dx)) {
            try (Staging s = staging()) {
                doSoftmaxCrossEntropyBackward(s.in(probs), labels, s.out(dx));
                s.writeBack();
            }
            return;
        }
        CpuLosses.softmaxCrossEntropyBackward(probs.dim(0), probs.size() / probs.dim(0), data(probs), data(labels), data(dx));
    }

    @Override
    protected void doMeanSquaredError(Tensor y, Tensor target, Tensor loss) {
        if (Staging.needed(y, target)) { // F32 NHWC: summed in the NCHW kernel's order, as every staged op
            try (Staging s = staging()) {
                doMeanSquaredError(s.in(y), s.in(target), loss);
            }
            return;
        }
        data(loss)[0] = CpuLosses.meanSquaredError(y.dim(0), y.size(), data(y), data(target));
    }

    @Override
    protected void doMeanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx) {
        if (Staging.needed(y, target, dx)) {
            try (Staging s = staging()) {
                doMeanSquaredErrorBackward(s.in(y), s.in(target), s.out(dx));
                s.writeBack();
            }
            return;
        }
        CpuLosses.meanSquaredErrorBackward(y.dim(0), y.size(), data(y), data(target), data(dx));
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        if (Staging.needed(scores)) {
            try (Staging s = staging()) {
                var result = doCountCorrect(s.in(scores), labels);
                s.writeBack();
                return result;
            }
        }
        return CpuLosses.countCorrect(scores.dim(0), scores.size() / scores.dim(0), data(scores), data(labels));
    }


    // ---- normalisation and dropout ------------------------------------------------------------

    @Override
    protected void doLrnForward(LrnParams p, Tensor x, Tensor y) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doLrnForward(p, s.in(x), s.out(y));
                s.writeBack();
            }
            return;
        }
        Shape s = x.shape().asNchw();
        norm.lrnForward(p, s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(y));
    }

    @Override
    protected void doLrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (Staging.needed(x, y, dy, dx)) {
            try (Staging s = staging()) {
                doLrnBackward(p, s.in(x), s.in(y), s.in(dy), s.out(dx));
                s.writeBack();
            }
            return;
        }
        Shape s = x.shape().asNchw();
        norm.lrnBackward(p, s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(y), data(dy), data(dx));
    }

    @Override
    protected void doDropoutMask(Tensor mask, float ratio, long seed) {
        if (Staging.needed(mask)) {
            try (Staging s = staging()) {
                doDropoutMask(s.out(mask), ratio, seed);
                s.writeBack();
            }
            return;
        }
        float[] m = data(mask);
        elementwise(mask.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                m[i] = DropoutHash.maskValue(seed, i, ratio);
            }
        });
    }

    @Override
    protected void doBatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                         Tensor runningVar, Tensor savedMean, Tensor savedInvStd,
                                         double momentum, double eps) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doBatchNormForwardTraining(s.in(x), gamma, beta, s.out(y), runningMean, runningVar, savedMean, savedInvStd, momentum, eps);
                s.writeBack();
            }
            return;
        }
        Shape s = x.shape().asNchw();
        norm.batchNormTraining(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(gamma), data(beta), data(y),
                data(runningMean), data(runningVar), data(savedMean), data(savedInvStd), momentum, eps);
    }

    @Override
    protected void doBatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                          Tensor runningVar, double eps) {
        if (Staging.needed(x, y)) {
            try (Staging s = staging()) {
                doBatchNormForwardInference(s.in(x), gamma, beta, s.out(y), runningMean, runningVar, eps);
                s.writeBack();
            }
            return;
        }
        Shape s = x.shape().asNchw();
        norm.batchNormInference(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(gamma), data(beta), data(y),
                data(runningMean), data(runningVar), eps);
    }

    @Override
    protected void doBatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta, double eps) {
        if (Staging.needed(x, dy, dx)) {
            try (Staging s = staging()) {
                doBatchNormBackward(s.in(x), s.in(dy), gamma, savedMean, savedInvStd, s.out(dx), dgamma, dbeta, eps);
                s.writeBack();
            }
            return;
        }
        // eps is already inside savedInvStd.
        Shape s = x.shape().asNchw();
        norm.batchNormBackward(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(dy), data(gamma),
                data(savedMean), data(savedInvStd), data(dx), data(dgamma), data(dbeta));
    }

    // ---- optimizer updates --------------------------------------------------------------------

    @Override
    protected void doSgdStep(Tensor w, Tensor g, float lr, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.sgd(ws, gs, lr, wd, from, to));
    }

    @Override
    protected void doMomentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] vs = data(v);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.momentum(ws, gs, vs, lr, momentum, wd, from, to));
    }

    @Override
    protected void doNesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] vs = data(v);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.nesterov(ws, gs, vs, lr, momentum, wd, from, to));
    }

    @Override
    protected void doAdaGradStep(Tensor w, Tensor g, Tensor h, float lr, float wd, float eps) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] hs = data(h);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.adaGrad(ws, gs, hs, lr, wd, eps, from, to));
    }

    @Override
    protected void doRmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float wd, float eps) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] hs = data(h);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.rmsProp(ws, gs, hs, lr, decay, wd, eps, from, to));
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2, float wd, float eps) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] ms = data(m);
        float[] vs = data(v);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.adam(ws, gs, ms, vs, lrT, beta1, beta2, wd, eps, from, to));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void elementwise(int n, Parallel.RangeBody body) {
        if (n < PARALLEL_THRESHOLD) {
            body.run(0, n);
        } else {
            par.forRange(n, body);
        }
    }



    @Override
    protected void doClose() {
        allStagingPools.forEach(Staging.Pool::clear); // every thread's scratch, not only the closing thread's
        stagingPools.remove();
        par.close();
    }
}
