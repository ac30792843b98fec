package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The grid of a grid-stride launch, computed without int overflow (no GPU needed). */
class KernelsGridTest {
    @Test
    void smallSizesGetOneBlockPer256Elements() {
        assertEquals(1, Kernels.gridBlocks(0));
        assertEquals(1, Kernels.gridBlocks(256));
        assertEquals(2, Kernels.gridBlocks(257));
    }

    @Test
    void sizesNearTwoToThe31AreCappedNotWrapped() {
        // (work + 255) in int wraps negative for work > 2^31 − 256; the old code launched 1 block.
        assertEquals(65_535, Kernels.gridBlocks(Integer.MAX_VALUE - 8));
        assertEquals(65_535, Kernels.gridBlocks(Integer.MAX_VALUE));
        assertEquals(65_535, Kernels.gridBlocks(65_535L * 256 + 1));
    }
}
