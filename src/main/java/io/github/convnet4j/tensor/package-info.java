/**
 * The thin user-facing tensor API: {@link io.github.convnet4j.tensor.Shape} and
 * {@link io.github.convnet4j.tensor.Tensor}, whose elements have a
 * {@link io.github.convnet4j.tensor.DType} (F32, BF16, F16; {@link io.github.convnet4j.tensor.HalfFloats}
 * converts) and lie in a {@link io.github.convnet4j.tensor.MemoryFormat} (NCHW, NHWC). All arithmetic
 * lives in the backend SPI.
 */
package io.github.convnet4j.tensor;
