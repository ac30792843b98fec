package io.github.convnet4j.backend;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.cuda.CudaBackend;
import io.github.convnet4j.cuda.CudaOptions;
import io.github.convnet4j.cuda.CudaUnavailableException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a backend by name: {@code cpu}, {@code cuda}, or {@code auto} (CUDA when a device, the
 * driver and the libraries load, else the CPU with one log line saying why).
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * {@link #open(String, CudaOptions)} with the default CUDA options. The caller owns the returned backend and
     * closes it after every tensor it allocated.
     */
    public static Backend open(String device) {
        return open(device, CudaOptions.defaults());
    }

    /**
     * @throws IllegalStateException for {@code cuda} when CUDA is unusable, with the reason
     * @throws IllegalArgumentException for an unknown name
     */
    public static Backend open(String device, CudaOptions cudaOptions) {
        switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return new CpuBackend();
            case "cuda":
                try {
                    return CudaBackend.open(cudaOptions);
                } catch (CudaUnavailableException e) {
                    throw new IllegalStateException("CUDA backend unavailable: " + e.getMessage(), e);
                }
            case "auto":
                try {
                    CudaBackend cuda = CudaBackend.open(cudaOptions);
                    LOG.info("using the CUDA backend: {}", cuda.description());
                    return cuda;
                } catch (CudaUnavailableException e) {
                    LOG.warn("CUDA unavailable ({}); using the CPU backend", e.getMessage());
                    return new CpuBackend();
                }
            default:
                throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu or cuda");
        }
    }
}
