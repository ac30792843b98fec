package io.github.convnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cuda.CudaBackend;
import io.github.convnet4j.cuda.CudaOptions;
import io.github.convnet4j.cuda.CudaUnavailableException;
import org.junit.jupiter.api.Test;

/** Backend selection: auto falls back to the CPU with a reason, cuda fails with it, no crash either way. */
class BackendsTest {

    private static boolean cudaUsable() {
        try (CudaBackend b = CudaBackend.open(CudaOptions.defaults())) {
            return b.name().equals("cuda");
        } catch (CudaUnavailableException e) {
            assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), "one-line reason: " + e.getMessage());
            return false;
        }
    }

    @Test
    void autoPicksCudaWhenUsableElseCpu() {
        boolean usable = cudaUsable();
        try (Backend b = Backends.open("auto")) {
            assertEquals(usable ? "cuda" : "cpu", b.name());
        }
    }

    @Test
    void cudaFailsWithTheReasonWhenUnusable() {
        if (cudaUsable()) {
            try (Backend b = Backends.open("cuda")) {
                assertEquals("cuda", b.name());
            }
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.open("cuda"));
            assertTrue(e.getMessage().startsWith("CUDA backend unavailable: "), e.getMessage());
        }
    }

    @Test
    void cpuAndUnknownNames() {
        try (Backend b = Backends.open("CPU")) {
            assertEquals("cpu", b.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("tpu"));
        assertTrue(e.getMessage().contains("auto, cpu or cuda"), e.getMessage());
    }
}
