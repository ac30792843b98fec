package io.github.convnet4j.backend;

/** Pooling kinds. Average pooling counts padded positions in the divisor, as PyTorch and Caffe do. */
public enum PoolMode {
    MAX,
    AVERAGE
}
