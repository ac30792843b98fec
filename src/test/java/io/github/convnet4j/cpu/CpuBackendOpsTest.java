package io.github.convnet4j.cpu;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.BackendOpsContract;

/** The CPU backend against the references, with three threads so that work splits unevenly. */
class CpuBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(3);
    }
}
