package io.github.convnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The large models against torchvision, from their specs alone (nothing allocated, so ResNet-50
 * and VGG-16 cost nothing here): parameter counts as the issue states them, and every state_dict
 * name and shape equal to torchvision's key lists (src/test/python/torchvision_keys.py wrote them
 * from torchvision 0.14). num_batches_tracked, torchvision's int64 batch counter, is the one key we
 * do not keep: loadWeights skips integer 0-d tensors, and the plan does not ask for it.
 */
class TorchvisionModelsTest {
    private static final Shape IMAGENET = Shape.of(3, 224, 224);

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("resnet18", 11_689_512L, (Supplier<NetworkSpec>) () -> ResNet.spec(18, IMAGENET, 1000)),
                Arguments.of("resnet34", 21_797_672L, (Supplier<NetworkSpec>) () -> ResNet.spec(34, IMAGENET, 1000)),
                Arguments.of("resnet50", 25_557_032L, (Supplier<NetworkSpec>) () -> ResNet.spec(50, IMAGENET, 1000)),
                Arguments.of("vgg11", 132_863_336L, (Supplier<NetworkSpec>) () -> Vgg.spec(11, false, IMAGENET, 1000)),
                Arguments.of("vgg16", 138_357_544L, (Supplier<NetworkSpec>) () -> Vgg.spec(16, false, IMAGENET, 1000)),
                Arguments.of("vgg16_bn", 138_365_992L, (Supplier<NetworkSpec>) () -> Vgg.spec(16, true, IMAGENET, 1000)),
                Arguments.of("googlenet", 6_624_904L, (Supplier<NetworkSpec>) () -> GoogLeNet.spec(IMAGENET, 1000)),
                Arguments.of("alexnet", 61_100_840L, (Supplier<NetworkSpec>) () -> AlexNet.torchvisionSpec(IMAGENET, 1000)),
                Arguments.of("resnet20_cifar", 272_474L,
                        (Supplier<NetworkSpec>) () -> CifarResNet.spec(20, Shape.of(3, 32, 32), 10)));
    }

    @ParameterizedTest(name = "{0}: {1} parameters, torchvision's names and shapes")
    @MethodSource("models")
    void parameterCountAndStateDictMatchTorchvision(String name, long parameters, Supplier<NetworkSpec> spec)
            throws IOException {
        NetworkSpec.Plan plan = spec.get().plan();
        assertEquals(parameters, plan.parameters().values().stream().mapToLong(Shape::size).sum(), name + " parameters");
        Map<String, Shape> torch = new TreeMap<>();
        Map<String, String> fixture = keys(name);
        assertTrue(fixture.get("#").contains(": " + parameters + " parameters"), "the fixture's own count: " + fixture.get("#"));
        fixture.forEach((key, line) -> {
            if (!key.equals("#") && !key.endsWith(".num_batches_tracked")) {
                torch.put(key, parse(line));
            }
        });
        assertEquals(torch, new TreeMap<>(plan.tensors()), name + ": state_dict names and shapes");
    }

    /** name → "shape dtype" per line of the key list; "#" → its header. */
    private static Map<String, String> keys(String name) throws IOException {
        String path = "/io/github/convnet4j/models/" + name + ".keys.txt";
        try (InputStream in = TorchvisionModelsTest.class.getResourceAsStream(path)) {
            assertTrue(in != null, path + " is missing");
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("#")) {
                    out.put("#", line);
                } else if (!line.isBlank()) {
                    String[] parts = line.split(" ");
                    if (!parts[2].equals("float32") && !parts[0].endsWith(".num_batches_tracked")) {
                        throw new IllegalStateException("unexpected dtype in " + line);
                    }
                    out.put(parts[0], parts[1]);
                }
            }
            return out;
        }
    }

    private static Shape parse(String dims) {
        String[] parts = dims.split("x");
        int[] d = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            d[i] = Integer.parseInt(parts[i]);
        }
        return Shape.of(d);
    }
}
