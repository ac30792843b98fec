package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Concatenation along channels (dimension 1) of NCHW values with the same N, H and W: GoogLeNet's
 * Inception output. Each input is copied into its channel slice of the output; backward cuts
 * dL/dy back into the slices, one gradient per input.
 */
public final class Concat extends Merge {
    private final Backend backend;
    private final List<Shape> inputShapes = new ArrayList<>();

    /**
     * A merge concatenating 2 to 64 NCHW values along channels, in input order; their N, H and W
     * must agree.
     */
    public Concat(Backend backend, String name) {
        super(backend, name);
        this.backend = backend;
    }

    /** (N, ΣC, H, W); IllegalArgumentException naming the shapes if N, H or W differ or one is not NCHW. */
    static Shape shapeOf(String name, List<Shape> in) {
        requireInputCount(name, in);
        long channels = 0;
        Shape first = in.get(0);
        for (Shape s : in) {
            if (s.rank() != 4 || first.rank() != 4) {
                throw new IllegalArgumentException(name + ": concatenates (N, C, H, W) values, got " + in);
            }
            if (s.dim(0) != first.dim(0) || s.dim(2) != first.dim(2) || s.dim(3) != first.dim(3)) {
                throw new IllegalArgumentException(name + ": cannot concatenate along channels values whose batch or"
                        + " spatial sizes differ: " + in);
            }
            channels += s.dim(1);
        }
        if (channels > 1 << 20) {
            throw new IllegalArgumentException(name + ": " + channels + " channels in all, more than " + (1 << 20));
        }
        return Shape.of(first.dim(0), (int) channels, first.dim(2), first.dim(3));
    }

    @Override
    public Shape outputShape(List<Shape> in) {
        return shapeOf(name(), in);
    }

    @Override
    public Tensor forward(List<Tensor> xs, boolean training) {
        inputShapes.clear();
        xs.forEach(x -> inputShapes.add(x.shape()));
        Tensor y = buffers.get("output", shapeOf(name(), inputShapes), xs.get(0));
        int offset = 0;
        for (Tensor x : xs) {
            backend.copyChannels(x, 0, y, offset, x.dim(1));
            offset += x.dim(1);
        }
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dout) {
        List<Tensor> dx = new ArrayList<>(inputShapes.size());
        int offset = 0;
        for (int i = 0; i < inputShapes.size(); i++) {
            Shape s = inputShapes.get(i);
            Tensor d = buffers.get("dx" + i, s, dout);
            backend.copyChannels(dout, offset, d, 0, s.dim(1));
            offset += s.dim(1);
            dx.add(d);
        }
        return dx;
    }
}
