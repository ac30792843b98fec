package io.github.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The worked examples of the book's CNN chapter. */
class BookExamplesTest {
    private final CpuBackend cpu = new CpuBackend(1);

    @Test
    void outputSizeFormula() {
        // OH = (H + 2P - FH)/S + 1, e.g. (7 + 2*1 - 3)/2 + 1 = 4.
        ConvGeometry g = ConvGeometry.of("conv", Shape.of(1, 3, 7, 7), Shape.of(10, 3, 3, 3), 2, 2, 1, 1,
                OutputRounding.STRICT);
        assertEquals(Shape.of(1, 10, 4, 4), g.outputShape());
        // The book's im2col example: (10, 3, 7, 7) with a 5x5 filter, stride 1, pad 0 gives a col of (90, 75).
        ConvGeometry col = ConvGeometry.of("conv", Shape.of(10, 3, 7, 7), Shape.of(1, 3, 5, 5), 1, 1, 0, 0,
                OutputRounding.STRICT);
        assertEquals(75, col.colRows());
        assertEquals(9, col.colCols());
        assertEquals(90, col.n() * col.colCols());
    }

    @Test
    void fourByFourInputWithThreeByThreeFilter() {
        // Figure 7-3/7-4: input [[1,2,3,0],[0,1,2,3],[3,0,1,2],[2,3,0,1]], filter [[2,0,1],[0,1,2],[1,0,2]].
        float[] x = {1, 2, 3, 0, 0, 1, 2, 3, 3, 0, 1, 2, 2, 3, 0, 1};
        float[] w = {2, 0, 1, 0, 1, 2, 1, 0, 2};
        try (Tensor tx = cpu.tensor(x, Shape.of(1, 1, 4, 4)); Tensor tw = cpu.tensor(w, Shape.of(1, 1, 3, 3));
             Tensor tb = cpu.tensor(new float[]{3}, Shape.of(1))) {
            ConvGeometry g = ConvGeometry.of("conv", tx.shape(), tw.shape(), 1, 1, 0, 0, OutputRounding.STRICT);
            try (Tensor y = cpu.allocate(g.outputShape())) {
                cpu.convForward(g, tx, tw, null, y);
                assertEquals(Shape.of(1, 1, 2, 2), y.shape());
                assertArrayEquals(new float[]{15, 16, 6, 15}, y.toArray());
                cpu.convForward(g, tx, tw, tb, y); // figure 7-5: bias 3
                assertArrayEquals(new float[]{18, 19, 9, 18}, y.toArray());
            }
            // Figure 7-6: padding 1 keeps 4x4.
            ConvGeometry padded = ConvGeometry.of("conv", tx.shape(), tw.shape(), 1, 1, 1, 1, OutputRounding.STRICT);
            assertEquals(Shape.of(1, 1, 4, 4), padded.outputShape());
            try (Tensor y = cpu.allocate(padded.outputShape())) {
                cpu.convForward(padded, tx, tw, null, y);
                assertArrayEquals(new float[]{7, 12, 10, 2, 4, 15, 16, 10, 10, 6, 15, 6, 8, 10, 4, 3}, y.toArray());
            }
        }
    }

    @Test
    void maxPoolingExample() {
        // Figure 7-14: 2x2 max pooling with stride 2.
        float[] x = {1, 2, 1, 0, 0, 1, 2, 3, 3, 0, 1, 2, 2, 4, 0, 1};
        try (Tensor tx = cpu.tensor(x, Shape.of(1, 1, 4, 4))) {
            PoolGeometry g = PoolGeometry.of("pool", tx.shape(), 2, 2, 2, 2, 0, 0, OutputRounding.STRICT);
            try (Tensor y = cpu.allocate(g.outputShape())) {
                cpu.poolForward(PoolMode.MAX, g, tx, y);
                assertArrayEquals(new float[]{2, 3, 4, 2}, y.toArray());
            }
        }
    }
}
