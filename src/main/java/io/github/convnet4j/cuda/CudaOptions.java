package io.github.convnet4j.cuda;

/**
 * How the CUDA backend computes.
 *
 * @param device             the CUDA device index
 * @param tf32Convolutions   let cuDNN use TF32 tensor cores for float convolutions (PyTorch's
 *                           default: {@code torch.backends.cudnn.allow_tf32 = True})
 * @param tf32Matmul         let cuBLAS use TF32 for matrix products (PyTorch's default is off)
 * @param deterministic      only bit-reproducible cuDNN algorithms (convolution, max pooling)
 * @param maxWorkspaceBytes  the most cuDNN workspace a convolution algorithm may ask for
 */
public record CudaOptions(int device, boolean tf32Convolutions, boolean tf32Matmul, boolean deterministic,
                          long maxWorkspaceBytes) {

    /** PyTorch's defaults: TF32 convolutions, FP32 matrix products, fastest algorithms. */
    public static CudaOptions defaults() {
        return new CudaOptions(0, true, false, false, 1L << 30);
    }

    /** Plain FP32 everywhere and deterministic algorithms: what parity tests use. */
    public static CudaOptions strictFp32() {
        return new CudaOptions(0, false, false, true, 1L << 30);
    }

    public CudaOptions withTf32(boolean on) {
        return new CudaOptions(device, on, on, deterministic, maxWorkspaceBytes);
    }
}
