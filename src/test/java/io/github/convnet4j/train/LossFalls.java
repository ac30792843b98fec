package io.github.convnet4j.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * The check that a short training run learns and does not diverge: every step's loss is finite,
 * and the mean of the last {@code window} steps is below {@code ratio} times the lower of the first
 * {@code window} steps' mean and chance's loss (ln of the class count): a run that starts far above
 * chance (VGG's initial logits are large) must not pass by falling to chance, having learnt nothing.
 * {@code LossFallsTest} feeds it flat, rising, falling-to-chance and non-finite runs.
 */
public final class LossFalls {
    private LossFalls() {
    }

    /** Throws AssertionError, naming the step or both means, unless the loss fell as above. */
    public static void require(double[] losses, int window, double ratio, int classes) {
        if (window < 1 || 2 * window > losses.length) {
            throw new IllegalArgumentException("a window of " + window + " steps needs at least " + 2 * window
                    + " losses; got " + losses.length);
        }
        for (int i = 0; i < losses.length; i++) {
            if (!Double.isFinite(losses[i])) {
                throw new AssertionError("the loss of step " + i + " is " + losses[i] + ": training diverged");
            }
        }
        double first = mean(losses, 0, window);
        double last = mean(losses, losses.length - window, losses.length);
        double reference = Math.min(first, Math.log(classes));
        if (!(last < ratio * reference)) {
            throw new AssertionError(String.format(Locale.ROOT, "the loss did not fall: mean of the last %d steps %.4f,"
                    + " of the first %d %.4f, chance's ln %d = %.4f; expected below %.2f x %.4f = %.4f", window, last,
                    window, first, classes, Math.log(classes), ratio, reference, ratio * reference));
        }
    }

    public static double mean(double[] v, int from, int to) {
        return Arrays.stream(v, from, to).average().orElseThrow();
    }
}
