package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/** AdaGrad: h += g²; w −= lr·g/(√h + 1e-7). */
public final class AdaGrad extends Optimizer {
    private static final float EPS = 1e-7f;

    public AdaGrad(float lr, float weightDecay) {
        super(lr, weightDecay);
    }

    @Override
    public int stateCount() {
        return 1;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        b.adaGradStep(p.value(), p.gradient(), state[0], learningRate(), wd, EPS);
    }
}
