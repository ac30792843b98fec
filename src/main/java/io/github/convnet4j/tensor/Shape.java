package io.github.convnet4j.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape of rank 1 to 4, row-major. For images the order is NCHW
 * (batch, channel, height, width); for filters (out channels, in channels, height, width).
 */
public final class Shape {
    /** The highest rank the engine supports. */
    public static final int MAX_RANK = 4;

    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        if (dims.length < 1 || dims.length > MAX_RANK) {
            throw new IllegalArgumentException("shape rank must be 1.." + MAX_RANK + ", got " + Arrays.toString(dims));
        }
        long s = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape dimensions must be positive, got " + Arrays.toString(dims));
            }
            s *= d;
        }
        if (s > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has " + s
                    + " elements, more than a Java array holds");
        }
        this.dims = dims;
        this.size = s;
    }

    /**
     * A shape with the given dimensions, outermost first (NCHW for images); the array is copied. Throws {@link
     * IllegalArgumentException} unless there are 1 to {@link #MAX_RANK} dimensions, all positive, with at most about
     * {@link Integer#MAX_VALUE} elements in all.
     */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** The number of dimensions, 1 to {@link #MAX_RANK}. */
    public int rank() {
        return dims.length;
    }

    /**
     * The extent of dimension {@code axis}, counted from 0 (the outermost); throws {@link
     * ArrayIndexOutOfBoundsException} when {@code axis} is not below {@link #rank()}.
     */
    public int dim(int axis) {
        return dims[axis];
    }

    /** All dimensions, outermost first, as a fresh copy the caller may change. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements. Always fits an int (checked at construction). */
    public int size() {
        return (int) size;
    }

    /** The first dimension: the batch size for activations. */
    public int batch() {
        return dims[0];
    }

    /** Elements per batch item: the product of all dimensions but the first. */
    public int perItem() {
        return (int) (size / dims[0]);
    }

    /** This shape as 4-D NCHW, padding missing trailing dimensions with 1 (N,D becomes N,D,1,1). */
    public Shape asNchw() {
        if (dims.length == 4) {
            return this;
        }
        int[] d = {1, 1, 1, 1};
        System.arraycopy(dims, 0, d, 0, dims.length);
        return new Shape(d);
    }

    /** This shape with the first (batch) dimension replaced by {@code n}; the others are kept. */
    public Shape withBatch(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
