package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.Transpose;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A fully connected layer, y = x·Wᵀ + b, with W stored (out, in) as PyTorch's Linear does. It
 * flattens an (N, C, H, W) input to (N, C·H·W) and gives dx the input's original shape.
 */
public final class Affine implements Layer {
    private final Backend backend;
    private final String name;
    private final int inFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private final ParameterCast weightCast;
    private final ParameterCast biasCast;
    private final Buffers buffers;
    private Tensor input;
    /** The input as a matrix in row-major order (a converted copy when the input is NHWC). */
    private Tensor inputMatrix;

    /**
     * A layer mapping {@code inFeatures} inputs per item (C·H·W for an image input) to {@code outFeatures} outputs;
     * the weight ({@code name}.weight, shape (out, in)) is initialized by {@code init} from {@code rng} and the bias
     * ({@code name}.bias) starts at zero. The layer owns both and frees them on close, also when the constructor
     * fails.
     */
    public Affine(Backend backend, String name, int inFeatures, int outFeatures, Initializer init, Random rng) {
        this.backend = backend;
        this.name = name;
        this.inFeatures = inFeatures;
        UnderConstruction made = new UnderConstruction();
        try {
            this.weight = made.add(new Parameter(backend, name + ".weight", Shape.of(outFeatures, inFeatures), true));
            this.bias = made.add(new Parameter(backend, name + ".bias", Shape.of(outFeatures), false));
            this.buffers = new Buffers(backend);
            this.weightCast = new ParameterCast(backend, weight);
            this.biasCast = new ParameterCast(backend, bias);
            init.initialize(weight, inFeatures, outFeatures, rng);
        } catch (RuntimeException | Error e) {
            made.abandon(e);
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.perItem() != inFeatures) {
            throw new IllegalArgumentException(name + ": expected input (N, " + inFeatures
                    + ") or (N, C, H, W) with C*H*W = " + inFeatures + ", got " + input);
        }
        return Shape.of(input.batch(), weight.shape().dim(0));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = buffers.get("output", outputShape(x.shape()), x);
        inputMatrix = RowMajor.of(x, buffers).flattenToMatrix();
        backend.gemm(Transpose.NO, Transpose.YES, 1f, inputMatrix, weightCast.value(x), 0f, y);
        backend.addRowVector(y, biasCast.value(x));
        input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        backend.gemm(Transpose.YES, Transpose.NO, 1f, dout, inputMatrix, 0f, weightCast.gradient());
        weightCast.storeGradient();
        backend.sumRows(dout, biasCast.gradient());
        biasCast.storeGradient();
        Tensor dx = RowMajor.gradientBuffer(input, buffers);
        backend.gemm(Transpose.NO, Transpose.NO, 1f, dout, weightCast.current(), 0f, dx.flattenToMatrix());
        return RowMajor.inInputFormat(dx, input, buffers);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public void shareBuffers(BufferPool pool) {
        buffers.share(pool);
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false;
    }

    @Override
    public void close() {
        weightCast.close();
        biasCast.close();
        weight.close();
        bias.close();
        buffers.close();
    }
}
