package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The helpers must fail when they should: a checker that always passes proves nothing. */
class CheckTest {
    @Test
    void assertCloseFailsOnADifference() {
        assertThrows(AssertionError.class,
                () -> Check.assertClose("x", new double[]{1, 2, 3}, new float[]{1, 2, 3.1f}, 1e-3, 1e-3));
    }

    @Test
    void assertCloseFailsOnNaN() {
        assertThrows(AssertionError.class,
                () -> Check.assertClose("x", new double[]{1}, new float[]{Float.NaN}, 1e-3, 1e-3));
    }

    @Test
    void assertCloseFailsOnLengthMismatch() {
        assertThrows(AssertionError.class, () -> Check.assertClose("x", new double[]{1, 2}, new float[]{1}, 1, 1));
    }

    @Test
    void assertCloseAcceptsWithinTolerance() {
        Check.assertClose("x", new double[]{1, 100}, new float[]{1.0005f, 100.05f}, 1e-3, 1e-3);
    }
}
