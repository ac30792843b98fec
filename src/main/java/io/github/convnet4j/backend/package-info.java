/**
 * The backend SPI: the complete op set a CNN needs ({@link io.github.convnet4j.backend.Backend}),
 * plus the immutable geometry records every backend shares. Layers, losses and optimizers are
 * written once against it; {@code cpu} and {@code cuda} implement it.
 */
package io.github.convnet4j.backend;
