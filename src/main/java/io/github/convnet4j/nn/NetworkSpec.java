package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A network's architecture as plain data: the item shape, the layers with their settings, and
 * the loss. {@link NetworkBuilder} records it as it builds, model files store it as JSON, and
 * {@link #build} replays it, so a saved model is rebuilt without running any stored code.
 */
public record NetworkSpec(List<Integer> itemShape, List<LayerSpec> layers, String loss) {

    /** One layer: its type ("conv", "maxpool", ...), its name, and its settings. */
    public record LayerSpec(String type, String name, Map<String, Object> args) {
        int i(String key) {
            Object v = args.get(key);
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("layer " + name + " (" + type + "): setting '" + key
                        + "' is missing or not a number: " + v);
            }
            return n.intValue();
        }

        double d(String key) {
            Object v = args.get(key);
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("layer " + name + " (" + type + "): setting '" + key
                        + "' is missing or not a number: " + v);
            }
            return n.doubleValue();
        }

        OutputRounding rounding() {
            return OutputRounding.valueOf(String.valueOf(args.getOrDefault("rounding", "STRICT")));
        }
    }

    public NetworkSpec {
        itemShape = List.copyOf(itemShape);
        layers = List.copyOf(layers);
    }

    public Shape shape() {
        return Shape.of(itemShape.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Rebuilds the network (weights freshly initialised from the seed; load saved ones after). */
    public Network build(Backend backend, long seed) {
        NetworkBuilder b = new NetworkBuilder(backend, shape(), seed);
        for (LayerSpec l : layers) {
            b.rounding(l.rounding());
            switch (l.type()) {
                case "conv" -> b.conv(l.name(), l.i("out"), l.i("kh"), l.i("kw"), l.i("sh"), l.i("sw"), l.i("ph"), l.i("pw"));
                case "maxpool" -> b.maxPool(l.name(), l.i("window"), l.i("stride"), l.i("pad"));
                case "avgpool" -> b.avgPool(l.name(), l.i("window"), l.i("stride"));
                case "affine" -> b.affine(l.name(), l.i("out"));
                case "relu" -> b.relu(l.name());
                case "leaky_relu" -> b.leakyRelu(l.name(), (float) l.d("slope"));
                case "prelu" -> b.prelu(l.name());
                case "sigmoid" -> b.sigmoid(l.name());
                case "tanh" -> b.tanh(l.name());
                case "softplus" -> b.softplus(l.name());
                case "dropout" -> b.dropout(l.name(), (float) l.d("ratio"));
                case "lrn" -> b.lrn(l.name(), new LrnParams(l.i("size"), l.d("alpha"), l.d("beta"), l.d("k")));
                case "batchnorm" -> b.batchNorm(l.name());
                case "flatten" -> b.flatten(l.name());
                default -> throw new IllegalArgumentException("layer " + l.name() + ": unknown type '" + l.type() + "'");
            }
        }
        return switch (loss) {
            case "softmax_cross_entropy" -> b.softmaxWithLoss();
            case "mean_squared_error" -> b.meanSquaredError();
            default -> throw new IllegalArgumentException("unknown loss '" + loss + "'");
        };
    }

    static List<Integer> dims(Shape s) {
        List<Integer> out = new ArrayList<>();
        for (int d : s.dims()) {
            out.add(d);
        }
        return out;
    }
}
