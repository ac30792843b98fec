package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.BackendArgumentsContract;
import org.junit.jupiter.api.Tag;

/**
 * The CUDA backend refuses the same bad arguments as the CPU's before any of them reaches JNI
 * (a short host array would otherwise be overrun by cudaMemcpy).
 */
@Tag("gpu")
class CudaBackendArgumentsTest extends BackendArgumentsContract {
    @Override
    protected Backend createBackend() {
        return CudaTests.openOrSkip(CudaOptions.strictFp32());
    }
}
