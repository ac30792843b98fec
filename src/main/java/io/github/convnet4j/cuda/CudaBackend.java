package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.CheckedBackend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnBatchNormMode;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnLRNMode;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend: convolution, pooling, LRN, batch norm and the ReLU/sigmoid/tanh activations on
 * cuDNN, matrix products on cuBLAS, everything else in the kernels of cuda/kernels.cu. All work is
 * queued on one stream; only {@link #download}, {@link #countCorrect} and {@link #sumOfSquares}
 * wait for it. Device memory comes from a caching allocator, descriptors and convolution
 * algorithms are cached per shape, and the cuDNN workspace only grows, so a training step with
 * fixed shapes allocates nothing on the device after the first.
 *
 * <p>One backend serves one thread at a time ({@link #threadSafe()} is false: one cuDNN and one
 * cuBLAS handle, one stream, caches and scratch buffers are shared by every call); callers that
 * share it serialise on it, as {@code Classifier} does. Arguments arrive checked by
 * {@link CheckedBackend}. Open it with {@link #open(CudaOptions)}, which reports why CUDA is
 * unusable (no driver, no device, a missing library) as a {@link CudaUnavailableException}.
 */
public final class CudaBackend extends CheckedBackend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);
    /** Bytes of 0x7F: the "no bad label" marker in the label-error word. */
    private static final int NO_BAD_ROW = 0x7F7F7F7F;

    private static final Pointer ONE = Pointer.to(new float[]{1f});
    private static final Pointer ZERO = Pointer.to(new float[]{0f});

    private final CudaOptions options;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final cudaStream_t stream = new cudaStream_t();
    private final cudnnHandle cudnn = new cudnnHandle();
    private final cublasHandle cublas = new cublasHandle();
    /** Everything native this backend made, released in reverse order on close or a failed start. */
    private final NativeResources resources = new NativeResources();
    private final DeviceAllocator allocator = new DeviceAllocator();
    private final Descriptors descriptors = new Descriptors();
    private final Map<ConvGeometry, ConvPlan> convPlans = new HashMap<>();
    /**
     * The backend whose context each thread made current last. One thread may drive several backends
     * (a replica per GPU built and evaluated on the main thread), so "this thread has bound me once"
     * is not enough: another backend may have made its device current since.
     */
    private static final ThreadLocal<CudaBackend> BOUND = new ThreadLocal<>();
    private final String description;
    private Kernels kernels;
    private Pointer workspace;
    private long workspaceBytes;
    private Pointer scratch;
    private long scratchBytes;
    private Pointer smallWords;
    private int lastLabelClasses;

    /** Each native object is recorded as soon as it exists, so a failure on the way releases what was made. */
    private CudaBackend(CudaOptions options) {
        this.options = options;
        BOUND.remove(); // cudaSetDevice below changes this thread's context whatever backend bound it last
        try {
            CudaCheck.runtime(JCuda.cudaSetDevice(options.device()), "cudaSetDevice", "device " + options.device());
            CudaCheck.runtime(JCuda.cudaFree(new Pointer()), "cudaFree(0)", "creating the device context");
            CudaCheck.driver(JCudaDriver.cuInit(0), "cuInit", null);
            CudaCheck.driver(JCudaDriver.cuDeviceGet(device, options.device()), "cuDeviceGet", null);
            CudaCheck.driver(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain", null);
            resources.add(() -> JCudaDriver.cuDevicePrimaryCtxRelease(device));
            bindContext();
            CudaCheck.runtime(JCuda.cudaStreamCreate(stream), "cudaStreamCreate", null);
            resources.add(() -> JCuda.cudaStreamDestroy(stream));
            CudaCheck.cudnn(JCudnn.cudnnCreate(cudnn), "cudnnCreate", null);
            resources.add(() -> JCudnn.cudnnDestroy(cudnn));
            CudaCheck.cudnn(JCudnn.cudnnSetStream(cudnn, stream), "cudnnSetStream", null);
            CudaCheck.cublas(JCublas2.cublasCreate(cublas), "cublasCreate", null);
            resources.add(() -> JCublas2.cublasDestroy(cublas));
            CudaCheck.cublas(JCublas2.cublasSetStream(cublas, stream), "cublasSetStream", null);
            CudaCheck.cublas(JCublas2.cublasSetMathMode(cublas, options.tf32Matmul()
                    ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode", null);
            resources.add(this::releaseCaches);
            kernels = new Kernels(new CUstream(stream));
            resources.add(kernels::close);
            // Word 0: the first row with a bad label; word 1: a counter; words 2-3: a double.
            smallWords = allocator.allocate(16);
            CudaCheck.runtime(JCuda.cudaMemset(smallWords, 0x7F, 4), "cudaMemset", "label-error word");
            description = CudaEnvironment.describe(options.device());
        } catch (RuntimeException | Error e) {
            BOUND.remove();
            resources.closeAfter(e);
            throw e;
        }
    }

    /** Opens the backend on a device, or explains why CUDA cannot be used here. */
    public static CudaBackend open(CudaOptions options) throws CudaUnavailableException {
        CudaEnvironment.requireUsable(options.device());
        try {
            return new CudaBackend(options);
        } catch (UnsatisfiedLinkError | CudaException e) {
            throw new CudaUnavailableException(CudaEnvironment.reason(e), e);
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public void requireLrnSupported(LrnParams params) {
        Descriptors.requireCudnnWindow(params);
    }

    @Override
    public boolean threadSafe() {
        return false;
    }

    /** Device, driver and library versions, for logs and benchmark reports. */
    public String description() {
        return description;
    }

    public CudaOptions options() {
        return options;
    }

    /** Device bytes handed out by the allocator: live tensors plus the workspace and scratch buffers. */
    public long bytesInUse() {
        return allocator.bytesInUse();
    }

    /** How many times cudaMalloc has been called for tensors: constant in steady-state training. */
    public long deviceAllocations() {
        return allocator.mallocCalls();
    }

    /** This backend's stream, for collectives that must run in order with its kernels (NCCL). */
    cudaStream_t stream() {
        return stream;
    }

    /** Makes this backend's device context current on the calling thread (before a call outside the backend). */
    void bindToThisThread() {
        bindContext();
    }

    private void bindContext() {
        if (BOUND.get() != this) {
            CudaCheck.driver(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent", null);
            BOUND.set(this);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    protected Tensor doAllocate(Shape shape) {
        bindContext();
        DeviceStorage storage = new DeviceStorage(allocator, shape.size());
        try {
            CudaCheck.runtime(JCuda.cudaMemsetAsync(storage.pointer(), 0, bytes(shape.size()), stream),
                    "cudaMemsetAsync", shape);
            return new Tensor(this, shape, storage, true);
        } catch (RuntimeException | Error e) {
            storage.close(); // the tensor that would own it was never made
            throw e;
        }
    }

    @Override
    protected void doUpload(float[] src, Tensor dst) {
        bindContext();
        // The legacy default stream that cudaMemcpy uses waits for our (blocking) stream first.
        CudaCheck.runtime(JCuda.cudaMemcpy(ptr(dst), Pointer.to(src), bytes(dst.size()),
                cudaMemcpyKind.cudaMemcpyHostToDevice), "cudaMemcpy host to device", dst.shape());
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        bindContext();
        CudaCheck.runtime(JCuda.cudaMemcpy(Pointer.to(dst), ptr(src), bytes(src.size()),
                cudaMemcpyKind.cudaMemcpyDeviceToHost), "cudaMemcpy device to host", src.shape());
        checkLabels();
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        CudaCheck.runtime(JCuda.cudaMemcpyAsync(ptr(dst), ptr(src), bytes(src.size()),
                cudaMemcpyKind.cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync", src.shape());
    }

    @Override
    protected void doFill(Tensor t, float value) {
        launch("fill", t.size(), ptr(t), value, t.size());
    }

    @Override
    public void synchronize() {
        CudaCheck.runtime(JCuda.cudaStreamSynchronize(stream), "cudaStreamSynchronize", null);
        checkLabels();
    }

    /** The device memory of a tensor that CheckedBackend has checked is this backend's and open. */
    static Pointer ptr(Tensor t) {
        return ((DeviceStorage) t.storage()).pointer();
    }

    private static long bytes(int floats) {
        return (long) floats * Sizeof.FLOAT;
    }

    /** A grow-only device buffer for per-op temporaries (row losses, squared differences). */
    private Pointer scratch(int floats) {
        long need = bytes(floats);
        if (need > scratchBytes) {
            if (scratch != null) {
                allocator.release(scratch, scratchBytes);
            }
            scratchBytes = DeviceAllocator.round(need);
            scratch = allocator.allocate(scratchBytes);
        }
        return scratch;
    }

    private Pointer workspace(long need) {
        if (need > workspaceBytes) {
            if (workspace != null) {
                allocator.release(workspace, workspaceBytes);
            }
            workspaceBytes = DeviceAllocator.round(need);
            workspace = allocator.allocate(workspaceBytes);
            LOG.debug("cuDNN workspace grown to {} bytes", workspaceBytes);
        }
        return workspace;
    }

    private void launch(String kernel, long work, Object... args) {
        bindContext();
        kernels.launch(kernel, work, args);
    }

    // ---- linear algebra and element-wise ------------------------------------------------------

    @Override
    protected void doGemm(OpChecks.GemmDims d, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags.
        CudaCheck.cublas(JCublas2.cublasSgemm(cublas,
                d.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                d.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                d.n(), d.m(), d.k(), Pointer.to(new float[]{alpha}), ptr(b), b.dim(1), ptr(a), a.dim(1),
                Pointer.to(new float[]{beta}), ptr(c), d.n()), "cublasSgemm", d);
    }

    @Override
    protected void doAddRowVector(Tensor matrix, Tensor row) {
        launch("add_row_vector", matrix.size(), ptr(matrix), ptr(row), matrix.size() / row.size(), row.size());
    }

    @Override
    protected void doSumRows(Tensor matrix, Tensor out) {
        launch("sum_rows", out.size(), ptr(matrix), ptr(out), matrix.size() / out.size(), out.size());
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        CudaCheck.cublas(JCublas2.cublasSaxpy(cublas, x.size(), Pointer.to(new float[]{alpha}), ptr(x), 1, ptr(y), 1),
                "cublasSaxpy", x.shape());
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        CudaCheck.cublas(JCublas2.cublasSscal(cublas, x.size(), Pointer.to(new float[]{alpha}), ptr(x), 1),
                "cublasSscal", x.shape());
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        launch("multiply", a.size(), ptr(a), ptr(b), ptr(out), a.size());
    }

    @Override
    protected double doSumOfSquares(Tensor x) {
        Pointer result = smallWords.withByteOffset(8);
        bindContext();
        kernels.launchBlocks("sum_of_squares", 1, ptr(x), result, x.size());
        double[] host = new double[1];
        CudaCheck.runtime(JCuda.cudaMemcpy(Pointer.to(host), result, 8, cudaMemcpyKind.cudaMemcpyDeviceToHost),
                "cudaMemcpy", "sum of squares");
        return host[0];
    }

    // ---- convolution and pooling --------------------------------------------------------------

    /** The cuDNN algorithms chosen for a convolution geometry (found now if not yet), for diagnostics. */
    public String convolutionPlan(ConvGeometry g) {
        return plan(g).toString();
    }

    private ConvPlan plan(ConvGeometry g) {
        ConvPlan plan = convPlans.get(g);
        if (plan == null) {
            bindContext();
            plan = new ConvPlan(cudnn, g, descriptors.tensor(g.inputShape()), descriptors.filter(g.filterShape()),
                    descriptors.tensor(g.outputShape()), options);
            convPlans.put(g, plan); // owned by the map (closed with it) before growing the workspace can fail
            workspace(plan.workspaceBytes);
            LOG.debug("convolution {}: {}", g, plan);
        }
        return plan;
    }

    @Override
    protected void doConvForward(ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        ConvPlan p = plan(g);
        cudnnTensorDescriptor yDesc = descriptors.tensor(g.outputShape());
        CudaCheck.cudnn(JCudnn.cudnnConvolutionForward(cudnn, ONE, descriptors.tensor(g.inputShape()), ptr(x),
                descriptors.filter(g.filterShape()), ptr(w), p.forwardDesc, p.forwardAlgo, workspace, workspaceBytes,
                ZERO, yDesc, ptr(y)), "cudnnConvolutionForward", g);
        if (bias != null) {
            CudaCheck.cudnn(JCudnn.cudnnAddTensor(cudnn, ONE, descriptors.channels(g.k()), ptr(bias), ONE, yDesc, ptr(y)),
                    "cudnnAddTensor", "bias of " + g);
        }
    }

    @Override
    protected void doConvBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        ConvPlan p = plan(g);
        CudaCheck.cudnn(JCudnn.cudnnConvolutionBackwardData(cudnn, ONE, descriptors.filter(g.filterShape()), ptr(w),
                descriptors.tensor(g.outputShape()), ptr(dy), p.backwardDataDesc, p.backwardDataAlgo, workspace,
                workspaceBytes, ZERO, descriptors.tensor(g.inputShape()), ptr(dx)), "cudnnConvolutionBackwardData", g);
    }

    @Override
    protected void doConvBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        ConvPlan p = plan(g);
        CudaCheck.cudnn(JCudnn.cudnnConvolutionBackwardFilter(cudnn, ONE, descriptors.tensor(g.inputShape()), ptr(x),
                descriptors.tensor(g.outputShape()), ptr(dy), p.backwardFilterDesc, p.backwardFilterAlgo, workspace,
                workspaceBytes, ZERO, descriptors.filter(g.filterShape()), ptr(dw)),
                "cudnnConvolutionBackwardFilter", g);
    }

    @Override
    protected void doConvBackwardBias(ConvGeometry g, Tensor dy, Tensor db) {
        CudaCheck.cudnn(JCudnn.cudnnConvolutionBackwardBias(cudnn, ONE, descriptors.tensor(g.outputShape()), ptr(dy),
                ZERO, descriptors.channels(g.k()), ptr(db)), "cudnnConvolutionBackwardBias", g);
    }

    @Override
    protected void doPoolForward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y) {
        if (g.overhangs()) {
            launch("pool_forward", y.size(), poolArgs(mode, g, ptr(x), ptr(y)));
            return;
        }
        CudaCheck.cudnn(JCudnn.cudnnPoolingForward(cudnn, descriptors.pooling(mode, g, options.deterministic()), ONE,
                descriptors.tensor(g.inputShape()), ptr(x), ZERO, descriptors.tensor(g.outputShape()), ptr(y)),
                "cudnnPoolingForward", g);
    }

    @Override
    protected void doPoolBackward(PoolMode mode, PoolGeometry g, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (g.overhangs()) {
            launch("pool_backward", dx.size(), poolArgs(mode, g, ptr(x), ptr(dy), ptr(dx)));
            return;
        }
        cudnnTensorDescriptor out = descriptors.tensor(g.outputShape());
        cudnnTensorDescriptor in = descriptors.tensor(g.inputShape());
        CudaCheck.cudnn(JCudnn.cudnnPoolingBackward(cudnn, descriptors.pooling(mode, g, options.deterministic()), ONE,
                out, ptr(y), out, ptr(dy), in, ptr(x), ZERO, in, ptr(dx)), "cudnnPoolingBackward", g);
    }

    /**
     * The geometry as kernels.cu's pool kernels take it. They serve ceil-mode windows that hang past
     * the padded input: cuDNN sizes its outputs by flooring and has no rule for such a window, so
     * those pools run the CPU backend's definition on the device instead.
     */
    private static Object[] poolArgs(PoolMode mode, PoolGeometry g, Pointer... tensors) {
        if (mode == PoolMode.AVERAGE_EXCLUDE_PAD) { // the kernels know only the two PyTorch divisors
            throw new UnsupportedOperationException("average pooling without padding in the divisor and a ceil-mode"
                    + " window past the input (" + g + ") is not implemented on CUDA; use the CPU backend");
        }
        Object[] shape = {g.n() * g.c(), g.h(), g.w(), g.outH(), g.outW(), g.windowH(), g.windowW(), g.strideH(),
            g.strideW(), g.padH(), g.padW(), mode == PoolMode.MAX ? 1 : 0};
        Object[] all = new Object[tensors.length + shape.length];
        System.arraycopy(tensors, 0, all, 0, tensors.length);
        System.arraycopy(shape, 0, all, tensors.length, shape.length);
        return all;
    }

    @Override
    protected void doAdaptiveAvgPoolForward(Tensor x, Tensor y) {
        launch("adaptive_avg_pool_forward", y.size(), ptr(x), ptr(y), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), y.dim(2),
                y.dim(3));
    }

    @Override
    protected void doAdaptiveAvgPoolBackward(Tensor dy, Tensor dx) {
        launch("adaptive_avg_pool_backward", dx.size(), ptr(dy), ptr(dx), dx.dim(0) * dx.dim(1), dx.dim(2), dx.dim(3),
                dy.dim(2), dy.dim(3));
    }

    /** One strided 2-D copy: N rows of channels·H·W floats, each row at its image's channel offset. */
    @Override
    protected void doCopyChannels(Tensor src, int srcChannel, Tensor dst, int dstChannel, int channels) {
        long plane = (long) src.dim(2) * src.dim(3);
        CudaCheck.runtime(JCuda.cudaMemcpy2DAsync(ptr(dst).withByteOffset(bytes((int) (dstChannel * plane))),
                bytes((int) (dst.dim(1) * plane)), ptr(src).withByteOffset(bytes((int) (srcChannel * plane))),
                bytes((int) (src.dim(1) * plane)), bytes((int) (channels * plane)), src.dim(0),
                cudaMemcpyKind.cudaMemcpyDeviceToDevice, stream), "cudaMemcpy2DAsync", src.shape());
    }

    // ---- activations --------------------------------------------------------------------------

    @Override
    protected void doActivationForward(Activation f, float param, Tensor x, Tensor y) {
        switch (f) {
            case LEAKY_RELU -> launch("leaky_relu_forward", x.size(), ptr(x), ptr(y), param, x.size());
            case SOFTPLUS -> launch("softplus_forward", x.size(), ptr(x), ptr(y), x.size());
            default -> {
                cudnnTensorDescriptor d = descriptors.tensor(x.shape());
                CudaCheck.cudnn(JCudnn.cudnnActivationForward(cudnn, descriptors.activation(f), ONE, d, ptr(x), ZERO, d,
                        ptr(y)), "cudnnActivationForward", f + " " + x.shape());
            }
        }
    }

    @Override
    protected void doActivationBackward(Activation f, float param, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        switch (f) {
            case LEAKY_RELU -> launch("leaky_relu_backward", x.size(), ptr(x), ptr(dy), ptr(dx), param, x.size());
            case SOFTPLUS -> launch("softplus_backward", x.size(), ptr(x), ptr(dy), ptr(dx), x.size());
            default -> {
                cudnnTensorDescriptor d = descriptors.tensor(dy.shape());
                CudaCheck.cudnn(JCudnn.cudnnActivationBackward(cudnn, descriptors.activation(f), ONE, d, ptr(y), d,
                        ptr(dy), d, ptr(x), ZERO, d, ptr(dx)), "cudnnActivationBackward", f + " " + dy.shape());
            }
        }
    }

    @Override
    protected void doPreluForward(Tensor x, Tensor slope, Tensor y) {
        int channels = slope.size() == 1 ? 1 : x.dim(1);
        launch("prelu_forward", x.size(), ptr(x), ptr(slope), ptr(y), x.size(), channels, preluPlane(x, channels));
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor dx, Tensor dslope) {
        int channels = slope.size() == 1 ? 1 : x.dim(1);
        int plane = preluPlane(x, channels);
        launch("prelu_backward_data", x.size(), ptr(x), ptr(slope), ptr(dy), ptr(dx), x.size(), channels, plane);
        bindContext();
        kernels.launchBlocks("prelu_backward_slope", slope.size(), ptr(x), ptr(dy), ptr(dslope), x.size(), channels, plane);
    }


    private static int preluPlane(Tensor x, int channels) {
        return channels == 1 ? 1 : x.size() / x.dim(0) / channels;
    }

    // ---- losses -------------------------------------------------------------------------------

    @Override
    protected void doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        int n = rememberClasses(logits);
        int classes = logits.size() / n;
        Pointer rowLoss = scratch(n);
        launch("softmax_cross_entropy", n, ptr(logits), ptr(labels), ptr(probs), rowLoss, n, classes, smallWords);
        kernels.launchBlocks("sum_scaled", 1, rowLoss, ptr(loss), n, 1f / n);
    }

    @Override
    protected void doSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        int n = rememberClasses(probs);
        launch("softmax_cross_entropy_backward", probs.size(), ptr(probs), ptr(labels), ptr(dx), n, probs.size() / n,
                smallWords);
    }

    @Override
    protected void doMeanSquaredError(Tensor y, Tensor target, Tensor loss) {
        Pointer squares = scratch(y.size());
        launch("squared_difference", y.size(), ptr(y), ptr(target), squares, y.size());
        kernels.launchBlocks("sum_scaled", 1, squares, ptr(loss), y.size(), 0.5f / y.dim(0));
    }

    @Override
    protected void doMeanSquaredErrorBackward(Tensor y, Tensor target, Tensor dx) {
        launch("mse_backward", y.size(), ptr(y), ptr(target), ptr(dx), y.size(), 1f / y.dim(0));
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        int n = rememberClasses(scores);
        Pointer counter = smallWords.withByteOffset(4);
        CudaCheck.runtime(JCuda.cudaMemsetAsync(counter, 0, 4, stream), "cudaMemsetAsync", "correct counter");
        launch("count_correct", n, ptr(scores), ptr(labels), counter, n, scores.size() / n, smallWords);
        int[] host = new int[1];
        CudaCheck.runtime(JCuda.cudaMemcpy(Pointer.to(host), counter, 4, cudaMemcpyKind.cudaMemcpyDeviceToHost),
                "cudaMemcpy", "correct counter");
        checkLabels();
        return host[0];
    }

    /** The batch size; the class count is kept for the message of a bad label found later. */
    private int rememberClasses(Tensor scores) {
        int n = scores.dim(0);
        lastLabelClasses = scores.size() / n;
        return n;
    }

    /** Kernels cannot throw: they record a bad label's row, and the next synchronising call reports it. */
    private void checkLabels() {
        int[] row = new int[1];
        CudaCheck.runtime(JCuda.cudaMemcpy(Pointer.to(row), smallWords, 4, cudaMemcpyKind.cudaMemcpyDeviceToHost),
                "cudaMemcpy", "label-error word");
        if (row[0] != NO_BAD_ROW) {
            CudaCheck.runtime(JCuda.cudaMemset(smallWords, 0x7F, 4), "cudaMemset", "label-error word");
            throw new IllegalArgumentException("label of row " + row[0] + " is not a class index in [0, "
                    + lastLabelClasses + ")");
        }
    }

    // ---- normalisation and dropout ------------------------------------------------------------

    @Override
    protected void doLrnForward(LrnParams p, Tensor x, Tensor y) {
        cudnnTensorDescriptor d = descriptors.tensor(x.shape());
        CudaCheck.cudnn(JCudnn.cudnnLRNCrossChannelForward(cudnn, descriptors.lrn(p), cudnnLRNMode.CUDNN_LRN_CROSS_CHANNEL_DIM1,
                ONE, d, ptr(x), ZERO, d, ptr(y)), "cudnnLRNCrossChannelForward", p + " " + x.shape());
    }

    @Override
    protected void doLrnBackward(LrnParams p, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        cudnnTensorDescriptor d = descriptors.tensor(x.shape());
        CudaCheck.cudnn(JCudnn.cudnnLRNCrossChannelBackward(cudnn, descriptors.lrn(p),
                cudnnLRNMode.CUDNN_LRN_CROSS_CHANNEL_DIM1, ONE, d, ptr(y), d, ptr(dy), d, ptr(x), ZERO, d, ptr(dx)),
                "cudnnLRNCrossChannelBackward", p + " " + x.shape());
    }

    /**
     * Our own kernel rather than cuDNN's dropout: its counter-based hash gives the CPU backend's
     * masks bit for bit, so parity tests and resumed runs see the same dropped units.
     */
    @Override
    protected void doDropoutMask(Tensor mask, float ratio, long seed) {
        launch("dropout_mask", mask.size(), ptr(mask), mask.size(), ratio, seed);
    }

    @Override
    protected void doBatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                         Tensor runningVar, Tensor savedMean, Tensor savedInvStd,
                                         double momentum, double eps) {
        if (x.size() == gamma.size()) {
            // N·H·W = 1: cuDNN would scale the variance by m/(m − 1) = 1/0 into the running
            // variance (NaN); like the CPU, take the biased variance (0) of the single value.
            launch("batch_norm_training_single", x.size(), ptr(x), ptr(gamma), ptr(beta), ptr(y), ptr(runningMean),
                    ptr(runningVar), ptr(savedMean), ptr(savedInvStd), x.size(), momentum, eps);
            return;
        }
        cudnnTensorDescriptor d = descriptors.tensor(x.shape());
        CudaCheck.cudnn(JCudnn.cudnnBatchNormalizationForwardTraining(cudnn, cudnnBatchNormMode.CUDNN_BATCHNORM_SPATIAL,
                ONE, ZERO, d, ptr(x), d, ptr(y), descriptors.channels(gamma.size()), ptr(gamma), ptr(beta), momentum,
                ptr(runningMean), ptr(runningVar), eps, ptr(savedMean), ptr(savedInvStd)),
                "cudnnBatchNormalizationForwardTraining", x.shape());
    }

    @Override
    protected void doBatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean,
                                          Tensor runningVar, double eps) {
        cudnnTensorDescriptor d = descriptors.tensor(x.shape());
        CudaCheck.cudnn(JCudnn.cudnnBatchNormalizationForwardInference(cudnn, cudnnBatchNormMode.CUDNN_BATCHNORM_SPATIAL,
                ONE, ZERO, d, ptr(x), d, ptr(y), descriptors.channels(gamma.size()), ptr(gamma), ptr(beta),
                ptr(runningMean), ptr(runningVar), eps), "cudnnBatchNormalizationForwardInference", x.shape());
    }

    @Override
    protected void doBatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInvStd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta, double eps) {
        if (x.size() == gamma.size()) {
            // N·H·W = 1, the forward's own path: every x̂ is 0, so dx = 0, dgamma = 0, dbeta = dy.
            launch("batch_norm_backward_single", x.size(), ptr(x), ptr(dy), ptr(savedMean), ptr(savedInvStd), ptr(dx),
                    ptr(dgamma), ptr(dbeta), x.size());
            return;
        }
        cudnnTensorDescriptor d = descriptors.tensor(x.shape());
        CudaCheck.cudnn(JCudnn.cudnnBatchNormalizationBackward(cudnn, cudnnBatchNormMode.CUDNN_BATCHNORM_SPATIAL,
                ONE, ZERO, ONE, ZERO, d, ptr(x), d, ptr(dy), d, ptr(dx), descriptors.channels(gamma.size()), ptr(gamma),
                ptr(dgamma), ptr(dbeta), eps, ptr(savedMean), ptr(savedInvStd)), "cudnnBatchNormalizationBackward",
                x.shape());
    }

    // ---- optimizer updates --------------------------------------------------------------------

    @Override
    protected void doSgdStep(Tensor w, Tensor g, float lr, float wd) {
        launch("sgd_step", w.size(), ptr(w), ptr(g), lr, wd, w.size());
    }

    @Override
    protected void doMomentumStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        launch("momentum_step", w.size(), ptr(w), ptr(g), ptr(v), lr, momentum, wd, w.size());
    }

    @Override
    protected void doNesterovStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, float wd) {
        launch("nesterov_step", w.size(), ptr(w), ptr(g), ptr(v), lr, momentum, wd, w.size());
    }

    @Override
    protected void doAdaGradStep(Tensor w, Tensor g, Tensor h, float lr, float wd, float eps) {
        launch("adagrad_step", w.size(), ptr(w), ptr(g), ptr(h), lr, wd, eps, w.size());
    }

    @Override
    protected void doRmsPropStep(Tensor w, Tensor g, Tensor h, float lr, float decay, float wd, float eps) {
        launch("rmsprop_step", w.size(), ptr(w), ptr(g), ptr(h), lr, decay, wd, eps, w.size());
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lrT, float beta1, float beta2, float wd, float eps) {
        launch("adam_step", w.size(), ptr(w), ptr(g), ptr(m), ptr(v), lrT, beta1, beta2, wd, eps, w.size());
    }

    // ---- helpers ------------------------------------------------------------------------------



    /**
     * Frees handles, caches and the stream; tensors still open lose their memory with the context.
     * {@link CheckedBackend#close} calls it once, so the primary context is released exactly once.
     */
    @Override
    protected void doClose() {
        try {
            bindContext();
            JCuda.cudaStreamSynchronize(stream);
            long tensorBytes = allocator.bytesInUse() - workspaceBytes - scratchBytes - DeviceAllocator.round(16);
            if (tensorBytes > 0) {
                LOG.warn("closing the CUDA backend with {} bytes of tensors still open", tensorBytes);
            }
        } finally {
            resources.close();
            if (BOUND.get() == this) {
                BOUND.remove();
            }
        }
    }

    /** Convolution plans, descriptors, the backend's own buffers and the allocator's cached blocks. */
    private void releaseCaches() {
        convPlans.values().forEach(ConvPlan::close);
        convPlans.clear();
        descriptors.close();
        for (Pointer p : new Pointer[]{workspace, scratch, smallWords}) {
            if (p != null) {
                JCuda.cudaFree(p);
            }
        }
        allocator.close();
    }
}
