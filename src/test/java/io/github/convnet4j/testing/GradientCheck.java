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
import java.util.function.IntPredicate;

/**
 * The book's gradient check as an assertion: backprop's gradient against central differences of
 * the loss, on sampled elements of every parameter tensor and the input: at least
 * {@value #PER_ROW} from every dim-0 slice (row of an affine weight, filter, channel, image), at
 * least {@value #SAMPLES} per tensor, every element of a tensor that small ({@link StratifiedSample}).
 *
 * <p>ReLU and max pooling make the loss piecewise smooth, and in float32 a step small enough to
 * miss every kink drowns in rounding. So each element is differenced with shrinking steps until
 * two successive estimates agree (no kink inside the step; on a smooth function they converge
 * quadratically), and only that estimate is compared with backprop. Elements that never settle
 * are counted as kinks. The loss is recomputed in double on the host from the network's scores,
 * independently of the loss layer under test. Dropout layers are reseeded before every evaluation
 * so that all see the same mask.
 *
 * <p>A settled estimate can still be off where kinks lie within the step; it then says so: on a
 * smooth function the one-sided slopes differ by curvature·h, proportionally to the step, and a
 * kink breaks that proportion. The broken part ({@link #kinkError}) bounds how far kinks can have
 * moved the estimate. A miss is excused only where that bound reaches the error: a miss on a
 * sample whose loss is smooth around it (an output bias, a fully enumerated tensor without kinks)
 * always fails the check.
 *
 * <p>Every verdict is per tensor, so that one tensor's error cannot hide among the other tensors'
 * good samples (a pooled budget let a doubled output-bias gradient and a 5 % error in conv1's
 * weight gradient through), and per slice, so that an error confined to one row or channel cannot
 * hide among its tensor's good samples: in each tensor at most half of the samples may be kinks,
 * no miss may be unexcused, at most a share {@link Budget#excusedMissShare} may be excused, no dim-0 slice
 * may have all of its (two or more) samples off in the same direction, the median |relative error|
 * must stay under {@link Budget#maxMedianError}, and the median signed error (|backprop| −
 * |numeric|, relative) under 1 %, which a gradient scaled by a factor breaks while kinks,
 * scattering both ways, do not.
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
    /** Fewest samples per tensor (every element of a smaller one). */
    private static final int SAMPLES = 20;
    /** Samples from every dim-0 slice, so that an error confined to one is seen twice. */
    private static final int PER_ROW = 2;
    /** A kink-excused miss may be off by at most this many times the kink bound beyond the tolerance. */
    private static final double KINK_ALLOWANCE = 2;

    /**
     * How far backprop may be from the numeric derivatives, per tensor.
     *
     * @param relativeTolerance a sample misses when |numeric − backprop| > 1e-4 + this·max(|numeric|, |backprop|)
     * @param excusedMissShare  share of one tensor's samples that may miss where a kink explains the miss
     * @param maxMedianError    bound on the median of one tensor's |relative errors|
     * @param relativeFloor     relative errors are taken against at least this magnitude, so that
     *                          gradients at the numeric derivative's noise level compare as noise
     */
    public record Budget(double relativeTolerance, double excusedMissShare, double maxMedianError,
                         double relativeFloor) {
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
         * a quarter of the samples missing where a kink explains it and a 3 % median per tensor; the signed-median bound still catches a
         * gradient that is off by a factor (a 5 % scaling shows as ~5 %). Steps that settle near a kink
         * are only good to ~1e-5, hence the higher floor.
         */
        public static final Budget KINKED = new Budget(5e-2, 0.25, 3e-2, 5e-3);
    }

    /** Backprop is judged at this resolution: a planted error below it everywhere is invisible by design. */
    public static double absoluteTolerance() {
        return ABSOLUTE_TOLERANCE;
    }

    private GradientCheck() {
    }

    /**
     * One tensor's backprop gradient and, at its sampled elements, the numeric derivatives and how
     * far kinks can have moved them ({@link #kinkError}).
     *
     * @param rows    the tensor's dim 0: its dim-0 slices are the rows of {@code analytic}
     * @param settled whether two successive steps agreed; where not, {@code numeric} is the estimate
     *                of least kink bound, a kink
     */
    private record TensorSamples(String name, float[] analytic, int rows, int[] indices, double[] numeric,
                                 double[] kinkError, boolean[] settled) {
        int row(int element) {
            return element / (analytic.length / rows);
        }

        TensorSamples withAnalytic(float[] g) {
            return new TensorSamples(name, g, rows, indices, numeric, kinkError, settled);
        }
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
            return withGradient(name, element -> true, corruption);
        }

        /** As {@link #withGradient(String, DoubleUnaryOperator)}, in dim-0 slice {@code row} only. */
        public Measurement withSliceGradient(String name, int row, DoubleUnaryOperator corruption) {
            TensorSamples t = tensor(name);
            if (row < 0 || row >= t.rows()) {
                throw new IllegalArgumentException(name + " has " + t.rows() + " dim-0 slices, not " + row);
            }
            return withGradient(name, element -> t.row(element) == row, corruption);
        }

        private Measurement withGradient(String name, IntPredicate elements, DoubleUnaryOperator corruption) {
            TensorSamples target = tensor(name);
            List<TensorSamples> out = new ArrayList<>();
            for (TensorSamples t : tensors) {
                if (t == target) {
                    float[] g = t.analytic().clone();
                    for (int i = 0; i < g.length; i++) {
                        g[i] = elements.test(i) ? (float) corruption.applyAsDouble(g[i]) : g[i];
                    }
                    t = t.withAnalytic(g);
                }
                out.add(t);
            }
            return new Measurement(out);
        }

        /** The number of dim-0 slices of tensor {@code name}. */
        public int slices(String name) {
            return tensor(name).rows();
        }

        /** The largest |backprop gradient| in dim-0 slice {@code row} of tensor {@code name}. */
        public double largestGradientInSlice(String name, int row) {
            TensorSamples t = tensor(name);
            double max = 0;
            for (int i = 0; i < t.analytic().length; i++) {
                max = t.row(i) == row ? Math.max(max, Math.abs(t.analytic()[i])) : max;
            }
            return max;
        }

        /** The samples of dim-0 slice {@code row} of tensor {@code name}, for a failure message. */
        public String describeSlice(String name, int row) {
            TensorSamples t = tensor(name);
            StringBuilder sb = new StringBuilder(name + " slice " + row + ":");
            for (int s = 0; s < t.indices().length; s++) {
                if (t.row(t.indices()[s]) == row) {
                    sb.append(String.format(" [%d] numeric %.4e%s backprop %.4e kink bound %.2e;", t.indices()[s],
                            t.numeric()[s], t.settled()[s] ? "" : " (unsettled)", t.analytic()[t.indices()[s]],
                            t.kinkError()[s]));
                }
            }
            return sb.toString();
        }

        private TensorSamples tensor(String name) {
            return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no tensor '" + name + "' in " + tensorNames()));
        }

        /** Why the check fails with this budget; empty when it passes. */
        public List<String> problems(Budget budget) {
            List<String> problems = new ArrayList<>();
            int kinks = 0;
            int samples = 0;
            for (TensorSamples t : tensors) {
                problems.addAll(problems(t, budget));
                samples += t.indices().length;
                for (boolean settled : t.settled()) {
                    kinks += settled ? 0 : 1;
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
                sb.append(String.format("  %-14s %3d samples, %2d kinks, %d excused misses, median |gradient| %.1e,"
                                + " median |error| %.4f, median signed %+.4f, worst %.4f%n", t.name(), t.indices().length,
                        s.kinks(), s.excused().size(), s.medianMagnitude(), s.medianError(), s.medianSignedError(),
                        s.worstError()));
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
            if (!s.unexcused().isEmpty()) {
                problems.add(t.name() + ": " + s.unexcused().size() + " of " + samples + " samples off where no kink"
                        + " can explain it");
                problems.addAll(s.unexcused());
            }
            int excusable = (int) (budget.excusedMissShare() * samples);
            if (s.excused().size() > excusable) {
                problems.add(t.name() + ": " + s.excused().size() + " of " + samples + " samples off near kinks, "
                        + excusable + " allowed");
                problems.addAll(s.excused());
            }
            problems.addAll(s.slicesOff());
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
         * @param unexcused         misses that no kink can explain (each fails the check)
         * @param excused           misses within reach of a kink
         * @param slicesOff         dim-0 slices whose two or more settled samples all miss in one direction
         * @param medianSignedError median of (|backprop| − |numeric|) / scale: positive when backprop is too large
         */
        private record TensorStats(int kinks, List<String> unexcused, List<String> excused, List<String> slicesOff,
                                   double medianMagnitude, double medianError, double medianSignedError,
                                   double worstError) {
        }

        private static TensorStats stats(TensorSamples t, Budget budget) {
            List<String> unexcused = new ArrayList<>();
            List<String> excused = new ArrayList<>();
            List<Double> magnitudes = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            List<Double> signedErrors = new ArrayList<>();
            SliceVerdicts slices = new SliceVerdicts(t.rows());
            int kinks = 0;
            for (int s = 0; s < t.indices().length; s++) {
                double numeric = t.numeric()[s];
                double analytic = t.analytic()[t.indices()[s]];
                double scale = Math.max(Math.abs(numeric), Math.abs(analytic));
                double err = Math.abs(numeric - analytic);
                double tolerance = ABSOLUTE_TOLERANCE + budget.relativeTolerance() * scale;
                boolean explained = err <= tolerance + KINK_ALLOWANCE * t.kinkError()[s];
                if (!t.settled()[s]) {
                    // Too rough for the statistics, but an error beyond the spread of all steps'
                    // estimates (the bound, itself already the worst case) is still an error.
                    kinks++;
                    if (!(err <= tolerance + t.kinkError()[s])) {
                        unexcused.add(missLine(t, s, err));
                    }
                    continue;
                }
                double relativeTo = Math.max(budget.relativeFloor(), scale);
                double signed = (Math.abs(analytic) - Math.abs(numeric)) / relativeTo;
                magnitudes.add(Math.abs(numeric));
                errors.add(err / relativeTo);
                signedErrors.add(signed);
                boolean miss = !(err <= tolerance);
                slices.add(t.row(t.indices()[s]), miss, signed);
                if (miss) {
                    (explained ? excused : unexcused).add(missLine(t, s, err));
                }
            }
            double worst = errors.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            return new TensorStats(kinks, unexcused, excused, slices.offInOneDirection(t.name()), median(magnitudes),
                    median(errors), median(signedErrors), worst);
        }

        private static String missLine(TensorSamples t, int s, double err) {
            return String.format("%s[%d]: numeric %.6e%s, backprop %.6e, error %.3e, kink bound %.3e", t.name(),
                    t.indices()[s], t.numeric()[s], t.settled()[s] ? "" : " (unsettled)",
                    t.analytic()[t.indices()[s]], err, t.kinkError()[s]);
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

    /** Backprop's gradients and the numeric derivatives at the sampled elements of every tensor. */
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
        Loss loss = new Loss(net, x, targetValues, mse);

        Random rng = new Random(seed);
        List<TensorSamples> measured = new ArrayList<>();
        for (int t = 0; t < values.size(); t++) {
            Tensor tensor = values.get(t);
            float[] original = tensor.toArray();
            int rows = tensor.dim(0);
            int[] indices = StratifiedSample.indices(gradients.get(t), rows, PER_ROW, SAMPLES, 2 * ABSOLUTE_TOLERANCE,
                    rng);
            double[] numeric = new double[indices.length];
            double[] kinkError = new double[indices.length];
            boolean[] settled = new boolean[indices.length];
            for (int s = 0; s < indices.length; s++) {
                Estimate e = settledDerivative(loss, tensor, original, indices[s]);
                numeric[s] = e.value();
                kinkError[s] = e.kinkError();
                settled[s] = e.settled();
            }
            tensor.copyFrom(original);
            measured.add(new TensorSamples(names.get(t), gradients.get(t), rows, indices, numeric, kinkError,
                    settled));
        }
        return new Measurement(measured);
    }

    /** The network's loss at its current parameters and at the unperturbed point. */
    private record Loss(Network net, Tensor x, float[] targets, boolean mse, double atOrigin) {
        Loss(Network net, Tensor x, float[] targets, boolean mse) {
            this(net, x, targets, mse, hostLoss(net, x, targets, mse));
        }

        double now() {
            return hostLoss(net, x, targets, mse);
        }
    }

    /** A numeric derivative, how far kinks can have moved it, and whether two successive steps agreed on it. */
    private record Estimate(double value, double kinkError, boolean settled) {
    }

    /**
     * The first central difference that agrees with the one of the previous (larger) step, with
     * {@link #kinkError} of those two steps. Where none does, unsettled: the median of all steps'
     * central differences, uncertain by their spread or by the largest kink bound, whichever is more.
     */
    private static Estimate settledDerivative(Loss loss, Tensor tensor, float[] original, int i) {
        Difference previous = difference(loss, tensor, original, i, STEPS[0]);
        double[] centrals = new double[STEPS.length];
        centrals[0] = previous.central();
        double largestBound = 0;
        for (int k = 1; k < STEPS.length; k++) {
            Difference current = difference(loss, tensor, original, i, STEPS[k]);
            double c = current.central();
            double p = previous.central();
            double bound = kinkError(previous, current);
            if (Math.abs(c - p) <= CONSISTENCY * Math.max(Math.abs(c), Math.abs(p)) + 1e-5) {
                return new Estimate(c, bound, true);
            }
            centrals[k] = c;
            largestBound = Math.max(largestBound, bound);
            previous = current;
        }
        java.util.Arrays.sort(centrals);
        double spread = centrals[centrals.length - 1] - centrals[0];
        return new Estimate(centrals[centrals.length / 2], Math.max(spread, largestBound), false);
    }

    /**
     * How far kinks within the steps can have moved the central difference. On a smooth loss the
     * forward and backward slopes differ by L''·h, so the gap at the smaller step is the larger
     * step's gap scaled by the step ratio; a kink of slope jump Δ at distance d &lt; h adds Δ·(h − d)/h
     * to a gap, which breaks the proportion by about as much as it moves the central difference
     * (Δ·(h − d)/(2h)). Float32 rounding of the loss adds its own ~1e-4.
     */
    private static double kinkError(Difference larger, Difference smaller) {
        return Math.abs(smaller.gap() - larger.gap() * (smaller.step() / larger.step()));
    }

    /** The loss at θ_i + h and θ_i − h, with the steps as rounded to float, and at θ. */
    private record Difference(double plus, double minus, double origin, double stepUp, double stepDown) {
        double central() {
            return (plus - minus) / (stepUp + stepDown);
        }

        /** Forward slope minus backward slope. */
        double gap() {
            return (plus - origin) / stepUp - (origin - minus) / stepDown;
        }

        double step() {
            return (stepUp + stepDown) / 2;
        }
    }

    private static Difference difference(Loss loss, Tensor tensor, float[] original, int i, double h) {
        float[] values = original.clone();
        values[i] = (float) (original[i] + h);
        double up = (double) values[i] - original[i];
        tensor.copyFrom(values);
        double plus = loss.now();
        values[i] = (float) (original[i] - h);
        double down = (double) original[i] - values[i];
        tensor.copyFrom(values);
        double minus = loss.now();
        return new Difference(plus, minus, loss.atOrigin(), up, down);
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
