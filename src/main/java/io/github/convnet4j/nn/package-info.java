/**
 * Layers, losses and the sequential {@link io.github.convnet4j.nn.Network}. Each layer is one
 * file; its forward keeps what its backward needs, and all arithmetic goes through the backend.
 */
package io.github.convnet4j.nn;
