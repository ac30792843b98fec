package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Sizes of the CPU convolution's work matrices that do not fit one Java array are refused, not overflowed. */
class CpuConvolutionTest {

    /** A 101×101 kernel, pad 50, on a 460×460 image: 10,201 × 211,600 column entries > 2^31 − 1, small tensors. */
    @Test
    void columnMatrixLargerThanAnArrayIsAClearError() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            Shape in = Shape.of(1, 1, 460, 460);
            Shape filter = Shape.of(1, 1, 101, 101);
            ConvGeometry g = ConvGeometry.of("conv", in, filter, 1, 1, 50, 50, OutputRounding.STRICT);
            try (Tensor x = cpu.allocate(in); Tensor w = cpu.allocate(filter); Tensor b = cpu.allocate(Shape.of(1));
                 Tensor y = cpu.allocate(g.outputShape())) {
                // The chooser's direct kernel needs no column matrix, so the lowered forward is called itself.
                CpuConvolution conv = new CpuConvolution(Parallel.SEQUENTIAL);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> conv.loweredForward(g, 1, CpuBackend.data(x), CpuBackend.data(w), CpuBackend.data(b),
                                CpuBackend.data(y)));
                assertTrue(e.getMessage().contains("column matrix") && e.getMessage().contains("10201 × 211600"),
                        e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> cpu.convBackwardFilter(g, x, y, w));
                assertThrows(IllegalArgumentException.class, () -> cpu.convBackwardData(g, y, w, x));
            }
        }
    }

    @Test
    void groupOutputMatrixLargerThanAnArrayIsAClearError() {
        // A 1×1 convolution of 2^16 channels on one pixel needs no column matrix per image, but grouped
        // 8 images at a time its K × 8·OH·OW output matrix is 2^28 × 8 = 2^31 floats.
        ConvGeometry g = new ConvGeometry(8, 1, 1, 1, 1 << 28, 1, 1, 1, 1, 0, 0, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CpuConvolution(Parallel.SEQUENTIAL).loweredBackwardFilter(g, 8, new float[8], new float[0],
                        new float[0]));
        assertTrue(e.getMessage().contains("output matrix") && e.getMessage().contains("2147483648"), e.getMessage());
        assertEquals(6, CpuConvolution.arraySize(g, "small", 2, 3));
    }
}
