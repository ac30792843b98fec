package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Tensor;

/**
 * A parameter as an op on a lower-precision or channels-last input wants it: autocast's weight
 * cast. The parameter keeps its FP32 master value and gradient (what the optimizer updates); for a
 * BF16/F16 or NHWC input the layer computes with a copy of the value in the input's kind, made
 * fresh on each forward, and its op writes dθ in that kind, which {@link #storeGradient()} widens
 * into the master gradient (the cast's backward). For F32 NCHW inputs it hands out the parameter's
 * own tensors and copies nothing, so FP32 training is unchanged. The copy is made on every forward
 * even when the weights did not change (inference): a parameter has no version to compare, and the
 * cast costs one pass over the weights, small beside the op that reads them.
 */
final class ParameterCast implements AutoCloseable {
    private final Backend backend;
    private final Parameter parameter;
    /** The copies for the last non-F32-NCHW kind asked for (null until then). */
    private Tensor copy;
    private Tensor copyGradient;
    /** What the last forward computed with: the parameter's own tensors or the copies. */
    private Tensor gradient;

    ParameterCast(Backend backend, Parameter parameter) {
        this.backend = backend;
        this.parameter = parameter;
    }

    /** The parameter's value in the kind of {@code like}: its type, and its memory format if the parameter is rank 4 too. */
    Tensor value(Tensor like) {
        Tensor master = parameter.value();
        MemoryFormat format = master.rank() == 4 ? like.format() : MemoryFormat.NCHW;
        if (like.dtype() == master.dtype() && format == master.format()) {
            close(); // back to FP32: copies of another kind would only hold memory
            gradient = parameter.gradient();
            return master;
        }
        if (copy == null || copy.dtype() != like.dtype() || copy.format() != format) {
            close();
            copy = backend.allocate(master.shape(), like.dtype(), format);
            copyGradient = backend.allocate(master.shape(), like.dtype(), format);
        }
        backend.convert(master, copy);
        gradient = copyGradient;
        return copy;
    }

    /** What the last {@link #value} returned (backward-data reads the weights the forward used). */
    Tensor current() {
        if (gradient == null) {
            throw new IllegalStateException(parameter.name() + ": value asked before any forward");
        }
        return gradient == parameter.gradient() ? parameter.value() : copy;
    }

    /** Where the op writes dθ: in the kind of the last {@link #value}. */
    Tensor gradient() {
        if (gradient == null) {
            throw new IllegalStateException(parameter.name() + ": gradient asked before any forward");
        }
        return gradient;
    }

    /** Widens dθ into the parameter's FP32 gradient (nothing to do when the op wrote there itself). */
    void storeGradient() {
        if (gradient != parameter.gradient()) {
            backend.convert(gradient, parameter.gradient());
        }
    }

    /** Frees the copies (not the parameter, which its layer owns); idempotent. */
    @Override
    public void close() {
        if (copy != null) {
            copy.close();
        }
        if (copyGradient != null) {
            copyGradient.close();
        }
        copy = null;
        copyGradient = null;
        gradient = null;
    }
}
