package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels' PTX (no GPU needed): it declares ISA 8.0 and sm_75 so CUDA 12.0+ drivers JIT it,
 * defines every kernel the backend launches, and the copy kept in the repository is what
 * cuda/build-ptx.sh makes from cuda/*.cu (checked where nvcc is installed).
 */
class PtxTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path KEPT = ROOT.resolve("src/main/resources/io/github/convnet4j/cuda/kernels.ptx");

    @Test
    void declaresTheOldestIsaAndTargetAndEveryLaunchedKernel() throws IOException {
        String ptx = new String(Kernels.loadPtx(), StandardCharsets.US_ASCII);
        assertTrue(ptx.contains("\n.version 8.0\n"), "PTX ISA 8.0 (CUDA 12.0 drivers)");
        assertTrue(ptx.contains("\n.target sm_75\n"), "target sm_75");
        String backend = Files.readString(ROOT.resolve("src/main/java/io/github/convnet4j/cuda/CudaBackend.java"));
        Matcher launch = Pattern.compile("(?:launch|launchBlocks)\\(\"(\\w+)\"").matcher(backend);
        int kernels = 0;
        while (launch.find()) {
            kernels++;
            assertTrue(ptx.contains(".entry " + launch.group(1) + "("), "PTX defines kernel " + launch.group(1));
        }
        assertTrue(kernels >= 20, "found the backend's launches (" + kernels + ")");
    }

    @Test
    void keptPtxMatchesTheSources(@TempDir Path tmp) throws Exception {
        boolean nvcc = new ProcessBuilder("bash", "-c", "command -v nvcc").start().waitFor() == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(nvcc, "nvcc not installed: the kept PTX is used as it is");
        Process p = new ProcessBuilder("bash", ROOT.resolve("cuda/build-ptx.sh").toString(), tmp.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "build-ptx.sh finished");
        assertEquals(0, p.exitValue(), out);
        assertEquals(Files.readString(KEPT), Files.readString(tmp.resolve("kernels.ptx")),
                "src/main/resources/.../kernels.ptx is stale: run bash cuda/build-ptx.sh");
    }
}
