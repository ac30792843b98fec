package io.github.convnet4j.distributed;

import io.github.convnet4j.nn.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * The tolerance of the replica tests: for every tensor on its own (no budget pooled across
 * tensors), the largest element difference relative to the tensor's largest magnitude.
 */
public final class WeightsAgreement {
    private WeightsAgreement() {
    }

    /** null if every tensor of {@code actual} is within {@code rtol} of {@code expected}'s, else what is not. */
    public static String disagreement(List<String> names, List<float[]> expected, List<float[]> actual, double rtol) {
        if (expected.size() != actual.size()) {
            return expected.size() + " tensors expected, " + actual.size() + " came";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            float[] a = actual.get(i);
            if (e.length != a.length) {
                out.append(names.get(i)).append(": ").append(e.length).append(" vs ").append(a.length).append(" values; ");
                continue;
            }
            double scale = 0;
            double worst = 0;
            int at = -1;
            for (int j = 0; j < e.length; j++) {
                scale = Math.max(scale, Math.abs(e[j]));
                double d = Math.abs((double) e[j] - a[j]);
                if (!(d <= worst)) { // NaN counts as the worst
                    worst = d;
                    at = j;
                }
            }
            double rel = worst / Math.max(scale, Double.MIN_NORMAL);
            if (!(rel <= rtol)) {
                out.append(String.format(java.util.Locale.ROOT, "%s: element %d differs by %.3g, %.3g of the largest"
                        + " magnitude %.3g; ", names.get(i), at, worst, rel, scale));
            }
        }
        return out.length() == 0 ? null : out.toString();
    }

    /** The largest relative difference over all tensors, for reporting. */
    public static double worstRelative(List<float[]> expected, List<float[]> actual) {
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            float[] a = actual.get(i);
            double scale = 0;
            double d = 0;
            for (int j = 0; j < e.length; j++) {
                scale = Math.max(scale, Math.abs(e[j]));
                d = Math.max(d, Math.abs((double) e[j] - a[j]));
            }
            worst = Math.max(worst, d / Math.max(scale, Double.MIN_NORMAL));
        }
        return worst;
    }

    /** A network's weights as host arrays: parameters in order, then buffers (running statistics). */
    public static List<float[]> weights(Network n) {
        List<float[]> w = new ArrayList<>();
        n.parameters().forEach(p -> w.add(p.value().toArray()));
        n.buffers().values().forEach(t -> w.add(t.toArray()));
        return w;
    }

    /** The names of {@link #weights}, in the same order. */
    public static List<String> names(Network n) {
        List<String> names = new ArrayList<>();
        n.parameters().forEach(p -> names.add(p.name()));
        names.addAll(n.buffers().keySet());
        return names;
    }
}
