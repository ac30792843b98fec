package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed PyTorch fixtures (src/test/python/torch_onnx_fixtures.py) are complete backend-test
 * folders: the model names PyTorch's parameters, the data files hold a batch of 2 of the model's
 * input shape and its 10 logits. With python3 and onnx present, the ONNX-spec interpreter of
 * onnx_check_model.py (which OnnxPythonCheckTest holds our exports to) reproduces PyTorch's outputs
 * from PyTorch's own files: the reference is checked against PyTorch.
 */
class TorchOnnxFixturesTest {
    static final Path ROOT = Path.of("src/test/resources/io/github/convnet4j/onnx/torch");

    @ParameterizedTest
    @CsvSource({"lenet, 13, fc3.weight", "lenet_opset7, 7, conv2.bias", "residual, 13, layer2.downsample.1.running_var",
            "residual_opset9, 9, layer1.bn2.running_mean", "inception, 13, inception.branch3.1.conv.weight"})
    void isABackendTestFolderWithPyTorchsNames(String name, int opset, String parameter) throws IOException {
        Path folder = ROOT.resolve(name);
        OnnxMl.ModelProto m = parse(folder.resolve("model.onnx"), OnnxMl.ModelProto::parseFrom);
        assertEquals(opset, m.getOpsetImport(0).getVersion());
        assertEquals("pytorch", m.getProducerName());
        Set<String> initializers = m.getGraph().getInitializerList().stream().map(OnnxMl.TensorProto::getName)
                .collect(Collectors.toSet());
        assertTrue(initializers.contains(parameter), initializers.toString());
        OnnxMl.TensorProto x = parse(folder.resolve("test_data_set_0/input_0.pb"), OnnxMl.TensorProto::parseFrom);
        OnnxMl.TensorProto y = parse(folder.resolve("test_data_set_0/output_0.pb"), OnnxMl.TensorProto::parseFrom);
        List<Long> declared = m.getGraph().getInput(0).getType().getTensorType().getShape().getDimList().stream()
                .map(OnnxMl.TensorShapeProto.Dimension::getDimValue).toList();
        assertEquals("batch", m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(declared.subList(1, declared.size()), x.getDimsList().subList(1, x.getDimsCount()));
        assertEquals(2L, x.getDims(0));
        assertEquals(List.of(2L, 10L), y.getDimsList());
        float[] logits = floats(y);
        assertEquals(20, logits.length);
        for (float v : logits) {
            assertTrue(Float.isFinite(v));
        }
        assertTrue(Files.size(folder.resolve("model.onnx")) < 300_000, "fixtures stay small");
    }

    @ParameterizedTest
    @CsvSource({"lenet", "lenet_opset7", "residual", "residual_opset9", "inception"})
    void theOnnxReferenceInterpreterReproducesPyTorch(String name) throws IOException {
        JsonNode eval = OnnxPython.run("eval", ROOT.resolve(name));
        OnnxPythonCheckTest.assertAgrees(name, eval);
    }

    interface Parser<T> {
        T parse(InputStream in) throws IOException;
    }

    static <T> T parse(Path file, Parser<T> parser) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            T t = parser.parse(in);
            assertNotNull(t);
            return t;
        }
    }

    static float[] floats(OnnxMl.TensorProto t) {
        float[] v = new float[t.getRawData().size() / 4];
        ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
