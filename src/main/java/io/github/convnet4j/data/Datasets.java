package io.github.convnet4j.data;

import java.util.SplittableRandom;

/** Operations on whole data sets: shuffling and splitting. */
public final class Datasets {
    private Datasets() {
    }

    /** The items in a seeded random order. */
    public static Dataset shuffled(Dataset d, long seed) {
        int[] order = BatchLoader.permutation(d.size(), new SplittableRandom(seed));
        int per = d.itemShape().size();
        byte[] pixels = new byte[d.pixels().length];
        int[] labels = new int[d.size()];
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(d.pixels(), order[i] * per, pixels, i * per, per);
            labels[i] = d.labels()[order[i]];
        }
        return new Dataset(d.name(), d.itemShape(), pixels, labels, d.classNames());
    }

    /** {train, held-out}: the last {@code heldOut} items of a seeded shuffle are held out. */
    public static Dataset[] split(Dataset d, int heldOut, long seed) {
        if (heldOut <= 0 || heldOut >= d.size()) {
            throw new IllegalArgumentException(d.name() + ": cannot hold out " + heldOut + " of " + d.size() + " items");
        }
        Dataset s = shuffled(d, seed);
        return new Dataset[]{s.slice(0, d.size() - heldOut), s.slice(d.size() - heldOut, d.size())};
    }
}
