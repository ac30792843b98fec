package io.github.convnet4j.train;

import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import java.util.Locale;

/**
 * What a training run computes its activations in: {@code train --precision}. FP32 master weights,
 * optimizer state, batch-norm statistics and the loss stay FP32 in every mode (autocast's rule);
 * BF16 and FP16 change the activations, the weight copies the convolutions and matrix products use,
 * and their gradients. FP16 brings a {@link DynamicLossScaler} (the Trainer adds it), BF16 needs none.
 */
public enum Precision {
    /** FP32 throughout; CUDA convolutions may still use TF32 tensor cores as {@code --tf32} says (PyTorch's default). */
    FP32(DType.F32),
    /** FP32 storage with TF32 tensor-core convolutions and matrix products on CUDA; the same as FP32 on the CPU. */
    TF32(DType.F32),
    /** bfloat16 activations: FP32's range with 8 significant bits. */
    BF16(DType.BF16),
    /** IEEE half activations with dynamic loss scaling. */
    FP16(DType.F16);

    private final DType activationType;

    Precision(DType activationType) {
        this.activationType = activationType;
    }

    /** The type the network's activations and their gradients are stored in. */
    public DType activationType() {
        return activationType;
    }

    /** The option's value ("fp32", "tf32", "bf16" or "fp16", any case); throws naming the expected values otherwise. */
    public static Precision parse(String value) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("--precision '" + value + "': expected fp32, tf32, bf16 or fp16");
    }

    /**
     * Sets the network's activations to this precision and format, after checking that its backend
     * can hold them (a one-line error naming the backend, type and format where it cannot).
     */
    public void applyTo(Network net, MemoryFormat format) {
        if (!net.backend().supports(io.github.convnet4j.backend.Op.ALLOCATE, activationType, format)) {
            throw new IllegalArgumentException("--precision " + name().toLowerCase(Locale.ROOT)
                    + (format == MemoryFormat.NHWC ? " --channels-last" : "") + ": the " + net.backend().name()
                    + " backend does not hold " + activationType + " " + format + " tensors (yet); the cpu backend"
                    + " holds every type and format");
        }
        net.setActivationKind(activationType, format);
    }
}
