package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.BackendOpsContract;
import org.junit.jupiter.api.Tag;

/** Every op of the CUDA backend against the same double-precision references as the CPU's. */
@Tag("gpu")
class CudaBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return CudaTests.openOrSkip(CudaOptions.strictFp32());
    }

    /** cuDNN's even LRN window is not PyTorch's; the backend refuses even sizes (see LrnParams). */
    @Override
    protected boolean supportsEvenLrnSize() {
        return false;
    }
}
