package io.github.convnet4j.backend;

/** Element-wise activation functions with no learnable parameters (PReLU has its own ops). */
public enum Activation {
    RELU,
    /** max(x, slope·x) with a fixed slope (the activation's parameter). */
    LEAKY_RELU,
    SIGMOID,
    TANH,
    /** log(1 + e^x), computed without overflow. */
    SOFTPLUS
}
