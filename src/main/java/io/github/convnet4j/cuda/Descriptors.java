package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Activation;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnActivationDescriptor;
import jcuda.jcudnn.cudnnActivationMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnLRNDescriptor;
import jcuda.jcudnn.cudnnNanPropagation;
import jcuda.jcudnn.cudnnPoolingDescriptor;
import jcuda.jcudnn.cudnnPoolingMode;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;

/**
 * cuDNN descriptors, created on first use for a shape or setting and kept until the backend
 * closes, so that a training step with fixed shapes creates none. Each is recorded for destruction
 * as soon as it exists, so one whose setup fails is not leaked.
 */
final class Descriptors implements AutoCloseable {
    private final Map<Shape, cudnnTensorDescriptor> tensors = new HashMap<>();
    private final Map<Shape, cudnnFilterDescriptor> filters = new HashMap<>();
    private final Map<List<Object>, cudnnPoolingDescriptor> pools = new HashMap<>();
    private final Map<LrnParams, cudnnLRNDescriptor> lrns = new HashMap<>();
    private final Map<Activation, cudnnActivationDescriptor> activations = new HashMap<>();
    private final List<Runnable> destroyers = new ArrayList<>();

    /** A float NCHW descriptor; shapes of rank < 4 are padded with trailing 1s. */
    cudnnTensorDescriptor tensor(Shape shape) {
        Shape s = shape.asNchw();
        return tensors.computeIfAbsent(s, k -> {
            cudnnTensorDescriptor d = new cudnnTensorDescriptor();
            CudaCheck.cudnn(JCudnn.cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor", k);
            destroyers.add(() -> JCudnn.cudnnDestroyTensorDescriptor(d));
            CudaCheck.cudnn(JCudnn.cudnnSetTensor4dDescriptor(d, cudnnTensorFormat.CUDNN_TENSOR_NCHW,
                    cudnnDataType.CUDNN_DATA_FLOAT, k.dim(0), k.dim(1), k.dim(2), k.dim(3)),
                    "cudnnSetTensor4dDescriptor", k);
            return d;
        });
    }

    /** The (1, C, 1, 1) descriptor of per-channel vectors (bias, batch-norm scale and statistics). */
    cudnnTensorDescriptor channels(int c) {
        return tensor(Shape.of(1, c, 1, 1));
    }

    cudnnFilterDescriptor filter(Shape shape) {
        return filters.computeIfAbsent(shape, k -> {
            cudnnFilterDescriptor d = new cudnnFilterDescriptor();
            CudaCheck.cudnn(JCudnn.cudnnCreateFilterDescriptor(d), "cudnnCreateFilterDescriptor", k);
            destroyers.add(() -> JCudnn.cudnnDestroyFilterDescriptor(d));
            CudaCheck.cudnn(JCudnn.cudnnSetFilter4dDescriptor(d, cudnnDataType.CUDNN_DATA_FLOAT,
                    cudnnTensorFormat.CUDNN_TENSOR_NCHW, k.dim(0), k.dim(1), k.dim(2), k.dim(3)),
                    "cudnnSetFilter4dDescriptor", k);
            return d;
        });
    }

    cudnnPoolingDescriptor pooling(PoolMode mode, PoolGeometry g, boolean deterministic) {
        List<Object> key = List.of(mode, g.windowH(), g.windowW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                deterministic);
        return pools.computeIfAbsent(key, k -> {
            int cudnnMode = mode == PoolMode.AVERAGE ? cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                    : mode == PoolMode.AVERAGE_EXCLUDE_PAD ? cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING
                    : deterministic ? cudnnPoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC : cudnnPoolingMode.CUDNN_POOLING_MAX;
            cudnnPoolingDescriptor d = new cudnnPoolingDescriptor();
            CudaCheck.cudnn(JCudnn.cudnnCreatePoolingDescriptor(d), "cudnnCreatePoolingDescriptor", k);
            destroyers.add(() -> JCudnn.cudnnDestroyPoolingDescriptor(d));
            CudaCheck.cudnn(JCudnn.cudnnSetPooling2dDescriptor(d, cudnnMode, cudnnNanPropagation.CUDNN_PROPAGATE_NAN,
                    g.windowH(), g.windowW(), g.padH(), g.padW(), g.strideH(), g.strideW()),
                    "cudnnSetPooling2dDescriptor", k);
            return d;
        });
    }

    /** cuDNN would silently sum a window one channel off PyTorch's (and the CPU backend's) for even n. */
    static void requireCudnnWindow(LrnParams p) {
        if (!p.cudnnAgrees()) {
            throw new IllegalArgumentException("LRN size " + p.size() + " is even: cuDNN's window for even n puts the"
                    + " extra channel above c, PyTorch's (this engine's) below it, so the CUDA backend supports only"
                    + " odd LRN sizes; use an odd size or the CPU backend");
        }
    }

    cudnnLRNDescriptor lrn(LrnParams p) {
        requireCudnnWindow(p);
        return lrns.computeIfAbsent(p, k -> {
            cudnnLRNDescriptor d = new cudnnLRNDescriptor();
            CudaCheck.cudnn(JCudnn.cudnnCreateLRNDescriptor(d), "cudnnCreateLRNDescriptor", k);
            destroyers.add(() -> JCudnn.cudnnDestroyLRNDescriptor(d));
            // cuDNN divides alpha by n itself, as our convention does.
            CudaCheck.cudnn(JCudnn.cudnnSetLRNDescriptor(d, k.size(), k.alpha(), k.beta(), k.k()),
                    "cudnnSetLRNDescriptor", k);
            return d;
        });
    }

    /** For RELU, SIGMOID and TANH, the activations cuDNN has. */
    cudnnActivationDescriptor activation(Activation f) {
        return activations.computeIfAbsent(f, k -> {
            int mode = switch (k) {
                case RELU -> cudnnActivationMode.CUDNN_ACTIVATION_RELU;
                case SIGMOID -> cudnnActivationMode.CUDNN_ACTIVATION_SIGMOID;
                case TANH -> cudnnActivationMode.CUDNN_ACTIVATION_TANH;
                default -> throw new IllegalArgumentException("cuDNN has no " + k + " activation");
            };
            cudnnActivationDescriptor d = new cudnnActivationDescriptor();
            CudaCheck.cudnn(JCudnn.cudnnCreateActivationDescriptor(d), "cudnnCreateActivationDescriptor", k);
            destroyers.add(() -> JCudnn.cudnnDestroyActivationDescriptor(d));
            CudaCheck.cudnn(JCudnn.cudnnSetActivationDescriptor(d, mode, cudnnNanPropagation.CUDNN_PROPAGATE_NAN, 0.0),
                    "cudnnSetActivationDescriptor", k);
            return d;
        });
    }

    @Override
    public void close() {
        for (int i = destroyers.size() - 1; i >= 0; i--) {
            destroyers.get(i).run();
        }
        destroyers.clear();
        tensors.clear();
        filters.clear();
        pools.clear();
        lrns.clear();
        activations.clear();
    }
}
