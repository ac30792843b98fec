package io.github.convnet4j.onnx;

import static io.github.convnet4j.onnx.TestModels.node;
import static io.github.convnet4j.onnx.TestModels.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes with too few inputs, no output, or empty constant inputs: a ModelFormatException naming the node and op. */
class OnnxMalformedNodeTest {
    @TempDir
    Path dir;

    private String refusal(int opset, List<OnnxMl.NodeProto> nodes, List<OnnxMl.TensorProto> init, String output)
            throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.write(f, TestModels.model(opset, nodes, init, value("x", -1, 2, 3, 3), output).toByteArray());
        return assertThrows(ModelFormatException.class, () -> OnnxImport.read(f)).getMessage();
    }

    private static OnnxMl.TensorProto emptyBool(String name) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.BOOL_VALUE)
                .addDims(0).build();
    }

    @Test
    void aConcatWithoutInputsNamesTheNode() throws Exception {
        String m = refusal(13, List.of(node("Concat", "cat", List.of(), List.of("y"),
                TestModels.integer("axis", 1))), List.of(), "y");
        assertTrue(m.contains("'cat' (Concat)") && m.contains("at least 1 inputs, got 0"), m);
    }

    @Test
    void dropoutsTrainingModeOrRatioWithoutAValueNamesTheNode() throws Exception {
        String m = refusal(13, List.of(node("Dropout", "d", List.of("x", "", "t"), List.of("y"))),
                List.of(emptyBool("t")), "y");
        assertTrue(m.contains("'d' (Dropout)") && m.contains("training_mode") && m.contains("holds 0"), m);
        m = refusal(13, List.of(node("Dropout", "d", List.of("x", "r"), List.of("y"))),
                List.of(TestModels.floats("r", new float[0], 0)), "y");
        assertTrue(m.contains("'d' (Dropout)") && m.contains("ratio") && m.contains("holds 0"), m);
    }

    @Test
    void wrongInputCountsAreRefusedForEveryOp() throws Exception {
        String m = refusal(13, List.of(node("Conv", "c", List.of("x"), List.of("y"))), List.of(), "y");
        assertTrue(m.contains("'c' (Conv)") && m.contains("takes 2 to 3 inputs, got 1"), m);
        m = refusal(13, List.of(node("BatchNormalization", "bn", List.of("x", "s"), List.of("y"))),
                List.of(TestModels.floats("s", new float[] {1, 1}, 2)), "y");
        assertTrue(m.contains("'bn' (BatchNormalization)") && m.contains("takes 5 inputs, got 2"), m);
        m = refusal(13, List.of(node("Relu", "r", List.of("x", "x"), List.of("y"))), List.of(), "y");
        assertTrue(m.contains("'r' (Relu)") && m.contains("takes 1 inputs, got 2"), m);
    }

    @Test
    void theArityTableMatchesOnnxForOptionalInputs() {
        assertArrayEquals(new int[] {1, 3}, NodeArity.inputs("Dropout", 13));
        assertArrayEquals(new int[] {1, 1}, NodeArity.inputs("Dropout", 10));
        assertArrayEquals(new int[] {2, 2}, NodeArity.inputs("Reshape", 13));
        assertArrayEquals(new int[] {1, 1}, NodeArity.inputs("Relu", 13));
    }
}
