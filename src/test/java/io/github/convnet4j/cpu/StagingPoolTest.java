package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The staging scratch of one thread is reused by size and capped, so a long-lived thread keeps little. */
class StagingPoolTest {
    @Test
    void arraysAreReusedBySizeAndTheCapDropsTheRest() {
        Staging.Pool pool = new Staging.Pool();
        float[] a = pool.take(1000);
        pool.give(a);
        assertSame(a, pool.take(1000), "the same size comes back");
        assertNotSame(a, pool.take(1000), "taken once, handed out once");
        int big = (int) (Staging.Pool.MAX_FLOATS / 2);
        pool.give(new float[big]);
        pool.give(new float[big]);
        pool.give(new float[big]); // beyond the cap: left to the garbage collector
        assertEquals(2L * big, pool.floats());
        pool.take(big);
        assertEquals(big, pool.floats());
    }
}
