package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The loss check fails on the runs it is there to catch: flat, rising, a blow-up to infinity or NaN. */
class LossFallsTest {
    private static double[] ramp(double from, double to, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + (to - from) * i / (n - 1);
        }
        return v;
    }

    @Test
    void aFallingFiniteLossPasses() {
        LossFalls.require(ramp(2.3, 1.0, 40), 10, 0.8, 10);
    }

    @Test
    void flatRisingAndNonFiniteLossesFail() {
        var flat = assertThrows(AssertionError.class, () -> LossFalls.require(ramp(2.3, 2.3, 40), 10, 0.8, 10));
        assertEquals("the loss did not fall: mean of the last 10 steps 2.3000, of the first 10 2.3000, chance's ln 10 ="
                + " 2.3026; expected below 0.80 x 2.3000 = 1.8400", flat.getMessage());
        // From far above chance down to chance: fallen a lot, learnt nothing.
        assertThrows(AssertionError.class, () -> LossFalls.require(ramp(8.0, 2.3, 40), 10, 0.8, 10));
        assertThrows(AssertionError.class, () -> LossFalls.require(ramp(2.3, 5.0, 40), 10, 0.8, 10));
        // Falling, but not by the margin asked for.
        assertThrows(AssertionError.class, () -> LossFalls.require(ramp(2.3, 2.0, 40), 10, 0.8, 10));
        double[] inf = ramp(2.3, 1.0, 40);
        inf[17] = Double.POSITIVE_INFINITY;
        assertEquals("the loss of step 17 is Infinity: training diverged",
                assertThrows(AssertionError.class, () -> LossFalls.require(inf, 10, 0.8, 10)).getMessage());
        double[] nan = ramp(2.3, 1.0, 40);
        nan[39] = Double.NaN;
        assertThrows(AssertionError.class, () -> LossFalls.require(nan, 10, 0.8, 10));
        assertThrows(IllegalArgumentException.class, () -> LossFalls.require(ramp(2.3, 1.0, 15), 10, 0.8, 10));
    }
}
