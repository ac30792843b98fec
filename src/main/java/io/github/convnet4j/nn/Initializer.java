package io.github.convnet4j.nn;

import java.util.Random;

/**
 * How weights start: Gaussian with a standard deviation that may depend on the layer's fan-in
 * (inputs per output) and fan-out. Biases always start at zero.
 */
@FunctionalInterface
public interface Initializer {

    /** The standard deviation for a layer with these fans. */
    double std(int fanIn, int fanOut);

    /** A fixed standard deviation (the book's default is 0.01). */
    static Initializer normal(double std) {
        return (fanIn, fanOut) -> std;
    }

    /** The book's "Xavier": std = √(1/fanIn), for sigmoid and tanh. */
    static Initializer xavier() {
        return (fanIn, fanOut) -> Math.sqrt(1.0 / fanIn);
    }

    /** Glorot and Bengio's normal form: std = √(2/(fanIn + fanOut)). */
    static Initializer glorot() {
        return (fanIn, fanOut) -> Math.sqrt(2.0 / (fanIn + fanOut));
    }

    /** He: std = √(2/fanIn), for ReLU. */
    static Initializer he() {
        return (fanIn, fanOut) -> Math.sqrt(2.0 / fanIn);
    }

    /** Fills a parameter with N(0, std²) draws from rng (host-side, so the same on every backend). */
    default void initialize(Parameter p, int fanIn, int fanOut, Random rng) {
        double std = std(fanIn, fanOut);
        float[] values = new float[p.shape().size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rng.nextGaussian() * std);
        }
        p.value().copyFrom(values);
    }
}
