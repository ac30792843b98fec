package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients, on the parameters' backend (no host round trip).
 * Per-parameter state (velocities, moment estimates) is allocated on the first step and owned by
 * the optimizer. Weight decay is L2 (g + wd·w) on the parameters marked as decayed.
 */
public abstract class Optimizer implements AutoCloseable {
    private final Map<Parameter, Tensor[]> state = new IdentityHashMap<>();
    private float learningRate;
    private final float weightDecay;
    private long steps;

    protected Optimizer(float learningRate, float weightDecay) {
        if (!(learningRate > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("learning rate must be > 0 and weight decay >= 0, got "
                    + learningRate + " and " + weightDecay);
        }
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
    }

    /**
     * What a checkpoint records to resume with the same update rule: the class name, plus any
     * variant whose state would mean something else under another rule.
     */
    public String kind() {
        return getClass().getSimpleName();
    }

    /** Applies one update to every parameter. */
    public void step(List<Parameter> parameters) {
        steps++;
        for (Parameter p : parameters) {
            Tensor[] s = state.computeIfAbsent(p, this::newState);
            update(p.value().backend(), p, s, p.decayed() ? weightDecay : 0f);
        }
    }

    /**
     * The state tensors of a parameter (allocated on first use), for checkpoints: {@link #stateCount()}
     * tensors shaped like the parameter.
     */
    public Tensor[] state(Parameter p) {
        return state.computeIfAbsent(p, this::newState);
    }

    /** Restores the step count from a checkpoint. */
    public void setSteps(long steps) {
        this.steps = steps;
    }

    /** Number of {@link #step} calls so far (Adam's t). */
    public long steps() {
        return steps;
    }

    public float learningRate() {
        return learningRate;
    }

    /** Changes the learning rate for the following steps (schedules call this between steps). */
    public void setLearningRate(float lr) {
        if (!(lr > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        }
        this.learningRate = lr;
    }

    /** How many state tensors (each shaped like the parameter) this optimizer keeps per parameter. */
    public abstract int stateCount();

    protected abstract void update(Backend b, Parameter p, Tensor[] state, float weightDecay);

    private Tensor[] newState(Parameter p) {
        Tensor[] s = new Tensor[stateCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = p.value().backend().allocate(p.shape());
        }
        return s;
    }

    @Override
    public void close() {
        state.values().forEach(ts -> {
            for (Tensor t : ts) {
                t.close();
            }
        });
        state.clear();
    }
}
