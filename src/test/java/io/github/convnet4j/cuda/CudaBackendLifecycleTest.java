package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Closing the CUDA backend twice releases the primary context once: a backend opened after still works. */
@Tag("gpu")
class CudaBackendLifecycleTest {
    @Test
    void closeIsIdempotentAndTheDeviceStaysUsable() {
        CudaBackend first = CudaTests.openOrSkip(CudaOptions.defaults());
        assertFalse(first.threadSafe());
        first.close();
        first.close();
        try (CudaBackend second = CudaTests.openOrSkip(CudaOptions.defaults());
             Tensor t = second.tensor(new float[]{1, 2, 3}, Shape.of(3))) {
            second.scale(t, 2f);
            assertArrayEquals(new float[]{2, 4, 6}, t.toArray());
        }
    }
}
