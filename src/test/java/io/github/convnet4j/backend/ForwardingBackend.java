package io.github.convnet4j.backend;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Storage;
import io.github.convnet4j.tensor.Tensor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A test backend that does its work on a CPU backend and watches how it is called: it can claim
 * not to be thread-safe and then counts calls that overlap another thread's (each call lingers
 * 50 µs, so unserialised callers do overlap), it counts tensors still open and uploads, and it can
 * be told to fail an upload (to test that callers release what they made).
 */
public final class ForwardingBackend extends CheckedBackend {
    private final CpuBackend inner = new CpuBackend(1);
    private final boolean threadSafe;
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger uploads = new AtomicInteger();
    private final AtomicInteger uploadsLeft = new AtomicInteger(Integer.MAX_VALUE);
    private final AtomicInteger allocations = new AtomicInteger();
    private volatile int failingAllocation = -1;

    public ForwardingBackend(boolean threadSafe) {
        this.threadSafe = threadSafe;
    }

    /** Calls that began while another call was still running. */
    public int overlappingCalls() {
        return overlaps.get();
    }

    /** Tensors allocated and not yet closed. */
    public int openTensors() {
        return open.get();
    }

    /** Host-to-device copies so far. */
    public int uploads() {
        return uploads.get();
    }

    /** Allocations so far, failed ones included. */
    public int allocations() {
        return allocations.get();
    }

    /** Allocation number {@code n} (counting from 0) throws OutOfMemoryError, as a full device would. */
    public void failAllocation(int n) {
        failingAllocation = n;
    }

    /** The upload after the next {@code n} throws. */
    public void failAfterUploads(int n) {
        uploadsLeft.set(n);
    }

    /** Memory of the inner backend's tensor, closed once. */
    private final class Forwarded implements Storage {
        final Tensor tensor;
        boolean closed;

        Forwarded(Tensor tensor) {
            this.tensor = tensor;
        }

        @Override
        public long bytes() {
            return tensor.storage().bytes();
        }

        @Override
        public synchronized boolean isClosed() {
            return closed;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
                tensor.close();
            }
        }
    }

    /** The inner backend's view of one of our tensors (or of a view of one). */
    private static Tensor in(Tensor t) {
        if (t == null) {
            return null;
        }
        Tensor owner = ((Forwarded) t.storage()).tensor;
        return owner.shape().equals(t.shape()) ? owner : owner.reshape(t.shape());
    }

    private void run(Runnable op) {
        get(() -> {
            op.run();
            return null;
        });
    }

    private <T> T get(Supplier<T> op) {
        if (inside.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            LockSupport.parkNanos(50_000);
            return op.get();
        } finally {
            inside.decrementAndGet();
        }
    }

    @Override
    public String name() {
        return "forwarding";
    }

    @Override
    public boolean threadSafe() {
        return threadSafe;
    }

    @Override
    protected Tensor doAllocate(Shape shape) {
        if (allocations.getAndIncrement() == failingAllocation) {
            throw new OutOfMemoryError("allocation " + failingAllocation + " failed (planted)");
        }
        Tensor t = get(() -> new Tensor(this, shape, new Forwarded(inner.allocate(shape)), true));
        open.incrementAndGet();
        return t;
    }

    @Override
    protected void doUpload(float[] src, Tensor dst) {
        uploads.incrementAndGet();
        if (uploadsLeft.getAndDecrement() <= 0) {
            throw new IllegalStateException("planted upload failure");
        }
        run(() -> inner.upload(src, in(dst)));
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        run(() -> inner.download(in(src), dst));
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        run(() -> inner.copy(in(src), in(dst)));
    }

    @Override
    protected void doFill(Tensor t, float value) {
        run(() -> inner.fill(in(t), value));
    }

    @Override
    protected void doGemm(OpChecks.GemmDims d, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        run(() -> inner.gemm(d.transA() ? Transpose.YES : Transpose.NO, d.transB() ? Transpose.YES : Transpose.NO, alpha, in(a), in(b), beta, in(c)));
    }

    @Override
    protected void doAddRowVector(Tensor matrix, Tensor row) {
        run(() -> inner.addRowVector(in(matrix), in(row)));
    }

    @Override
    protected void doSumRows(Tensor matrix, Tensor out) {
        run(() -> inner.sumRows(in(matrix), in(out)));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        run(() -> inner.axpy(alpha, in(x), in(y)));
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        run(() -> inner.scale(in(x), alpha));
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        run(() -> inner.multiply(in(a), in(b), in(out)));
    }

    @Override
    protected double doSumOfSquares(Tensor x) {
        return get(() -> inner.sumOfSquares(in(x)));
    }

    @Override
    protected void doConvForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        run(() -> inner.convForward(g, in(x), in(w), in(bias), in(y)));
    }

    @Override
    protected void doConvBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        run(() -> inner.convBackwardData(g, in(dy), in(w), in(dx)));
    }

    @Override
    protected void doConvBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        run(() -> inner.convBackwardFilter(g, in(x), in(dy), in(dw)));
    }

    @Override
    protected void doConvBackwardBias(ConvGeometry g, Tensor dy, Tensor db) {
        run(() -> inner.convBackwardBias(g, in(dy), in(db)));
    }

    @Override
    protected void doPoolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y) {
        run(() -> inner.poolForward(mode, g, in(x), in(y)));
    }

    @Override
    protected void doPoolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        run(() -> inner.poolBackward(mode, g, in(x), in(y), in(dy), in(dx)));
    }

    @Override
    protected void doAdaptiveAvgPoolForward(Tensor x, Tensor y) {
        run(() -> inner.adaptiveAvgPoolForward(in(x), in(y)));
    }

    @Override
    protected void doAdaptiveAvgPoolBackward(Tensor dy, Tensor dx) {
        run(() -> inner.adaptiveAvgPoolBackward(in(dy), in(dx)));
    }

    @Override
    protected void doCopyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels) {
        run(() -> inner.copyChannels(in(src), srcChannel, in(dst), dstChannel, channels));
    }

    @Override
    protected void doActivationForward(Activation f, float param, Tensor x, Tensor y) {
        run(() -> inner.activationForward(f, param, in(x), in(y)));
    }

    @Override
    protected void doActivationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        run(() -> inner.activationBackward(f, param, in(x), in(y), in(dy), in(dx)));
    }

    @Override
    protected void doPreluForward(Tensor x, Tensor slope, Tensor y) {
        run(() -> inner.preluForward(in(x), in(slope), in(y)));
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope) {
        run(() -> inner.preluBackward(in(x), in(slope), in(dy), in(dx), in(dslope)));
    }

    @Override
    protected void doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        run(() -> inner.softmaxCrossEntropy(in(logits), in(labels), in(probs), in(loss)));
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        run(() -> inner.softmaxCrossEntropyBackward(in(probs), in(labels), in(dx)));
    }

    @Override
    protected void doMeanSquaredError(Tensor y, Tensor target, Tensor loss) {
        run(() -> inner.meanSquaredError(in(y), in(target), in(loss)));
    }

    @Override
    protected void doMeanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx) {
        run(() -> inner.meanSquaredErrorBackward(in(y), in(target), in(dx)));
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        return get(() -> inner.countCorrect(in(scores), in(labels)));
    }

    @Override
    protected void doLrnForward(LrnParams p, Tensor x, Tensor y) {
        run(() -> inner.lrnForward(p, in(x), in(y)));
    }

    @Override
    protected void doLrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        run(() -> inner.lrnBackward(p, in(x), in(y), in(dy), in(dx)));
    }

    @Override
    protected void doDropoutMask(Tensor mask, float ratio, long seed) {
        run(() -> inner.dropoutMask(in(mask), ratio, seed));
    }

    @Override
    protected void doBatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean, Tensor runningVar, Tensor savedMean, Tensor savedInvStd, double momentum, double eps) {
        run(() -> inner.batchNormForwardTraining(in(x), in(gamma), in(beta), in(y), in(runningMean), in(runningVar), in(savedMean), in(savedInvStd), momentum, eps));
    }

    @Override
    protected void doBatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean, Tensor runningVar, double eps) {
        run(() -> inner.batchNormForwardInference(in(x), in(gamma), in(beta), in(y), in(runningMean), in(runningVar), eps));
    }

    @Override
    protected void doBatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd, Tensor dx, Tensor dgamma, Tensor dbeta, double eps) {
        run(() -> inner.batchNormBackward(in(x), in(dy), in(gamma), in(savedMean), in(savedInvStd), in(dx), in(dgamma), in(dbeta), eps));
    }

    @Override
    protected void doSgdStep(Tensor w, Tensor g, float lr, float weightDecay) {
        run(() -> inner.sgdStep(in(w), in(g), lr, weightDecay));
    }

    @Override
    protected void doMomentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay) {
        run(() -> inner.momentumStep(in(w), in(g), in(v), lr, momentum, weightDecay));
    }

    @Override
    protected void doNesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay) {
        run(() -> inner.nesterovStep(in(w), in(g), in(v), lr, momentum, weightDecay));
    }

    @Override
    protected void doAdaGradStep(Tensor w, Tensor g, Tensor h, float lr, float weightDecay, float eps) {
        run(() -> inner.adaGradStep(in(w), in(g), in(h), lr, weightDecay, eps));
    }

    @Override
    protected void doRmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float weightDecay, float eps) {
        run(() -> inner.rmsPropStep(in(w), in(g), in(h), lr, decay, weightDecay, eps));
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2, float weightDecay, float eps) {
        run(() -> inner.adamStep(in(w), in(g), in(m), in(v), lrT, beta1, beta2, weightDecay, eps));
    }

    @Override
    protected void doClose() {
        inner.close();
    }
}
