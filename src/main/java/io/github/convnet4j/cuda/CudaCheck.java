package io.github.convnet4j.cuda;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;
import jcuda.jcudnn.cudnnStatus;
import jcuda.runtime.cudaError;

/**
 * Turns the status codes of the four libraries into {@link CudaException}s that name the call and
 * its context. JCuda's own exceptions stay off so that every failure carries this context.
 */
final class CudaCheck {
    private CudaCheck() {
    }

    static void runtime(int status, String call, Object context) {
        if (status != cudaError.cudaSuccess) {
            throw new CudaException(call + " failed: " + cudaError.stringFor(status) + context(context));
        }
    }

    static void driver(int status, String call, Object context) {
        if (status != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(status) + context(context));
        }
    }

    static void cudnn(int status, String call, Object context) {
        if (status != cudnnStatus.CUDNN_STATUS_SUCCESS) {
            throw new CudaException(call + " failed: " + cudnnStatus.stringFor(status) + context(context));
        }
    }

    static void cublas(int status, String call, Object context) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call + " failed: " + cublasStatus.stringFor(status) + context(context));
        }
    }

    private static String context(Object context) {
        return context == null ? "" : " (" + context + ")";
    }
}
