package io.github.convnet4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The kernels of cuda/kernels.cu, loaded from the PTX on the class path, and their launches on the
 * backend's stream. Arguments are device pointers, Integer, Float, Long or Double.
 */
final class Kernels implements AutoCloseable {
    static final String PTX_RESOURCE = "/io/github/convnet4j/cuda/kernels.ptx";
    private static final int BLOCK = 256;
    /** Grid-stride loops cover any size; more blocks than this only add scheduling. */
    private static final int MAX_BLOCKS = 65_535;

    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final CUstream stream;

    Kernels(CUstream stream) {
        this.stream = stream;
        byte[] ptx = loadPtx();
        CudaCheck.driver(JCudaDriver.cuModuleLoadData(module, ptx), "cuModuleLoadData", PTX_RESOURCE);
    }

    static byte[] loadPtx() {
        try (InputStream in = Kernels.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new CudaException("the kernels' PTX " + PTX_RESOURCE + " is missing from the class path");
            }
            byte[] text = in.readAllBytes();
            byte[] terminated = new byte[text.length + 1]; // the driver reads a C string
            System.arraycopy(text, 0, terminated, 0, text.length);
            return terminated;
        } catch (IOException e) {
            throw new CudaException("cannot read " + PTX_RESOURCE, e);
        }
    }

    private CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            CudaCheck.driver(JCudaDriver.cuModuleGetFunction(f, module, n), "cuModuleGetFunction", n);
            return f;
        });
    }

    /** A grid-stride launch with enough blocks for {@code work} elements. */
    void launch(String name, long work, Object... args) {
        launchBlocks(name, gridBlocks(work), args);
    }

    /** Blocks for a grid-stride loop over {@code work} elements, in long so that no size overflows. */
    static int gridBlocks(long work) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (work + BLOCK - 1) / BLOCK));
    }

    /** A launch of exactly {@code blocks} blocks of {@value #BLOCK} threads (reductions). */
    void launchBlocks(String name, int blocks, Object... args) {
        NativePointerObject[] params = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = parameter(args[i]);
        }
        CudaCheck.driver(JCudaDriver.cuLaunchKernel(function(name), blocks, 1, 1, BLOCK, 1, 1, 0, stream,
                Pointer.to(params), null), "cuLaunchKernel", name);
    }

    private static Pointer parameter(Object arg) {
        if (arg instanceof Pointer p) {
            return Pointer.to(p);
        } else if (arg instanceof Integer i) {
            return Pointer.to(new int[]{i});
        } else if (arg instanceof Float f) {
            return Pointer.to(new float[]{f});
        } else if (arg instanceof Long l) {
            return Pointer.to(new long[]{l});
        } else if (arg instanceof Double d) {
            return Pointer.to(new double[]{d});
        }
        throw new IllegalArgumentException("unsupported kernel argument " + arg);
    }

    @Override
    public void close() {
        JCudaDriver.cuModuleUnload(module);
    }
}
