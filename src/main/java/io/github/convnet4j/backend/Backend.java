package io.github.convnet4j.backend;

import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * The complete op set of a CNN, implemented once per device. Layers, losses and optimizers call
 * only these methods, so a network runs unchanged on any backend.
 *
 * <p>Conventions, shared by every implementation:
 * <ul>
 *   <li>Every op writes into output tensors the caller allocated, so a training step that reuses
 *       its buffers allocates nothing. Outputs are overwritten, never accumulated into, unless
 *       the method says otherwise.</li>
 *   <li>Labels are float tensors of shape (N) holding class indices; the caller validates them.</li>
 *   <li>Only the methods returning a Java value ({@link #download}, {@link #countCorrect},
 *       {@link #sumOfSquares}) wait for the device; everything else may run asynchronously.</li>
 *   <li>Tensors passed in must belong to this backend and be open.</li>
 *   <li>Tensors are F32 in NCHW order unless allocated otherwise; a backend says which ops it runs
 *       on which types and formats ({@link #supports}). Within one op the data tensors share one
 *       type and the rank-4 ones one format, as cuDNN wants them; batch-norm parameters and
 *       statistics, losses, labels and optimizer state are F32 whatever the data's type (the
 *       mixed-precision rule: what accumulates over many steps or items stays FP32).</li>
 * </ul>
 *
 * <p>Sealed: every backend extends {@link CheckedBackend}, the one layer that validates every
 * op's arguments before the backend's own code runs.
 */
public sealed interface Backend extends AutoCloseable permits CheckedBackend {

    /** A short name for logs and benchmarks ("cpu", "cuda"). */
    String name();

    /**
     * Throws IllegalArgumentException saying why, if this backend cannot compute LRN with these
     * settings. The LRN layer asks when it is built, so a model that cannot run here fails when it
     * is loaded rather than at its first forward.
     */
    default void requireLrnSupported(LrnParams params) {
    }

    /**
     * Whether several threads may call this backend at once (on distinct output tensors). A caller
     * that shares a backend that is not thread-safe serialises its calls on the backend object
     * ({@code synchronized (backend)}), as {@code Classifier} does.
     */
    boolean threadSafe();

    /**
     * Whether this backend runs {@code op} ({@link Op#ALLOCATE}: holds such tensors at all) on data
     * of this type and memory format, asked once per call with the kind of the op's data tensors
     * (the type they share, the format of its rank-4 ones). F32 NCHW is always supported and never
     * asked. Limits that depend on shapes (cuDNN's channel multiples) are thrown by the op itself.
     * The CPU backend supports every combination (it computes in F32 on widened copies and rounds
     * what it stores, as a GPU stores), so it is the reference for the others.
     */
    default boolean supports(Op op, DType dtype, MemoryFormat format) {
        return dtype == DType.F32 && format == MemoryFormat.NCHW;
    }

    // ---- memory -------------------------------------------------------------------------------

    /** A new zero-filled F32 NCHW tensor owned by the caller. */
    Tensor allocate(Shape shape);

    /**
     * A new zero-filled tensor of this type and memory format (NHWC needs rank 4) owned by the
     * caller; throws UnsupportedOperationException, naming both, where this backend cannot hold it.
     */
    Tensor allocate(Shape shape, DType dtype, MemoryFormat format);

    /** A new tensor holding a copy of host data. */
    default Tensor tensor(float[] data, Shape shape) {
        Tensor t = allocate(shape);
        try {
            t.copyFrom(data);
        } catch (RuntimeException e) {
            t.close(); // e.g. a length mismatch: the caller never gets the tensor to close
            throw e;
        }
        return t;
    }

    /**
     * Copies host data into {@code dst}, whose size must equal {@code src.length} (shapes are not compared): a
     * host-to-device transfer on GPU backends.
     */
    void upload(float[] src, Tensor dst);

    /**
     * Copies {@code src} into the host array {@code dst}, whose length must equal the tensor's size; waits for all
     * queued work on {@code src} first.
     */
    void download(Tensor src, float[] dst);

    /**
     * dst = src (same size, same type and format; shapes may differ, except that NHWC tensors must
     * have the same shape).
     */
    void copy(Tensor src, Tensor dst);

    /**
     * dst = src in dst's type and memory format (same shape): a cast (rounding to nearest even,
     * NaN stays NaN, values beyond F16's range become infinite, as on a GPU) and/or a reordering
     * between NCHW and NHWC.
     */
    void convert(Tensor src, Tensor dst);

    /** Sets every element of {@code t} to {@code value}. */
    void fill(Tensor t, float value);

    /** Waits until all queued work is done. */
    default void synchronize() {
    }

    // ---- linear algebra and element-wise ------------------------------------------------------

    /**
     * C = alpha·op(A)·op(B) + beta·C on rank-2 tensors; op(A) is M×K, op(B) K×N, C M×N.
     * With beta = 0, C's previous contents are ignored (NaN included).
     */
    void gemm(Transpose transA, Transpose transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** matrix[i, :] += row for every row i (Affine's bias). */
    void addRowVector(Tensor matrix, Tensor row);

    /** out[j] = Σ_i matrix[i, j] (Affine's bias gradient). */
    void sumRows(Tensor matrix, Tensor out);

    /** y += alpha·x. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** x *= alpha. */
    void scale(Tensor x, float alpha);

    /** out = a ⊙ b, element-wise. */
    void multiply(Tensor a, Tensor b, Tensor out);

    /** Σ x², accumulated in double; waits for the device. */
    double sumOfSquares(Tensor x);

    // ---- convolution (NCHW, filters K×C×FH×FW) ------------------------------------------------

    /** y = conv(x, w) + bias; bias (K) may be null. */
    void convForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y);

    /** dx = the gradient of the convolution with respect to its input. */
    void convBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx);

    /** dw = the gradient with respect to the filters. */
    void convBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw);

    /** db[k] = Σ over n, h, w of dy[n, k, h, w]. */
    void convBackwardBias(ConvGeometry g, Tensor dy, Tensor db);

    // ---- pooling ------------------------------------------------------------------------------

    /**
     * y (N, C, OH, OW) = the max or average of each window of x (N, C, H, W), with the windows, stride and padding of
     * {@code g}; x and y must have {@code g}'s input and output shapes.
     */
    void poolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y);

    /**
     * dx from dy. Max pooling routes each gradient to the first maximum of its window (row-major
     * scan) found again from x, so no index tensor has to be kept.
     */
    void poolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /**
     * Adaptive average pooling as PyTorch defines it: x (N, C, H, W) to y (N, C, OH, OW), output
     * row i averaging input rows floor(i·H/OH) to ceil((i + 1)·H/OH) − 1 (columns alike). Global
     * average pooling is the case OH = OW = 1.
     */
    void adaptiveAvgPoolForward(Tensor x, Tensor y);

    /** dx (N, C, H, W, overwritten) from dy (N, C, OH, OW): each dy shared evenly by its bin's inputs. */
    void adaptiveAvgPoolBackward(Tensor dy, Tensor dx);

    // ---- graph merges -------------------------------------------------------------------------

    /**
     * dst[n, dstChannel + c] = src[n, srcChannel + c] for c in [0, channels), every n: a channel
     * slice of one NCHW tensor copied into another of the same N, H and W. Concat writes each input
     * into its slice of the output; its backward cuts the gradient back into slices.
     */
    void copyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels);

    // ---- activations --------------------------------------------------------------------------

    /** y = f(x); {@code param} is LEAKY_RELU's slope and ignored otherwise. x and y may be the same. */
    void activationForward(Activation f, float param, Tensor x, Tensor y);

    /** dx = dy · f'(x); x and y are both required (cuDNN reads both), the function uses what it needs. */
    void activationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** y = x where x > 0, slope[c]·x elsewhere; slope has 1 or C (dimension 1 of x) elements. */
    void preluForward(Tensor x, Tensor slope, Tensor y);

    /** dx, and dslope (overwritten) = Σ dy·x over the non-positive inputs of each channel. */
    void preluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope);

    // ---- losses -------------------------------------------------------------------------------

    /**
     * Softmax of each row of logits (N×classes) into probs, and loss[0] = mean over rows of
     * −log softmax(logits)[label], computed from the log-sum-exp so it never overflows.
     */
    void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss);

    /** dx = (probs − onehot(labels)) / N. */
    void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx);

    /** loss[0] = ½·Σ (y − t)² / N, N the batch (dimension 0). */
    void meanSquaredError(Tensor y, Tensor target, Tensor loss);

    /** dx = (y − t) / N. */
    void meanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx);

    /** How many rows of scores have their (first) maximum at the label's index; waits. */
    int countCorrect(Tensor scores, Tensor labels);

    // ---- normalisation and dropout ------------------------------------------------------------

    /**
     * y = local response normalisation of x (N, C, H, W) across channels, as {@link LrnParams} defines it; y has x's
     * shape.
     */
    void lrnForward(LrnParams p, Tensor x, Tensor y);

    /**
     * dx = the gradient of {@link #lrnForward} with respect to x, from the forward's input x and output y and the
     * output gradient dy; all four have the same shape.
     */
    void lrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /**
     * mask[i] = 0 with probability {@code ratio}, else 1/(1 − ratio) (inverted dropout), drawn
     * from {@link DropoutHash} so that every backend produces the same mask for the same seed. Element
     * i of the hash is the logical (NCHW) index i whatever the mask's memory format, so a
     * channels-last mask holds the same values as an NCHW one.
     */
    void dropoutMask(Tensor mask, float ratio, long seed);

    /**
     * Batch normalisation with batch statistics, per channel (dimension 1) over N, H and W.
     * Updates running averages with {@code momentum} (running = (1 − m)·running + m·batch, the
     * variance unbiased) and saves the batch mean and 1/sqrt(var + eps) for backward.
     */
    void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y,
                                  Tensor runningMean, Tensor runningVar, Tensor savedMean, Tensor savedInvStd,
                                  double momentum, double eps);

    /** Batch normalisation with the running statistics. */
    void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y,
                                   Tensor runningMean, Tensor runningVar, double eps);

    /**
     * dx, dgamma and dbeta (all overwritten) from the statistics saved by the training forward;
     * eps must be the forward's.
     */
    void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
                           Tensor dx, Tensor dgamma, Tensor dbeta, double eps);

    // ---- optimizer updates (weight decay is L2: g + wd·w) --------------------------------------

    /** w −= lr·(g + wd·w). */
    void sgdStep(Tensor w, Tensor g, float lr, float weightDecay);

    /** v = momentum·v − lr·(g + wd·w); w += v. */
    void momentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay);

    /** The book's Nesterov: v = μv − lr·g'; w += μ²v − (1 + μ)·lr·g'. */
    void nesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay);

    /** h += g'²; w −= lr·g'/(√h + eps). */
    void adaGradStep(Tensor w, Tensor g, Tensor h, float lr, float weightDecay, float eps);

    /** h = ρh + (1 − ρ)g'²; w −= lr·g'/(√h + eps). */
    void rmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float weightDecay, float eps);

    /**
     * m += (1 − β1)(g' − m); v += (1 − β2)(g'² − v); w −= lrT·m/(√v + eps), where the caller
     * folds the bias corrections into lrT = lr·√(1 − β2^t)/(1 − β1^t).
     */
    void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2,
                  float weightDecay, float eps);

    /** Frees the backend's own resources (threads, handles). Tensors are closed by their owners. */
    @Override
    void close();
}
