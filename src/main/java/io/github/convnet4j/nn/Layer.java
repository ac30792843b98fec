package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * One layer of a network, in the book's style: {@link #forward} keeps what {@link #backward}
 * needs. The network calls forward on every layer in topological order, then backward in reverse.
 * Most layers read one value; merges ({@link Add}, {@link Concat}) read several and override the
 * list forms ({@link #outputShape(List)}, {@link #forward(List, boolean)}, {@link #backwardAll}).
 *
 * <p>Ownership: a layer owns its parameters. Alone, it also owns the output/gradient buffers it
 * returns, reused while the batch shape stays the same and valid until its next forward (outputs)
 * or backward (gradients); in a network that {@link #shareBuffers shares} a pool, they belong to the
 * pool and the network decides how long they live. A layer keeps a reference to its forward input,
 * which the network keeps alive while backward needs it ({@link #backwardNeedsInput}).
 * {@code backward} never writes into its argument, and the network may add into what it returns.
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

    /** How many values the layer reads: 1 unless it is a merge; 0 for a merge of any number. */
    default int arity() {
        return 1;
    }

    /** The output shape for the shapes of all inputs (one for ordinary layers). */
    default Shape outputShape(List<Shape> inputs) {
        requireOneInput(inputs.size());
        return outputShape(inputs.get(0));
    }

    /** Forward over all inputs; ordinary layers take exactly one. */
    default Tensor forward(List<Tensor> inputs, boolean training) {
        requireOneInput(inputs.size());
        return forward(inputs.get(0), training);
    }

    /**
     * dL/d(each input), in input order, from dL/dy; an element is null where the input gradient is
     * not needed. The tensors may alias each other or {@code dout} (an Add passes dout through).
     */
    default List<Tensor> backwardAll(Tensor dout) {
        return java.util.Collections.singletonList(backward(dout));
    }

    private void requireOneInput(int count) {
        if (count != 1) {
            throw new IllegalArgumentException(name() + ": takes 1 input, got " + count);
        }
    }

    /**
     * Whether {@link #backward} reads the forward input (a convolution does; an activation reads
     * both input and output, by cuDNN's contract). The network keeps a value alive until the
     * backward of every reader that needs it; the safe default is yes.
     */
    default boolean backwardNeedsInput() {
        return true;
    }

    /** Whether {@link #backward} reads the layer's own forward output (ReLU, max pooling); default yes. */
    default boolean backwardNeedsOutput() {
        return true;
    }

    /**
     * Hands the layer the network's shared pool for its outputs and input gradients, so that they
     * are reused by liveness instead of each layer holding its own. A layer that takes it gets every
     * output and dx from the pool and must not keep them past the network's use; the network
     * returns them. Layers that keep their own buffers ignore it (the default).
     */
    default void shareBuffers(BufferPool pool) {
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
