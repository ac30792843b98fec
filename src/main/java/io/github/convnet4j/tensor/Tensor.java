package io.github.convnet4j.tensor;

import io.github.convnet4j.backend.Backend;

/**
 * A float32 tensor owned by one backend. The tensor that allocated its storage owns it and
 * frees it on {@link #close()}; views made by {@link #reshape} share the storage and do not.
 * Moving data between host and device is always explicit ({@link #toArray()}, {@link #copyFrom}).
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private final Storage storage;
    private final boolean ownsStorage;

    /** Called by backends when they allocate; user code asks a backend for tensors. */
    public Tensor(Backend backend, Shape shape, Storage storage, boolean ownsStorage) {
        if (storage.capacity() < shape.size()) {
            throw new IllegalArgumentException("storage of " + storage.capacity() + " floats cannot hold shape " + shape);
        }
        this.backend = backend;
        this.shape = shape;
        this.storage = storage;
        this.ownsStorage = ownsStorage;
    }

    /** The backend that allocated this tensor's storage; every operation on it must go through this backend. */
    public Backend backend() {
        return backend;
    }

    /** The shape of this tensor (views made by {@link #reshape} have their own). */
    public Shape shape() {
        return shape;
    }

    /** The number of float elements, the product of all dimensions. */
    public int size() {
        return shape.size();
    }

    /**
     * The extent of dimension {@code axis} (0 is the batch for NCHW activations); throws {@link
     * ArrayIndexOutOfBoundsException} when {@code axis} is not below {@link #rank()}.
     */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** The number of dimensions, 1 to {@link Shape#MAX_RANK}. */
    public int rank() {
        return shape.rank();
    }

    /** The backend-specific memory; for backends, not for user code. */
    public Storage storage() {
        return storage;
    }

    /** A view with another shape of the same size, sharing this tensor's memory (no copy). */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to "
                    + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(backend, newShape, storage, false);
    }

    /**
     * A view with the shape {@code dims}, sharing this tensor's memory; see {@link #reshape(Shape)}. The view does not
     * own the storage, so closing it frees nothing and it must not be used after this tensor is closed. Throws {@link
     * IllegalArgumentException} when the sizes differ or a dimension is not positive.
     */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /** A 2-D view (batch, everything else): how Affine layers see an NCHW input. */
    public Tensor flattenToMatrix() {
        return reshape(shape.batch(), shape.perItem());
    }

    /** Copies the contents to a new host array (a device-to-host transfer on GPU backends). */
    public float[] toArray() {
        float[] out = new float[size()];
        backend.download(this, out);
        return out;
    }

    /** Copies host data into this tensor (a host-to-device transfer on GPU backends). */
    public void copyFrom(float[] data) {
        if (data.length != size()) {
            throw new IllegalArgumentException("tensor " + shape + " holds " + size() + " floats, got " + data.length);
        }
        backend.upload(data, this);
    }

    @Override
    public void close() {
        if (ownsStorage) {
            storage.close();
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + "@" + backend.name();
    }
}
