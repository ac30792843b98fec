package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.optim.Sgd;
import io.github.convnet4j.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loss scaler against PyTorch's GradScaler rule (torch/cuda/amp/grad_scaler.py): skip and halve on overflow, double after N clean steps. */
class DynamicLossScalerTest {
    @Test
    void anOverflowSkipsTheStepAndHalvesTheScaleAndCleanStepsGrowIt() {
        try (CpuBackend cpu = new CpuBackend(1); Parameter w = new Parameter(cpu, "w", Shape.of(3), true);
             Parameter b = new Parameter(cpu, "b", Shape.of(2), false); Optimizer sgd = new Sgd(0.1f)) {
            w.value().copyFrom(new float[] {1, 2, 3});
            DynamicLossScaler scaler = new DynamicLossScaler(1024f, 2f, 0.5f, 3);
            List<Parameter> ps = List.of(w, b);

            // A clean step: gradients of (scale x loss) come back unscaled, exactly, and the step is taken.
            w.gradient().copyFrom(new float[] {1024f * 0.5f, 1024f * -0.25f, 1024f * 3e-5f});
            b.gradient().copyFrom(new float[] {0f, 1024f});
            assertTrue(scaler.unscaleAndCheck(ps));
            assertArrayEquals(new float[] {0.5f, -0.25f, 3e-5f}, w.gradient().toArray());
            sgd.step(ps);
            assertArrayEquals(new float[] {1 - 0.05f, 2 + 0.025f, 3 - 3e-6f}, w.value().toArray(), 1e-7f);

            // The injected overflow: one infinite element in the second parameter.
            float[] before = w.value().toArray();
            w.gradient().copyFrom(new float[] {1, 1, 1});
            b.gradient().copyFrom(new float[] {Float.POSITIVE_INFINITY, 1});
            boolean step = scaler.unscaleAndCheck(ps);
            assertFalse(step, "the step must be skipped");
            if (step) {
                sgd.step(ps);
            }
            assertArrayEquals(before, w.value().toArray(), "weights unchanged by a skipped step");
            assertEquals(512f, scaler.scale(), "the scale halves");
            assertEquals(1, scaler.skippedSteps());

            // NaN counts as an overflow too.
            w.gradient().copyFrom(new float[] {Float.NaN, 0, 0});
            assertFalse(scaler.unscaleAndCheck(ps));
            assertEquals(256f, scaler.scale());

            // Three clean steps in a row after the last overflow double it; the count restarts after.
            for (int i = 0; i < 3; i++) {
                w.gradient().copyFrom(new float[] {1, 1, 1});
                b.gradient().copyFrom(new float[] {1, 1});
                assertTrue(scaler.unscaleAndCheck(ps));
                assertEquals(i < 2 ? 256f : 512f, scaler.scale(), "after clean step " + (i + 1));
            }
        }
    }

    @Test
    void theDefaultsArePyTorchsAndBadSettingsAreRefused() {
        DynamicLossScaler s = new DynamicLossScaler();
        assertEquals(65536f, s.scale());
        for (int i = 0; i < 1999; i++) {
            s.update(true);
        }
        assertEquals(65536f, s.scale());
        s.update(true);
        assertEquals(131072f, s.scale(), "growth_interval 2000");
        assertThrows(IllegalArgumentException.class, () -> new DynamicLossScaler(0f, 2f, 0.5f, 10));
        assertThrows(IllegalArgumentException.class, () -> new DynamicLossScaler(1f, 1f, 0.5f, 10));
        assertThrows(IllegalArgumentException.class, () -> new DynamicLossScaler(1f, 2f, 1f, 10));
        assertThrows(IllegalArgumentException.class, () -> new DynamicLossScaler(1f, 2f, 0.5f, 0));
    }
}
