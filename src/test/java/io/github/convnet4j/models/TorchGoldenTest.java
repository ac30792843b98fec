package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One training step of three small graph networks against PyTorch (src/test/python/graph_goldens.py:
 * torchvision's BasicBlock, Inception and BasicConv2d, a VGG-style stack; float64 on the float32
 * weights): the logits, the loss, the gradient of every parameter and of the input, and the batch
 * norm running statistics afterwards agree within 1e-4, relative to each tensor's norm (a bias that
 * batch norm cancels has gradient 0 in exact arithmetic, so there the test asks for ~0). The weights
 * load under their torchvision state_dict names, unchanged.
 */
class TorchGoldenTest {
    /** ‖ours − torch‖ / ‖torch‖ per tensor (absolute 1e-5 where PyTorch's is zero up to rounding). */
    static final double TOLERANCE = 1e-4;

    static NetworkSpec resnetBlock() {
        SpecBuilder b = new SpecBuilder(Shape.of(3, 12, 12));
        b.conv("conv1", 8, 3, 1, 1, false).batchNorm("bn1", 1e-5).relu("relu");
        ResNet.basic(b, "layer1.0", 8, 16, 2);
        return b.adaptiveAvgPool("avgpool", 1, 1).affine("fc", 5).softmaxWithLoss();
    }

    static NetworkSpec inceptionBlock() {
        SpecBuilder b = new SpecBuilder(Shape.of(3, 10, 10));
        GoogLeNet.basicConv(b, "conv1", 8, 3, 1, 1);
        GoogLeNet.inception(b, "inception3a", 4, 4, 6, 2, 3, 3);
        return b.maxPool("maxpool", 3, 2, 0, true).adaptiveAvgPool("avgpool", 1, 1).affine("fc", 5).softmaxWithLoss();
    }

    static NetworkSpec vggBlock() {
        SpecBuilder b = new SpecBuilder(Shape.of(3, 12, 12));
        b.conv("features.0", 8, 3, 1, 1, true).relu("features.1").maxPool("features.2", 2, 2, 0, false)
                .conv("features.3", 16, 3, 1, 1, true).batchNorm("features.4", 1e-5).relu("features.5")
                .maxPool("features.6", 2, 2, 0, false).adaptiveAvgPool("avgpool", 7, 7)
                .affine("classifier.0", 10).relu("classifier.1").affine("classifier.2", 5);
        return b.softmaxWithLoss();
    }

    @Test
    void resNetBlockMatchesPyTorch() throws IOException {
        matches("resnet-block", resnetBlock());
    }

    @Test
    void inceptionBlockMatchesPyTorch() throws IOException {
        matches("inception-block", inceptionBlock());
    }

    @Test
    void vggBlockMatchesPyTorch() throws IOException {
        matches("vgg-block", vggBlock());
    }

    private static void matches(String name, NetworkSpec spec) throws IOException {
        Map<String, SafeTensors.Entry> golden = read(name);
        Map<String, SafeTensors.Entry> weights = new LinkedHashMap<>();
        golden.forEach((k, v) -> {
            if (k.startsWith("param/")) {
                weights.put(k.substring("param/".length()), v);
            }
        });
        try (CpuBackend cpu = new CpuBackend(2); Network net = spec.build(cpu, 1);
             Tensor x = tensor(cpu, golden.get("x")); Tensor labels = tensor(cpu, golden.get("labels"))) {
            ModelFile.copyInto(name, net, weights);
            float loss = net.gradient(x, labels).toArray()[0];
            assertClose(name + " logits", golden.get("logits").values(), net.lastScores().toArray());
            assertClose(name + " loss", golden.get("loss").values(), new float[] {loss});
            assertClose(name + " dL/dx", golden.get("grad/input").values(), net.inputGradient().toArray());
            int checked = 0;
            for (Parameter p : net.parameters()) {
                SafeTensors.Entry g = golden.get("grad/" + p.name());
                assertTrue(g != null, name + ": no golden gradient for " + p.name());
                assertClose(name + " dL/d" + p.name(), g.values(), p.gradient().toArray());
                checked++;
            }
            assertEquals(golden.keySet().stream().filter(k -> k.startsWith("grad/") && !k.equals("grad/input")).count(),
                    checked, name + ": every parameter PyTorch has");
            for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) {
                assertClose(name + " " + e.getKey() + " after the step", golden.get("after/" + e.getKey()).values(),
                        e.getValue().toArray());
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - (double) expected[i]) * (actual[i] - (double) expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        if (Math.sqrt(norm) < 1e-6) {
            // Structurally zero (a convolution bias followed by batch norm): float32 rounding is all there is.
            assertTrue(Math.sqrt(diff) <= 1e-5, what + ": should be ~0, off by " + Math.sqrt(diff));
            return;
        }
        double relative = Math.sqrt(diff) / Math.sqrt(norm);
        assertTrue(relative <= TOLERANCE, what + ": relative error " + relative + " > " + TOLERANCE);
    }

    /** The check can fail: a tensor 2e-4 off (relative), or one element of many wrong, is caught. */
    @Test
    void theComparisonCatchesSmallErrors() {
        float[] expected = new float[100];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) Math.sin(i + 1);
        }
        float[] scaled = expected.clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] *= 1.0002f;
        }
        assertThrows(AssertionError.class, () -> assertClose("scaled", expected, scaled));
        float[] oneOff = expected.clone();
        oneOff[17] += 0.01f;
        assertThrows(AssertionError.class, () -> assertClose("one element", expected, oneOff));
        assertClose("itself", expected, expected.clone());
        assertThrows(AssertionError.class, () -> assertClose("a zero gradient that is not", new float[4],
                new float[] {0, 2e-5f, 0, 0}));
    }

    private static Tensor tensor(CpuBackend cpu, SafeTensors.Entry e) {
        return cpu.tensor(e.values(), e.shape());
    }

    private static Map<String, SafeTensors.Entry> read(String name) throws IOException {
        String path = "/io/github/convnet4j/models/" + name + ".golden.safetensors";
        try (InputStream in = TorchGoldenTest.class.getResourceAsStream(path)) {
            assertTrue(in != null, path + " is missing");
            return SafeTensors.read(path, in, -1).tensors();
        }
    }
}
