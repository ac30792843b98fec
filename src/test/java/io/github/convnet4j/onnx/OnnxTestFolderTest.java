package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend-test folder: ONNX's layout, the network's own outputs for the written input, reproducibly. */
class OnnxTestFolderTest {
    @TempDir
    Path dir;

    @Test
    void holdsTheModelAnInputAndTheNetworksOutputForIt() throws Exception {
        try (CpuBackend cpu = new CpuBackend(1); Network net = ExportedNetworks.resnet20(cpu)) {
            OnnxTestFolder.Written w = OnnxTestFolder.write(net, dir.resolve("a"), Map.of(), 3, 9);
            assertEquals(Shape.of(3, 3, 32, 32), w.input());
            assertEquals(Shape.of(3, 10), w.output());
            OnnxMl.TensorProto x = TorchOnnxFixturesTest.parse(dir.resolve("a/test_data_set_0/input_0.pb"),
                    OnnxMl.TensorProto::parseFrom);
            OnnxMl.TensorProto y = TorchOnnxFixturesTest.parse(dir.resolve("a/test_data_set_0/output_0.pb"),
                    OnnxMl.TensorProto::parseFrom);
            assertEquals("input", x.getName());
            assertEquals("logits", y.getName());
            assertEquals(List.of(3L, 3L, 32L, 32L), x.getDimsList());
            try (Tensor in = cpu.tensor(TorchOnnxFixturesTest.floats(x), Shape.of(3, 3, 32, 32))) {
                assertArrayEquals(net.predict(in).toArray(), TorchOnnxFixturesTest.floats(y));
            }
            OnnxTestFolder.write(net, dir.resolve("b"), Map.of(), 3, 9);
            for (String f : List.of("model.onnx", "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b")
                        .resolve(f)), f + " is reproducible");
            }
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> OnnxTestFolder.write(net, dir.resolve("c"), Map.of(), 65, 1));
            assertEquals("check-data batch must be 1..64, got 65", big.getMessage());
        }
    }
}
