package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/** Adam (Kingma and Ba), in the book's form with the bias correction folded into the step size. */
public final class Adam extends Optimizer {
    private static final float EPS = 1e-7f;
    private final float beta1;
    private final float beta2;

    public Adam(float lr) {
        this(lr, 0.9f, 0.999f, 0f);
    }

    public Adam(float lr, float beta1, float beta2, float weightDecay) {
        super(lr, weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
    }

    @Override
    public int stateCount() {
        return 2;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        long t = steps();
        float lrT = (float) (learningRate() * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
        b.adamStep(p.value(), p.gradient(), state[0], state[1], lrT, beta1, beta2, wd, EPS);
    }
}
