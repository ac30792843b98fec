package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** ½·Σ(y − t)² averaged over the batch, against targets of the scores' shape (e.g. one-hot). */
public final class MeanSquaredError implements LossLayer {
    private final Backend backend;
    private final Buffers buffers;
    private final Tensor loss;
    private Tensor scores;
    private Tensor targets;

    /** The loss ½·Σ (y − t)² / N for targets of the scores' shape; it owns its loss and gradient tensors. */
    public MeanSquaredError(Backend backend) {
        this.backend = backend;
        this.buffers = new Buffers(backend);
        this.loss = backend.allocate(Shape.of(1));
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }

    @Override
    public Tensor forward(Tensor y, Tensor t) {
        if (!y.shape().equals(t.shape())) {
            throw new IllegalArgumentException(name() + ": expected targets of shape " + y.shape() + ", got " + t.shape());
        }
        backend.meanSquaredError(y, t, loss);
        scores = y;
        targets = t;
        return loss;
    }

    @Override
    public Tensor backward() {
        Tensor dx = buffers.get("dx", scores.shape());
        backend.meanSquaredErrorBackward(scores, targets, dx);
        return dx;
    }

    @Override
    public void close() {
        loss.close();
        buffers.close();
    }
}
