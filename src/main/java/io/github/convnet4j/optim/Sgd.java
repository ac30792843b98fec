package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/** Plain stochastic gradient descent: w −= lr·g. */
public final class Sgd extends Optimizer {
    public Sgd(float lr) {
        this(lr, 0f);
    }

    public Sgd(float lr, float weightDecay) {
        super(lr, weightDecay);
    }

    @Override
    public int stateCount() {
        return 0;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        b.sgdStep(p.value(), p.gradient(), learningRate(), wd);
    }
}
