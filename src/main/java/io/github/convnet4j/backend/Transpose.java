package io.github.convnet4j.backend;

/** Whether a GEMM operand is used as stored or transposed. */
public enum Transpose {
    /** The operand is used as stored, row-major. */
    NO,
    /** The operand's transpose is used; the tensor itself is not changed. */
    YES
}
