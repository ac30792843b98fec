package io.github.convnet4j.cuda;

/** CUDA cannot be used on this machine; the message says why in one line (e.g. "libcudnn.so.9 not found"). */
public final class CudaUnavailableException extends Exception {
    public CudaUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
