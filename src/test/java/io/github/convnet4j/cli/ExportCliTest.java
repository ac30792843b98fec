package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.onnx.OnnxTestFolder;
import io.github.convnet4j.tensor.Shape;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `convnet4j export` from the real command line: the files it writes, and its one-line refusals. */
class ExportCliTest {
    @TempDir
    Path dir;

    @Test
    void exportsAModelWithItsMetadataAndABackendTestFolder() throws Exception {
        Path model = CliRun.lenetModel(dir.resolve("lenet.safetensors"));
        Path onnx = dir.resolve("lenet.onnx");
        Path check = dir.resolve("check");
        CliRun.Result r = CliRun.run("export", model.toString(), "-o", onnx.toString(), "--check-data", check.toString(),
                "--check-batch", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + onnx + " (ONNX opset 13, "), r.out());
        assertTrue(r.out().contains("input [3, 1, 28, 28], output [3, 10]"), r.out());
        OnnxMl.ModelProto m;
        try (InputStream in = Files.newInputStream(onnx)) {
            m = OnnxMl.ModelProto.parseFrom(in);
        }
        Map<String, String> meta = m.getMetadataPropsList().stream()
                .collect(Collectors.toMap(OnnxMl.StringStringEntryProto::getKey, OnnxMl.StringStringEntryProto::getValue));
        assertTrue(meta.containsKey("classes"), meta.keySet().toString());
        assertTrue(meta.get("classes").contains("Ankle boot"), meta.get("classes"));
        assertFalse(meta.containsKey(ModelFile.ARCHITECTURE_KEY), "the file format's own keys stay behind");
        assertTrue(Files.size(check.resolve(OnnxTestFolder.MODEL)) > 200_000);
        assertTrue(Files.isRegularFile(check.resolve("test_data_set_0/input_0.pb")));
        OnnxMl.TensorProto out;
        try (InputStream in = Files.newInputStream(check.resolve("test_data_set_0/output_0.pb"))) {
            out = OnnxMl.TensorProto.parseFrom(in);
        }
        assertEquals("logits", out.getName());
        assertEquals(java.util.List.of(3L, 10L), out.getDimsList());
    }

    @Test
    void refusesToReplaceWithoutForce() throws Exception {
        Path model = CliRun.lenetModel(dir.resolve("lenet.safetensors"));
        Path onnx = dir.resolve("lenet.onnx");
        Path check = dir.resolve("check");
        assertEquals(0, CliRun.run("export", model.toString(), "-o", onnx.toString(), "--check-data", check.toString())
                .code());
        CliRun.Result again = CliRun.run("export", model.toString(), "-o", onnx.toString());
        assertEquals(2, again.code());
        assertEquals("convnet4j: -o " + onnx + " exists; add --force to replace it, or name another file",
                again.errLine());
        CliRun.Result folder = CliRun.run("export", model.toString(), "-o", dir.resolve("other.onnx").toString(),
                "--check-data", check.toString());
        assertEquals(2, folder.code());
        assertTrue(folder.errLine().startsWith("convnet4j: --check-data " + check + " is not empty; add --force"),
                folder.errLine());
        assertEquals(0, CliRun.run("export", model.toString(), "-o", onnx.toString(), "--check-data", check.toString(),
                "--force").code());
    }

    @Test
    void aLayerOnnxCannotExpressIsOneLineNamingIt() throws Exception {
        Path model = dir.resolve("even-lrn.safetensors");
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = new NetworkBuilder(cpu, Shape.of(4, 6, 6), 1).lrn("norm", new LrnParams(4, 1e-4, 0.75, 2))
                     .affine("fc", 2).softmaxWithLoss()) {
            ModelFile.save(net, model, Map.of());
        }
        Path onnx = dir.resolve("x.onnx");
        CliRun.Result r = CliRun.run("export", model.toString(), "-o", onnx.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.errLine().startsWith("convnet4j: layer norm (lrn): size 4 is even"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(onnx), "nothing written");
        CliRun.Result notModel = CliRun.run("export", onnx.resolveSibling("nothing.safetensors").toString(), "-o",
                onnx.toString());
        assertEquals(2, notModel.code());
        assertTrue(notModel.errLine().contains("no such file"), notModel.errLine());
        CliRun.Result batch = CliRun.run("export", model.toString(), "-o", onnx.toString(), "--check-data",
                dir.resolve("c").toString(), "--check-batch", "0");
        assertEquals(2, batch.code());
        assertTrue(batch.errLine().contains("--check-batch"), batch.errLine());
    }
}
