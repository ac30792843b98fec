package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.nn.Dropout;
import io.github.convnet4j.nn.MeanSquaredError;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * The book's gradient check as an assertion: backprop's gradient against central differences of
 * the loss, on up to {@value #SAMPLES} sampled elements of every parameter tensor and the input.
 *
 * <p>ReLU and max pooling make the loss piecewise smooth, and in float32 a step small enough to
 * miss every kink drowns in rounding. So each element is differenced with shrinking steps until
 * two successive estimates agree (no kink inside the step; on a smooth function they converge
 * quadratically), and only that estimate is compared with backprop. Elements that never settle
 * are counted as kinks. The loss is recomputed in double on the host from the network's scores,
 * independently of the loss layer under test. Dropout layers are reseeded before every evaluation
 * so that all see the same mask.
 *
 * <p>Every verdict is per tensor, so that one tensor's error cannot hide among the other tensors'
 * good samples (a pooled budget let a doubled output-bias gradient and a 5 % error in conv1's
 * weight gradient through): in each tensor at most half of the samples may be kinks, at most
 * {@link Budget#missesPerTensor} samples may miss the tolerance, the median |relative error| must
 * stay under {@link Budget#maxMedianError}, and the median signed error (|backprop| − |numeric|,
 * relative) under 1 %, which a gradient scaled by a factor breaks while kinks, scattering both
 * ways, do not.
 */
public final class GradientCheck {
    /** Steps tried in turn until two successive central differences agree. */
    private static final double[] STEPS = {1e-2, 5e-3, 2.5e-3, 1.25e-3, 6.25e-4};
    /** Two successive estimates this close mean no kink lies within the step. */
    private static final double CONSISTENCY = 5e-3;
    /** Float32 rounding of the loss makes numeric derivatives this uncertain in absolute terms. */
    private static final double ABSOLUTE_TOLERANCE = 1e-4;
    /** A tensor whose gradient is off by a factor shows it as a one-signed median error; kinks scatter both ways. */
    private static final double MAX_MEDIAN_SIGNED_ERROR = 1e-2;
    /** At most this share of all samples may be kinks, and at most half of any one tensor's. */
    private static final double MAX_KINK_FRACTION = 0.2;
    private static final int SAMPLES = 20;

    /**
     * How far backprop may be from the numeric derivatives, per tensor.
     *
     * @param relativeTolerance a sample misses when |numeric − backprop| > 1e-4 + this·max(|numeric|, |backprop|)
     * @param missesPerTensor   samples of one tensor that may miss
     * @param maxMedianError    bound on the median of one tensor's |relative errors|
     * @param relativeFloor     relative errors are taken against at least this magnitude, so that
     *                          gradients at the numeric derivative's noise level compare as noise
     */
    public record Budget(double relativeTolerance, int missesPerTensor, double maxMedianError, double relativeFloor) {
        /**
         * Smooth networks (sigmoid, tanh, average pooling): every sample within 2 %, median under 1 %.
         * Their numeric derivatives are good to ~2e-6 (measured), so gradients down to 5e-4 are
         * judged relatively (LeNet-sigmoid's conv1 gradients are ~2e-4).
         */
        public static final Budget SMOOTH = new Budget(2e-2, 0, 1e-2, 5e-4);
        /**
         * ReLU/max-pool networks. In LeNet's conv1 every weight moves ~5,000 downstream ReLU and pooling
         * decisions, so the float32 loss has kinks closer than any usable step and the numeric
         * derivative is the slope averaged over them: measured 2.2 % median and up to 11 % off the
         * exact local slope, scattered both ways (median signed error +0.3 %). Hence 5 % per sample,
         * two misses and a 3 % median per tensor; the signed-median bound still catches a gradient
         * that is off by a factor (a 5 % scaling shows as ~5 %). Steps that settle near a kink are
         * only good to ~1e-5, hence the higher floor.
         */
        public static final Budget KINKED = new Budget(5e-2, 2, 3e-2, 5e-3);
    }

    private GradientCheck() {
    }

    /** One tensor's backprop gradient and the numeric derivatives at its sampled elements (NaN: a kink). */
    private record TensorSamples(String name, float[] analytic, int[] indices, double[] numeric) {
    }

    /**
     * The numeric derivatives of one network at one point, measured once and judged against its
     * backprop gradients, or against deliberately corrupted copies of them ({@link #withGradient}).
     */
    public static final class Measurement {
        private final List<TensorSamples> tensors;

        private Measurement(List<TensorSamples> tensors) {
            this.tensors = tensors;
        }

        /** Names of the measured tensors: the parameters ("conv1.weight"...) and "input". */
        public List<String> tensorNames() {
            return tensors.stream().map(TensorSamples::name).toList();
        }

        /**
         * This measurement with tensor {@code name}'s backprop gradient replaced element-wise by
         * {@code corruption} of it, as a wrong backward pass would have produced it.
         */
        public Measurement withGradient(String name, DoubleUnaryOperator corruption) {
            List<TensorSamples> out = new ArrayList<>();
            boolean found = false;
            for (TensorSamples t : tensors) {
                if (t.name().equals(name)) {
                    float[] g = t.analytic().clone();
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) corruption.applyAsDouble(g[i]);
                    }
                    t = new TensorSamples(t.name(), g, t.indices(), t.numeric());
                    found = true;
                }
                out.add(t);
            }
            if (!found) {
                throw new IllegalArgumentException("no tensor '" + name + "' in " + tensorNames());
            }
            return new Measurement(out);
        }

        /** Why the check fails with this budget; empty when it passes. */
        public List<String> problems(Budget budget) {
            List<String> problems = new ArrayList<>();
            int kinks = 0;
            int samples = 0;
            for (TensorSamples t : tensors) {
                problems.addAll(problems(t, budget));
                samples += t.indices().length;
                for (double numeric : t.numeric()) {
                    kinks += Double.isNaN(numeric) ? 1 : 0;
                }
            }
            if (kinks > samples * MAX_KINK_FRACTION) {
                problems.add(0, kinks + " of " + samples + " samples never gave a consistent numeric derivative");
            }
            return problems;
        }

        /** Per tensor: samples, kinks, median |gradient|, median |relative error|, median signed error, worst. */
        public String summary(Budget budget) {
            StringBuilder sb = new StringBuilder();
            for (TensorSamples t : tensors) {
                TensorStats s = stats(t, budget);
                sb.append(String.format("  %-14s %2d samples, %2d kinks, median |gradient| %.1e, median |error| %.4f,"
                                + " median signed %+.4f, worst %.4f%n", t.name(), t.indices().length, s.kinks(),
                        s.medianMagnitude(), s.medianError(), s.medianSignedError(), s.worstError()));
            }
            return sb.toString();
        }

        /** Fails the test with every problem listed, unless there are none. */
        public void assertPasses(Budget budget) {
            List<String> problems = problems(budget);
            if (!problems.isEmpty()) {
                fail("gradient check failed:\n  " + String.join("\n  ", problems) + "\nper tensor:\n" + summary(budget));
            }
        }

        private static List<String> problems(TensorSamples t, Budget budget) {
            TensorStats s = stats(t, budget);
            List<String> problems = new ArrayList<>();
            int samples = t.indices().length;
            if (2 * s.kinks() > samples) {
                problems.add(t.name() + ": " + s.kinks() + " of " + samples + " samples never gave a consistent numeric"
                        + " derivative");
            }
            if (s.misses().size() > budget.missesPerTensor()) {
                problems.add(t.name() + ": " + s.misses().size() + " of " + samples + " samples off, "
                        + budget.missesPerTensor() + " allowed");
                problems.addAll(s.misses());
            }
            if (!(s.medianError() <= budget.maxMedianError())) {
                problems.add(t.name() + ": median relative error " + s.medianError() + ", " + budget.maxMedianError()
                        + " allowed");
            }
            double bias = s.medianSignedError();
            if (!(Math.abs(bias) <= MAX_MEDIAN_SIGNED_ERROR)) {
                problems.add(t.name() + ": backprop is " + (bias > 0 ? "larger" : "smaller") + " than the numeric"
                        + " derivative by a median " + Math.abs(bias) + " (relative), " + MAX_MEDIAN_SIGNED_ERROR
                        + " allowed");
            }
            return problems;
        }

        /**
         * @param medianSignedError median of (|backprop| − |numeric|) / scale: positive when backprop is too large
         */
        private record TensorStats(int kinks, List<String> misses, double medianMagnitude, double medianError,
                                   double medianSignedError, double worstError) {
        }

        private static TensorStats stats(TensorSamples t, Budget budget) {
            List<String> misses = new ArrayList<>();
            List<Double> magnitudes = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            List<Double> signedErrors = new ArrayList<>();
            int kinks = 0;
            for (int s = 0; s < t.indices().length; s++) {
                double numeric = t.numeric()[s];
                if (Double.isNaN(numeric)) {
                    kinks++;
                    continue;
                }
                double analytic = t.analytic()[t.indices()[s]];
                double scale = Math.max(Math.abs(numeric), Math.abs(analytic));
                double err = Math.abs(numeric - analytic);
                double relativeTo = Math.max(budget.relativeFloor(), scale);
                magnitudes.add(Math.abs(numeric));
                errors.add(err / relativeTo);
                signedErrors.add((Math.abs(analytic) - Math.abs(numeric)) / relativeTo);
                if (!(err <= ABSOLUTE_TOLERANCE + budget.relativeTolerance() * scale)) {
                    misses.add(String.format("%s[%d]: numeric %.6e, backprop %.6e, error %.3e",
                            t.name(), t.indices()[s], numeric, analytic, err));
                }
            }
            double worst = errors.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            return new TensorStats(kinks, misses, median(magnitudes), median(errors), median(signedErrors), worst);
        }

        private static double median(List<Double> values) {
            if (values.isEmpty()) {
                return Double.NaN;
            }
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(null);
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
    }

    /** targets: class labels (N) for softmax networks, or a tensor shaped like the scores for MSE. */
    public static void check(Network net, Tensor x, Tensor targets, long seed, Budget budget) {
        measure(net, x, targets, seed).assertPasses(budget);
    }

    /** Backprop's gradients and the numeric derivatives at up to {@value #SAMPLES} elements of every tensor. */
    public static Measurement measure(Network net, Tensor x, Tensor targets, long seed) {
        boolean mse = net.lossLayer() instanceof MeanSquaredError;
        float[] targetValues = targets.toArray();
        reseed(net);
        net.gradient(x, targets);
        List<String> names = new ArrayList<>();
        List<Tensor> values = new ArrayList<>();
        List<float[]> gradients = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            names.add(p.name());
            values.add(p.value());
            gradients.add(p.gradient().toArray());
        }
        names.add("input");
        values.add(x);
        gradients.add(net.inputGradient().toArray());

        Random rng = new Random(seed);
        List<TensorSamples> measured = new ArrayList<>();
        for (int t = 0; t < values.size(); t++) {
            Tensor tensor = values.get(t);
            float[] original = tensor.toArray();
            int samples = Math.min(SAMPLES, original.length);
            int[] indices = new int[samples];
            double[] numeric = new double[samples];
            for (int s = 0; s < samples; s++) {
                indices[s] = samples == original.length ? s : rng.nextInt(original.length);
                numeric[s] = settledDerivative(net, x, targetValues, mse, tensor, original, indices[s]);
            }
            tensor.copyFrom(original);
            measured.add(new TensorSamples(names.get(t), gradients.get(t), indices, numeric));
        }
        return new Measurement(measured);
    }

    /** The first central difference that agrees with the one of the previous (larger) step, or NaN. */
    private static double settledDerivative(Network net, Tensor x, float[] targets, boolean mse, Tensor tensor,
                                            float[] original, int i) {
        double previous = centralDifference(net, x, targets, mse, tensor, original, i, STEPS[0]);
        for (int k = 1; k < STEPS.length; k++) {
            double current = centralDifference(net, x, targets, mse, tensor, original, i, STEPS[k]);
            if (Math.abs(current - previous) <= CONSISTENCY * Math.max(Math.abs(current), Math.abs(previous)) + 1e-5) {
                return current;
            }
            previous = current;
        }
        return Double.NaN;
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
