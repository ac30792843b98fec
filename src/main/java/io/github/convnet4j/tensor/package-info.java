/**
 * The thin user-facing tensor API: {@link io.github.convnet4j.tensor.Shape} and
 * {@link io.github.convnet4j.tensor.Tensor}. All arithmetic lives in the backend SPI.
 */
package io.github.convnet4j.tensor;
