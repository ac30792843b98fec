package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.Collections;
import java.util.List;

/**
 * Element-wise sum of values of one shape (ResNet's residual connection, Caffe's Eltwise SUM).
 * Forward is a copy and one axpy per further input, the backend's existing ops, so the CUDA backend
 * has it too; backward hands dL/dy unchanged to every input (the network adds it to whatever else
 * reaches that input).
 */
public final class Add extends Merge {
    private final Backend backend;
    private int inputs;

    /**
     * A merge adding 2 to 64 values of one shape element-wise (a residual connection); the
     * gradient of every input is dL/dy itself.
     */
    public Add(Backend backend, String name) {
        super(backend, name);
        this.backend = backend;
    }

    /** The common shape; IllegalArgumentException naming the shapes if they differ. */
    static Shape shapeOf(String name, List<Shape> in) {
        requireInputCount(name, in);
        for (Shape s : in) {
            if (!s.equals(in.get(0))) {
                throw new IllegalArgumentException(name + ": cannot add values of different shapes " + in);
            }
        }
        return in.get(0);
    }

    @Override
    public Shape outputShape(List<Shape> in) {
        return shapeOf(name(), in);
    }

    @Override
    public Tensor forward(List<Tensor> xs, boolean training) {
        Shape s = shapeOf(name(), xs.stream().map(Tensor::shape).toList());
        Tensor y = buffers.get("output", s, xs.get(0));
        backend.copy(xs.get(0), y);
        for (int i = 1; i < xs.size(); i++) {
            backend.axpy(1f, xs.get(i), y);
        }
        inputs = xs.size();
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dout) {
        return Collections.nCopies(inputs, dout);
    }
}
