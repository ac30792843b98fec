package io.github.convnet4j.tensor;

import io.github.convnet4j.backend.Backend;

/**
 * A tensor owned by one backend, of one {@link DType} (F32 unless asked otherwise) and, at rank 4,
 * one {@link MemoryFormat} (NCHW unless asked otherwise). The tensor that allocated its storage owns it and
 * frees it on {@link #close()}; views made by {@link #reshape} share the storage and do not.
 * Moving data between host and device is always explicit ({@link #toArray()}, {@link #copyFrom}).
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private final DType dtype;
    private final MemoryFormat format;
    private final Storage storage;
    private final boolean ownsStorage;

    /** An F32 NCHW tensor; called by backends when they allocate (user code asks a backend for tensors). */
    public Tensor(Backend backend, Shape shape, Storage storage, boolean ownsStorage) {
        this(backend, shape, DType.F32, MemoryFormat.NCHW, storage, ownsStorage);
    }

    /** Called by backends when they allocate; NHWC needs a rank-4 shape. */
    public Tensor(Backend backend, Shape shape, DType dtype, MemoryFormat format, Storage storage,
                  boolean ownsStorage) {
        if (format == MemoryFormat.NHWC && shape.rank() != 4) {
            throw new IllegalArgumentException("NHWC needs a rank-4 (N, C, H, W) shape, got " + shape);
        }
        long needed = (long) shape.size() * dtype.bytes();
        if (storage.bytes() < needed) {
            throw new IllegalArgumentException("storage of " + storage.bytes() + " bytes cannot hold " + dtype + " "
                    + shape + " (" + needed + " bytes)");
        }
        this.backend = backend;
        this.shape = shape;
        this.dtype = dtype;
        this.format = format;
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

    /** The element type in memory; host copies are always float values of this type. */
    public DType dtype() {
        return dtype;
    }

    /** The order of the elements in memory (always NCHW below rank 4). */
    public MemoryFormat format() {
        return format;
    }

    /** Whether this is the engine's default kind of tensor: F32 in NCHW order. */
    public boolean isF32Nchw() {
        return dtype == DType.F32 && format == MemoryFormat.NCHW;
    }

    /** The number of elements, the product of all dimensions. */
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

    /**
     * A view with another shape of the same size, sharing this tensor's memory (no copy). An NHWC
     * tensor's memory is not in the logical order a new shape would read, so it has views of its
     * own shape only: convert it to NCHW first ({@link Backend#convert}).
     */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to "
                    + newShape + " (" + newShape.size() + " elements)");
        }
        if (format == MemoryFormat.NHWC && !newShape.equals(shape)) {
            throw new IllegalArgumentException("cannot reshape the NHWC tensor " + shape + " to " + newShape
                    + ": its memory is channels-last; convert it to NCHW first");
        }
        return new Tensor(backend, newShape, dtype, format, storage, false);
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

    /**
     * Copies the contents to a new host array in logical NCHW order, each element the exact float
     * value of its type (a device-to-host transfer on GPU backends).
     */
    public float[] toArray() {
        float[] out = new float[size()];
        backend.download(this, out);
        return out;
    }

    /**
     * Copies host data (logical NCHW order) into this tensor, each value rounded to the tensor's
     * type to nearest even (a host-to-device transfer on GPU backends).
     */
    public void copyFrom(float[] data) {
        if (data.length != size()) {
            throw new IllegalArgumentException("tensor " + shape + " holds " + size() + " elements, got " + data.length);
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
        String kind = isF32Nchw() ? "" : "<" + dtype + (format == MemoryFormat.NHWC ? ",NHWC" : "") + ">";
        return "Tensor" + kind + shape + "@" + backend.name();
    }
}
