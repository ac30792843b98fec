package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The one predicate GPU tests skip through: without a usable CUDA they are skipped, with the
 * reason, unless the environment says {@code GPU_TESTS=required}, where they fail instead.
 */
public final class CudaTests {
    private CudaTests() {
    }

    public static boolean required() {
        return "required".equalsIgnoreCase(System.getenv("GPU_TESTS"));
    }

    public static CudaBackend openOrSkip(CudaOptions options) {
        try {
            return CudaBackend.open(options);
        } catch (CudaUnavailableException e) {
            if (required()) {
                fail("GPU_TESTS=required but CUDA is unavailable: " + e.getMessage(), e);
            }
            Assumptions.abort("CUDA unavailable: " + e.getMessage());
            return null;
        }
    }
}
