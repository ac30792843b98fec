package io.github.convnet4j.models;

import io.github.convnet4j.nn.Graph;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link NetworkSpec} directly, without building layers: the large models are defined as
 * specs so that their parameters can be counted and checked by {@link NetworkSpec#plan} without
 * allocating hundreds of megabytes, and built by {@link NetworkSpec#build} when wanted. Like
 * {@code NetworkBuilder}, each layer reads the current value (the last layer added, or where
 * {@link #from} moved); convolutions and pools floor their output size, as PyTorch does.
 */
final class SpecBuilder {
    private final Shape itemShape;
    private final List<NetworkSpec.LayerSpec> layers = new ArrayList<>();
    private String current = Graph.INPUT;

    SpecBuilder(Shape itemShape) {
        this.itemShape = itemShape;
    }

    /** The name of the value the next layer reads. */
    String current() {
        return current;
    }

    SpecBuilder from(String value) {
        current = value;
        return this;
    }

    private SpecBuilder layer(String type, String name, Map<String, Object> args) {
        String previous = layers.isEmpty() ? Graph.INPUT : layers.get(layers.size() - 1).name();
        List<String> inputs = current.equals(previous) ? List.of() : List.of(current);
        layers.add(new NetworkSpec.LayerSpec(type, name, args, inputs));
        current = name;
        return this;
    }

    SpecBuilder conv(String name, int out, int kernel, int stride, int pad, boolean bias) {
        Map<String, Object> args = new HashMap<>(Map.of("out", out, "kh", kernel, "kw", kernel, "sh", stride,
                "sw", stride, "ph", pad, "pw", pad, "rounding", "FLOOR"));
        args.put("bias", bias);
        return layer("conv", name, args);
    }

    SpecBuilder batchNorm(String name, double eps) {
        return layer("batchnorm", name, Map.of("eps", eps));
    }

    SpecBuilder relu(String name) {
        return layer("relu", name, Map.of());
    }

    SpecBuilder maxPool(String name, int window, int stride, int pad, boolean ceil) {
        return layer("maxpool", name, Map.of("window", window, "stride", stride, "pad", pad,
                "rounding", ceil ? "CEIL" : "FLOOR"));
    }

    SpecBuilder adaptiveAvgPool(String name, int outH, int outW) {
        return layer("adaptive_avgpool", name, Map.of("out_h", outH, "out_w", outW));
    }

    SpecBuilder dropout(String name, float ratio) {
        return layer("dropout", name, Map.of("ratio", ratio));
    }

    SpecBuilder affine(String name, int out) {
        return layer("affine", name, Map.of("out", out));
    }

    SpecBuilder flatten(String name) {
        return layer("flatten", name, Map.of());
    }

    SpecBuilder sum(String name, String... inputs) {
        layers.add(new NetworkSpec.LayerSpec("add", name, Map.of(), List.of(inputs)));
        current = name;
        return this;
    }

    SpecBuilder concat(String name, String... inputs) {
        layers.add(new NetworkSpec.LayerSpec("concat", name, Map.of(), List.of(inputs)));
        current = name;
        return this;
    }

    /** The spec ending in softmax cross-entropy; planned, so a bad shape or size is reported here. */
    NetworkSpec softmaxWithLoss() {
        List<Integer> item = new ArrayList<>();
        for (int d : itemShape.dims()) {
            item.add(d);
        }
        NetworkSpec spec = new NetworkSpec(item, layers, "softmax_cross_entropy");
        spec.plan();
        return spec;
    }
}
