package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Momentum;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.Check;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The graph models built and run on small inputs: what is built is what the plan says, and training moves the loss. */
class GraphModelsTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** The built network's parameters and buffers are exactly the plan's, and a forward and backward run. */
    private static void buildsAsPlannedAndRuns(NetworkSpec spec, int classes) {
        NetworkSpec.Plan plan = spec.plan();
        Shape item = spec.shape();
        try (Network net = spec.build(cpu, 1);
             Tensor x = cpu.tensor(Check.randomFloats(new Random(2), 2 * item.size()),
                     Shape.of(2, item.dim(0), item.dim(1), item.dim(2)));
             Tensor t = cpu.tensor(new float[] {0, classes - 1}, Shape.of(2))) {
            Map<String, Shape> built = new LinkedHashMap<>();
            for (Parameter p : net.parameters()) {
                built.put(p.name(), p.shape());
            }
            net.buffers().forEach((k, v) -> built.put(k, v.shape()));
            assertEquals(plan.tensors(), built);
            assertEquals(Shape.of(2, classes), net.predict(x).shape());
            float loss = net.gradient(x, t).toArray()[0];
            assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
        }
    }

    @Test
    void resNet18AndGoogLeNetOnSmallImages() {
        buildsAsPlannedAndRuns(ResNet.spec(18, Shape.of(3, 32, 32), 10), 10);
        buildsAsPlannedAndRuns(GoogLeNet.spec(Shape.of(3, 32, 32), 7), 7);
    }

    @Test
    void resNet20FitsEightFashionSizedImages() {
        int n = 8;
        try (Network net = CifarResNet.resnet20(cpu, Shape.of(1, 28, 28), 10, 5);
             Tensor x = cpu.tensor(Check.randomFloats(new Random(6), n * 784), Shape.of(n, 1, 28, 28));
             Tensor t = cpu.tensor(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, Shape.of(n));
             Momentum sgd = new Momentum(0.05f, 0.9f, 0f)) {
            net.setInputGradientNeeded(false);
            float first = net.gradient(x, t).toArray()[0];
            float last = first;
            for (int step = 0; step < 30; step++) {
                sgd.step(net.parameters());
                last = net.gradient(x, t).toArray()[0];
            }
            assertTrue(last < 0.5f * first, "loss " + first + " -> " + last);
        }
    }

    /** Feature-map sizes at 224×224 as torchvision's models produce them (ceil-mode pools in GoogLeNet). */
    @Test
    void plannedShapesAreTorchvisions() {
        Shape imagenet = Shape.of(3, 224, 224);
        Map<String, Shape> resnet = ResNet.spec(50, imagenet, 1000).plan().values();
        assertEquals(Shape.of(1, 64, 56, 56), resnet.get("maxpool"));
        assertEquals(Shape.of(1, 256, 56, 56), resnet.get("layer1.2.relu"));
        assertEquals(Shape.of(1, 2048, 7, 7), resnet.get("layer4.2.relu"));
        Map<String, Shape> googlenet = GoogLeNet.spec(imagenet, 1000).plan().values();
        assertEquals(Shape.of(1, 64, 56, 56), googlenet.get("maxpool1"));
        assertEquals(Shape.of(1, 256, 28, 28), googlenet.get("inception3a"));
        assertEquals(Shape.of(1, 480, 14, 14), googlenet.get("maxpool3"));
        assertEquals(Shape.of(1, 832, 7, 7), googlenet.get("maxpool4"));
        assertEquals(Shape.of(1, 1024, 7, 7), googlenet.get("inception5b"));
        Map<String, Shape> vgg = Vgg.spec(16, false, imagenet, 1000).plan().values();
        assertEquals(Shape.of(1, 512, 7, 7), vgg.get("features.30"));
        assertEquals(Shape.of(1, 1000), vgg.get("classifier.6"));
    }

    @Test
    void aSpecSummaryListsLayersShapesAndTheParameterCountWithoutBuilding() {
        String s = Vgg.spec(16, false, Shape.of(3, 224, 224), 1000).summary();
        assertTrue(s.endsWith("parameters: 138357544\n"), s);
        assertTrue(s.lines().anyMatch(l -> l.startsWith("classifier.0") && l.contains("102,764,544")), s);
        String g = GoogLeNet.spec(Shape.of(3, 224, 224), 1000).summary();
        assertTrue(g.lines().anyMatch(l -> l.startsWith("inception3a ") && l.contains("concat")
                && l.contains("[1, 256, 28, 28]") && l.contains("<- inception3a.branch1.relu")), g);
        assertTrue(g.lines().anyMatch(l -> l.startsWith("inception3a.branch1.conv ") && l.contains("12,288")), g);
    }

    @Test
    void specsRefuseWhatTheyCannotBuild() {
        assertThrows(() -> ResNet.spec(101, Shape.of(3, 224, 224), 10), "18, 34 or 50");
        assertThrows(() -> Vgg.spec(19, false, Shape.of(3, 224, 224), 10), "11 or 16");
        assertThrows(() -> CifarResNet.spec(21, Shape.of(3, 32, 32), 10), "6n + 2");
        assertThrows(() -> ResNet.spec(18, Shape.of(784), 10), "conv1: expected input of rank 4");
    }

    private static void assertThrows(org.junit.jupiter.api.function.Executable e, String fragment) {
        IllegalArgumentException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(fragment), x.getMessage());
    }
}
