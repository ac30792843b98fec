package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Tensor;

/**
 * The last layer of a network: turns scores and targets into a scalar loss, kept on the device
 * as a one-element tensor so that reading it is the only synchronisation a training step needs.
 */
public interface LossLayer extends AutoCloseable {
    /** The layer's name, for messages and model files. */
    String name();

    /** Computes the loss; the returned one-element tensor is owned by the layer. */
    Tensor forward(Tensor scores, Tensor targets);

    /** dL/dscores, owned by the layer. */
    Tensor backward();

    @Override
    void close();
}
