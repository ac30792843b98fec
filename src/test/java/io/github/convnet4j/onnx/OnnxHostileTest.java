package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import shade.com.google.protobuf.ByteString;

/** Hostile ONNX files: only ModelFormatException (with file, node and what was expected), never OOM or a hang. */
class OnnxHostileTest {
    @TempDir
    Path dir;

    interface Attempt {
        void run() throws Exception;
    }

    /** Null when the attempt succeeded or failed as documented; else what went wrong. */
    static String undocumentedFailure(Attempt a) {
        try {
            a.run();
            return null;
        } catch (ModelFormatException e) {
            return e.getMessage() == null || e.getMessage().isBlank() ? "ModelFormatException without a message" : null;
        } catch (Throwable t) {
            return t.toString();
        }
    }

    @Test
    void theHarnessFlagsAPlantedUndocumentedFailure() {
        assertNotNull(undocumentedFailure(() -> {
            throw new ArrayIndexOutOfBoundsException(3);
        }));
        assertNotNull(undocumentedFailure(() -> {
            throw new OutOfMemoryError("planted");
        }));
        assertNotNull(undocumentedFailure(() -> {
            throw new ModelFormatException("");
        }));
        assertNull(undocumentedFailure(() -> {
            throw new ModelFormatException("x.onnx: fine");
        }));
    }

    private Path file(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void truncatedAndBitFlippedModelsGiveOnlyModelFormatException() throws Exception {
        byte[] good = TestModels.smallCnn().toByteArray();
        List<String> bad = new ArrayList<>();
        for (int cut = 0; cut < good.length; cut += Math.max(1, good.length / 300)) {
            Path f = file("cut.onnx", java.util.Arrays.copyOf(good, cut));
            String why = undocumentedFailure(() -> OnnxImport.read(f));
            if (why != null) {
                bad.add("truncated at " + cut + ": " + why);
            }
        }
        Random rng = new Random(11);
        for (int i = 0; i < 600; i++) {
            byte[] b = good.clone();
            int at = rng.nextInt(b.length);
            b[at] ^= (byte) (1 << rng.nextInt(8));
            Path f = file("flip.onnx", b);
            String why = undocumentedFailure(() -> {
                try (var cpu = new io.github.convnet4j.cpu.CpuBackend(1); var net = OnnxImport.load(cpu, f)) {
                    net.spec().orElseThrow().plan();
                }
            });
            if (why != null) {
                bad.add("bit flip at byte " + at + ": " + why);
            }
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void aTensorClaimingATrillionElementsIsRefusedBeforeAllocating() throws Exception {
        OnnxMl.TensorProto huge = OnnxMl.TensorProto.newBuilder().setName("conv1.weight")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).addDims(1_000_000).addDims(1_000_000)
                .setRawData(ByteString.copyFrom(new byte[4])).build();
        Path f = file("huge.onnx", withInitializer(huge).toByteArray());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.read(f));
        assertTrue(e.getMessage().contains("huge.onnx") && e.getMessage().contains("conv1.weight")
                && e.getMessage().contains("1000000"), e.getMessage());

        OnnxMl.TensorProto short1 = huge.toBuilder().clearDims().addDims(1000).addDims(1000).build();
        ModelFormatException s = assertThrows(ModelFormatException.class,
                () -> OnnxImport.read(file("short.onnx", withInitializer(short1).toByteArray())));
        assertTrue(s.getMessage().contains("1000000 elements") && s.getMessage().contains("holds 4 bytes"), s.getMessage());
    }

    /** Reads each file given; prints REJECTED or ACCEPTED per file, OOM (exit 3) if the heap ran out. */
    public static final class ReadUnderSmallHeap {
        public static void main(String[] files) {
            for (String f : files) {
                try {
                    OnnxImport.read(Path.of(f));
                    System.out.println("ACCEPTED " + f);
                } catch (java.io.IOException e) {
                    System.out.println("REJECTED " + e.getMessage());
                } catch (OutOfMemoryError e) {
                    System.out.println("OOM " + f);
                    System.exit(3);
                }
            }
        }
    }

    @Test
    void hugeClaimsAreRefusedInA64MegabyteJvm() throws Exception {
        OnnxMl.TensorProto claim = OnnxMl.TensorProto.newBuilder().setName("conv1.weight")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).addDims(1_000_000).addDims(1_000_000)
                .setRawData(ByteString.copyFrom(new byte[4])).build();
        Path a = file("a.onnx", withInitializer(claim).toByteArray());
        Path b = file("b.onnx", withInitializer(claim.toBuilder().clearDims().addDims(200_000_000).build()).toByteArray());
        Files.write(dir.resolve("w.bin"), new byte[72]);
        OnnxMl.TensorProto ext = claim.toBuilder().clearDims().addDims(200_000_000).clearRawData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build();
        Path c = file("c.onnx", withInitializer(ext).toByteArray());
        Path log = dir.resolve("fork.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), ReadUnderSmallHeap.class.getName(), a.toString(),
                b.toString(), c.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertEquals(3, out.lines().filter(l -> l.startsWith("REJECTED")).count(), out);
        assertTrue(out.contains("holds 4 bytes") && out.contains("which has 72"), out);
    }

    private static OnnxMl.ModelProto withInitializer(OnnxMl.TensorProto t) {
        OnnxMl.ModelProto m = TestModels.smallCnn();
        OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(t.getName())) {
                g.setInitializer(i, t);
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    @Test
    void aTenThousandNodeChainIsRefusedByTheLayerBound() throws Exception {
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            nodes.add(TestModels.node("Relu", "relu" + i, List.of(i == 0 ? "x" : "v" + (i - 1)), List.of("v" + i)));
        }
        var m = TestModels.model(13, nodes, List.of(), TestModels.value("x", -1, 4), "v9999");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.read(file("deep.onnx",
                m.toByteArray())));
        assertTrue(e.getMessage().contains("more than 1024 layers"), e.getMessage());
    }

    @Test
    void subgraphsNestedTenThousandDeepAreRefusedByTheNestingBound() throws Exception {
        // Written inside out without the builders (which would recurse 10,000 deep to serialise).
        byte[] graph = new byte[0];
        for (int i = 0; i < 10_000; i++) {
            byte[] attribute = concat(field(1, "g".getBytes()), field(6, graph)); // AttributeProto name, g
            byte[] node = concat(field(4, "If".getBytes()), field(5, attribute)); // NodeProto op_type, attribute
            graph = field(1, node); // GraphProto node
        }
        byte[] model = concat(new byte[] {8, 7}, field(7, graph)); // ir_version 7, graph
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImport.read(file("nested.onnx", model)));
        assertTrue(e.getMessage().contains("nested.onnx"), e.getMessage());
    }

    private static byte[] field(int number, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (number << 3) | 2);
        varint(out, payload.length);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void aCycleIsNamed() throws Exception {
        var m = TestModels.model(13, List.of(
                TestModels.node("Add", "a", List.of("x", "z"), List.of("y")),
                TestModels.node("Relu", "b", List.of("y"), List.of("z"))), List.of(), TestModels.value("x", -1, 4), "z");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.read(file("cycle.onnx",
                m.toByteArray())));
        assertTrue(e.getMessage().contains("cycle") && e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void externalDataOutsideTheModelsFolderIsRefusedAndInsideIsRead() throws Exception {
        Path models = Files.createDirectory(dir.resolve("models"));
        Files.write(dir.resolve("secret.bin"), new byte[72]);
        OnnxMl.TensorProto outside = external("../secret.bin");
        Path f = models.resolve("m.onnx");
        Files.write(f, withInitializer(outside).toByteArray());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.read(f));
        assertTrue(e.getMessage().contains("outside the model's folder") && e.getMessage().contains("conv1.weight"),
                e.getMessage());

        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(72).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : TestModels.CONV_W) {
            b.putFloat(v);
        }
        Files.write(models.resolve("w.bin"), b.array());
        Files.write(f, withInitializer(external("w.bin")).toByteArray());
        OnnxImport.Result r = OnnxImport.read(f);
        assertTrue(java.util.Arrays.equals(TestModels.CONV_W, r.weights().get("conv1.weight")));
    }

    private static OnnxMl.TensorProto external(String location) {
        return OnnxMl.TensorProto.newBuilder().setName("conv1.weight").setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .addDims(2).addDims(1).addDims(3).addDims(3)
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue("72")).build();
    }

    @Test
    void aFileOverTheSizeBoundIsRefusedUnread() throws Exception {
        Path f = dir.resolve("big.onnx");
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), OnnxReader.MAX_MODEL_BYTES); // sparse
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxImport.read(f));
        assertTrue(e.getMessage().contains("more than the " + OnnxReader.MAX_MODEL_BYTES), e.getMessage());
    }
}
