package io.github.convnet4j.cuda;

import io.github.convnet4j.tensor.Storage;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;

/** Device memory behind a tensor; closing it returns the block to the backend's allocator once. */
final class DeviceStorage implements Storage {
    private final DeviceAllocator allocator;
    private final Pointer pointer;
    private final int capacity;
    private final AtomicBoolean closed = new AtomicBoolean();

    DeviceStorage(DeviceAllocator allocator, int capacity) {
        this.allocator = allocator;
        this.capacity = capacity;
        this.pointer = allocator.allocate((long) capacity * Float.BYTES);
    }

    Pointer pointer() {
        if (closed.get()) {
            throw new IllegalStateException("device tensor memory used after close");
        }
        return pointer;
    }

    @Override
    public long bytes() {
        return (long) capacity * Float.BYTES;
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            allocator.release(pointer, (long) capacity * Float.BYTES);
        }
    }
}
