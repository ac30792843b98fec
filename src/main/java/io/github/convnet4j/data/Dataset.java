package io.github.convnet4j.data;

import io.github.convnet4j.tensor.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Labelled images in memory: pixels as unsigned bytes (CHW per item, as the files store them) and
 * class indices. Normalisation to floats happens per batch in {@link BatchLoader}, so a 60,000-image
 * set costs 47 MB, not four times that.
 */
public record Dataset(String name, Shape itemShape, byte[] pixels, int[] labels, List<String> classNames) {

    public Dataset {
        int per = itemShape.size();
        if (pixels.length != (long) labels.length * per) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " items of shape " + itemShape);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of item " + i
                        + " is not in [0, " + classNames.size() + ")");
            }
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    public int classes() {
        return classNames.size();
    }

    /** Items [from, to) as a new data set. */
    public Dataset slice(int from, int to) {
        if (from < 0 || to < from || to > size()) {
            throw new IllegalArgumentException(name + ": items [" + from + ", " + to + ") are not within [0, " + size()
                    + ")");
        }
        int per = itemShape.size();
        return new Dataset(name, itemShape, Arrays.copyOfRange(pixels, from * per, to * per),
                Arrays.copyOfRange(labels, from, to), classNames);
    }

    /** The first {@code n} items (or all, if fewer). */
    public Dataset head(int n) {
        if (n < 1) {
            throw new IllegalArgumentException(name + ": cannot take the first " + n + " items; need at least 1");
        }
        return slice(0, Math.min(n, size()));
    }

    /** One item's pixels scaled to [0, 1]. */
    public float[] item(int index) {
        int per = itemShape.size();
        float[] out = new float[per];
        for (int i = 0; i < per; i++) {
            out[i] = (pixels[index * per + i] & 0xFF) / 255f;
        }
        return out;
    }
}
