package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.Prediction;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImportTest {
    @TempDir
    Path dir;

    Path write(ai.onnx.proto.OnnxMl.ModelProto m) throws Exception {
        Path f = dir.resolve("model.onnx");
        Files.write(f, m.toByteArray());
        return f;
    }

    @Test
    void aSmallCnnComputesWhatOnnxDefinesWithPyTorchStyleNames() throws Exception {
        Path f = write(TestModels.smallCnn());
        OnnxImport.Result r = OnnxImport.read(f);
        List<String> types = r.spec().layers().stream().map(NetworkSpec.LayerSpec::type).toList();
        assertEquals(List.of("pad", "conv", "relu", "maxpool", "flatten", "affine", "softmax"), types);
        assertEquals("conv1.weight", r.nameMap().get("conv1.weight"));
        assertEquals("fc.weight", r.nameMap().get("fc.weight")); // transposed at import, named after its source
        assertEquals("fc.bias", r.nameMap().get("fc.bias")); // the Add after the MatMul became the bias
        int n = 3;
        float[] x = TestModels.values(n * 25, 7);
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.load(cpu, f);
             Tensor in = cpu.tensor(x, Shape.of(n, 1, 5, 5))) {
            float[] got = net.predict(in).toArray();
            float[] want = TestModels.smallCnnReference(x, n, true);
            assertTrue(Tolerance.agrees(want, got), "max relative error " + Tolerance.maxRelativeError(want, got));
        }
    }

    @Test
    void forTrainingDropsTheFinalSoftmaxAndTrains() throws Exception {
        OnnxImport.Result r = OnnxImport.forTraining(OnnxImport.read(write(TestModels.smallCnn())));
        assertEquals("affine", r.spec().layers().get(r.spec().layers().size() - 1).type());
        assertEquals("softmax_cross_entropy", r.spec().loss());
        float[] x = TestModels.values(2 * 25, 8);
        try (CpuBackend cpu = new CpuBackend(1); Network net = OnnxImport.build(cpu, "m", r);
             Tensor in = cpu.tensor(x, Shape.of(2, 1, 5, 5)); Tensor labels = cpu.tensor(new float[] {0, 2}, Shape.of(2))) {
            float[] logits = net.predict(in).toArray();
            float[] want = TestModels.smallCnnReference(x, 2, false);
            assertTrue(Tolerance.agrees(want, logits));
            float before = net.loss(in, labels);
            for (int i = 0; i < 20; i++) {
                net.gradient(in, labels);
                net.parameters().forEach(p -> cpu.axpy(-0.1f, p.gradient(), p.value()));
            }
            assertTrue(net.loss(in, labels) < before, "training through the imported layers lowers the loss");
        }
    }

    @Test
    void classifierLoadsOnnxWithIndexClassNames() throws Exception {
        Path f = write(TestModels.smallCnn());
        float[] img = TestModels.values(25, 9);
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.abs(img[i]);
        }
        try (Classifier c = Classifier.load(f)) {
            List<Prediction> top = c.predict(img, 3);
            float[] want = TestModels.smallCnnReference(img, 1, true);
            assertEquals(3, top.size());
            for (Prediction p : top) {
                assertEquals(Integer.toString(p.classIndex()), p.className());
                assertEquals(want[p.classIndex()], p.probability(), 1e-5);
            }
        }
    }

    @Test
    void anUnsupportedOpNamesItsNodeAndTheSupportedList() throws Exception {
        var m = TestModels.model(13, List.of(TestModels.node("Relu", "r", List.of("x"), List.of("a")),
                TestModels.node("Erf", "my_erf", List.of("a"), List.of("y"))), List.of(),
                TestModels.value("x", -1, 4), "y");
        OnnxUnsupportedException e = assertThrows(OnnxUnsupportedException.class, () -> OnnxImport.read(write(m)));
        assertTrue(e.getMessage().contains("my_erf") && e.getMessage().contains("'Erf'")
                && e.getMessage().contains("Conv") && e.getMessage().contains("model.onnx"), e.getMessage());
        assertEquals("Erf", e.feature());
    }

    @Test
    void groupedConvolutionIsRefusedClearly() throws Exception {
        var m = TestModels.model(13, List.of(TestModels.node("Conv", "dw", List.of("x", "w"), List.of("y"),
                TestModels.integer("group", 2))), List.of(TestModels.floats("w", new float[18], 2, 1, 3, 3)),
                TestModels.value("x", -1, 2, 5, 5), "y");
        OnnxUnsupportedException e = assertThrows(OnnxUnsupportedException.class, () -> OnnxImport.read(write(m)));
        assertTrue(e.getMessage().contains("group 2"), e.getMessage());
    }
}
