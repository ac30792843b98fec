package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.DropoutHash;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * The pure-Java backend: runs wherever a JVM runs, and is the reference the CUDA backend is
 * tested against. Results are bit-reproducible for a given input whatever the thread count.
 */
public final class CpuBackend implements Backend {
    /** Element-wise ops on fewer elements than this stay on the calling thread. */
    private static final int PARALLEL_THRESHOLD = 1 << 15;

    private final Parallel par;
    private final CpuConvolution conv;
    private final CpuPooling pooling;
    private final CpuNormalization norm;

    /** A backend using every available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this.par = new Parallel(threads);
        this.conv = new CpuConvolution(par);
        this.pooling = new CpuPooling(par);
        this.norm = new CpuNormalization(par);
    }

    @Override
    public String name() {
        return "cpu";
    }

    public int threads() {
        return par.threads();
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Tensor allocate(Shape shape) {
        return new Tensor(this, shape, new HeapStorage(shape.size()), true);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        System.arraycopy(src, 0, data(dst), 0, dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst) {
        System.arraycopy(data(src), 0, dst, 0, src.size());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        OpChecks.requireSameSize("copy", src, dst);
        System.arraycopy(data(src), 0, data(dst), 0, src.size());
    }

    @Override
    public void fill(Tensor t, float value) {
        java.util.Arrays.fill(data(t), 0, t.size(), value);
    }

    /** The array behind a CPU tensor; for this package and tests of it. */
    static float[] data(Tensor t) {
        if (!(t.storage() instanceof HeapStorage heap)) {
            throw new IllegalArgumentException(t + " does not belong to the CPU backend");
        }
        return heap.data;
    }

    // ---- linear algebra and element-wise ------------------------------------------------------

    @Override
    public void gemm(Transpose transA, Transpose transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        OpChecks.GemmDims d = OpChecks.gemmDims(transA, transB, a, b, c);
        Sgemm.sgemm(d.transA(), d.transB(), d.m(), d.n(), d.k(), alpha, data(a), 0, a.dim(1), data(b), 0, b.dim(1),
                beta, data(c), 0, d.n(), par);
    }

    @Override
    public void addRowVector(Tensor matrix, Tensor row) {
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
    public void sumRows(Tensor matrix, Tensor out) {
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
    public void axpy(float alpha, Tensor x, Tensor y) {
        OpChecks.requireSameSize("axpy", x, y);
        float[] xs = data(x);
        float[] ys = data(y);
        elementwise(x.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                ys[i] += alpha * xs[i];
            }
        });
    }

    @Override
    public void scale(Tensor x, float alpha) {
        float[] xs = data(x);
        elementwise(x.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                xs[i] *= alpha;
            }
        });
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        OpChecks.requireSameSize("multiply", a, b);
        OpChecks.requireSameSize("multiply", a, out);
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
    public double sumOfSquares(Tensor x) {
        float[] xs = data(x);
        double sum = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += (double) xs[i] * xs[i];
        }
        return sum;
    }

    // ---- convolution and pooling --------------------------------------------------------------

    @Override
    public void convForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        OpChecks.requireShape("conv forward input", x, g.inputShape());
        OpChecks.requireShape("conv forward filters", w, g.filterShape());
        OpChecks.requireShape("conv forward output", y, g.outputShape());
        conv.forward(g, data(x), data(w), bias == null ? null : data(bias), data(y));
    }

    @Override
    public void convBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        OpChecks.requireShape("conv backward-data dy", dy, g.outputShape());
        OpChecks.requireShape("conv backward-data dx", dx, g.inputShape());
        conv.backwardData(g, data(dy), data(w), data(dx));
    }

    @Override
    public void convBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        OpChecks.requireShape("conv backward-filter x", x, g.inputShape());
        OpChecks.requireShape("conv backward-filter dw", dw, g.filterShape());
        conv.backwardFilter(g, data(x), data(dy), data(dw));
    }

    @Override
    public void convBackwardBias(ConvGeometry g, Tensor dy, Tensor db) {
        OpChecks.requireShape("conv backward-bias dy", dy, g.outputShape());
        conv.backwardBias(g, data(dy), data(db));
    }

    @Override
    public void poolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y) {
        OpChecks.requireShape("pool forward input", x, g.inputShape());
        OpChecks.requireShape("pool forward output", y, g.outputShape());
        pooling.forward(mode, g, data(x), data(y));
    }

    @Override
    public void poolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        OpChecks.requireShape("pool backward dx", dx, g.inputShape());
        OpChecks.requireShape("pool backward dy", dy, g.outputShape());
        pooling.backward(mode, g, data(x), data(dy), data(dx));
    }

    // ---- activations --------------------------------------------------------------------------

    @Override
    public void activationForward(Activation f, float param, Tensor x, Tensor y) {
        OpChecks.requireSameSize(f.name(), x, y);
        float[] xs = data(x);
        float[] ys = data(y);
        elementwise(x.size(), (from, to) -> CpuActivations.forward(f, param, xs, ys, from, to));
    }

    @Override
    public void activationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        OpChecks.requireSameSize(f.name(), dy, dx);
        float[] xs = x == null ? null : data(x);
        float[] ys = y == null ? null : data(y);
        float[] dys = data(dy);
        float[] dxs = data(dx);
        elementwise(dy.size(), (from, to) -> CpuActivations.backward(f, param, xs, ys, dys, dxs, from, to));
    }

    @Override
    public void preluForward(Tensor x, Tensor slope, Tensor y) {
        float[] xs = data(x);
        float[] s = data(slope);
        float[] ys = data(y);
        int channels = OpChecks.preluChannels(x, slope);
        int plane = x.size() / x.dim(0) / channels;
        for (int i = 0; i < x.size(); i++) {
            float a = s[channels == 1 ? 0 : (i / plane) % channels];
            ys[i] = xs[i] > 0f ? xs[i] : a * xs[i];
        }
    }

    @Override
    public void preluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope) {
        float[] xs = data(x);
        float[] s = data(slope);
        float[] dys = data(dy);
        float[] dxs = data(dx);
        float[] ds = data(dslope);
        int channels = OpChecks.preluChannels(x, slope);
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
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        OpChecks.requireLabels(logits, labels);
        data(loss)[0] = CpuLosses.softmaxCrossEntropy(logits.dim(0), logits.size() / logits.dim(0),
                data(logits), data(labels), data(probs));
    }

    @Override
    public void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        OpChecks.requireLabels(probs, labels);
        CpuLosses.softmaxCrossEntropyBackward(probs.dim(0), probs.size() / probs.dim(0), data(probs), data(labels), data(dx));
    }

    @Override
    public void meanSquaredError(Tensor y, Tensor target, Tensor loss) {
        OpChecks.requireSameSize("mean squared error", y, target);
        data(loss)[0] = CpuLosses.meanSquaredError(y.dim(0), y.size(), data(y), data(target));
    }

    @Override
    public void meanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx) {
        OpChecks.requireSameSize("mean squared error", y, target);
        CpuLosses.meanSquaredErrorBackward(y.dim(0), y.size(), data(y), data(target), data(dx));
    }

    @Override
    public int countCorrect(Tensor scores, Tensor labels) {
        OpChecks.requireLabels(scores, labels);
        return CpuLosses.countCorrect(scores.dim(0), scores.size() / scores.dim(0), data(scores), data(labels));
    }


    // ---- normalisation and dropout ------------------------------------------------------------

    @Override
    public void lrnForward(LrnParams p, Tensor x, Tensor y) {
        Shape s = x.shape().asNchw();
        norm.lrnForward(p, s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(y));
    }

    @Override
    public void lrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Shape s = x.shape().asNchw();
        norm.lrnBackward(p, s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(y), data(dy), data(dx));
    }

    @Override
    public void dropoutMask(Tensor mask, float ratio, long seed) {
        float[] m = data(mask);
        elementwise(mask.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                m[i] = DropoutHash.maskValue(seed, i, ratio);
            }
        });
    }

    @Override
    public void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                         Tensor runningVar, Tensor savedMean, Tensor savedInvStd,
                                         double momentum, double eps) {
        Shape s = x.shape().asNchw();
        norm.batchNormTraining(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(gamma), data(beta), data(y),
                data(runningMean), data(runningVar), data(savedMean), data(savedInvStd), momentum, eps);
    }

    @Override
    public void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                          Tensor runningVar, double eps) {
        Shape s = x.shape().asNchw();
        norm.batchNormInference(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(gamma), data(beta), data(y),
                data(runningMean), data(runningVar), eps);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta, double eps) {
        // eps is already inside savedInvStd.
        Shape s = x.shape().asNchw();
        norm.batchNormBackward(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), data(x), data(dy), data(gamma),
                data(savedMean), data(savedInvStd), data(dx), data(dgamma), data(dbeta));
    }

    // ---- optimizer updates --------------------------------------------------------------------

    @Override
    public void sgdStep(Tensor w, Tensor g, float lr, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.sgd(ws, gs, lr, wd, from, to));
    }

    @Override
    public void momentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] vs = data(v);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.momentum(ws, gs, vs, lr, momentum, wd, from, to));
    }

    @Override
    public void nesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] vs = data(v);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.nesterov(ws, gs, vs, lr, momentum, wd, from, to));
    }

    @Override
    public void adaGradStep(Tensor w, Tensor g, Tensor h, float lr, float wd, float eps) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] hs = data(h);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.adaGrad(ws, gs, hs, lr, wd, eps, from, to));
    }

    @Override
    public void rmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float wd, float eps) {
        float[] ws = data(w);
        float[] gs = data(g);
        float[] hs = data(h);
        elementwise(w.size(), (from, to) -> CpuOptimizerSteps.rmsProp(ws, gs, hs, lr, decay, wd, eps, from, to));
    }

    @Override
    public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2, float wd, float eps) {
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
    public void close() {
        par.close();
    }
}
