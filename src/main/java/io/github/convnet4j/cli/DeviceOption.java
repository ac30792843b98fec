package io.github.convnet4j.cli;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Backends;
import io.github.convnet4j.cuda.CudaOptions;
import picocli.CommandLine.Option;

/** --device and --tf32, shared by the commands that compute. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--tf32", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "TF32 tensor-core convolutions on CUDA (default: ${DEFAULT-VALUE})")
    boolean tf32;

    @Option(names = "--deterministic", description = "only bit-reproducible cuDNN algorithms on CUDA")
    boolean deterministic;

    /** TF32 matrix products on CUDA: set by {@code train --precision tf32}, off otherwise (PyTorch's default). */
    boolean tf32Matmul;

    /** The device's name, before any data is loaded (the same message as {@link Backends#open}). */
    void checkName() {
        if (!java.util.List.of("auto", "cpu", "cuda").contains(device.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu or cuda");
        }
    }

    /**
     * Replica {@code rank} of {@code replicas}: on the CPU a backend with its share of the {@code cores}
     * (at least one thread), on CUDA device number {@code rank}.
     */
    Backend openReplica(int rank, int replicas, int cores) {
        if (rank == 0) {
            replicasOnCpu = resolvesToCpu();
        }
        if (replicasOnCpu) {
            return new io.github.convnet4j.cpu.CpuBackend(Math.max(1, cores / replicas));
        }
        CudaOptions defaults = CudaOptions.defaults();
        try {
            return Backends.open("cuda", new CudaOptions(rank, tf32 || tf32Matmul, tf32Matmul, deterministic, defaults.maxWorkspaceBytes()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("--replicas " + replicas + " on CUDA needs " + replicas + " GPUs (devices 0 to "
                    + (replicas - 1) + "), but device " + rank + " cannot be opened: " + e.getMessage(), e);
        }
    }

    private boolean replicasOnCpu;

    /** cpu, or auto on a machine where CUDA cannot be used (found by opening it once). */
    private boolean resolvesToCpu() {
        String d = device.toLowerCase(java.util.Locale.ROOT);
        if (!d.equals("auto")) {
            return d.equals("cpu");
        }
        try (Backend probe = open()) {
            return probe instanceof io.github.convnet4j.cpu.CpuBackend;
        }
    }

    Backend open() {
        CudaOptions d = CudaOptions.defaults();
        CudaOptions o = new CudaOptions(d.device(), tf32 || tf32Matmul, tf32Matmul, deterministic, d.maxWorkspaceBytes());
        return Backends.open(device, o);
    }
}
