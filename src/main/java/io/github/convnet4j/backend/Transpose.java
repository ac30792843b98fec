package io.github.convnet4j.backend;

/** Whether a GEMM operand is used as stored or transposed. */
public enum Transpose {
    NO,
    YES
}
