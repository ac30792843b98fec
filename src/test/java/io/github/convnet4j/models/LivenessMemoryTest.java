package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.Check;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Memory follows the widest point of the graph: ResNet-20 at inference holds a few values of the
 * widest size, whatever its depth, and a training step holds well under what one buffer per layer
 * output and input gradient would (what the chain engine allocated). Figures for larger models and
 * batches: {@link MemoryProbe}.
 */
class LivenessMemoryTest {
    @Test
    void resNet20InferenceHoldsAFewWidestValuesAndTrainingWellUnderOneBufferPerLayer() {
        int batch = 4;
        try (CpuBackend cpu = new CpuBackend(2);
             Network net = CifarResNet.resnet20(cpu, Shape.of(3, 32, 32), 10, 1);
             Tensor x = cpu.tensor(Check.randomFloats(new Random(1), batch * 3 * 32 * 32), Shape.of(batch, 3, 32, 32));
             Tensor t = cpu.tensor(new float[] {1, 2, 3, 4}, Shape.of(batch))) {
            long widest = 4L * batch * net.graph().shapes().values().stream().mapToLong(Shape::size).max().orElseThrow();
            net.predict(x);
            long inference = net.bufferPool().peakBytesInUse();
            // A block's input (kept for its shortcut), and the two or three values in flight along the block.
            assertTrue(inference <= 4 * widest, "inference peak " + inference + " bytes, widest value " + widest);
            net.gradient(x, t);
            long training = net.bufferPool().peakBytesInUse();
            long perLayer = MemoryProbe.perLayerBytes(net, batch);
            assertTrue(training < perLayer / 2, "training peak " + training + " bytes, one buffer per layer " + perLayer);
            assertTrue(training > 10 * widest, "training keeps what backward reads: " + training);
        }
    }
}
