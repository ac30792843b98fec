package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The PyTorch round trip: each committed fixture (a model PyTorch defined and exported with
 * {@code torch.onnx.export}, beside PyTorch's own outputs for a batch) is imported and run on the CPU
 * backend by {@link OnnxCheck}, and must agree with PyTorch within {@link Tolerance}.
 */
class TorchFixturesImportTest {
    @ParameterizedTest
    @CsvSource({"lenet", "lenet_opset7", "residual", "residual_opset9", "inception"})
    void importedPyTorchModelsAgreeWithPyTorch(String name) {
        OnnxCheck.FolderResult r = OnnxCheck.check(TorchOnnxFixturesTest.ROOT.resolve(name));
        System.out.println("torch fixture " + r.line());
        assertEquals(OnnxCheck.Status.PASS, r.status(), r.line());
        assertTrue(r.maxRelativeError() <= Tolerance.RELATIVE, r.line());
    }
}
