package io.github.convnet4j.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

/**
 * A caching allocator for device memory: freed blocks go to a free list by rounded size and are
 * handed out again, so a training loop that frees and re-allocates the same shapes stops calling
 * cudaMalloc after its first steps. Counters make "no new device memory in steady state" testable.
 * Synchronised: it belongs to one backend, but a tensor may be closed from any thread.
 */
final class DeviceAllocator implements AutoCloseable {
    /** Sizes are rounded up to this many bytes (cudaMalloc aligns to 256 anyway). */
    private static final long GRANULE = 512;

    private final Map<Long, ArrayDeque<Pointer>> free = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long mallocCalls;

    /** A device block of at least {@code bytes}. */
    synchronized Pointer allocate(long bytes) {
        long size = round(bytes);
        ArrayDeque<Pointer> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            bytesCached -= size;
            bytesInUse += size;
            return list.pop();
        }
        Pointer p = new Pointer();
        int status = JCuda.cudaMalloc(p, size);
        if (status == cudaError.cudaErrorMemoryAllocation && bytesCached > 0) {
            JCuda.cudaGetLastError(); // clear the sticky-free error before retrying
            releaseCached();
            status = JCuda.cudaMalloc(p, size);
        }
        CudaCheck.runtime(status, "cudaMalloc", size + " bytes; " + bytesInUse + " bytes in use");
        mallocCalls++;
        bytesInUse += size;
        return p;
    }

    synchronized void release(Pointer p, long bytes) {
        long size = round(bytes);
        bytesInUse -= size;
        bytesCached += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(p);
    }

    synchronized long bytesInUse() {
        return bytesInUse;
    }

    synchronized long mallocCalls() {
        return mallocCalls;
    }

    private synchronized void releaseCached() {
        for (ArrayDeque<Pointer> list : free.values()) {
            for (Pointer p : list) {
                JCuda.cudaFree(p);
            }
            list.clear();
        }
        bytesCached = 0;
    }

    static long round(long bytes) {
        return Math.max(GRANULE, (bytes + GRANULE - 1) / GRANULE * GRANULE);
    }

    @Override
    public synchronized void close() {
        releaseCached();
    }
}
