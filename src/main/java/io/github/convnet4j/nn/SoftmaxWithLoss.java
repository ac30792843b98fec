package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** Softmax followed by cross-entropy against class-index labels, the book's SoftmaxWithLoss. */
public final class SoftmaxWithLoss implements LossLayer {
    private final Backend backend;
    private final Buffers buffers;
    private final Tensor loss;
    private Tensor probs;
    private Tensor labels;

    /**
     * Softmax followed by cross-entropy over scores (N, classes) and N class-index labels; it owns its probabilities,
     * loss and gradient tensors.
     */
    public SoftmaxWithLoss(Backend backend) {
        this.backend = backend;
        this.buffers = new Buffers(backend);
        this.loss = backend.allocate(Shape.of(1));
    }

    @Override
    public String name() {
        return "softmax_with_loss";
    }

    @Override
    public Tensor forward(Tensor scores, Tensor targets) {
        if (scores.rank() != 2) {
            throw new IllegalArgumentException(name() + ": expected scores (N, classes), got " + scores.shape());
        }
        if (targets.size() != scores.dim(0)) {
            throw new IllegalArgumentException(name() + ": expected " + scores.dim(0) + " labels for scores "
                    + scores.shape() + ", got " + targets.size());
        }
        probs = buffers.get("probs", scores.shape());
        backend.softmaxCrossEntropy(scores, targets, probs, loss);
        labels = targets;
        return loss;
    }

    /** The softmax probabilities of the last forward. */
    public Tensor probabilities() {
        return probs;
    }

    @Override
    public Tensor backward() {
        Tensor dx = buffers.get("dx", probs.shape());
        backend.softmaxCrossEntropyBackward(probs, labels, dx);
        return dx;
    }

    @Override
    public void close() {
        loss.close();
        buffers.close();
    }
}
