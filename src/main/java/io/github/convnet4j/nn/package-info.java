/**
 * Layers, losses and the {@link io.github.convnet4j.nn.Network} (a graph of layers). Each layer is
 * one file; its forward keeps what its backward needs, and all arithmetic goes through the backend.
 * Layers compute in the type and memory format of their input, which the network sets at its entry
 * ({@link io.github.convnet4j.nn.Network#setActivationKind}); parameters stay FP32 masters.
 */
package io.github.convnet4j.nn;
