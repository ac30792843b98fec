package io.github.convnet4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sampler a gradient check relies on to see every row: a planted gap in coverage must show here. */
class StratifiedSampleTest {
    @Test
    void everyRowGetsTwoDistinctSamplesAndTheTotalIsFilledUp() {
        float[] gradient = new float[120 * 400];
        Arrays.fill(gradient, 1f);
        int[] picked = StratifiedSample.indices(gradient, 120, 2, 20, 2e-4, new Random(1));
        assertEquals(240, picked.length);
        assertEquals(240, Arrays.stream(picked).distinct().count());
        int[] perRow = new int[120];
        Arrays.stream(picked).forEach(i -> perRow[i / 400]++);
        assertTrue(Arrays.stream(perRow).allMatch(n -> n == 2), Arrays.toString(perRow));

        int[] few = StratifiedSample.indices(new float[6 * 25], 6, 2, 20, 2e-4, new Random(1));
        assertEquals(20, few.length);
        assertEquals(20, Arrays.stream(few).distinct().count());
    }

    @Test
    void smallTensorsAreEnumeratedAndInformativeElementsArePreferred() {
        int[] all = StratifiedSample.indices(new float[10], 10, 2, 20, 2e-4, new Random(1));
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);

        float[] gradient = new float[3 * 50];
        for (int r = 0; r < 3; r++) {
            gradient[r * 50 + 7] = 0.5f; // the only non-zero gradients of each row
            gradient[r * 50 + 31] = -0.5f;
        }
        int[] picked = StratifiedSample.indices(gradient, 3, 2, 6, 2e-4, new Random(1));
        assertArrayEquals(new int[]{7, 31, 57, 81, 107, 131}, picked);
    }
}
