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

    /** Without CUDA, auto says why in one WARN line and nothing else (no stack trace, no leaked half-start). */
    @Test
    void autoFallsBackWithOneWarningLine() {
        org.junit.jupiter.api.Assumptions.assumeFalse(cudaUsable(), "CUDA is usable here: nothing to fall back from");
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try (Backend b = Backends.open("auto")) {
            assertEquals("cpu", b.name());
        } finally {
            System.setErr(err);
        }
        java.util.List<String> lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), "one line: " + lines);
        assertTrue(lines.get(0).contains("WARN") && lines.get(0).contains("CUDA unavailable (")
                && lines.get(0).endsWith("using the CPU backend"), lines.get(0));
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
