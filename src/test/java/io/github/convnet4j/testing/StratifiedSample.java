package io.github.convnet4j.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Which elements of a tensor a gradient check differences: a few from every dim-0 slice (every
 * output row of an affine weight, every filter of a convolution, every image of the input), then
 * random others up to a minimum count. Purely random samples miss a whole row often enough that
 * an error confined to one row or channel went unseen.
 *
 * <p>Within a slice, elements whose backprop gradient is above {@code informative} are preferred:
 * a sample whose gradient is ~0 cannot show a scaled or zeroed gradient. Where backprop is wrong
 * in a way that zeroes a slice, no element is preferred and the picks are uniform, which still
 * shows the error wherever the true gradient is not ~0.
 */
final class StratifiedSample {
    private StratifiedSample() {
    }

    /**
     * @param gradient  backprop's gradient of the tensor, read only to prefer informative elements
     * @param rows      the tensor's dim 0; its elements are rows·(length/rows), row-major
     * @param perRow    elements taken from every slice (fewer where a slice is smaller)
     * @param minimum   the total is filled up with random elements to at least this (at most the length)
     * @return distinct element indices, sorted; every element when the tensor has no more than that
     */
    static int[] indices(float[] gradient, int rows, int perRow, int minimum, double informative, Random rng) {
        int length = gradient.length;
        int rowLength = length / rows;
        int target = Math.max(minimum, rows * Math.min(perRow, rowLength));
        if (target >= length) {
            int[] all = new int[length];
            Arrays.setAll(all, i -> i);
            return all;
        }
        boolean[] taken = new boolean[length];
        List<Integer> chosen = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            List<Integer> preferred = new ArrayList<>();
            List<Integer> others = new ArrayList<>();
            for (int i = r * rowLength; i < (r + 1) * rowLength; i++) {
                (Math.abs(gradient[i]) > informative ? preferred : others).add(i);
            }
            int fromPreferred = Math.min(Math.min(perRow, rowLength), preferred.size());
            take(preferred, fromPreferred, taken, chosen, rng);
            take(others, Math.min(perRow, rowLength) - fromPreferred, taken, chosen, rng);
        }
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            if (!taken[i]) {
                rest.add(i);
            }
        }
        take(rest, target - chosen.size(), taken, chosen, rng);
        return chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Moves {@code count} random members of {@code from} (all, if fewer) into {@code chosen}. */
    private static void take(List<Integer> from, int count, boolean[] taken, List<Integer> chosen, Random rng) {
        for (int k = 0; k < count && !from.isEmpty(); k++) {
            int i = from.remove(rng.nextInt(from.size()));
            taken[i] = true;
            chosen.add(i);
        }
    }
}
