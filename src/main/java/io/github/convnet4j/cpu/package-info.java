/**
 * The pure-Java CPU backend: im2col + a cache-blocked multi-threaded SGEMM for convolution, and
 * straightforward loops for everything else. It is the ground truth the CUDA backend is tested
 * against.
 */
package io.github.convnet4j.cpu;
