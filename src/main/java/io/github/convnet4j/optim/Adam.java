package io.github.convnet4j.optim;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;

/**
 * Adam (Kingma and Ba) with L2 weight decay (g' = g + wd·w), in one of two {@link Form}s that differ
 * only in where ε sits. Both keep m = β1·m + (1 − β1)·g' and v = β2·v + (1 − β2)·g'².
 *
 * <p>The default is {@link Form#BOOK}, the form this engine's book-style training has always used
 * (existing results and checkpoints keep their meaning). Use {@link Form#PYTORCH} ({@link #pytorch})
 * to reproduce {@code torch.optim.Adam}, e.g. when continuing the training of a model imported from
 * PyTorch: the two differ wherever √v̂ is not much larger than ε (small gradients, first steps).
 */
public final class Adam extends Optimizer {
    /** Where ε goes in the update. */
    public enum Form {
        /**
         * The book's (and the Adam paper's efficient variant): w −= lr_t·m/(√v + ε) with
         * lr_t = lr·√(1 − β2^t)/(1 − β1^t) and ε = 1e-7, so ε is added outside the bias correction.
         */
        BOOK(1e-7f),
        /**
         * {@code torch.optim.Adam}: m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t), w −= lr·m̂/(√v̂ + ε) with
         * ε = 1e-8 added to the bias-corrected √v̂.
         */
        PYTORCH(1e-8f);

        private final float defaultEpsilon;

        Form(float defaultEpsilon) {
            this.defaultEpsilon = defaultEpsilon;
        }

        public float defaultEpsilon() {
            return defaultEpsilon;
        }
    }

    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final Form form;

    /** The book's form, β1 = 0.9, β2 = 0.999, no weight decay. */
    public Adam(float lr) {
        this(lr, 0.9f, 0.999f, 0f);
    }

    /** The book's form. */
    public Adam(float lr, float beta1, float beta2, float weightDecay) {
        this(lr, beta1, beta2, weightDecay, Form.BOOK, Form.BOOK.defaultEpsilon());
    }

    public Adam(float lr, float beta1, float beta2, float weightDecay, Form form, float epsilon) {
        super(lr, weightDecay);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0, got beta1="
                    + beta1 + " beta2=" + beta2 + " epsilon=" + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.form = java.util.Objects.requireNonNull(form, "form");
        this.epsilon = epsilon;
    }

    /** {@code torch.optim.Adam(lr=lr, betas=(beta1, beta2), eps=1e-8, weight_decay=weightDecay)}. */
    public static Adam pytorch(float lr, float beta1, float beta2, float weightDecay) {
        return new Adam(lr, beta1, beta2, weightDecay, Form.PYTORCH, Form.PYTORCH.defaultEpsilon());
    }

    /** {@code torch.optim.Adam(lr=lr)}: β = (0.9, 0.999), ε = 1e-8, no weight decay. */
    public static Adam pytorch(float lr) {
        return pytorch(lr, 0.9f, 0.999f, 0f);
    }

    public Form form() {
        return form;
    }

    /** "Adam" for the book's form (as checkpoints have always said), "Adam(pytorch)" for PyTorch's. */
    @Override
    public String kind() {
        return form == Form.BOOK ? "Adam" : "Adam(pytorch)";
    }

    @Override
    public int stateCount() {
        return 2;
    }

    @Override
    protected void update(Backend b, Parameter p, Tensor[] state, float wd) {
        long t = steps();
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = Math.sqrt(1 - Math.pow(beta2, t));
        float lrT = (float) (learningRate() * c2 / c1);
        // lr·m̂/(√v̂ + ε) = lr_t·m/(√v + ε·√(1 − β2^t)): PyTorch's form is the backend's step (and CUDA
        // kernel) unchanged, with a per-step ε.
        float epsT = form == Form.PYTORCH ? (float) (epsilon * c2) : epsilon;
        b.adamStep(p.value(), p.gradient(), state[0], state[1], lrT, beta1, beta2, wd, epsT);
    }
}
