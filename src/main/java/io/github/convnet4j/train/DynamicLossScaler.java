package io.github.convnet4j.train;

import io.github.convnet4j.nn.Parameter;
import java.util.List;

/**
 * The loss scale of F16 mixed-precision training, with PyTorch's {@code GradScaler} rule: the loss
 * is multiplied by {@link #scale()} before backward so that small gradients survive F16's narrow
 * range; afterwards {@link #unscaleAndCheck} divides the gradients by the scale and checks them. A
 * step with an infinite or NaN gradient is skipped and the scale is multiplied by the backoff factor
 * (0.5); after {@code growthInterval} clean steps in a row it is multiplied by the growth factor (2).
 * Powers of two keep the unscaling exact. BF16 needs none: its exponent range is FP32's.
 */
public final class DynamicLossScaler {
    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private float scale;
    private int cleanSteps;
    private long skippedSteps;

    /** PyTorch's defaults: initial scale 2^16, growth 2, backoff 0.5, growth interval 2000. */
    public DynamicLossScaler() {
        this(65536f, 2f, 0.5f, 2000);
    }

    public DynamicLossScaler(float initialScale, float growthFactor, float backoffFactor, int growthInterval) {
        if (!(initialScale > 0) || Float.isInfinite(initialScale) || !(growthFactor > 1) || !(backoffFactor > 0)
                || !(backoffFactor < 1) || growthInterval < 1) {
            throw new IllegalArgumentException("loss scaler: need initial scale > 0 and finite, growth > 1, backoff in"
                    + " (0, 1) and interval >= 1; got " + initialScale + ", " + growthFactor + ", " + backoffFactor + ", "
                    + growthInterval);
        }
        this.scale = initialScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The factor the loss (and so every gradient) is multiplied by in this step's backward. */
    public float scale() {
        return scale;
    }

    /** Steps skipped so far because a gradient overflowed. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * Divides every gradient by the scale, in place, and updates the scale. Returns whether the
     * optimizer may step: false when any gradient holds an infinity or NaN (the step must be skipped;
     * the gradients are then meaningless).
     */
    public boolean unscaleAndCheck(List<Parameter> parameters) {
        boolean finite = true;
        float inverse = 1f / scale;
        for (Parameter p : parameters) {
            p.gradient().backend().scale(p.gradient(), inverse);
            // Any Inf or NaN makes the sum of squares non-finite; finite float gradients cannot overflow a double.
            if (finite && !Double.isFinite(p.gradient().backend().sumOfSquares(p.gradient()))) {
                finite = false;
            }
        }
        update(finite);
        return finite;
    }

    /** The scale rule after a step whose gradients were {@code finite} or not. */
    void update(boolean finite) {
        if (!finite) {
            scale *= backoffFactor;
            cleanSteps = 0;
            skippedSteps++;
            return;
        }
        if (++cleanSteps == growthInterval) {
            float grown = scale * growthFactor;
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            cleanSteps = 0;
        }
    }
}
