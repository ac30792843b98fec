package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.nn.Dropout;
import io.github.convnet4j.nn.MeanSquaredError;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The book's gradient check as an assertion: backprop's gradient against central differences of
 * the loss, on up to {@value #SAMPLES} sampled elements of every parameter tensor and the input.
 *
 * <p>ReLU and max pooling make the loss piecewise smooth, and in float32 a step small enough to
 * miss every kink drowns in rounding. So each element is differenced with shrinking steps until
 * two successive estimates agree (no kink inside the step; on a smooth function they converge
 * quadratically), and only that estimate is compared with backprop. Elements that never settle
 * are counted as kinks; more than a fifth of them fails the check too. The loss is recomputed in
 * double on the host from the network's scores, independently of the loss layer under test.
 * Dropout layers are reseeded before every evaluation so that all see the same mask.
 */
public final class GradientCheck {
    /** Steps tried in turn until two successive central differences agree. */
    private static final double[] STEPS = {1e-2, 5e-3, 2.5e-3, 1.25e-3, 6.25e-4};
    /** Two successive estimates this close mean no kink lies within the step. */
    private static final double CONSISTENCY = 5e-3;
    private static final double RELATIVE_TOLERANCE = 2e-2;
    private static final double ABSOLUTE_TOLERANCE = 1e-4;
    private static final double MAX_KINK_FRACTION = 0.2;
    private static final double MAX_MEDIAN_RELATIVE_ERROR = 1e-2;
    private static final int SAMPLES = 20;

    private GradientCheck() {
    }

    /** targets: class labels (N) for softmax networks, or a tensor shaped like the scores for MSE. */
    public static void check(Network net, Tensor x, Tensor targets, long seed) {
        check(net, x, targets, seed, 0.0);
    }

    /**
     * As {@link #check(Network, Tensor, Tensor, long)}, letting up to {@code outlierFraction} of the
     * samples miss the tolerance, for ReLU/max-pool networks whose float32 loss has kinks too
     * dense to step around; the median relative error must still be under 1%, which any real
     * error in backprop (a wrong index, a missing term) breaks.
     */
    public static void check(Network net, Tensor x, Tensor targets, long seed, double outlierFraction) {
        boolean mse = net.lossLayer() instanceof MeanSquaredError;
        float[] targetValues = targets.toArray();
        reseed(net);
        net.gradient(x, targets);
        List<String> names = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>();
        List<float[]> gradients = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            names.add(p.name());
            tensors.add(p.value());
            gradients.add(p.gradient().toArray());
        }
        names.add("input");
        tensors.add(x);
        gradients.add(net.inputGradient().toArray());

        Random rng = new Random(seed);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        int kinks = 0;
        List<Double> relativeErrors = new ArrayList<>();
        for (int t = 0; t < tensors.size(); t++) {
            Tensor tensor = tensors.get(t);
            float[] original = tensor.toArray();
            float[] g = gradients.get(t);
            int samples = Math.min(SAMPLES, original.length);
            for (int s = 0; s < samples; s++) {
                int i = samples == original.length ? s : rng.nextInt(original.length);
                double numeric = Double.NaN;
                double previous = centralDifference(net, x, targetValues, mse, tensor, original, i, STEPS[0]);
                for (int k = 1; k < STEPS.length && Double.isNaN(numeric); k++) {
                    double current = centralDifference(net, x, targetValues, mse, tensor, original, i, STEPS[k]);
                    if (Math.abs(current - previous) <= CONSISTENCY * Math.max(Math.abs(current), Math.abs(previous)) + 1e-5) {
                        numeric = current;
                    }
                    previous = current;
                }
                tensor.copyFrom(original);
                checked++;
                if (Double.isNaN(numeric)) {
                    kinks++;
                    continue;
                }
                double analytic = g[i];
                double err = Math.abs(numeric - analytic);
                relativeErrors.add(err / Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(analytic))));
                if (err > ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.max(Math.abs(numeric), Math.abs(analytic))) {
                    failures.add(String.format("%s[%d]: numeric %.6e, backprop %.6e, error %.3e",
                            names.get(t), i, numeric, analytic, err));
                }
            }
        }
        List<String> verdicts = new ArrayList<>();
        if (kinks > checked * MAX_KINK_FRACTION) {
            verdicts.add(kinks + " of " + checked + " samples never gave a consistent numeric derivative");
        }
        if (failures.size() > outlierFraction * checked) {
            verdicts.add(failures.size() + " samples off, " + (int) (outlierFraction * checked) + " allowed");
        }
        relativeErrors.sort(null);
        double median = relativeErrors.isEmpty() ? Double.NaN : relativeErrors.get(relativeErrors.size() / 2);
        if (!(median <= MAX_MEDIAN_RELATIVE_ERROR)) {
            verdicts.add("median relative error " + median);
        }
        if (!verdicts.isEmpty()) {
            failures.addAll(0, verdicts);
            fail("gradient check failed (" + checked + " samples, " + kinks + " at kinks):\n  "
                    + String.join("\n  ", failures));
        }
    }

    /** (L(θ_i + h) − L(θ_i − h)) / (2h), with the steps as rounded to float. */
    private static double centralDifference(Network net, Tensor x, float[] targets, boolean mse, Tensor tensor,
                                            float[] original, int i, double h) {
        float[] values = original.clone();
        values[i] = (float) (original[i] + h);
        double step = values[i];
        tensor.copyFrom(values);
        double plus = hostLoss(net, x, targets, mse);
        values[i] = (float) (original[i] - h);
        step -= values[i];
        tensor.copyFrom(values);
        double minus = hostLoss(net, x, targets, mse);
        return (plus - minus) / step;
    }

    private static void reseed(Network net) {
        net.layers().stream().filter(l -> l instanceof Dropout).forEach(l -> ((Dropout) l).reseed(1234));
    }

    /** The loss of the current parameters in double, from the scores of a training-mode forward. */
    private static double hostLoss(Network net, Tensor x, float[] targets, boolean mse) {
        reseed(net);
        float[] scores = net.forward(x, true).toArray();
        int n = x.dim(0);
        int classes = scores.length / n;
        double loss = 0;
        for (int r = 0; r < n; r++) {
            if (mse) {
                for (int j = 0; j < classes; j++) {
                    double d = scores[r * classes + j] - (double) targets[r * classes + j];
                    loss += 0.5 * d * d;
                }
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, scores[r * classes + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(scores[r * classes + j] - max);
            }
            loss += max + Math.log(sum) - scores[r * classes + (int) targets[r]];
        }
        return loss / n;
    }
}
