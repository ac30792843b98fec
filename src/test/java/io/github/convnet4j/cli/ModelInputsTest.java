package io.github.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.Models;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The early checks agree with the real networks: the smallest input a model takes builds, one pixel less does not. */
class ModelInputsTest {
    @TempDir
    Path dir;

    private static void builds(String model, Shape item) {
        try (CpuBackend cpu = new CpuBackend(1); Network n = Models.build(model, cpu, item, 2, 1)) {
            assertEquals(item, n.itemShape());
        }
    }

    private static void doesNotBuild(String model, Shape item) {
        try (CpuBackend cpu = new CpuBackend(1)) {
            assertThrows(IllegalArgumentException.class, () -> Models.build(model, cpu, item, 2, 1).close());
        }
    }

    @Test
    void theMinimumSidesAreTheBuildersOwn() {
        int a = ModelInputs.ALEXNET_MIN_SIDE;
        builds("alexnet", Shape.of(1, a, a));
        doesNotBuild("alexnet", Shape.of(1, a - 1, a));
        doesNotBuild("alexnet", Shape.of(1, a, a - 1));
        int s = ModelInputs.SIMPLECONVNET_MIN_SIDE;
        builds("simpleconvnet", Shape.of(3, s, s));
        doesNotBuild("simpleconvnet", Shape.of(3, s - 1, s));
        assertDoesNotThrow(() -> ModelInputs.requireFits("alexnet", Shape.of(3, a, a), "x"));
        assertThrows(IllegalArgumentException.class, () -> ModelInputs.requireFits("alexnet", Shape.of(3, a - 1, a), "x"));
        assertThrows(IllegalArgumentException.class, () -> ModelInputs.requireFits("simpleconvnet", Shape.of(1, 5, 9), "x"));
        assertThrows(IllegalArgumentException.class, () -> ModelInputs.requireFits("lenet", Shape.of(3, 28, 28), "x"));
        for (String m : Models.NAMES) {
            Shape d = ModelInputs.folderDefault(m);
            assertDoesNotThrow(() -> ModelInputs.requireFits(m, d, "x"), m);
        }
    }

    /**
     * The graph models' minimums come from their plans; here they are checked against the
     * architectures. VGG: five 2×2/2 max pools, floor rounding, need 2^5 = 32. GoogLeNet: maxpool4
     * (2×2/2, ceil) needs 2, so maxpool3 (3×3/2, ceil) needs 4, maxpool2 8, maxpool1 16, and conv1
     * (7×7/2, pad 3) ⌊(H − 1)/2⌋ + 1 ≥ 16, H ≥ 31. The ResNets pad every strided convolution and
     * the max pool, so each stage maps 1 pixel to 1 and any size plans (a global pool reads it).
     */
    @Test
    void theGraphModelsMinimumsAreTheirPlansAndTheirArchitectures() {
        Map<String, Integer> expected = Map.of("vgg11", 32, "vgg16", 32, "vgg16-bn", 32, "googlenet", 31,
                "resnet18", 1, "resnet34", 1, "resnet50", 1, "resnet20", 1);
        assertEquals(expected.keySet(), Models.NAMES.stream().filter(m -> Models.spec(m, ModelInputs.folderDefault(m), 10)
                .isPresent()).collect(Collectors.toSet()));
        for (var e : expected.entrySet()) {
            String m = e.getKey();
            int min = e.getValue();
            for (int c : new int[]{1, 3}) {
                assertEquals(min, ModelInputs.minSide(m, c), m);
                assertTrue(ModelInputs.plans(m, Shape.of(c, min, min)), m);
                assertDoesNotThrow(() -> ModelInputs.requireFits(m, Shape.of(c, min, min + 7), "x"), m);
                if (min > 1) {
                    assertFalse(ModelInputs.plans(m, Shape.of(c, min - 1, min - 1)), m);
                    assertFalse(ModelInputs.plans(m, Shape.of(c, min, min - 1)), m);
                    IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                            () -> ModelInputs.requireFits(m, Shape.of(c, min + 5, min - 1), "--input"));
                    assertTrue(x.getMessage().startsWith("--model " + m + " needs images of at least " + min + "x" + min
                            + " pixels, but --input has " + c + "x" + (min + 5) + "x" + (min - 1) + "; "), x.getMessage());
                }
            }
        }
        // The build refuses the same input, before allocating (its plan comes first).
        doesNotBuild("vgg11", Shape.of(1, 31, 32));
    }

    @Test
    void fileSignaturesNameWhatAFileLooksLike() throws Exception {
        assertEquals("a JPEG image", FileSignatures.describe(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0}));
        assertEquals("a GIF image", FileSignatures.describe("GIF89a".getBytes()));
        assertEquals("a gzip file", FileSignatures.describe(new byte[]{0x1F, (byte) 0x8B, 8, 0}));
        assertEquals("a text file", FileSignatures.describe("epoch,loss\n1,2\n".getBytes()));
        assertTrue(FileSignatures.describe(new byte[]{(byte) 0x80, 2, 0x7d, 0x71}).startsWith("a Python pickle"));
        // A real model passes; the same file with its header length broken does not (the check can fail).
        Path model = CliRun.lenetModel(dir.resolve("m.safetensors"));
        assertDoesNotThrow(() -> InputFiles.requireModelFile(model));
        byte[] bytes = Files.readAllBytes(model);
        bytes[7] = 0x40;
        Path broken = Files.write(dir.resolve("broken.safetensors"), bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputFiles.requireModelFile(broken));
        assertEquals(broken + " is not a convnet4j model file (safetensors); it looks like no format convnet4j knows (its"
                + " first 8 bytes are no header length that fits)", e.getMessage());
        Path empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        e = assertThrows(IllegalArgumentException.class, () -> InputFiles.requireModelFile(empty));
        assertTrue(e.getMessage().endsWith("it looks like an empty file"), e.getMessage());
    }
}
