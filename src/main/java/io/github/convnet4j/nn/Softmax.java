package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * Softmax or log-softmax as a layer (an imported ONNX model's output), over dimension {@code axis}
 * of the value (batch = 0, so axis ≥ 1), or with {@code trailing} over all dimensions from
 * {@code axis} on as one vector (ONNX's rule before opset 13). Computed on the host, like the
 * training loss's softmax: it runs once per batch on (N, classes) scores, where a device kernel
 * would save nothing worth a new backend method.
 */
public final class Softmax extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final int axis;
    private final boolean trailing;
    private final boolean log;
    private float[] output;
    private Shape shape;

    /** A softmax (or, when {@code log}, a log-softmax) over {@code axis} (≥ 1), or everything from it when {@code trailing}. */
    public Softmax(Backend backend, String name, int axis, boolean trailing, boolean log) {
        super(backend);
        this.backend = backend;
        this.name = name;
        this.axis = axis;
        this.trailing = trailing;
        this.log = log;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return shapeOf(name, input, axis);
    }

    static Shape shapeOf(String name, Shape input, int axis) {
        if (axis < 1 || axis >= input.rank()) {
            throw new IllegalArgumentException(name + ": softmax axis " + axis + " must be a dimension after the batch of "
                    + input);
        }
        return input;
    }

    /** (outer, length, inner): the softmax runs over length elements spaced inner apart, outer·inner times. */
    private int[] blocks(Shape s) {
        int outer = 1;
        int length = 1;
        int inner = 1;
        for (int d = 0; d < s.rank(); d++) {
            if (d < axis) {
                outer *= s.dim(d);
            } else if (d == axis || trailing) {
                length *= s.dim(d);
            } else {
                inner *= s.dim(d);
            }
        }
        return new int[] {outer, length, inner};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        shape = outputShape(x.shape());
        float[] v = x.toArray();
        int[] b = blocks(shape);
        for (int o = 0; o < b[0]; o++) {
            for (int i = 0; i < b[2]; i++) {
                int base = o * b[1] * b[2] + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < b[1]; k++) {
                    max = Math.max(max, v[base + k * b[2]]);
                }
                double sum = 0;
                for (int k = 0; k < b[1]; k++) {
                    sum += Math.exp(v[base + k * b[2]] - max);
                }
                double logSum = Math.log(sum);
                for (int k = 0; k < b[1]; k++) {
                    int at = base + k * b[2];
                    double z = v[at] - max - logSum;
                    v[at] = (float) (log ? z : Math.exp(z));
                }
            }
        }
        output = v;
        Tensor y = buffers.get("output", shape, x);
        y.copyFrom(v);
        return y;
    }

    /** Softmax: dx = y ⊙ (dy − Σ dy⊙y); log-softmax: dx = dy − e^y · Σ dy, each sum over one softmax vector. */
    @Override
    public Tensor backward(Tensor dout) {
        float[] dy = dout.toArray();
        float[] dx = new float[dy.length];
        int[] b = blocks(shape);
        for (int o = 0; o < b[0]; o++) {
            for (int i = 0; i < b[2]; i++) {
                int base = o * b[1] * b[2] + i;
                double dot = 0;
                for (int k = 0; k < b[1]; k++) {
                    int at = base + k * b[2];
                    dot += log ? dy[at] : (double) dy[at] * output[at];
                }
                for (int k = 0; k < b[1]; k++) {
                    int at = base + k * b[2];
                    dx[at] = (float) (log ? dy[at] - Math.exp(output[at]) * dot : output[at] * (dy[at] - dot));
                }
            }
        }
        Tensor t = buffers.get("dx", shape, dout);
        t.copyFrom(dx);
        return t;
    }

    @Override
    public boolean backwardNeedsInput() {
        return false;
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false; // backward reads the host copy it kept
    }
}
