package io.github.convnet4j.optim;

import java.util.Locale;

/** The optimizers by the names the command line and the cluster trainer take. */
public final class Optimizers {
    /** Every name {@link #byName} knows, in the order the messages list them. */
    public static final String NAMES = "sgd, momentum, nesterov, adagrad, rmsprop, adam or adam-pytorch";

    private Optimizers() {
    }

    /**
     * A new optimizer: sgd, momentum and nesterov (momentum 0.9), adagrad, rmsprop (decay 0.99), adam
     * (the book's form, betas 0.9 and 0.999) or adam-pytorch (torch.optim.Adam's form); any case.
     *
     * @throws IllegalArgumentException naming the known optimizers when {@code name} is none of them
     */
    public static Optimizer byName(String name, float lr, float weightDecay) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Sgd(lr, weightDecay);
            case "momentum" -> new Momentum(lr, 0.9f, weightDecay);
            case "nesterov" -> new Nesterov(lr, 0.9f, weightDecay);
            case "adagrad" -> new AdaGrad(lr, weightDecay);
            case "rmsprop" -> new RmsProp(lr, 0.99f, weightDecay);
            case "adam" -> new Adam(lr, 0.9f, 0.999f, weightDecay);
            case "adam-pytorch" -> Adam.pytorch(lr, 0.9f, 0.999f, weightDecay);
            default -> throw new IllegalArgumentException("--optimizer '" + name + "' is unknown: expected " + NAMES);
        };
    }
}
