package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.ConvGeometry;
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
 * off by 0.5 % on LeNet's conv1 backward-data, TF32-like precision (CudaCpuParityTest caught it). One convolution descriptor per
 * direction carries the math type its algorithm was found with.
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

    ConvPlan(cudnnHandle handle, ConvGeometry g, cudnnTensorDescriptor x, cudnnFilterDescriptor w,
             cudnnTensorDescriptor y, CudaOptions options) {
        this.geometry = g;
        int math = options.tf32Convolutions() ? cudnnMathType.CUDNN_DEFAULT_MATH : cudnnMathType.CUDNN_FMA_MATH;
        forwardDesc = descriptor(g, math);
        backwardDataDesc = descriptor(g, math);
        backwardFilterDesc = descriptor(g, math);
        checkOutputSize(g, x, w);

        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[CANDIDATES];
        for (int i = 0; i < fwd.length; i++) {
            fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        }
        int[] count = new int[1];
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionForwardAlgorithm(handle, x, w, forwardDesc, y, CANDIDATES, count, fwd),
                "cudnnFindConvolutionForwardAlgorithm", g);
        int f = -1;
        for (int i = 0; i < count[0] && f < 0; i++) {
            if (acceptable(fwd[i].status, fwd[i].memory, fwd[i].determinism, fwd[i].mathType, options)
                    && (options.tf32Convolutions() || fwd[i].algo != cudnnConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED)) {
                f = i;
            }
        }
        forwardAlgo = chosen(f, fwd[Math.max(f, 0)].algo, "forward", g, describe(fwd, count[0]));
        useMathOf(forwardDesc, fwd[f].mathType, options, g);

        cudnnConvolutionBwdDataAlgoPerf[] bwdData = new cudnnConvolutionBwdDataAlgoPerf[CANDIDATES];
        for (int i = 0; i < bwdData.length; i++) {
            bwdData[i] = new cudnnConvolutionBwdDataAlgoPerf();
        }
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionBackwardDataAlgorithm(handle, w, y, backwardDataDesc, x, CANDIDATES,
                count, bwdData), "cudnnFindConvolutionBackwardDataAlgorithm", g);
        int d = -1;
        for (int i = 0; i < count[0] && d < 0; i++) {
            if (acceptable(bwdData[i].status, bwdData[i].memory, bwdData[i].determinism, bwdData[i].mathType, options)
                    && (options.tf32Convolutions()
                    || bwdData[i].algo != cudnnConvolutionBwdDataAlgo.CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED)) {
                d = i;
            }
        }
        backwardDataAlgo = chosen(d, bwdData[Math.max(d, 0)].algo, "backward-data", g, describe(bwdData, count[0]));
        useMathOf(backwardDataDesc, bwdData[d].mathType, options, g);

        cudnnConvolutionBwdFilterAlgoPerf[] bwdFilter = new cudnnConvolutionBwdFilterAlgoPerf[CANDIDATES];
        for (int i = 0; i < bwdFilter.length; i++) {
            bwdFilter[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        }
        CudaCheck.cudnn(JCudnn.cudnnFindConvolutionBackwardFilterAlgorithm(handle, x, y, backwardFilterDesc, w,
                CANDIDATES, count, bwdFilter), "cudnnFindConvolutionBackwardFilterAlgorithm", g);
        int b = -1;
        for (int i = 0; i < count[0] && b < 0; i++) {
            if (acceptable(bwdFilter[i].status, bwdFilter[i].memory, bwdFilter[i].determinism, bwdFilter[i].mathType,
                    options) && (options.tf32Convolutions()
                    || bwdFilter[i].algo != cudnnConvolutionBwdFilterAlgo.CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED)) {
                b = i;
            }
        }
        backwardFilterAlgo = chosen(b, bwdFilter[Math.max(b, 0)].algo, "backward-filter", g,
                describe(bwdFilter, count[0]));
        useMathOf(backwardFilterDesc, bwdFilter[b].mathType, options, g);

        workspaceBytes = Math.max(fwd[f].memory, Math.max(bwdData[d].memory, bwdFilter[b].memory));
        description = String.format("forward %s (math %d), backward-data %s (math %d), backward-filter %s (math %d),"
                        + " workspace %d bytes", cudnnConvolutionFwdAlgo.stringFor(forwardAlgo), fwd[f].mathType,
                cudnnConvolutionBwdDataAlgo.stringFor(backwardDataAlgo), bwdData[d].mathType,
                cudnnConvolutionBwdFilterAlgo.stringFor(backwardFilterAlgo), bwdFilter[b].mathType, workspaceBytes);
    }

    /** The chosen algorithms and math types, for logs and diagnostics. */
    @Override
    public String toString() {
        return description;
    }

    private static boolean acceptable(int status, long memory, int determinism, int mathType, CudaOptions o) {
        return status == cudnnStatus.CUDNN_STATUS_SUCCESS
                && memory <= o.maxWorkspaceBytes()
                && (!o.deterministic() || determinism == cudnnDeterminism.CUDNN_DETERMINISTIC)
                && (o.tf32Convolutions() || (mathType != cudnnMathType.CUDNN_TENSOR_OP_MATH
                && mathType != cudnnMathType.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION));
    }

    private static int chosen(int index, int algo, String direction, ConvGeometry g, String candidates) {
        if (index < 0) {
            throw new CudaException("cuDNN offers no usable " + direction + " algorithm for " + g
                    + " within the workspace limit and the determinism/TF32 options; candidates: " + candidates);
        }
        return algo;
    }

    private static String describe(Object[] perfs, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : "; ").append(perfs[i]);
        }
        return sb.toString();
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

    private static cudnnConvolutionDescriptor descriptor(ConvGeometry g, int math) {
        cudnnConvolutionDescriptor d = new cudnnConvolutionDescriptor();
        CudaCheck.cudnn(JCudnn.cudnnCreateConvolutionDescriptor(d), "cudnnCreateConvolutionDescriptor", g);
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

    @Override
    public void close() {
        JCudnn.cudnnDestroyConvolutionDescriptor(forwardDesc);
        JCudnn.cudnnDestroyConvolutionDescriptor(backwardDataDesc);
        JCudnn.cudnnDestroyConvolutionDescriptor(backwardFilterDesc);
    }
}
