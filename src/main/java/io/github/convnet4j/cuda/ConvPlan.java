package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.ConvGeometry;
import java.util.Arrays;
import java.util.List;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgo;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgo;
import jcuda.jcudnn.cudnnConvolutionFwdAlgo;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDeterminism;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnStatus;
import jcuda.jcudnn.cudnnTensorDescriptor;

/**
 * The cuDNN algorithms for one convolution geometry, found once by timing them
 * (cudnnFind*Algorithm) and kept: the fastest that succeeds within the workspace limit, honours
 * the determinism option and, with TF32 off, uses plain FMA math. With TF32 off the non-fused
 * Winograd algorithms are refused too: on an H100 (cuDNN 9.19) they reported FP32 math but were
 * off by 0.5 % on LeNet's conv1 backward-data, TF32-like precision (CudaCpuParityTest caught it).
 * One convolution descriptor per direction carries the math type its algorithm was found with.
 */
final class ConvPlan implements AutoCloseable {
    private static final int CANDIDATES = 16;

    final ConvGeometry geometry;
    final cudnnConvolutionDescriptor forwardDesc;
    final cudnnConvolutionDescriptor backwardDataDesc;
    final cudnnConvolutionDescriptor backwardFilterDesc;
    final int forwardAlgo;
    final int backwardDataAlgo;
    final int backwardFilterAlgo;
    final long workspaceBytes;
    private final String description;
    /** The three convolution descriptors, destroyed on close or when finding an algorithm fails. */
    private final NativeResources made = new NativeResources();

    ConvPlan(cudnnHandle handle, ConvGeometry g, cudnnTensorDescriptor x, cudnnFilterDescriptor w,
             cudnnTensorDescriptor y, CudaOptions options) {
        this.geometry = g;
        int math = options.tf32Convolutions() ? cudnnMathType.CUDNN_DEFAULT_MATH : cudnnMathType.CUDNN_FMA_MATH;
        try {
            forwardDesc = descriptor(g, math, made);
            backwardDataDesc = descriptor(g, math, made);
            backwardFilterDesc = descriptor(g, math, made);
            checkOutputSize(g, x, w);
            Candidate[] chosen = findAlgorithms(handle, g, x, w, y, options);
            forwardAlgo = chosen[0].algo();
            backwardDataAlgo = chosen[1].algo();
            backwardFilterAlgo = chosen[2].algo();
            useMathOf(forwardDesc, chosen[0].mathType(), options, g);
            useMathOf(backwardDataDesc, chosen[1].mathType(), options, g);
            useMathOf(backwardFilterDesc, chosen[2].mathType(), options, g);
            workspaceBytes = Math.max(chosen[0].memory(), Math.max(chosen[1].memory(), chosen[2].memory()));
            description = String.format("forward %s (math %d), backward-data %s (math %d), backward-filter %s"
                            + " (math %d), workspace %d bytes", chosen[0].name(), chosen[0].mathType(), chosen[1].name(),
                    chosen[1].mathType(), chosen[2].name(), chosen[2].mathType(), workspaceBytes);
        } catch (RuntimeException | Error e) {
            made.closeAfter(e);
            throw e;
        }
    }

    /** The chosen forward, backward-data and backward-filter algorithms, timed by cuDNN. */
    private Candidate[] findAlgorithms(cudnnHandle handle, ConvGeometry g, cudnnTensorDescriptor x,
                                       cudnnFilterDescriptor w, cudnnTensorDescriptor y, CudaOptions options) {
        int[] count = new int[1];
        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[CANDIDATES];
        Arrays.setAll(fwd, i -> new cudnnConvolutionFwdAlgoPerf());
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionForwardAlgorithm(handle, x, w, forwardDesc, y, CANDIDATES, count, fwd),
                "cudnnFindConvolutionForwardAlgorithm", g);
        Candidate forward = choose("forward", g, options, cudnnConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED,
                Arrays.stream(fwd, 0, count[0]).map(p -> new Candidate(p.algo, p.status, p.memory, p.determinism,
                        p.mathType, cudnnConvolutionFwdAlgo.stringFor(p.algo))).toList());

        cudnnConvolutionBwdDataAlgoPerf[] bwdData = new cudnnConvolutionBwdDataAlgoPerf[CANDIDATES];
        Arrays.setAll(bwdData, i -> new cudnnConvolutionBwdDataAlgoPerf());
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionBackwardDataAlgorithm(handle, w, y, backwardDataDesc, x, CANDIDATES,
                count, bwdData), "cudnnFindConvolutionBackwardDataAlgorithm", g);
        Candidate data = choose("backward-data", g, options,
                cudnnConvolutionBwdDataAlgo.CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED,
                Arrays.stream(bwdData, 0, count[0]).map(p -> new Candidate(p.algo, p.status, p.memory, p.determinism,
                        p.mathType, cudnnConvolutionBwdDataAlgo.stringFor(p.algo))).toList());

        cudnnConvolutionBwdFilterAlgoPerf[] bwdFilter = new cudnnConvolutionBwdFilterAlgoPerf[CANDIDATES];
        Arrays.setAll(bwdFilter, i -> new cudnnConvolutionBwdFilterAlgoPerf());
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionBackwardFilterAlgorithm(handle, x, y, backwardFilterDesc, w,
                CANDIDATES, count, bwdFilter), "cudnnFindConvolutionBackwardFilterAlgorithm", g);
        Candidate filter = choose("backward-filter", g, options,
                cudnnConvolutionBwdFilterAlgo.CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED,
                Arrays.stream(bwdFilter, 0, count[0]).map(p -> new Candidate(p.algo, p.status, p.memory, p.determinism,
                        p.mathType, cudnnConvolutionBwdFilterAlgo.stringFor(p.algo))).toList());

        return new Candidate[]{forward, data, filter};
    }

    /** One timed algorithm of any direction: the fields the choice needs. */
    private record Candidate(int algo, int status, long memory, int determinism, int mathType, String name) {
    }

    /**
     * The first (fastest) candidate that succeeded, fits the workspace limit, honours the determinism
     * option and, with TF32 off, neither uses tensor-op math nor is the non-fused Winograd algorithm.
     */
    private static Candidate choose(String direction, ConvGeometry g, CudaOptions o, int winogradNonFused,
                                    List<Candidate> candidates) {
        for (Candidate c : candidates) {
            boolean fp32 = o.tf32Convolutions() || (c.mathType() != cudnnMathType.CUDNN_TENSOR_OP_MATH
                    && c.mathType() != cudnnMathType.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION && c.algo() != winogradNonFused);
            if (c.status() == cudnnStatus.CUDNN_STATUS_SUCCESS && c.memory() <= o.maxWorkspaceBytes()
                    && (!o.deterministic() || c.determinism() == cudnnDeterminism.CUDNN_DETERMINISTIC) && fp32) {
                return c;
            }
        }
        throw new CudaException("cuDNN offers no usable " + direction + " algorithm for " + g
                + " within the workspace limit and the determinism/TF32 options; candidates: " + candidates);
    }

    /** The chosen algorithms and math types, for logs and diagnostics. */
    @Override
    public String toString() {
        return description;
    }

    /**
     * With TF32 allowed, run each algorithm with the math type it was timed with. Without, keep
     * FMA math on the descriptor: cuDNN 9 reports plain FP32 algorithms as DEFAULT_MATH, which on
     * Ampere and later would let them use TF32 again.
     */
    private static void useMathOf(cudnnConvolutionDescriptor d, int mathType, CudaOptions o, ConvGeometry g) {
        if (o.tf32Convolutions()) {
            setMath(d, mathType, g);
        }
    }

    private static cudnnConvolutionDescriptor descriptor(ConvGeometry g, int math, NativeResources made) {
        cudnnConvolutionDescriptor d = new cudnnConvolutionDescriptor();
        CudaCheck.cudnn(JCudnn.cudnnCreateConvolutionDescriptor(d), "cudnnCreateConvolutionDescriptor", g);
        made.add(() -> JCudnn.cudnnDestroyConvolutionDescriptor(d));
        CudaCheck.cudnn(JCudnn.cudnnSetConvolution2dDescriptor(d, g.padH(), g.padW(), g.strideH(), g.strideW(), 1, 1,
                cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, cudnnDataType.CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor", g);
        setMath(d, math, g);
        return d;
    }

    private static void setMath(cudnnConvolutionDescriptor d, int math, ConvGeometry g) {
        CudaCheck.cudnn(JCudnn.cudnnSetConvolutionMathType(d, math), "cudnnSetConvolutionMathType", g);
    }

    /** cuDNN must agree with ConvGeometry on the output size (it floors, as FLOOR rounding does). */
    private void checkOutputSize(ConvGeometry g, cudnnTensorDescriptor x, cudnnFilterDescriptor w) {
        int[] n = new int[1];
        int[] c = new int[1];
        int[] h = new int[1];
        int[] wd = new int[1];
        CudaCheck.cudnn(JCudnn.cudnnGetConvolution2dForwardOutputDim(forwardDesc, x, w, n, c, h, wd),
                "cudnnGetConvolution2dForwardOutputDim", g);
        if (n[0] != g.n() || c[0] != g.k() || h[0] != g.outH() || wd[0] != g.outW()) {
            throw new CudaException("cuDNN computes output " + n[0] + "x" + c[0] + "x" + h[0] + "x" + wd[0]
                    + " for " + g + ", which expects " + g.outputShape());
        }
    }

    /** Destroys the descriptors; idempotent. */
    @Override
    public void close() {
        made.close();
    }
}
