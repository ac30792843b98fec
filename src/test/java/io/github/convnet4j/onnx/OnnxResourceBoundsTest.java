package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bounds on what a whole model may make the importer allocate, beyond the bounds of each tensor. */
class OnnxResourceBoundsTest {
    @TempDir
    Path dir;

    private Path sparse(String name, long bytes) throws Exception {
        Path f = dir.resolve(name);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(bytes);
        }
        return f;
    }

    private static OnnxMl.TensorProto external(String name, int type, long elements, String location) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type).addDims(elements)
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(location)).build();
    }

    /** The small CNN with {@code count} extra FLOAT initializers of {@code elements}, all at the start of big.bin. */
    private Path modelWithExternalInitializers(int count, long elements) throws Exception {
        OnnxMl.ModelProto m = TestModels.smallCnn();
        OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < count; i++) {
            g.addInitializer(external("big" + i, OnnxMl.TensorProto.DataType.FLOAT_VALUE, elements, "big.bin"));
        }
        Path f = dir.resolve("m.onnx");
        Files.write(f, m.toBuilder().setGraph(g).build().toByteArray());
        return f;
    }

    @Test
    void theTotalDecodedOverAllInitializersIsBoundedBeforeAllocating() throws Exception {
        sparse("big.bin", 1 << 22);
        Path f = modelWithExternalInitializers(4, 1 << 18); // 1 MiB each
        long limit = (3L << 20) + 4096;
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImport.read(f, new DecodeBudget(limit, "a test's limit")));
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("'big2'") && m.contains("already decoded")
                && m.contains("the limit is " + limit + " bytes, a test's limit"), m);
        // the same model within a budget that holds it is read
        assertTrue(OnnxImport.read(f, new DecodeBudget(8L << 20, "8 MiB")).weights().containsKey("conv1.weight"));
    }

    @Test
    void fourHalfGigabyteClaimsOnOneSparseFileAreRefusedInA64MegabyteJvm() throws Exception {
        sparse("big.bin", 1L << 31);
        Path f = modelWithExternalInitializers(4, 1L << 27); // 512 MiB of floats each, 2 GiB together
        Path log = dir.resolve("fork.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), OnnxHostileTest.ReadUnderSmallHeap.class.getName(),
                f.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("REJECTED") && out.contains("'big0'") && out.contains("half of this JVM's maximum heap"),
                out);
    }

    @Test
    void aWideTypeTensorOverTheByteBoundIsRefusedNotOverflowed() throws Exception {
        sparse("big.bin", 1L << 31);
        for (int type : new int[] {OnnxMl.TensorProto.DataType.INT64_VALUE, OnnxMl.TensorProto.DataType.DOUBLE_VALUE}) {
            OnnxMl.TensorProto t = external("w", type, 1L << 28, "big.bin");
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> OnnxTensors.decode("m.onnx", t, dir, new DecodeBudget(Long.MAX_VALUE / 4, "none")));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains((1L << 31) + " bytes, more than the "
                    + OnnxTensors.MAX_TENSOR_BYTES), e.getMessage());
        }
    }

    @Test
    void theBudgetRefusesThePlantedOverrunAndCountsWhatItGave() throws Exception {
        DecodeBudget b = new DecodeBudget(100, "test");
        b.take("a", 60, 40);
        assertEquals(60, b.used());
        assertThrows(ModelFormatException.class, () -> b.take("b", 30, 11));
        b.take("c", 40, 0);
        assertThrows(ModelFormatException.class, () -> b.take("d", 1, 0));
    }

    /** A length-delimited field: tag, varint length, content. */
    private static byte[] field(int number, byte[] content) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(number << 3 | 2);
        for (long v = content.length; ; v >>>= 7) {
            if (v < 0x80) {
                b.write((int) v);
                break;
            }
            b.write((int) (v & 0x7f | 0x80));
        }
        b.writeBytes(content);
        return b.toByteArray();
    }

    /** {@code count} empty entries of field 1 ({@code 0a 00}): nodes of a graph, inputs of a node. */
    private static byte[] emptyEntries(int count) {
        byte[] b = new byte[2 * count];
        for (int i = 0; i < b.length; i += 2) {
            b[i] = 0x0a;
        }
        return b;
    }

    private String readInSmallJvm(String heap, Path... files) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap, "-cp",
                System.getProperty("java.class.path"), OnnxHostileTest.ReadUnderSmallHeap.class.getName()));
        for (Path f : files) {
            cmd.add(f.toString());
        }
        Path log = dir.resolve("fork.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void twentyMillionEmptyNodesOrNodeInputsAreCountedBeforeParsingInA256MegabyteJvm() throws Exception {
        Path nodes = dir.resolve("nodes.onnx");
        Files.write(nodes, field(7, emptyEntries(20_000_000)));
        Path inputs = dir.resolve("inputs.onnx");
        Files.write(inputs, field(7, field(1, emptyEntries(20_000_000))));
        String out = readInSmallJvm("-Xmx256m", nodes, inputs);
        assertTrue(out.contains(nodes + ": more than the " + OnnxReader.MAX_NODES + " nodes accepted"), out);
        assertTrue(out.contains(inputs + ": more than the " + OnnxReader.MAX_NODE_VALUES + " inputs of a node"), out);
        assertEquals(2, out.lines().filter(l -> l.startsWith("REJECTED")).count(), out);
    }

    @Test
    void theWireScanCountsOverRepeatedGraphOccurrencesAndAcceptsRealModels() throws Exception {
        // protobuf merges repeated occurrences of the graph field: 2 x 40,000 nodes is 80,000
        byte[] half = field(7, emptyEntries(40_000));
        byte[] twice = java.util.Arrays.copyOf(half, 2 * half.length);
        System.arraycopy(half, 0, twice, half.length, half.length);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelWireScan.requireBounds("t.onnx", twice));
        assertTrue(e.getMessage().contains("more than the " + OnnxReader.MAX_NODES + " nodes"), e.getMessage());
        ModelWireScan.requireBounds("ok.onnx", half);
        ModelWireScan.requireBounds("cnn.onnx", TestModels.smallCnn().toByteArray());
        // a node with 65 attributes is refused, 64 accepted
        byte[] attributes = new byte[2 * 65];
        for (int i = 0; i < attributes.length; i += 2) {
            attributes[i] = 5 << 3 | 2;
        }
        assertThrows(ModelFormatException.class, () -> ModelWireScan.requireBounds("a.onnx", field(7, field(1, attributes))));
        ModelWireScan.requireBounds("a.onnx", field(7, field(1, java.util.Arrays.copyOf(attributes, 128))));
    }

    @Test
    void aNulCharacterInAnExternalLocationNamesTheTensor() throws Exception {
        OnnxMl.TensorProto t = external("w", OnnxMl.TensorProto.DataType.FLOAT_VALUE, 4, "w\0.bin");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxTensors.decode("m.onnx", t, dir));
        assertTrue(e.getMessage().contains("m.onnx: tensor 'w'") && e.getMessage().contains("w\\0.bin"), e.getMessage());
    }

    /** A backend-test folder with the small CNN (one data input) and the given sparse files in test_data_set_0. */
    private Path testFolder(String[] names, long[] sizes) throws Exception {
        Path folder = Files.createDirectory(dir.resolve("case"));
        Files.write(folder.resolve("model.onnx"), TestModels.smallCnn().toByteArray());
        Path set = Files.createDirectory(folder.resolve("test_data_set_0"));
        for (int i = 0; i < names.length; i++) {
            try (RandomAccessFile r = new RandomAccessFile(set.resolve(names[i]).toFile(), "rw")) {
                r.setLength(sizes[i]);
            }
        }
        return folder;
    }

    @Test
    void onnxCheckCountsTheDataFilesAgainstTheGraphBeforeReadingAny() throws Exception {
        long big = 200L << 20;
        Path folder = testFolder(new String[] {"input_0.pb", "input_1.pb", "input_2.pb", "output_0.pb"},
                new long[] {big, big, big, big});
        OnnxCheck.FolderResult r = OnnxCheck.check(folder);
        assertEquals(OnnxCheck.Status.FAIL, r.status(), r.line());
        assertTrue(r.detail().contains("3 input_K.pb files, the graph takes ["), r.detail());
    }

    @Test
    void onnxCheckBoundsTheTotalBytesOfADataSet() throws Exception {
        long big = 200L << 20;
        Path folder = testFolder(new String[] {"input_0.pb", "output_0.pb"}, new long[] {big, big});
        OnnxCheck.FolderResult r = OnnxCheck.check(folder);
        assertEquals(OnnxCheck.Status.FAIL, r.status(), r.line());
        assertTrue(r.detail().contains((2 * big) + " bytes, more than the " + OnnxCheck.MAX_SET_BYTES), r.detail());
    }
}
