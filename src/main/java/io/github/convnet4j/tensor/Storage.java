package io.github.convnet4j.tensor;

/**
 * The memory behind one or more tensors: a Java array for the CPU backend, device memory for
 * CUDA. Storage is owned by exactly one tensor (the one that allocated it); views share it
 * without owning it. It counts bytes, not elements, since its tensors may hold 2- or 4-byte types.
 */
public interface Storage extends AutoCloseable {
    /** Capacity in bytes. */
    long bytes();

    /** Whether {@link #close()} has been called: the backends refuse such memory (use after close). */
    boolean isClosed();

    /** Frees the memory. Idempotent; for heap storage it only marks the memory closed. */
    @Override
    void close();
}
