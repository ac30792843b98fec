package io.github.convnet4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel choice as a user meets it, in JVMs of their own: without {@code --add-modules
 * jdk.incubator.vector} the plain-Java kernel runs (the Vector API classes are never loaded, so the
 * backend works on any JVM) and the log line says how to get the faster one; a bad
 * {@code -Dconvnet4j.gemm} is a clear error.
 */
class GemmKernelSelectionTest {
    private record Run(int exit, String out) {
    }

    private static Run probe(String... jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GemmKernelProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void withoutTheModuleThePlainJavaKernelRunsAndSaysHowToEnableTheOther() throws Exception {
        Run r = probe("-verbose:class");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("CPU GEMM: auto-vectorised Java loops")
                && r.out().contains("--add-modules jdk.incubator.vector"), r.out());
        assertTrue(r.out().contains("product [1.0, 2.0, 3.0, 4.0]"), r.out());
        assertFalse(r.out().contains("io.github.convnet4j.cpu.VectorGemmKernel")
                || r.out().contains("jdk.incubator.vector.FloatVector"), "Vector API classes were loaded");
    }

    @Test
    void withTheModuleTheVectorKernelRuns() throws Exception {
        Run r = probe("--add-modules", "jdk.incubator.vector");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("product [1.0, 2.0, 3.0, 4.0]"), r.out());
        if (VectorGemmKernel.SPECIES.vectorBitSize() >= 256) {
            assertTrue(r.out().contains("CPU GEMM: Vector API register-blocked kernel"), r.out());
        }
    }

    @Test
    void aBadSettingIsAClearError() throws Exception {
        Run r = probe("-Dconvnet4j.gemm=fastest");
        assertTrue(r.exit() != 0, r.out());
        assertTrue(r.out().contains("-Dconvnet4j.gemm must be auto, vector or java, got 'fastest'"), r.out());
        Run forced = probe("-Dconvnet4j.gemm=vector");
        assertTrue(forced.exit() != 0, forced.out());
        assertTrue(forced.out().contains("-Dconvnet4j.gemm=vector, but start java with --add-modules jdk.incubator.vector"),
                forced.out());
    }
}
