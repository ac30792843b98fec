package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.cli.Main;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.infer.Classifier;
import io.github.convnet4j.infer.Prediction;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;

/**
 * Our models out to ONNX and back in: the exported backend-test folder passes {@link OnnxCheck}
 * (the importer against the exporter's own outputs), and the re-imported network has the original's
 * parameter and buffer names, shapes and values and computes bit-identical outputs. The import is
 * 1:1 up to layers that move no arithmetic: a Flatten written before a Gemm on a 4-D value becomes a
 * flatten layer (our affine flattens itself), and an end-padded MaxPool a pad layer of -inf before
 * the pool (the same maxima).
 */
class OnnxRoundTripTest {
    private static CpuBackend cpu;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        cpu.close();
    }

    static Network build(String name) {
        return switch (name) {
            case "lenet" -> ExportedNetworks.lenet(cpu);
            case "resnet20" -> ExportedNetworks.resnet20(cpu);
            case "googlenet" -> ExportedNetworks.googlenet(cpu);
            case "zoo" -> ExportedNetworks.zoo(cpu);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet20", "googlenet", "zoo"})
    void exportedModelsPassOnnxCheckAndReimportIdentically(String name) throws IOException {
        try (Network net = build(name)) {
            Path folder = dir.resolve(name);
            OnnxTestFolder.write(net, folder, Map.of(), 2, 1);
            OnnxCheck.FolderResult check = OnnxCheck.check(folder);
            System.out.println("round trip " + check.line());
            assertEquals(OnnxCheck.Status.PASS, check.status(), check.line());

            OnnxImport.Result r = OnnxImport.read(folder.resolve(OnnxTestFolder.MODEL));
            List<String> renamed = r.weights().keySet().stream().filter(k -> !k.equals(r.nameMap().get(k))).toList();
            assertEquals(List.of(), renamed, "tensors not from the initializer of their own name (the name map)");
            try (Network back = OnnxImport.build(cpu, name, r)) {
                assertEquals(tensors(net), tensors(back), "parameter and buffer names and shapes");
                for (Parameter p : net.parameters()) {
                    assertArrayEquals(p.value().toArray(), back.parameter(p.name()).value().toArray(), p.name());
                }
                assertEquals(computingLayers(net), computingLayers(back), "the same layers, besides flatten and pad layers");
                assertIdenticalOutputs(net, back);
            }
        }
    }

    @Test
    void aPlantedWrongOutputInAWrittenFolderFails() throws IOException {
        try (Network net = ExportedNetworks.lenet(cpu)) {
            Path folder = dir.resolve("planted");
            OnnxTestFolder.write(net, folder, Map.of(), 2, 1);
            Path out = folder.resolve(OnnxTestFolder.DATA_SET).resolve(OnnxTestFolder.OUTPUT_FILE);
            OnnxMl.TensorProto t = OnnxReader.tensor(out);
            float[] y = OnnxTensors.decode(out.toString(), t, null).floats();
            y[7] *= 1 + 3e-4f; // three times the tolerance, in one of 20 logits
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            OnnxProtos.floatTensor(t.getName(), dims, y).writeTo(java.nio.file.Files.newOutputStream(out));
            OnnxCheck.FolderResult check = OnnxCheck.check(folder);
            assertEquals(OnnxCheck.Status.FAIL, check.status(), check.line());
            assertTrue(check.maxRelativeError() > 2.9e-4 && check.maxRelativeError() < 3.1e-4, check.line());
        }
    }

    /**
     * One weight of the re-import moved in its last bits: within {@link Tolerance} of the original's
     * outputs, yet the identical-output assertion above catches it.
     */
    @Test
    void aReimportWithOneWeightPerturbedIsCaught() throws IOException {
        try (Network net = ExportedNetworks.resnet20(cpu)) {
            Path file = dir.resolve("resnet20.onnx");
            OnnxExport.write(net, file, Map.of());
            OnnxImport.Result r = OnnxImport.read(file);
            Map<String, float[]> weights = new LinkedHashMap<>(r.weights());
            float[] w = weights.get("layer2.1.conv1.weight").clone();
            w[5] = w[5] * (1 + 1e-6f);
            weights.put("layer2.1.conv1.weight", w);
            OnnxImport.Result perturbed = new OnnxImport.Result(r.spec(), weights, r.nameMap());
            try (Network back = OnnxImport.build(cpu, "perturbed", perturbed)) {
                float[][] outputs = outputs(net, back);
                assertTrue(Tolerance.agrees(outputs[0], outputs[1]), "a perturbation within the tolerance");
                assertThrows(AssertionFailedError.class, () -> assertIdenticalOutputs(net, back));
            }
        }
    }

    /**
     * The CLI both ways: {@code convnet4j export} then {@code convnet4j import}, and the original model
     * file, the exported .onnx and the re-imported model file classify the same pixels alike: the same
     * classes, class names (carried in metadata_props) and probabilities, the normalisation applied.
     */
    @Test
    void cliExportThenImportClassifiesTheSame() throws Exception {
        Path original = dir.resolve("lenet.safetensors");
        Path onnx = dir.resolve("lenet.onnx");
        Path back = dir.resolve("back.safetensors");
        List<String> names = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        try (Network net = ExportedNetworks.lenet(cpu)) {
            ModelFile.save(net, original, Map.of("classes", String.join("\n", names),
                    "normalization", new Normalization(new float[] {0.1307f}, new float[] {0.3081f}).encode()));
        }
        assertEquals(0, Main.run("export", original.toString(), "-o", onnx.toString()));
        assertEquals(0, Main.run("import", onnx.toString(), "-o", back.toString()));
        java.util.Random rng = new java.util.Random(5);
        List<float[]> images = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            float[] img = new float[28 * 28];
            for (int j = 0; j < img.length; j++) {
                img[j] = rng.nextFloat();
            }
            images.add(img);
        }
        try (Classifier a = Classifier.load(original); Classifier b = Classifier.load(back);
             Classifier c = Classifier.load(onnx)) {
            assertEquals(names, b.classes());
            assertEquals(names, c.classes());
            List<List<Prediction>> want = a.predictBatch(images, 3);
            assertEquals(want, b.predictBatch(images, 3));
            assertEquals(want, c.predictBatch(images, 3));
            assertTrue(want.stream().map(p -> p.get(0).classIndex()).distinct().count() > 1, "not one class for all");
        }
    }

    /** Both networks' outputs for the same batch of 2 (not the folder's, seed 3), bit for bit. */
    static void assertIdenticalOutputs(Network original, Network reimported) {
        float[][] outputs = outputs(original, reimported);
        assertArrayEquals(outputs[0], outputs[1], "outputs of the original and the re-imported network");
    }

    private static float[][] outputs(Network a, Network b) {
        Shape item = a.itemShape();
        int[] d = new int[item.rank() + 1];
        d[0] = 2;
        System.arraycopy(item.dims(), 0, d, 1, item.rank());
        Shape s = Shape.of(d);
        try (Tensor in = cpu.tensor(OnnxTestFolder.randomInput(s, 3), s)) {
            return new float[][] {a.predict(in).toArray(), b.predict(in).toArray()};
        }
    }

    private static Map<String, Shape> tensors(Network net) {
        Map<String, Shape> m = new LinkedHashMap<>();
        net.parameters().forEach(p -> m.put(p.name(), p.shape()));
        net.buffers().forEach((k, v) -> m.put(k, v.shape()));
        return m;
    }

    /** The layers' types in order, without flatten and pad layers (they move values, not arithmetic). */
    private static List<String> computingLayers(Network net) {
        return net.spec().orElseThrow().layers().stream().map(NetworkSpec.LayerSpec::type)
                .filter(t -> !t.equals("flatten") && !t.equals("pad")).toList();
    }
}
