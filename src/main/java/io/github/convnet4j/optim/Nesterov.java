package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/** Nesterov's accelerated gradient in the book's form (see Backend#nesterovStep). */
public final class Nesterov extends Optimizer {
    private final float momentum;

    public Nesterov(float lr, float momentum, float weightDecay) {
        super(lr, weightDecay);
        this.momentum = momentum;
    }

    @Override
    public int stateCount() {
        return 1;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        b.nesterovStep(p.value(), p.gradient(), state[0], learningRate(), momentum, wd);
    }
}
