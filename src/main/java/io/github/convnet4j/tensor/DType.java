package io.github.convnet4j.tensor;

/**
 * The element types a tensor can be stored in, with safetensors' names: FP32, and the two 16-bit
 * floats of mixed-precision training. BF16 keeps FP32's 8-bit exponent with 7 mantissa bits (no
 * loss scaling needed); F16 has a 5-bit exponent and 10 mantissa bits (finer, but gradients
 * underflow without a loss scale). Conversions: {@link HalfFloats}.
 */
public enum DType {
    /** IEEE binary32: the engine's computing type and its master weights. */
    F32(4),
    /** bfloat16: FP32's sign and 8-bit exponent with 7 mantissa bits. */
    BF16(2),
    /** IEEE binary16: 5-bit exponent, 10 mantissa bits, largest finite value 65504. */
    F16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The name safetensors files use for this type ({@code "F32"}, {@code "BF16"}, {@code "F16"}). */
    public String safetensorsName() {
        return name();
    }
}
