package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * One layer of a network, in the book's style: {@link #forward} keeps what {@link #backward}
 * needs. The network calls forward on every layer in order, then backward in reverse order.
 *
 * <p>Ownership: a layer owns its parameters and the output/gradient buffers it returns; they are
 * reused while the batch shape stays the same and stay valid until the layer's next forward
 * (outputs) or backward (gradients). A layer keeps a reference to its forward input, which the
 * previous layer owns. {@code backward} never writes into its argument.
 */
public interface Layer extends AutoCloseable {

    /** The name that prefixes its parameters ("conv1" gives "conv1.weight"). */
    String name();

    /** The output shape for an input shape; throws IllegalArgumentException naming the layer on a mismatch. */
    Shape outputShape(Shape input);

    /** Computes the output; {@code training} selects batch statistics, dropout and the like. */
    Tensor forward(Tensor x, boolean training);

    /** Given dL/dy, stores the parameter gradients and returns dL/dx. */
    Tensor backward(Tensor dout);

    /**
     * Whether {@link #backward} must return dL/dx. The network turns it off for its first layer when
     * nobody needs the input gradient (training): a convolution then skips its backward-data pass
     * and returns null.
     */
    default void setInputGradientNeeded(boolean needed) {
    }

    /** Learnable parameters, each with its gradient. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** State that is saved with the model but not learned by gradient (running averages), by full name. */
    default Map<String, Tensor> buffers() {
        return Map.of();
    }

    /** Frees the layer's parameters and buffers. */
    @Override
    void close();
}
