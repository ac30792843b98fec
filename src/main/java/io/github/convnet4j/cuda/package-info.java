/**
 * The CUDA backend through JCuda: cuDNN for convolution, pooling, LRN, batch norm and activations,
 * cuBLAS for matrix products, and the kernels of cuda/kernels.cu (loaded as PTX) for the rest.
 * {@link io.github.convnet4j.cuda.CudaBackend} is the entry point.
 */
package io.github.convnet4j.cuda;
