package io.github.convnet4j.backend;

import static io.github.convnet4j.backend.OpChecks.requireArrayLength;
import static io.github.convnet4j.backend.OpChecks.requireFraction;
import static io.github.convnet4j.backend.OpChecks.requireSameSize;
import static io.github.convnet4j.backend.OpChecks.requireShape;
import static io.github.convnet4j.backend.OpChecks.requireSize;

import static io.github.convnet4j.backend.OpChecks.requireF32;
import static io.github.convnet4j.backend.OpChecks.requireSameKind;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Objects;

/**
 * The one validating layer every backend goes through: each op of {@link Backend} is final here,
 * checks its arguments (every tensor belongs to this backend and is open, shapes agree with the
 * op's contract, host arrays have the tensor's length, scalars are in range) and only then calls
 * the backend's protected {@code do…} method, which trusts its inputs. {@link Backend} is sealed to
 * this class, so a new backend cannot skip the checks; BackendArgumentsContract enumerates the SPI
 * by reflection so that a new op cannot go without a bad-argument test either.
 *
 * <p>Why a base class rather than a decorator around each backend: a tensor remembers the backend
 * that allocated it and {@code Tensor.toArray()}/{@code copyFrom()} call that backend directly, and
 * code constructs {@code CpuBackend}/{@code CudaBackend} itself and uses their own methods (thread
 * count, device statistics). A wrapper would be bypassed by the first and hide the second; a final
 * method in the superclass is on every path and changes no caller.
 */
public abstract non-sealed class CheckedBackend implements Backend {

    /** Set once by {@link #close}; volatile because a backend may be closed from another thread. */
    private volatile boolean closed;

    /** For subclasses; a backend starts open, and {@link #close} releases it. */
    protected CheckedBackend() {
    }

    private void owned(String op, String arg, Tensor t) {
        requireOpen(op);
        OpChecks.requireOwned(this, op, arg, t);
        requireHeld(op, arg, t);
    }

    /**
     * Checks the op's data tensors (nulls skipped): one type, one format as {@link
     * OpChecks#requireSameKind} says, and a kind this backend {@link #supports} for the op; throws
     * UnsupportedOperationException naming the op, the backend and the kind otherwise. F32 NCHW is
     * every backend's, so FP32 networks never ask.
     */
    private void kind(Op op, Tensor... data) {
        MemoryFormat format = requireSameKind(op, data);
        DType type = null;
        for (Tensor t : data) {
            if (t != null) {
                type = t.dtype();
                break;
            }
        }
        if ((type != DType.F32 || format != MemoryFormat.NCHW) && !supports(op, type, format)) {
            throw new UnsupportedOperationException(op.method() + ": the " + name() + " backend does not run "
                    + op.method() + " on " + type + " " + format + " tensors");
        }
    }

    /**
     * For backends whose storage classes differ by type: throws IllegalArgumentException when t's
     * storage cannot be of t's type (a tensor built by hand over the wrong memory), naming op and
     * argument. Tensors this backend allocated always pass; the default checks nothing.
     */
    protected void requireHeld(String op, String arg, Tensor t) {
    }

    /** A closed backend's handles and memory are gone: using it must fail here, not in native code. */
    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the " + name() + " backend is closed");
        }
    }

    /** Whether {@link #close} has been called. */
    public final boolean isClosed() {
        return closed;
    }

    /** Releases the backend once; later calls do nothing, and every op after it throws IllegalStateException. */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        doClose();
    }

    /** Releases what the backend holds; called at most once. */
    protected abstract void doClose();

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public final Tensor allocate(Shape shape) {
        Objects.requireNonNull(shape, "allocate: shape is null");
        requireOpen("allocate");
        return doAllocate(shape);
    }

    @Override
    public final Tensor allocate(Shape shape, DType dtype, MemoryFormat format) {
        Objects.requireNonNull(shape, "allocate: shape is null");
        Objects.requireNonNull(dtype, "allocate: type is null");
        Objects.requireNonNull(format, "allocate: memory format is null");
        requireOpen("allocate");
        if (format == MemoryFormat.NHWC && shape.rank() != 4) {
            throw new IllegalArgumentException("allocate: NHWC needs a rank-4 (N, C, H, W) shape, got " + shape);
        }
        if (dtype == DType.F32 && format == MemoryFormat.NCHW) {
            return doAllocate(shape);
        }
        if (!supports(Op.ALLOCATE, dtype, format)) {
            throw new UnsupportedOperationException("allocate: the " + name() + " backend does not hold " + dtype + " "
                    + format + " tensors");
        }
        return doAllocate(shape, dtype, format);
    }

    @Override
    public final void upload(float[] src, Tensor dst) {
        owned("upload", "dst", dst);
        requireArrayLength("upload", src, dst);
        kind(Op.UPLOAD, dst);
        doUpload(src, dst);
    }

    @Override
    public final void download(Tensor src, float[] dst) {
        owned("download", "src", src);
        requireArrayLength("download", dst, src);
        kind(Op.DOWNLOAD, src);
        doDownload(src, dst);
    }

    @Override
    public final void copy(Tensor src, Tensor dst) {
        owned("copy", "src", src);
        owned("copy", "dst", dst);
        requireSameSize("copy", src, dst);
        if (src.dtype() != dst.dtype() || src.format() != dst.format()) {
            throw new IllegalArgumentException("copy: src " + OpChecks.kind(src) + " and dst " + OpChecks.kind(dst)
                    + " differ in type or memory format (use convert)");
        }
        if (src.format() == MemoryFormat.NHWC) {
            requireShape("copy of an NHWC tensor: dst", dst, src.shape());
        }
        kind(Op.COPY, src, dst);
        doCopy(src, dst);
    }

    @Override
    public final void convert(Tensor src, Tensor dst) {
        owned("convert", "src", src);
        owned("convert", "dst", dst);
        requireShape("convert: dst", dst, src.shape());
        if (src.storage() == dst.storage() && !(src.dtype() == dst.dtype() && src.format() == dst.format())) {
            throw new IllegalArgumentException("convert: src " + OpChecks.kind(src) + " and dst " + OpChecks.kind(dst)
                    + " share memory");
        }
        kind(Op.CONVERT, src);
        kind(Op.CONVERT, dst);
        doConvert(src, dst);
    }

    @Override
    public final void fill(Tensor t, float value) {
        owned("fill", "t", t);
        kind(Op.FILL, t);
        doFill(t, value);
    }

    /**
     * Arguments checked: the shape is not null and the backend open; returns a new zero-filled tensor the caller owns.
     */
    protected abstract Tensor doAllocate(Shape shape);

    /** Arguments checked: dst is this backend's and open, src is not null and has dst's size. */
    protected abstract void doUpload(float[] src, Tensor dst);

    /** Arguments checked: src is this backend's and open, dst is not null and has src's size. */
    protected abstract void doDownload(Tensor src, float[] dst);

    /** Arguments checked: both tensors are this backend's, open, of the same size, type and format. */
    protected abstract void doCopy(Tensor src, Tensor dst);

    /**
     * Arguments checked: src and dst are this backend's, open, of the same shape and supported for
     * {@link Op#CONVERT}; they share memory only when their kinds are equal too (then it is a plain copy).
     * Backends that hold F32 NCHW only never see anything else, hence this default.
     */
    protected void doConvert(Tensor src, Tensor dst) {
        doCopy(src, dst);
    }

    /**
     * Arguments checked: the backend {@link #supports} {@link Op#ALLOCATE} for this type and format, which
     * is not F32 NCHW (that goes to {@link #doAllocate(Shape)}), and NHWC comes with rank 4. Only
     * backends that support other kinds are ever called here.
     */
    protected Tensor doAllocate(Shape shape, DType dtype, MemoryFormat format) {
        throw new UnsupportedOperationException("allocate: the " + name() + " backend does not hold " + dtype + " "
                + format + " tensors");
    }

    /** Arguments checked: t is this backend's and open. */
    protected abstract void doFill(Tensor t, float value);

    // ---- linear algebra and element-wise ------------------------------------------------------

    @Override
    public final void gemm(Transpose transA, Transpose transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        owned("gemm", "a", a);
        owned("gemm", "b", b);
        owned("gemm", "c", c);
        kind(Op.GEMM, a, b, c);
        doGemm(OpChecks.gemmDims(transA, transB, a, b, c), alpha, a, b, beta, c);
    }

    @Override
    public final void addRowVector(Tensor matrix, Tensor row) {
        owned("addRowVector", "matrix", matrix);
        owned("addRowVector", "row", row);
        OpChecks.requireRowsOf("addRowVector", matrix, row);
        kind(Op.ADD_ROW_VECTOR, matrix, row);
        doAddRowVector(matrix, row);
    }

    @Override
    public final void sumRows(Tensor matrix, Tensor out) {
        owned("sumRows", "matrix", matrix);
        owned("sumRows", "out", out);
        OpChecks.requireRowsOf("sumRows", matrix, out);
        kind(Op.SUM_ROWS, matrix, out);
        doSumRows(matrix, out);
    }

    @Override
    public final void axpy(float alpha, Tensor x, Tensor y) {
        owned("axpy", "x", x);
        owned("axpy", "y", y);
        requireSameSize("axpy", x, y);
        kind(Op.AXPY, x, y);
        doAxpy(alpha, x, y);
    }

    @Override
    public final void scale(Tensor x, float alpha) {
        owned("scale", "x", x);
        kind(Op.SCALE, x);
        doScale(x, alpha);
    }

    @Override
    public final void multiply(Tensor a, Tensor b, Tensor out) {
        owned("multiply", "a", a);
        owned("multiply", "b", b);
        owned("multiply", "out", out);
        requireSameSize("multiply", a, b);
        requireSameSize("multiply", a, out);
        kind(Op.MULTIPLY, a, b, out);
        doMultiply(a, b, out);
    }

    @Override
    public final double sumOfSquares(Tensor x) {
        owned("sumOfSquares", "x", x);
        kind(Op.SUM_OF_SQUARES, x);
        return doSumOfSquares(x);
    }

    /** The dimensions are checked: op(A) is m×k, op(B) k×n, C m×n. */
    protected abstract void doGemm(OpChecks.GemmDims d, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** matrix is (rows, row.size()). */
    protected abstract void doAddRowVector(Tensor matrix, Tensor row);

    /** matrix is (rows, out.size()). */
    protected abstract void doSumRows(Tensor matrix, Tensor out);

    /** Arguments checked: x and y are this backend's, open and of the same size. */
    protected abstract void doAxpy(float alpha, Tensor x, Tensor y);

    /** Arguments checked: x is this backend's and open. */
    protected abstract void doScale(Tensor x, float alpha);

    /** Arguments checked: a, b and out are this backend's, open and of the same size. */
    protected abstract void doMultiply(Tensor a, Tensor b, Tensor out);

    /** Arguments checked: x is this backend's and open. */
    protected abstract double doSumOfSquares(Tensor x);

    // ---- convolution --------------------------------------------------------------------------

    @Override
    public final void convForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        Objects.requireNonNull(g, "convForward: geometry is null");
        owned("convForward", "x", x);
        owned("convForward", "w", w);
        owned("convForward", "y", y);
        requireShape("conv forward input", x, g.inputShape());
        requireShape("conv forward filters", w, g.filterShape());
        requireShape("conv forward output", y, g.outputShape());
        if (bias != null) {
            owned("convForward", "bias", bias);
            requireSize("conv forward bias", bias, g.k());
        }
        kind(Op.CONV_FORWARD, x, w, bias, y);
        doConvForward(g, x, w, bias, y);
    }

    @Override
    public final void convBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        Objects.requireNonNull(g, "convBackwardData: geometry is null");
        owned("convBackwardData", "dy", dy);
        owned("convBackwardData", "w", w);
        owned("convBackwardData", "dx", dx);
        requireShape("conv backward-data dy", dy, g.outputShape());
        requireShape("conv backward-data filters", w, g.filterShape());
        requireShape("conv backward-data dx", dx, g.inputShape());
        kind(Op.CONV_BACKWARD_DATA, dy, w, dx);
        doConvBackwardData(g, dy, w, dx);
    }

    @Override
    public final void convBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        Objects.requireNonNull(g, "convBackwardFilter: geometry is null");
        owned("convBackwardFilter", "x", x);
        owned("convBackwardFilter", "dy", dy);
        owned("convBackwardFilter", "dw", dw);
        requireShape("conv backward-filter x", x, g.inputShape());
        requireShape("conv backward-filter dy", dy, g.outputShape());
        requireShape("conv backward-filter dw", dw, g.filterShape());
        kind(Op.CONV_BACKWARD_FILTER, x, dy, dw);
        doConvBackwardFilter(g, x, dy, dw);
    }

    @Override
    public final void convBackwardBias(ConvGeometry g, Tensor dy, Tensor db) {
        Objects.requireNonNull(g, "convBackwardBias: geometry is null");
        owned("convBackwardBias", "dy", dy);
        owned("convBackwardBias", "db", db);
        requireShape("conv backward-bias dy", dy, g.outputShape());
        requireSize("conv backward-bias db", db, g.k());
        kind(Op.CONV_BACKWARD_BIAS, dy, db);
        doConvBackwardBias(g, dy, db);
    }

    /** Every tensor has the geometry's shape; bias, if not null, has K elements. */
    protected abstract void doConvForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y);

    /** Arguments checked: dy has the geometry's output shape, w its filter shape, dx its input shape. */
    protected abstract void doConvBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx);

    /** Arguments checked: x has the geometry's input shape, dy its output shape, dw its filter shape. */
    protected abstract void doConvBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw);

    /** Arguments checked: dy has the geometry's output shape and db K elements. */
    protected abstract void doConvBackwardBias(ConvGeometry g, Tensor dy, Tensor db);

    // ---- pooling ------------------------------------------------------------------------------

    @Override
    public final void poolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y) {
        Objects.requireNonNull(mode, "poolForward: mode is null");
        Objects.requireNonNull(g, "poolForward: geometry is null");
        owned("poolForward", "x", x);
        owned("poolForward", "y", y);
        requireShape("pool forward input", x, g.inputShape());
        requireShape("pool forward output", y, g.outputShape());
        kind(Op.POOL_FORWARD, x, y);
        doPoolForward(mode, g, x, y);
    }

    @Override
    public final void poolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Objects.requireNonNull(mode, "poolBackward: mode is null");
        Objects.requireNonNull(g, "poolBackward: geometry is null");
        owned("poolBackward", "x", x);
        owned("poolBackward", "y", y);
        owned("poolBackward", "dy", dy);
        owned("poolBackward", "dx", dx);
        requireShape("pool backward x", x, g.inputShape());
        requireShape("pool backward y", y, g.outputShape());
        requireShape("pool backward dy", dy, g.outputShape());
        requireShape("pool backward dx", dx, g.inputShape());
        kind(Op.POOL_BACKWARD, x, y, dy, dx);
        doPoolBackward(mode, g, x, y, dy, dx);
    }

    /** Arguments checked: mode and geometry are not null, x has the geometry's input shape and y its output shape. */
    protected abstract void doPoolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y);

    /**
     * Arguments checked: mode and geometry are not null, x and dx have the geometry's input shape, y and dy its output
     * shape.
     */
    protected abstract void doPoolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx);

    @Override
    public final void adaptiveAvgPoolForward(Tensor x, Tensor y) {
        owned("adaptiveAvgPoolForward", "x", x);
        owned("adaptiveAvgPoolForward", "y", y);
        requireSameImagesAndChannels("adaptiveAvgPoolForward", "x", x, "y", y);
        kind(Op.ADAPTIVE_AVG_POOL_FORWARD, x, y);
        doAdaptiveAvgPoolForward(x, y);
    }

    @Override
    public final void adaptiveAvgPoolBackward(Tensor dy, Tensor dx) {
        owned("adaptiveAvgPoolBackward", "dy", dy);
        owned("adaptiveAvgPoolBackward", "dx", dx);
        requireSameImagesAndChannels("adaptiveAvgPoolBackward", "dx", dx, "dy", dy);
        kind(Op.ADAPTIVE_AVG_POOL_BACKWARD, dy, dx);
        doAdaptiveAvgPoolBackward(dy, dx);
    }

    /** Both rank 4 with the same N and C (the planes may differ in size). */
    private static void requireSameImagesAndChannels(String op, String inName, Tensor in, String outName, Tensor out) {
        if (in.rank() != 4 || out.rank() != 4 || in.dim(0) != out.dim(0) || in.dim(1) != out.dim(1)) {
            throw new IllegalArgumentException(op + ": " + inName + " " + in.shape() + " and " + outName + " "
                    + out.shape() + " must both be (N, C, H, W) with the same N and C");
        }
    }

    /** Arguments checked: x and y are rank 4 with the same N and C. */
    protected abstract void doAdaptiveAvgPoolForward(Tensor x, Tensor y);

    /** Arguments checked: dy and dx are rank 4 with the same N and C. */
    protected abstract void doAdaptiveAvgPoolBackward(Tensor dy, Tensor dx);

    // ---- graph merges -------------------------------------------------------------------------

    @Override
    public final void copyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels) {
        owned("copyChannels", "src", src);
        owned("copyChannels", "dst", dst);
        if (src.rank() != 4 || dst.rank() != 4 || src.dim(0) != dst.dim(0) || src.dim(2) != dst.dim(2)
                || src.dim(3) != dst.dim(3)) {
            throw new IllegalArgumentException("copyChannels: src " + src.shape() + " and dst " + dst.shape()
                    + " must both be (N, C, H, W) with the same N, H and W");
        }
        if (channels < 1 || srcChannel < 0 || dstChannel < 0 || (long) srcChannel + channels > src.dim(1)
                || (long) dstChannel + channels > dst.dim(1)) {
            throw new IllegalArgumentException("copyChannels: channels [" + srcChannel + ", " + srcChannel + " + "
                    + channels + ") of src " + src.shape() + " to [" + dstChannel + ", " + dstChannel + " + " + channels
                    + ") of dst " + dst.shape() + " do not fit (need channels >= 1 and offsets >= 0)");
        }
        if (src.storage() == dst.storage()) {
            throw new IllegalArgumentException("copyChannels: src and dst share memory");
        }
        kind(Op.COPY_CHANNELS, src, dst);
        doCopyChannels(src, srcChannel, dst, dstChannel, channels);
    }

    /**
     * Arguments checked: both rank 4 with the same N, H and W, the channel ranges inside src and dst, and src and dst
     * not sharing memory.
     */
    protected abstract void doCopyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels);

    // ---- activations --------------------------------------------------------------------------

    @Override
    public final void activationForward(Activation f, float param, Tensor x, Tensor y) {
        Objects.requireNonNull(f, "activationForward: function is null");
        owned("activationForward", "x", x);
        owned("activationForward", "y", y);
        requireSameSize("activationForward", x, y);
        kind(Op.ACTIVATION_FORWARD, x, y);
        doActivationForward(f, param, x, y);
    }

    @Override
    public final void activationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Objects.requireNonNull(f, "activationBackward: function is null");
        owned("activationBackward", "x", x);
        owned("activationBackward", "y", y);
        owned("activationBackward", "dy", dy);
        owned("activationBackward", "dx", dx);
        requireSameSize("activationBackward", dy, dx);
        requireSameSize("activationBackward", x, dx);
        requireSameSize("activationBackward", y, dx);
        kind(Op.ACTIVATION_BACKWARD, x, y, dy, dx);
        doActivationBackward(f, param, x, y, dy, dx);
    }

    @Override
    public final void preluForward(Tensor x, Tensor slope, Tensor y) {
        owned("preluForward", "x", x);
        owned("preluForward", "slope", slope);
        owned("preluForward", "y", y);
        OpChecks.preluChannels(x, slope);
        requireSameSize("preluForward", x, y);
        kind(Op.PRELU_FORWARD, x, slope, y);
        doPreluForward(x, slope, y);
    }

    @Override
    public final void preluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope) {
        owned("preluBackward", "x", x);
        owned("preluBackward", "slope", slope);
        owned("preluBackward", "dy", dy);
        owned("preluBackward", "dx", dx);
        owned("preluBackward", "dslope", dslope);
        OpChecks.preluChannels(x, slope);
        requireSameSize("preluBackward", x, dy);
        requireSameSize("preluBackward", x, dx);
        requireSameSize("preluBackward dslope", slope, dslope);
        kind(Op.PRELU_BACKWARD, x, slope, dy, dx, dslope);
        doPreluBackward(x, slope, dy, dx, dslope);
    }

    /** Arguments checked: f is not null, x and y have the same size. */
    protected abstract void doActivationForward(Activation f, float param, Tensor x, Tensor y);

    /** Arguments checked: f is not null, x, y, dy and dx have the same size. */
    protected abstract void doActivationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** slope has 1 element or dimension 1 of x; y has x's size. */
    protected abstract void doPreluForward(Tensor x, Tensor slope, Tensor y);

    /** Arguments checked: slope has 1 element or dimension 1 of x, dy and dx have x's size, dslope slope's. */
    protected abstract void doPreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope);

    // ---- losses -------------------------------------------------------------------------------

    @Override
    public final void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        owned("softmaxCrossEntropy", "logits", logits);
        owned("softmaxCrossEntropy", "labels", labels);
        owned("softmaxCrossEntropy", "probs", probs);
        owned("softmaxCrossEntropy", "loss", loss);
        OpChecks.requireLabels(logits, labels);
        requireSameSize("softmaxCrossEntropy probs", logits, probs);
        requireSize("softmaxCrossEntropy loss", loss, 1);
        requireF32("softmaxCrossEntropy", "logits", logits);
        requireF32("softmaxCrossEntropy", "labels", labels);
        requireF32("softmaxCrossEntropy", "probs", probs);
        requireF32("softmaxCrossEntropy", "loss", loss);
        kind(Op.SOFTMAX_CROSS_ENTROPY, logits, probs);
        doSoftmaxCrossEntropy(logits, labels, probs, loss);
    }

    @Override
    public final void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        owned("softmaxCrossEntropyBackward", "probs", probs);
        owned("softmaxCrossEntropyBackward", "labels", labels);
        owned("softmaxCrossEntropyBackward", "dx", dx);
        OpChecks.requireLabels(probs, labels);
        requireSameSize("softmaxCrossEntropyBackward", probs, dx);
        requireF32("softmaxCrossEntropyBackward", "probs", probs);
        requireF32("softmaxCrossEntropyBackward", "labels", labels);
        requireF32("softmaxCrossEntropyBackward", "dx", dx);
        kind(Op.SOFTMAX_CROSS_ENTROPY_BACKWARD, probs, dx);
        doSoftmaxCrossEntropyBackward(probs, labels, dx);
    }

    @Override
    public final void meanSquaredError(Tensor y, Tensor target, Tensor loss) {
        owned("meanSquaredError", "y", y);
        owned("meanSquaredError", "target", target);
        owned("meanSquaredError", "loss", loss);
        requireSameSize("mean squared error", y, target);
        requireSize("mean squared error loss", loss, 1);
        requireF32("meanSquaredError", "y", y);
        requireF32("meanSquaredError", "target", target);
        requireF32("meanSquaredError", "loss", loss);
        kind(Op.MEAN_SQUARED_ERROR, y, target);
        doMeanSquaredError(y, target, loss);
    }

    @Override
    public final void meanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx) {
        owned("meanSquaredErrorBackward", "y", y);
        owned("meanSquaredErrorBackward", "target", target);
        owned("meanSquaredErrorBackward", "dx", dx);
        requireSameSize("mean squared error", y, target);
        requireSameSize("mean squared error backward", y, dx);
        requireF32("meanSquaredErrorBackward", "y", y);
        requireF32("meanSquaredErrorBackward", "target", target);
        requireF32("meanSquaredErrorBackward", "dx", dx);
        kind(Op.MEAN_SQUARED_ERROR_BACKWARD, y, target, dx);
        doMeanSquaredErrorBackward(y, target, dx);
    }

    @Override
    public final int countCorrect(Tensor scores, Tensor labels) {
        owned("countCorrect", "scores", scores);
        owned("countCorrect", "labels", labels);
        OpChecks.requireLabels(scores, labels);
        requireF32("countCorrect", "labels", labels);
        kind(Op.COUNT_CORRECT, scores);
        return doCountCorrect(scores, labels);
    }

    /** labels has dimension 0 of logits elements, probs logits' size, loss one element. */
    protected abstract void doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss);

    /** Arguments checked: labels has dimension 0 of probs elements, dx has probs' size. */
    protected abstract void doSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx);

    /** Arguments checked: target has y's size, loss one element. */
    protected abstract void doMeanSquaredError(Tensor y, Tensor target, Tensor loss);

    /** Arguments checked: target and dx have y's size. */
    protected abstract void doMeanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx);

    /** Arguments checked: labels has dimension 0 of scores elements. */
    protected abstract int doCountCorrect(Tensor scores, Tensor labels);

    // ---- normalisation and dropout ------------------------------------------------------------

    @Override
    public final void lrnForward(LrnParams p, Tensor x, Tensor y) {
        Objects.requireNonNull(p, "lrnForward: parameters are null");
        owned("lrnForward", "x", x);
        owned("lrnForward", "y", y);
        requireShape("lrn forward output", y, x.shape());
        kind(Op.LRN_FORWARD, x, y);
        doLrnForward(p, x, y);
    }

    @Override
    public final void lrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Objects.requireNonNull(p, "lrnBackward: parameters are null");
        owned("lrnBackward", "x", x);
        owned("lrnBackward", "y", y);
        owned("lrnBackward", "dy", dy);
        owned("lrnBackward", "dx", dx);
        requireShape("lrn backward y", y, x.shape());
        requireShape("lrn backward dy", dy, x.shape());
        requireShape("lrn backward dx", dx, x.shape());
        kind(Op.LRN_BACKWARD, x, y, dy, dx);
        doLrnBackward(p, x, y, dy, dx);
    }

    @Override
    public final void dropoutMask(Tensor mask, float ratio, long seed) {
        owned("dropoutMask", "mask", mask);
        requireFraction("dropout ratio", ratio, false);
        kind(Op.DROPOUT_MASK, mask);
        doDropoutMask(mask, ratio, seed);
    }

    @Override
    public final void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                               Tensor runningVar, Tensor savedMean, Tensor savedInvStd,
                                               double momentum, double eps) {
        final String op = "batchNormForwardTraining";
        owned(op, "x", x);
        owned(op, "y", y);
        int c = OpChecks.batchNormChannels(op, x, eps);
        requireShape(op + " y", y, x.shape());
        channelVector(op, "gamma", gamma, c);
        channelVector(op, "beta", beta, c);
        channelVector(op, "runningMean", runningMean, c);
        channelVector(op, "runningVar", runningVar, c);
        channelVector(op, "savedMean", savedMean, c);
        channelVector(op, "savedInvStd", savedInvStd, c);
        requireFraction(op + " momentum", momentum, true);
        kind(Op.BATCH_NORM_FORWARD_TRAINING, x, y);
        doBatchNormForwardTraining(x, gamma, beta, y, runningMean, runningVar, savedMean, savedInvStd, momentum, eps);
    }

    @Override
    public final void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                                Tensor runningVar, double eps) {
        final String op = "batchNormForwardInference";
        owned(op, "x", x);
        owned(op, "y", y);
        int c = OpChecks.batchNormChannels(op, x, eps);
        requireShape(op + " y", y, x.shape());
        channelVector(op, "gamma", gamma, c);
        channelVector(op, "beta", beta, c);
        channelVector(op, "runningMean", runningMean, c);
        channelVector(op, "runningVar", runningVar, c);
        kind(Op.BATCH_NORM_FORWARD_INFERENCE, x, y);
        doBatchNormForwardInference(x, gamma, beta, y, runningMean, runningVar, eps);
    }

    @Override
    public final void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
                                        Tensor dx, Tensor dgamma, Tensor dbeta, double eps) {
        final String op = "batchNormBackward";
        owned(op, "x", x);
        owned(op, "dy", dy);
        owned(op, "dx", dx);
        int c = OpChecks.batchNormChannels(op, x, eps);
        requireShape(op + " dy", dy, x.shape());
        requireShape(op + " dx", dx, x.shape());
        channelVector(op, "gamma", gamma, c);
        channelVector(op, "savedMean", savedMean, c);
        channelVector(op, "savedInvStd", savedInvStd, c);
        channelVector(op, "dgamma", dgamma, c);
        channelVector(op, "dbeta", dbeta, c);
        kind(Op.BATCH_NORM_BACKWARD, x, dy, dx);
        doBatchNormBackward(x, dy, gamma, savedMean, savedInvStd, dx, dgamma, dbeta, eps);
    }

    private void channelVector(String op, String arg, Tensor t, int channels) {
        owned(op, arg, t);
        requireF32(op, arg, t);
        if (t.size() != channels) {
            throw new IllegalArgumentException(op + ": " + arg + " must have one element per channel (" + channels
                    + "), got " + t.shape());
        }
    }

    /** y (and dy, dx) have x's shape. */
    protected abstract void doLrnForward(LrnParams p, Tensor x, Tensor y);

    /** Arguments checked: the parameters are not null, y, dy and dx have x's shape. */
    protected abstract void doLrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** 0 ≤ ratio &lt; 1. */
    protected abstract void doDropoutMask(Tensor mask, float ratio, long seed);

    /**
     * x has rank 2 or 4; every per-channel tensor has dimension 1 of x elements; 0 ≤ momentum ≤ 1;
     * eps ≥ {@link OpChecks#BATCH_NORM_MIN_EPSILON}.
     */
    protected abstract void doBatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y,
                                                       Tensor runningMean, Tensor runningVar, Tensor savedMean,
                                                       Tensor savedInvStd, double momentum, double eps);

    /**
     * Arguments checked: x has rank 2 or 4, y x's shape, every per-channel tensor dimension 1 of x elements, eps ≥
     * {@link OpChecks#BATCH_NORM_MIN_EPSILON}.
     */
    protected abstract void doBatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y,
                                                        Tensor runningMean, Tensor runningVar, double eps);

    /**
     * Arguments checked: x has rank 2 or 4, dy and dx x's shape, every per-channel tensor dimension 1 of x elements,
     * eps ≥ {@link OpChecks#BATCH_NORM_MIN_EPSILON}.
     */
    protected abstract void doBatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean,
                                                Tensor savedInvStd, Tensor dx, Tensor dgamma, Tensor dbeta, double eps);

    // ---- optimizer updates --------------------------------------------------------------------

    @Override
    public final void sgdStep(Tensor w, Tensor g, float lr, float weightDecay) {
        state("sgdStep", w, "g", g);
        kind(Op.SGD_STEP, w, g);
        doSgdStep(w, g, lr, weightDecay);
    }

    @Override
    public final void momentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay) {
        state("momentumStep", w, "g", g);
        state("momentumStep", w, "v", v);
        kind(Op.MOMENTUM_STEP, w, g, v);
        doMomentumStep(w, g, v, lr, momentum, weightDecay);
    }

    @Override
    public final void nesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay) {
        state("nesterovStep", w, "g", g);
        state("nesterovStep", w, "v", v);
        kind(Op.NESTEROV_STEP, w, g, v);
        doNesterovStep(w, g, v, lr, momentum, weightDecay);
    }

    @Override
    public final void adaGradStep(Tensor w, Tensor g, Tensor h, float lr, float weightDecay, float eps) {
        state("adaGradStep", w, "g", g);
        state("adaGradStep", w, "h", h);
        kind(Op.ADA_GRAD_STEP, w, g, h);
        doAdaGradStep(w, g, h, lr, weightDecay, eps);
    }

    @Override
    public final void rmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float weightDecay, float eps) {
        state("rmsPropStep", w, "g", g);
        state("rmsPropStep", w, "h", h);
        kind(Op.RMS_PROP_STEP, w, g, h);
        doRmsPropStep(w, g, h, lr, decay, weightDecay, eps);
    }

    @Override
    public final void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2,
                               float weightDecay, float eps) {
        state("adamStep", w, "g", g);
        state("adamStep", w, "m", m);
        state("adamStep", w, "v", v);
        kind(Op.ADAM_STEP, w, g, m, v);
        doAdamStep(w, g, m, v, lrT, beta1, beta2, weightDecay, eps);
    }

    /** The weights and one gradient or state tensor of an optimizer step: both ours, the same size. */
    private void state(String op, Tensor w, String arg, Tensor t) {
        owned(op, "w", w);
        owned(op, arg, t);
        requireF32(op, "w", w);
        requireF32(op, arg, t);
        if (t.size() != w.size()) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.shape() + " must have the size of w "
                    + w.shape());
        }
    }

    /** Every state tensor has w's size. */
    protected abstract void doSgdStep(Tensor w, Tensor g, float lr, float weightDecay);

    /** Arguments checked: g and v have w's size. */
    protected abstract void doMomentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay);

    /** Arguments checked: g and v have w's size. */
    protected abstract void doNesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay);

    /** Arguments checked: g and h have w's size. */
    protected abstract void doAdaGradStep(Tensor w, Tensor g, Tensor h, float lr, float weightDecay, float eps);

    /** Arguments checked: g and h have w's size. */
    protected abstract void doRmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float weightDecay,
                                          float eps);

    /** Arguments checked: g, m and v have w's size. */
    protected abstract void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2,
                                       float weightDecay, float eps);
}
