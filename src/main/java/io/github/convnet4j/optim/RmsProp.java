package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/** RMSProp: h = ρh + (1 − ρ)g²; w −= lr·g/(√h + 1e-7). */
public final class RmsProp extends Optimizer {
    private static final float EPS = 1e-7f;
    private final float decay;

    public RmsProp(float lr, float decay, float weightDecay) {
        super(lr, weightDecay);
        this.decay = decay;
    }

    @Override
    public int stateCount() {
        return 1;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        b.rmsPropStep(p.value(), p.gradient(), state[0], learningRate(), decay, wd, EPS);
    }
}
