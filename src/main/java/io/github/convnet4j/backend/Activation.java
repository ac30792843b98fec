package io.github.convnet4j.backend;

/** Element-wise activation functions with no learnable parameters (PReLU has its own ops). */
public enum Activation {
    /** max(x, 0); the parameter is ignored. */
    RELU,
    /** max(x, slope·x) with a fixed slope (the activation's parameter). */
    LEAKY_RELU,
    /** 1 / (1 + e^−x); the parameter is ignored. */
    SIGMOID,
    /** The hyperbolic tangent; the parameter is ignored. */
    TANH,
    /** log(1 + e^x), computed without overflow. */
    SOFTPLUS
}
