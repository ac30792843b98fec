package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files whose architecture demands more than the file holds, or more than any network needs,
 * are refused before anything is allocated; malformed architectures and headers are refused with a
 * message naming the file and the field, never a NullPointerException or an OutOfMemoryError.
 */
class ModelFileHostileTest {
    @TempDir
    Path dir;

    /** The 229-byte file: an affine layer with 300,000 outputs (2.7 GB of weights, gradients and host copy). */
    static final String AFFINE_300K = "{\"itemShape\":[1,28,28],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\","
            + "\"args\":{\"out\":300000}}],\"loss\":\"softmax_cross_entropy\"}";
    /** The 283-byte file: a 15000 x 15000 kernel (2.6 GB). */
    static final String KERNEL_15000 = conv("[1,15000,15000]", 3, 15000, 0);
    /** Within every setting's range, but its 3 x 1 x 1000 x 1000 weights are not in the (empty) file. */
    static final String KERNEL_1000 = conv("[1,1000,1000]", 3, 1000, 0);

    static String conv(String item, int out, int kernel, int pad) {
        return "{\"itemShape\":" + item + ",\"layers\":[{\"type\":\"conv\",\"name\":\"conv1\",\"args\":{\"out\":" + out
                + ",\"kh\":" + kernel + ",\"kw\":" + kernel + ",\"sh\":1,\"sw\":1,\"ph\":" + pad + ",\"pw\":" + pad
                + ",\"rounding\":\"FLOOR\"}},{\"type\":\"affine\",\"name\":\"fc\",\"args\":{\"out\":2}}],"
                + "\"loss\":\"softmax_cross_entropy\"}";
    }

    private static ModelFormatException rejects(byte[] bytes) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ModelFormatException.class, () -> ModelBytes.load(bytes)));
    }

    private static void rejects(byte[] bytes, String... fragments) {
        ModelFormatException e = rejects(bytes);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("hostile.safetensors"), e.getMessage());
    }

    @Test
    void architecturesDemandingMoreThanTheFileHoldsAreRefusedBeforeAllocating() throws IOException {
        byte[] affine = ModelBytes.model(AFFINE_300K);
        assertTrue(affine.length < 400, "a small file: " + affine.length + " bytes");
        rejects(affine, "'fc.weight' is missing", "[300000, 784]");
        rejects(ModelBytes.model(KERNEL_15000), "conv1", "'kh'", "[1, 1024]");
        rejects(ModelBytes.model(KERNEL_1000), "'conv1.weight' is missing", "[3, 1, 1000, 1000]");
    }

    /** The same files in a JVM with a 64 MB heap: refused, not an OutOfMemoryError. */
    @Test
    void hostileFilesAreRefusedInASmallHeap() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), SmallHeapLoad.class.getName()));
        for (String arch : List.of(AFFINE_300K, KERNEL_15000, KERNEL_1000)) {
            Path f = dir.resolve("hostile" + command.size() + ".safetensors");
            Files.write(f, ModelBytes.model(arch));
            command.add(f.toString());
        }
        Path log = dir.resolve("log.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertEquals(6, out.lines().filter(l -> l.startsWith("REJECTED")).count(), out);
    }

    @Test
    void wellFormedModelsThatWouldExhaustMemoryAtTheFirstPredictionAreRefused() throws IOException {
        // Weights present and small; the activations at the declared input are not.
        rejects(ModelBytes.model(conv("[1,28,28]", 1, 3, 20000),
                ModelBytes.zeros("conv1.weight", Shape.of(1, 1, 3, 3), "conv1.bias", Shape.of(1)), Map.of()),
                "conv1", "'ph'");
        rejects(ModelBytes.model(conv("[1,28,28]", 1, 3, 3),
                ModelBytes.zeros("conv1.weight", Shape.of(1, 1, 3, 3), "conv1.bias", Shape.of(1)), Map.of()),
                "conv1", "pad 3x3 must be smaller than the kernel");
        rejects(ModelBytes.model(conv("[1,20000,20000]", 1, 3, 1),
                ModelBytes.zeros("conv1.weight", Shape.of(1, 1, 3, 3), "conv1.bias", Shape.of(1)), Map.of()),
                "item shape", "elements");
        rejects(ModelBytes.model(conv("[1,8000,8000]", 64, 3, 1),
                ModelBytes.zeros("conv1.weight", Shape.of(64, 1, 3, 3), "conv1.bias", Shape.of(64)), Map.of()),
                "conv1", "elements per item");
        StringBuilder many = new StringBuilder("{\"itemShape\":[4],\"layers\":[");
        for (int i = 0; i < 1025; i++) {
            many.append(i == 0 ? "" : ",").append("{\"type\":\"relu\",\"name\":\"r").append(i).append("\",\"args\":{}}");
        }
        rejects(ModelBytes.model(many.append("],\"loss\":\"mean_squared_error\"}").toString()), "1025 layers");
        // The review's 50 KB chain: each of 1,000 ReLUs on a 2048² item is within the per-layer bound, but
        // every layer keeps its own output: 4.2 billion floats (16 GB) at the first prediction.
        StringBuilder chain = new StringBuilder("{\"itemShape\":[1,2048,2048],\"layers\":[");
        for (int i = 0; i < 1000; i++) {
            chain.append(i == 0 ? "" : ",").append("{\"type\":\"relu\",\"name\":\"r").append(i).append("\",\"args\":{}}");
        }
        rejects(ModelBytes.model(chain.append("],\"loss\":\"mean_squared_error\"}").toString()),
                "the outputs of the layers up to here hold", "elements per item");
    }

    @Test
    void malformedArchitecturesNameTheFileAndTheField() throws IOException {
        String fc = "{\"type\":\"affine\",\"name\":\"fc\",\"args\":{\"out\":2}}";
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":null}],"
                + "\"loss\":\"mean_squared_error\"}"), "'architecture'", "layers[0]", "'args'");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\"}],"
                + "\"loss\":\"mean_squared_error\"}"), "layers[0]", "'args' is missing");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"name\":\"fc\",\"args\":{\"out\":2}}],"
                + "\"loss\":\"mean_squared_error\"}"), "layers[0]", "'type' is missing");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc + "]}"), "'loss' is missing");
        rejects(ModelBytes.model("null"), "'architecture'", "must be a JSON object");
        rejects(ModelBytes.model(null), "'architecture' is missing");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc + "],\"loss\":\"hinge\"}"), "unknown loss 'hinge'");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":"
                + "{\"out\":2,\"bias\":false}}],\"loss\":\"mean_squared_error\"}"), "unknown setting 'bias'");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":"
                + "{\"out\":2.5}}],\"loss\":\"mean_squared_error\"}"), "'out'", "integer");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":"
                + "{\"out\":4294967298}}],\"loss\":\"mean_squared_error\"}"), "'out'", "4294967298");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":"
                + "{\"out\":2,\"out\":3}}],\"loss\":\"mean_squared_error\"}"), "Duplicate field 'out'");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc + "],\"loss\":\"mean_squared_error\"} x"),
                "'architecture'", "JSON");
        ModelFormatException trailing = rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc
                + "],\"loss\":\"mean_squared_error\"} {}"));
        assertTrue(trailing.getMessage().startsWith("hostile.safetensors: metadata 'architecture' has content after"
                + " its JSON value (at"), trailing.getMessage());
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc + "," + fc + "],\"loss\":\"mean_squared_error\"}"),
                "'fc' occurs twice");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[{\"type\":\"dropout\",\"name\":\"d\",\"args\":"
                + "{\"ratio\":1e999}}],\"loss\":\"mean_squared_error\"}"), "'ratio'", "finite");
        rejects(ModelBytes.model("{\"itemShape\":[4],\"layers\":[" + fc + "],\"loss\":\"mean_squared_error\","
                + "\"extra\":1}"), "unknown field 'extra'");
    }

    @Test
    void laxHeadersAreRejected() throws IOException {
        byte[] good = savedModel();
        String header = ModelBytes.header(good).stripTrailing();
        ModelBytes.load(good);
        // Trailing content after the JSON object (padding must be spaces).
        rejects(ModelBytes.withHeader(good, header + "x", true), "header must end with '}' followed only by spaces");
        rejects(ModelBytes.withHeader(good, header + "\n\t\r", true), "header must end with '}' followed only by spaces");
        rejects(ModelBytes.withHeader(good, header + "{}", true), "header has content after its JSON value");
        // A second normalization key: the last one must not silently win.
        rejects(ModelBytes.withHeader(good, header.replace("\"__metadata__\":{",
                "\"__metadata__\":{\"normalization\":\"[0.5];[0.1]\","), true), "Duplicate field 'normalization'");
        // A shape of 6.5, a shape and an offset of 2^32 + 4 (which would wrap to 4).
        rejects(ModelBytes.withHeader(good, header.replace("\"shape\":[4]", "\"shape\":[4.0]"), true), "dimension 0");
        rejects(ModelBytes.withHeader(good, header.replace("\"shape\":[4]", "\"shape\":[4294967300]"), true),
                "dimension 0");
        // Invalid UTF-8 inside a metadata string.
        byte[] bad = ModelBytes.withHeader(good, header.replace("\"classes\":\"a", "\"classes\":\"\u00e9a"), true);
        int at = new String(bad, StandardCharsets.ISO_8859_1).indexOf("\"classes\":\"") + 11;
        bad[at] = (byte) 0xC3;
        bad[at + 1] = (byte) 0x28; // 0xC3 must be followed by a continuation byte
        SafeTensors.resign(bad);
        rejects(bad, "UTF-8");
    }

    @Test
    void version1FilesAndFilesWithoutTheChecksumAreRefusedWithAReason() throws IOException {
        byte[] good = savedModel();
        String header = ModelBytes.header(good).stripTrailing();
        rejects(ModelBytes.withHeader(good, header.replace("\"format_version\":\"2\"", "\"format_version\":\"1\""), true),
                "version 1 is no longer read", "loadWeights");
        rejects(ModelBytes.withHeader(good, header.replace(SafeTensors.CHECKSUM_KEY, "convnet4j.crc32d"), false),
                "'convnet4j.crc32c' is missing");
        rejects(ModelBytes.withHeader(good, header.replace("\"format\":", "\"convnet4j.x\":\"1\",\"format\":"), true),
                "unknown metadata key 'convnet4j.x'");
    }

    @Test
    void nonFiniteWeightsAreRefused() throws IOException {
        byte[] file = ModelBytes.model("{\"itemShape\":[2],\"layers\":[{\"type\":\"affine\",\"name\":\"fc\",\"args\":"
                + "{\"out\":1}}],\"loss\":\"mean_squared_error\"}", Map.of(
                "fc.weight", new SafeTensors.Entry(Shape.of(1, 2), new float[]{1, Float.NaN}),
                "fc.bias", new SafeTensors.Entry(Shape.of(1), new float[]{0})), Map.of());
        rejects(file, "'fc.weight' holds NaN at index 1");
    }

    /** The plan, computed from the spec alone, names exactly the tensors a built network has. */
    @Test
    void thePlanMatchesTheBuiltNetwork() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            for (Network net : List.of(savedNetwork(cpu), io.github.convnet4j.models.LeNet.modern(cpu, 10, 1),
                    io.github.convnet4j.models.AlexNet.build(cpu, Shape.of(3, 67, 67), 10, 1))) {
                try (net) {
                    Map<String, Shape> built = new java.util.LinkedHashMap<>();
                    ModelFile.tensors(net).forEach((k, v) -> built.put(k, v.shape()));
                    assertEquals(built, net.spec().orElseThrow().plan().tensors());
                }
            }
        }
    }

    @Test
    void savingTheSameNetworkTwiceGivesTheSameBytesEvenInAnotherJvm() throws Exception {
        byte[] a = savedModel();
        byte[] b = savedModel();
        assertArrayEquals(a, b);
        Path other = dir.resolve("other.safetensors");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), SaveSample.class.getName(), other.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("save.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("save.log")));
        assertArrayEquals(a, Files.readAllBytes(other), "a fresh JVM writes the same bytes");
    }

    static Network savedNetwork(CpuBackend cpu) {
        return SaveSample.network(cpu);
    }

    static byte[] savedModel() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1); Network net = savedNetwork(cpu)) {
            Path tmp = Files.createTempFile("model", ".safetensors");
            try {
                SaveSample.save(net, tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.delete(tmp);
            }
        }
    }

    @Test
    void streamsAreCheckedTheSameWay() throws IOException {
        byte[] good = savedModel();
        good[good.length - 1] ^= 1;
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ModelFile.load(cpu, "s", new ByteArrayInputStream(good)));
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }
}
