package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.CifarResNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import io.github.convnet4j.testing.Check;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files of graph networks: the graph round-trips, chains are written as before, bad graphs are refused. */
class GraphModelFileTest {
    @TempDir
    Path dir;

    @Test
    void aResidualNetworkRoundTripsWithItsGraphWeightsAndPredictions() throws IOException {
        Path file = dir.resolve("resnet20.safetensors");
        try (CpuBackend cpu = new CpuBackend(2);
             Network net = CifarResNet.resnet20(cpu, Shape.of(1, 28, 28), 10, 3);
             Tensor x = cpu.tensor(Check.randomFloats(new Random(4), 2 * 784), Shape.of(2, 1, 28, 28));
             Tensor labels = cpu.tensor(new float[] {1, 7}, Shape.of(2))) {
            net.gradient(x, labels); // moves the running statistics
            ModelFile.save(net, file, Map.of());
            float[] expected = net.predict(x).toArray();
            try (Network back = ModelFile.load(cpu, file).network()) {
                assertEquals(net.spec(), back.spec());
                assertEquals(net.graph().nodes().stream().map(n -> n.name() + "<-" + n.inputs()).toList(),
                        back.graph().nodes().stream().map(n -> n.name() + "<-" + n.inputs()).toList());
                for (Parameter p : net.parameters()) {
                    assertArrayEquals(p.value().toArray(), back.parameter(p.name()).value().toArray(), p.name());
                }
                assertArrayEquals(expected, back.predict(x).toArray());
            }
        }
    }

    @Test
    void chainsCarryNoInputsAndGraphsNameThem() {
        try (CpuBackend cpu = new CpuBackend(1);
             Network chain = new NetworkBuilder(cpu, Shape.of(1, 4, 4), 1).conv("c", 2, 3, 1, 1).relu("r")
                     .affine("fc", 2).softmaxWithLoss();
             Network graph = new NetworkBuilder(cpu, Shape.of(1, 4, 4), 1).conv("c", 2, 3, 1, 1).relu("r")
                     .from("c").sigmoid("s").sum("sum", "r", "s").affine("fc", 2).softmaxWithLoss()) {
            String chainJson = ArchitectureJson.write(chain.spec().orElseThrow());
            assertFalse(chainJson.contains("inputs"), chainJson);
            assertFalse(chainJson.contains("bias"), "a default setting is not written: " + chainJson);
            String graphJson = ArchitectureJson.write(graph.spec().orElseThrow());
            assertTrue(graphJson.contains("\"name\":\"s\",\"args\":{},\"inputs\":[\"c\"]"), graphJson);
            assertTrue(graphJson.contains("\"inputs\":[\"r\",\"s\"]"), graphJson);
        }
    }

    private static String graph(String layers) {
        return "{\"itemShape\":[1,4,4],\"layers\":[" + layers + "],\"loss\":\"softmax_cross_entropy\"}";
    }

    private static final String RELU_A = "{\"type\":\"relu\",\"name\":\"a\",\"args\":{}}";

    private static void refused(String architecture, String... fragments) {
        byte[] file;
        try {
            file = ModelBytes.model(architecture);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelBytes.load(file));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void hostileGraphsAreRefusedBeforeAllocatingWithTheLayerNamed() {
        refused(graph(RELU_A + ",{\"type\":\"add\",\"name\":\"s\",\"args\":{},\"inputs\":[\"a\",\"b\"]},"
                + "{\"type\":\"relu\",\"name\":\"b\",\"args\":{},\"inputs\":[\"s\"]}"), "layer s reads 'b'", "a cycle");
        refused(graph(RELU_A + ",{\"type\":\"relu\",\"name\":\"b\",\"args\":{},\"inputs\":[\"ghost\"]}"),
                "layer b reads 'ghost'");
        refused(graph(RELU_A + ",{\"type\":\"maxpool\",\"name\":\"p\",\"args\":{\"window\":2,\"stride\":2,\"pad\":0,"
                + "\"rounding\":\"STRICT\"},\"inputs\":[\"input\"]},{\"type\":\"concat\",\"name\":\"c\",\"args\":{},"
                + "\"inputs\":[\"a\",\"p\"]}"), "layer c reads a [1, 1, 4, 4], p [1, 1, 2, 2]", "spatial");
        refused(graph(RELU_A + ",{\"type\":\"add\",\"name\":\"s\",\"args\":{},\"inputs\":[\"a\"]}"), "s (add)",
                "reads 2..64 values");
        refused(graph(RELU_A + ",{\"type\":\"relu\",\"name\":\"b\",\"args\":{},\"inputs\":\"a\"}"), "'inputs' must be a list");
        refused(graph(RELU_A + ",{\"type\":\"relu\",\"name\":\"b\",\"args\":{},\"inputs\":[\"a\",\"input\"]}"),
                "at most 1 named");
        refused(graph(RELU_A + ",{\"type\":\"relu\",\"name\":\"dead\",\"args\":{}},{\"type\":\"relu\",\"name\":\"c\","
                + "\"args\":{},\"inputs\":[\"a\"]}"), "[dead] do not lead to the output");
        StringBuilder many = new StringBuilder(RELU_A + ",{\"type\":\"add\",\"name\":\"s\",\"args\":{},\"inputs\":[");
        for (int i = 0; i < 65; i++) {
            many.append(i == 0 ? "" : ",").append("\"a\"");
        }
        refused(graph(many + "]}"), "'inputs' must be a list of 1..64");
    }
}
