package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToleranceTest {
    @Test
    void passesWithinOneInTenThousandAndFailsAPlantedError() {
        float[] want = {1000f, -2f, 0.5f, 0f};
        float[] close = {1000.09f, -2.0001f, 0.50004f, 9e-6f};
        assertTrue(Tolerance.agrees(want, close), "max " + Tolerance.maxRelativeError(want, close));
        float[] planted = close.clone();
        planted[0] = 1000.2f; // 2e-4 relative
        assertFalse(Tolerance.agrees(want, planted));
        planted = close.clone();
        planted[3] = 2e-5f; // 2e-5 absolute next to zero
        assertFalse(Tolerance.agrees(want, planted));
    }

    @Test
    void nanInfinityAndLengthMismatchFail() {
        assertFalse(Tolerance.agrees(new float[] {1}, new float[] {Float.NaN}));
        assertFalse(Tolerance.agrees(new float[] {1}, new float[] {Float.POSITIVE_INFINITY}));
        assertFalse(Tolerance.agrees(new float[] {1, 2}, new float[] {1}));
        assertEquals(0, Tolerance.maxRelativeError(new float[] {Float.NaN}, new float[] {Float.NaN}));
    }
}
