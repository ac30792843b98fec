package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cli.Main;
import io.github.convnet4j.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convnet4j import and onnx-check on a small CNN, and their one-line errors. */
class OnnxCliTest {
    @TempDir
    Path dir;

    private String[] captured = new String[2];

    private int run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            return Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
            captured = new String[] {o.toString(), e.toString()};
        }
    }

    /** A backend-test folder: the small CNN with two data sets, outputs by ONNX's definitions (or planted wrong). */
    private Path testFolder(String name, boolean plantError) throws Exception {
        Path f = Files.createDirectory(dir.resolve(name));
        Files.write(f.resolve("model.onnx"), TestModels.smallCnn().toByteArray());
        for (int set = 0; set < 2; set++) {
            Path d = Files.createDirectory(f.resolve("test_data_set_" + set));
            float[] x = TestModels.values(2 * 25, 20 + set);
            float[] y = TestModels.smallCnnReference(x, 2, true);
            if (plantError && set == 1) {
                y[4] += 1e-3f; // a probability off by 1e-3 in one element of the second set
            }
            Files.write(d.resolve("input_0.pb"), TestModels.floats("x", x, 2, 1, 5, 5).toByteArray());
            Files.write(d.resolve("output_0.pb"), TestModels.floats("y", y, 2, 3).toByteArray());
        }
        return f;
    }

    @Test
    void onnxCheckPassesTheRightOutputsAndFailsAPlantedError() throws Exception {
        Path good = testFolder("good", false);
        Path bad = testFolder("bad", true);
        assertEquals(1, run("onnx-check", good.toString(), bad.toString()), captured[0] + captured[1]);
        String[] lines = captured[0].split("\n");
        assertTrue(lines[0].matches("PASS good \\S+"), lines[0]);
        assertTrue(lines[1].startsWith("FAIL bad ") && lines[1].contains("test_data_set_1"), lines[1]);
        assertEquals("passed 1, failed 1, unsupported 0", lines[2].trim());
        assertEquals(0, run("onnx-check", good.toString()), captured[0] + captured[1]);
    }

    @Test
    void importWritesAModelFileWithTheNameMapAndClasses() throws Exception {
        Path onnx = testFolder("m", false).resolve("model.onnx");
        Path out = dir.resolve("m.safetensors");
        assertEquals(0, run("import", onnx.toString(), "-o", out.toString(), "--classes", "a,b,c"), captured[1]);
        assertTrue(captured[0].contains("loss softmax_cross_entropy"), captured[0]);
        Map<String, String> meta = SafeTensors.read(out).metadata();
        assertTrue(meta.get(OnnxImport.NAME_MAP_KEY).contains("\"conv1.weight\":\"conv1.weight\""), meta.toString());
        assertEquals("a\nb\nc", meta.get("classes"));
        assertEquals(0, run("info", out.toString()), captured[1]);
        assertTrue(captured[0].contains("conv1.pad") && captured[0].contains("parameters: 47"), captured[0]);
    }

    @Test
    void badInputsGiveOneLineErrors() throws Exception {
        Path trunc = dir.resolve("t.onnx");
        Files.write(trunc, java.util.Arrays.copyOf(TestModels.smallCnn().toByteArray(), 40));
        assertEquals(1, run("import", trunc.toString(), "-o", dir.resolve("o.safetensors").toString()));
        assertTrue(captured[1].startsWith("convnet4j: " + trunc) && captured[1].trim().lines().count() == 1, captured[1]);
        Path onnx = testFolder("k", false).resolve("model.onnx");
        assertEquals(2, run("import", onnx.toString(), "-o", dir.resolve("o.safetensors").toString(), "--classes", "a,b"));
        assertTrue(captured[1].contains("--classes names 2 classes, but the model has 3"), captured[1]);
        assertEquals(2, run("onnx-check", dir.resolve("none").toString()));
        assertTrue(captured[1].trim().lines().count() == 1, captured[1]);
    }

    /** Class names and normalisation in metadata_props are kept by import, and checked against the model first. */
    @Test
    void importKeepsTheExportedClassesAndNormalisationAndRefusesOnesThatDoNotFit() throws Exception {
        Path ok = withMetadata("ok.onnx", "a\nb\nc", "[0.5];[0.25]");
        Path out = dir.resolve("ok.safetensors");
        assertEquals(0, run("import", ok.toString(), "-o", out.toString()), captured[1]);
        Map<String, String> meta = SafeTensors.read(out).metadata();
        assertEquals("a\nb\nc", meta.get("classes"));
        assertEquals("[0.5];[0.25]", meta.get("normalization"));
        assertEquals(0, run("import", ok.toString(), "-o", out.toString(), "--force", "--classes", "x,y,z"), captured[1]);
        assertEquals("x\ny\nz", SafeTensors.read(out).metadata().get("classes"));
        Path twoNames = withMetadata("two.onnx", "a\nb", "[0.5];[0.25]");
        assertEquals(2, run("import", twoNames.toString(), "-o", dir.resolve("x.safetensors").toString()));
        assertTrue(captured[1].contains("metadata_props 'classes' names 2 classes, but the model has 3"), captured[1]);
        Path twoChannels = withMetadata("rgb.onnx", "a\nb\nc", "[0.5, 0.5];[0.25, 0.25]");
        assertEquals(2, run("import", twoChannels.toString(), "-o", dir.resolve("x.safetensors").toString()));
        assertTrue(captured[1].contains("'normalization' has 2 means and 2 stds, the model's input has 1"), captured[1]);
        Path garbled = withMetadata("bad.onnx", "a\nb\nc", "[0.5];[x]");
        assertEquals(2, run("import", garbled.toString(), "-o", dir.resolve("x.safetensors").toString()));
        assertTrue(captured[1].contains("'normalization' is unreadable"), captured[1]);
        assertTrue(Files.notExists(dir.resolve("x.safetensors")));
    }

    private Path withMetadata(String name, String classes, String normalization) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, TestModels.smallCnn().toBuilder()
                .addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("classes").setValue(classes))
                .addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("normalization")
                        .setValue(normalization)).build().toByteArray());
        return f;
    }

    @Test
    void importAndExportRefuseToOverwriteTheirOwnInputAndImportNamesASafetensorsModel() throws Exception {
        Path onnx = testFolder("self", false).resolve("model.onnx");
        byte[] before = Files.readAllBytes(onnx);
        assertEquals(2, run("import", onnx.toString(), "-o", onnx.toString(), "--force"), captured[1]);
        assertTrue(captured[1].contains("is the input file") && captured[1].contains("model.onnx"), captured[1]);
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(onnx)), "the input is untouched");

        Path model = dir.resolve("m.safetensors");
        assertEquals(0, run("import", onnx.toString(), "-o", model.toString()), captured[1]);
        byte[] modelBytes = Files.readAllBytes(model);
        // the same file by another name: a path through ".."
        Path sameByAnotherName = dir.resolve("sub").resolve("..").resolve("m.safetensors");
        Files.createDirectory(dir.resolve("sub"));
        assertEquals(2, run("export", model.toString(), "-o", sameByAnotherName.toString(), "--force"), captured[1]);
        assertTrue(captured[1].contains("is the input file"), captured[1]);
        assertTrue(java.util.Arrays.equals(modelBytes, Files.readAllBytes(model)), "the input is untouched");

        assertEquals(2, run("import", model.toString(), "-o", dir.resolve("x.safetensors").toString()), captured[1]);
        assertTrue(captured[1].contains("is a convnet4j model file (safetensors), not an ONNX model"), captured[1]);
        Path png = dir.resolve("picture.onnx");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertEquals(2, run("import", png.toString(), "-o", dir.resolve("y.safetensors").toString()), captured[1]);
        assertTrue(captured[1].contains("looks like a PNG image"), captured[1]);
    }
}
