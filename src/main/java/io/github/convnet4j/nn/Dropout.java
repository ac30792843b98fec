package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;

/**
 * Inverted dropout: in training each element is zeroed with probability {@code ratio} and the
 * rest scaled by 1/(1 − ratio), so inference is the identity. Masks come from a counter-based
 * hash of (seed, step), identical on every backend; {@link #reseed} fixes them, for gradient checks
 * and resumed runs.
 */
public final class Dropout extends BufferedLayer {
    private final Backend backend;
    private final String name;
    private final float ratio;
    private long seed;
    private long step;
    private Tensor mask;

    /**
     * A dropout layer zeroing each element with probability {@code ratio}, in [0, 1), in training; {@code seed} fixes
     * the mask sequence. Throws {@link IllegalArgumentException} naming the layer for a ratio outside that range.
     */
    public Dropout(Backend backend, String name, float ratio, long seed) {
        super(backend);
        if (!(ratio >= 0f && ratio < 1f)) {
            throw new IllegalArgumentException(name + ": dropout ratio must be in [0, 1), got " + ratio);
        }
        this.backend = backend;
        this.name = name;
        this.ratio = ratio;
        this.seed = seed;
    }

    /** Restarts the mask sequence: the next training forward draws the mask of step 0 of this seed. */
    public void reseed(long newSeed) {
        this.seed = newSeed;
        this.step = 0;
    }

    /** The seed of the mask sequence. */
    public long seed() {
        return seed;
    }

    /** Masks drawn so far (saved in checkpoints so a resumed run draws the same ones). */
    public long step() {
        return step;
    }

    /**
     * Sets the number of masks already drawn, so that a run resumed from a checkpoint draws the masks it would have
     * drawn next.
     */
    public void setStep(long step) {
        this.step = step;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (!training) {
            mask = null;
            return x;
        }
        // In the activations' type, as PyTorch's autocast keeps it: 1/(1 - p) is then rounded too
        // (p = 0.1 gives 1.109375 in BF16, 0.16 % low), a bias as small as BF16's own rounding.
        mask = buffers.get("mask", x.shape(), x);
        backend.dropoutMask(mask, ratio, seed ^ (step++ * 0xD1B54A32D192ED03L));
        Tensor y = buffers.get("output", x.shape(), x);
        backend.multiply(x, mask, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dout) {
        if (mask == null) {
            return dout;
        }
        Tensor dx = buffers.get("dx", dout.shape(), dout);
        backend.multiply(dout, mask, dx);
        return dx;
    }

    @Override
    public boolean backwardNeedsInput() {
        return false;
    }

    @Override
    public boolean backwardNeedsOutput() {
        return false;
    }
}
