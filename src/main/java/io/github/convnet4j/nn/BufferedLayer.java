package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;

/**
 * A layer whose output and input gradients come from its {@link Buffers} (the network's
 * {@link BufferPool} once it is in a network), which it owns: closing the layer closes them. A
 * layer that owns more (parameters) closes that too and then calls {@code super.close()}.
 */
abstract class BufferedLayer implements Layer {
    /** The layer's work tensors, by role ("output", "dx", a dropout mask...). */
    final Buffers buffers;

    /** Buffers allocate nothing until first asked, so a constructor that then refuses leaks nothing. */
    BufferedLayer(Backend backend) {
        this.buffers = new Buffers(backend);
    }

    @Override
    public void shareBuffers(BufferPool pool) {
        buffers.share(pool);
    }

    @Override
    public void close() {
        buffers.close();
    }
}
