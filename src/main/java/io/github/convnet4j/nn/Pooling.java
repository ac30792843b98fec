package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.backend.PoolMode;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/** Max or average pooling over windows of each channel; see {@link MaxPooling}, {@link AveragePooling}. */
public class Pooling extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final PoolMode mode;
    private final int windowH;
    private final int windowW;
    private final int stride;
    private final int pad;
    private final OutputRounding rounding;
    private PoolGeometry geometry;
    private Tensor input;
    private Tensor output;

    /**
     * For {@link MaxPooling} and {@link AveragePooling}: a {@code windowH}×{@code windowW} window of the given
     * {@code mode}, the same stride and padding on both axes; the geometry is validated per input shape, naming the
     * layer.
     */
    protected Pooling(Backend backend, String name, PoolMode mode, int windowH, int windowW, int stride, int pad,
                      OutputRounding rounding) {
        super(backend);
        this.backend = backend;
        this.name = name;
        this.mode = mode;
        this.windowH = windowH;
        this.windowW = windowW;
        this.stride = stride;
        this.pad = pad;
        this.rounding = rounding;
    }

    @Override
    public String name() {
        return name;
    }

    private PoolGeometry geometry(Shape input) {
        if (geometry == null || !geometry.inputShape().equals(input)) {
            geometry = PoolGeometry.of(name, input, windowH, windowW, stride, stride, pad, pad, rounding);
        }
        return geometry;
    }

    @Override
    public Shape outputShape(Shape input) {
        return geometry(input).outputShape();
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        PoolGeometry g = geometry(x.shape());
        output = buffers.get("output", g.outputShape(), x);
        backend.poolForward(mode, g, x, output);
        input = x;
        return output;
    }

    @Override
    public Tensor backward(Tensor dout) {
        PoolGeometry g = geometry(input.shape());
        Tensor dx = buffers.get("dx", g.inputShape(), dout);
        backend.poolBackward(mode, g, input, output, dout, dx);
        return dx;
    }
}
