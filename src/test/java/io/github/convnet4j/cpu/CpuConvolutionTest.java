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
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> cpu.convForward(g, x, w, b, y));
                assertTrue(e.getMessage().contains("column matrix") && e.getMessage().contains("10201 × 211600"),
                        e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> cpu.convBackwardFilter(g, x, y, w));
                assertThrows(IllegalArgumentException.class, () -> cpu.convBackwardData(g, y, w, x));
            }
        }
    }

    @Test
    void filterGradientPartialsLargerThanAnArrayAreAClearError() {
        // K·C·FH·FW = 2^28 fits one array; eight per-chunk partials of it do not.
        ConvGeometry g = new ConvGeometry(8, 1 << 16, 1, 1, 1 << 12, 1, 1, 1, 1, 0, 0, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuConvolution.arraySize(g, "partials", 8, g.k() * g.colRows()));
        assertTrue(e.getMessage().contains("2147483648"), e.getMessage());
        assertEquals(6, CpuConvolution.arraySize(g, "small", 2, 3));
    }
}
