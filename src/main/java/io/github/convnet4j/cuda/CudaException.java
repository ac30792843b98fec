package io.github.convnet4j.cuda;

/** A failed CUDA, cuDNN or cuBLAS call, naming the call, its status and what it was working on. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
