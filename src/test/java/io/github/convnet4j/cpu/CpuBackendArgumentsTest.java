package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.BackendArgumentsContract;

/** The CPU backend refuses every bad argument of the SPI, through CheckedBackend. */
class CpuBackendArgumentsTest extends BackendArgumentsContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
