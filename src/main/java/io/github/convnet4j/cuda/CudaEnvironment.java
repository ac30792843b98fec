package io.github.convnet4j.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;

/** Probes whether CUDA is usable and describes the device and libraries, without stack traces. */
public final class CudaEnvironment {
    private static final Pattern MISSING_LIBRARY = Pattern.compile("(lib[\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

    private CudaEnvironment() {
    }

    /** Loads the native bindings and checks for a driver and the device; throws with the reason. */
    static void requireUsable(int device) throws CudaUnavailableException {
        try {
            int[] count = new int[1];
            int status = JCuda.cudaGetDeviceCount(count);
            if (status == cudaError.cudaErrorInsufficientDriver) {
                throw new CudaUnavailableException("no NVIDIA driver (libcuda.so.1), or one older than CUDA 12"
                        + " (cudaErrorInsufficientDriver)", null);
            }
            if (status != cudaError.cudaSuccess) {
                throw new CudaUnavailableException("no usable CUDA device: " + cudaError.stringFor(status), null);
            }
            if (count[0] <= device) {
                throw new CudaUnavailableException(count[0] == 0 ? "no CUDA device found"
                        : "CUDA device " + device + " requested but only " + count[0] + " found", null);
            }
            // Loading these classes loads JCublas2's and JCudnn's native libraries, which need
            // libcublas.so.12 and libcudnn.so.9.
            JCublas2.setExceptionsEnabled(false);
            JCudnn.setExceptionsEnabled(false);
            JCudnn.cudnnGetVersion();
        } catch (LinkageError e) {
            throw new CudaUnavailableException(reason(e), e);
        }
    }

    /** A one-line reason for a failure to load or start CUDA. */
    static String reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage());
            Matcher missing = MISSING_LIBRARY.matcher(m);
            if (missing.find()) {
                return missing.group(1) + " not found";
            }
        }
        String first = String.valueOf(t.getMessage()).lines().findFirst().orElse(t.getClass().getSimpleName());
        return t.getClass().getSimpleName() + ": " + first;
    }

    /** "NVIDIA H100 80GB HBM3 (sm_90, 79 GiB), CUDA driver 13.0, runtime 12.6, cuDNN 9.13.0". */
    static String describe(int device) {
        cudaDeviceProp prop = new cudaDeviceProp();
        JCuda.cudaGetDeviceProperties(prop, device);
        int[] driver = new int[1];
        int[] runtime = new int[1];
        JCuda.cudaDriverGetVersion(driver);
        JCuda.cudaRuntimeGetVersion(runtime);
        long cudnn = JCudnn.cudnnGetVersion();
        return String.format("%s (sm_%d%d, %d GiB), CUDA driver %s, runtime %s, cuDNN %d.%d.%d",
                prop.getName(), prop.major, prop.minor, prop.totalGlobalMem >> 30, version(driver[0]), version(runtime[0]),
                cudnn / 10000, (cudnn % 10000) / 100, cudnn % 100);
    }

    private static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }
}
