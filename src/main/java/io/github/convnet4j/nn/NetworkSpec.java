package io.github.convnet4j.nn;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.LrnParams;
import io.github.convnet4j.backend.OpChecks;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A network's architecture as plain data: the item shape, the layers with their settings and
 * inputs (a graph; a layer without inputs reads the one before it, so a chain is a plain list), and
 * the loss. {@link NetworkBuilder} records it as it builds, model files store it as JSON, and
 * {@link #build} replays it, so a saved model is rebuilt without running any stored code.
 *
 * <p>A spec is checked in two steps. Constructing one checks each layer on its own: a known type,
 * exactly the settings that type takes, each of the right type and within {@link Setting}'s range.
 * {@link #plan} then walks the shapes from the declared input without allocating anything: it gives
 * every parameter's and buffer's name and shape (what a model file must hold) and bounds what the
 * spec demands at run time (layer count, activation and im2col sizes per item), so a well-formed
 * but absurd architecture is refused before any memory is taken.
 */
public record NetworkSpec(List<Integer> itemShape, List<LayerSpec> layers, String loss) {
    /** More layers than any network in the literature; a longer list is hostile or corrupt. */
    public static final int MAX_LAYERS = 1024;
    /** Elements of one item's activation at any layer (256 MB of floats). */
    public static final long MAX_ACTIVATION_ELEMENTS = 1L << 26;
    /**
     * Elements of all layers' outputs for one item together (512 MB of floats): a training step keeps
     * each output that backward reads until that backward (buffers are shared only once nothing
     * later reads them), so a long chain of large activations needs up to their sum, not their maximum.
     * VGG-16 at 224² needs about 15 million, ResNet-50 about 11 million.
     */
    public static final long MAX_TOTAL_ACTIVATION_ELEMENTS = 1L << 27;
    /** Elements of one item's im2col matrix, C·FH·FW × OH·OW, that a convolution works on (512 MB). */
    public static final long MAX_IM2COL_ELEMENTS = 1L << 27;
    /** Longest layer name. */
    static final int MAX_NAME_LENGTH = 128;
    /** The losses a spec can name. */
    public static final Set<String> LOSSES = Set.of("softmax_cross_entropy", "mean_squared_error");

    /** The Java type a setting is stored as (what the builder records and the JSON reader produces). */
    public enum Kind {
        /** An Integer. */
        INT,
        /** A Float (slopes, ratios: the builder takes floats). */
        FLOAT,
        /** A Double. */
        DOUBLE,
        /** The name of an {@link OutputRounding} constant, as a String. */
        ROUNDING,
        /** A Boolean. */
        BOOLEAN
    }

    /**
     * One setting of a layer type: its key, type and inclusive range (numbers must also be finite),
     * and for a setting added after a type's first release, the default that a spec without it
     * means (null: required). A spec drops an optional setting equal to its default, so networks
     * that do not use it are written exactly as before it existed.
     */
    public record Setting(String key, Kind kind, double min, double max, Object defaultValue) {
        static Setting integer(String key, int min, int max) {
            return new Setting(key, Kind.INT, min, max, null);
        }

        static Setting real(String key, Kind kind, double min, double max) {
            return new Setting(key, kind, min, max, null);
        }

        static Setting rounding() {
            return new Setting("rounding", Kind.ROUNDING, 0, 0, null);
        }

        Setting orDefault(Object value) {
            return new Setting(key, kind, min, max, value);
        }

        boolean optional() {
            return defaultValue != null;
        }

        /** Checks a value of this setting; returns a message describing the fault, or null. */
        String fault(Object v) {
            return switch (kind) {
                case INT -> v instanceof Integer i && i >= min && i <= max ? null
                        : "must be an integer in [" + (long) min + ", " + (long) max + "], got " + v;
                case FLOAT, DOUBLE -> (kind == Kind.FLOAT ? v instanceof Float : v instanceof Double)
                        && Double.isFinite(((Number) v).doubleValue())
                        && ((Number) v).doubleValue() >= min && ((Number) v).doubleValue() <= max ? null
                        : "must be a finite " + kind.name().toLowerCase() + " in [" + min + ", " + max + "], got " + v;
                case ROUNDING -> v instanceof String s && Set.of("STRICT", "FLOOR", "CEIL").contains(s) ? null
                        : "must be one of STRICT, FLOOR, CEIL, got " + v;
                case BOOLEAN -> v instanceof Boolean ? null : "must be true or false, got " + v;
            };
        }
    }

    private static final int MAX_WINDOW = 1024;
    private static final Map<String, List<Setting>> SETTINGS = settings();

    private static Map<String, List<Setting>> settings() {
        Map<String, List<Setting>> m = new LinkedHashMap<>();
        m.put("conv", List.of(Setting.integer("out", 1, 1 << 16), Setting.integer("kh", 1, MAX_WINDOW),
                Setting.integer("kw", 1, MAX_WINDOW), Setting.integer("sh", 1, MAX_WINDOW),
                Setting.integer("sw", 1, MAX_WINDOW), Setting.integer("ph", 0, MAX_WINDOW),
                Setting.integer("pw", 0, MAX_WINDOW), Setting.rounding(),
                new Setting("bias", Kind.BOOLEAN, 0, 0, Boolean.TRUE)));
        m.put("maxpool", List.of(Setting.integer("window", 1, MAX_WINDOW), Setting.integer("stride", 1, MAX_WINDOW),
                Setting.integer("pad", 0, MAX_WINDOW), Setting.rounding()));
        m.put("avgpool", List.of(Setting.integer("window", 1, MAX_WINDOW), Setting.integer("stride", 1, MAX_WINDOW),
                Setting.rounding(), Setting.integer("pad", 0, MAX_WINDOW).orDefault(0),
                new Setting("count_include_pad", Kind.BOOLEAN, 0, 0, Boolean.TRUE)));
        for (String softmax : List.of("softmax", "log_softmax")) { // over one axis, or all from it when trailing
            m.put(softmax, List.of(Setting.integer("axis", 1, Shape.MAX_RANK - 1),
                    new Setting("trailing", Kind.BOOLEAN, 0, 0, Boolean.FALSE)));
        }
        m.put("pad", List.of(Setting.integer("top", 0, MAX_WINDOW), Setting.integer("bottom", 0, MAX_WINDOW),
                Setting.integer("left", 0, MAX_WINDOW), Setting.integer("right", 0, MAX_WINDOW),
                new Setting("minus_infinity", Kind.BOOLEAN, 0, 0, Boolean.FALSE)));
        m.put("adaptive_avgpool", List.of(Setting.integer("out_h", 1, MAX_WINDOW), Setting.integer("out_w", 1, MAX_WINDOW)));
        m.put("affine", List.of(Setting.integer("out", 1, 1 << 24)));
        m.put("leaky_relu", List.of(Setting.real("slope", Kind.FLOAT, -1e6, 1e6)));
        m.put("dropout", List.of(Setting.real("ratio", Kind.FLOAT, 0, Math.nextDown(1f))));
        m.put("lrn", List.of(Setting.integer("size", 1, 16), Setting.real("alpha", Kind.DOUBLE, 0, 1e6),
                Setting.real("beta", Kind.DOUBLE, 0, 1e6), Setting.real("k", Kind.DOUBLE, Double.MIN_VALUE, 1e6)));
        m.put("batchnorm", List.of(Setting.real("eps", Kind.DOUBLE, OpChecks.BATCH_NORM_MIN_EPSILON, 1).orDefault(1e-5)));
        for (String plain : List.of("relu", "prelu", "sigmoid", "tanh", "softplus", "flatten", "add", "concat")) {
            m.put(plain, List.of());
        }
        return Collections.unmodifiableMap(m);
    }

    /** The settings a layer type takes, or null for an unknown type. */
    public static List<Setting> settings(String type) {
        return SETTINGS.get(type);
    }

    /** Types that read several values; every other type reads exactly one. */
    public static final Set<String> MERGES = Set.of("add", "concat");

    /**
     * One layer: its type ("conv", "maxpool", ...), its name, its settings (exactly those its type
     * takes; optional ones only where they differ from the default) and the values it reads: empty
     * for the layer before it (or the input, for the first), else names of earlier layers or
     * {@value Graph#INPUT}.
     */
    public record LayerSpec(String type, String name, Map<String, Object> args, List<String> inputs) {
        /** A layer reading the one before it. */
        public LayerSpec(String type, String name, Map<String, Object> args) {
            this(type, name, args, List.of());
        }

        /**
         * Checks the layer on its own and throws {@link IllegalArgumentException} naming it: a printable name of 1 to
         * {@code MAX_NAME_LENGTH} characters, a known type, exactly the settings that type takes with valid values,
         * and 1 named input at most (2 to 64 for a merge). Optional settings equal to their
         * default are dropped, so equal layers have equal specs.
         */
        public LayerSpec {
            if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH
                    || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("layer name must be 1.." + MAX_NAME_LENGTH
                        + " printable characters, got " + (name == null ? null : "'" + name + "'"));
            }
            List<Setting> settings = type == null ? null : SETTINGS.get(type);
            if (settings == null) {
                throw new IllegalArgumentException("layer " + name + ": unknown type '" + type + "' (known: "
                        + SETTINGS.keySet() + ")");
            }
            if (args == null) {
                throw new IllegalArgumentException("layer " + name + " (" + type + "): settings are missing");
            }
            Set<String> expected = new HashSet<>();
            Map<String, Object> canonical = new TreeMap<>(args);
            for (Setting s : settings) {
                expected.add(s.key());
                if (s.optional() && !args.containsKey(s.key())) {
                    continue;
                }
                if (!args.containsKey(s.key())) {
                    throw new IllegalArgumentException("layer " + name + " (" + type + "): setting '" + s.key()
                            + "' is missing");
                }
                String fault = s.fault(args.get(s.key()));
                if (fault != null) {
                    throw new IllegalArgumentException("layer " + name + " (" + type + "): setting '" + s.key() + "' "
                            + fault);
                }
                if (s.optional() && s.defaultValue().equals(args.get(s.key()))) {
                    canonical.remove(s.key());
                }
            }
            for (String key : args.keySet()) {
                if (!expected.contains(key)) {
                    throw new IllegalArgumentException("layer " + name + " (" + type + "): unknown setting '" + key
                            + "' (this type takes " + expected + ")");
                }
            }
            args = Collections.unmodifiableSortedMap(new TreeMap<>(canonical)); // one order: byte-reproducible files
            inputs = List.copyOf(inputs == null ? List.of() : inputs);
            boolean merge = MERGES.contains(type);
            if (merge ? inputs.size() < 2 || inputs.size() > Merge.MAX_INPUTS : inputs.size() > 1) {
                throw new IllegalArgumentException("layer " + name + " (" + type + "): reads "
                        + (merge ? "2.." + Merge.MAX_INPUTS : "at most 1 named") + " values, got " + inputs);
            }
        }

        /** The value of a setting, its default where the spec omits an optional one. */
        Object arg(String key) {
            Object v = args.get(key);
            if (v != null) {
                return v;
            }
            return SETTINGS.get(type).stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow().defaultValue();
        }

        int i(String key) {
            return (Integer) arg(key);
        }

        double d(String key) {
            return ((Number) arg(key)).doubleValue();
        }

        boolean b(String key) {
            return (Boolean) arg(key);
        }

        OutputRounding rounding() {
            return OutputRounding.valueOf(String.valueOf(args.getOrDefault("rounding", "STRICT")));
        }
    }

    /**
     * Checks the spec's own fields and throws {@link IllegalArgumentException} saying which is wrong: an item shape of
     * 1 to 3 positive dimensions with at most {@link #MAX_ACTIVATION_ELEMENTS} elements, at most {@link #MAX_LAYERS}
     * layers with unique names, and a loss in {@link #LOSSES}. Shapes flowing between layers are checked by
     * {@link #plan}.
     */
    public NetworkSpec {
        if (itemShape == null || itemShape.isEmpty() || itemShape.size() >= Shape.MAX_RANK) {
            throw new IllegalArgumentException("item shape must have 1.." + (Shape.MAX_RANK - 1) + " dimensions, got "
                    + itemShape);
        }
        long items = 1;
        for (Integer d : itemShape) {
            if (d == null || d < 1) {
                throw new IllegalArgumentException("item shape dimensions must be >= 1, got " + itemShape);
            }
            items *= d;
            if (items > MAX_ACTIVATION_ELEMENTS) {
                throw new IllegalArgumentException("item shape " + itemShape + " has more than "
                        + MAX_ACTIVATION_ELEMENTS + " elements");
            }
        }
        if (layers == null || layers.size() > MAX_LAYERS) {
            throw new IllegalArgumentException("a network needs a list of at most " + MAX_LAYERS + " layers, got "
                    + (layers == null ? null : layers.size()));
        }
        Set<String> names = new HashSet<>();
        for (LayerSpec l : layers) {
            if (l == null || !names.add(l.name())) {
                throw new IllegalArgumentException("layer names must be unique and present: "
                        + (l == null ? "null layer" : "'" + l.name() + "' occurs twice"));
            }
            if (l.name().equals(Graph.INPUT) && layers.stream().anyMatch(o -> o != null && o.inputs().contains(Graph.INPUT))) {
                throw new IllegalArgumentException("layer '" + Graph.INPUT + "': the name is the network's input, which"
                        + " other layers read");
            }
        }
        if (!LOSSES.contains(loss)) {
            throw new IllegalArgumentException("unknown loss '" + loss + "' (known: " + LOSSES + ")");
        }
        itemShape = List.copyOf(itemShape);
        layers = List.copyOf(layers);
    }

    /** The item shape as a {@link Shape}, without the batch dimension (e.g. (3, 224, 224)). */
    public Shape shape() {
        return Shape.of(itemShape.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * What this architecture needs, computed from the spec alone: parameters and buffers by name
     * (in the order a built network lists them), the output shape for one item, and every value's
     * shape for one item in layer order (the input first), for listings such as {@code info}.
     */
    public record Plan(Map<String, Shape> parameters, Map<String, Shape> buffers, Shape outputShape,
                       Map<String, Shape> values) {
        /** Parameters then buffers: every tensor a model file of this architecture holds. */
        public Map<String, Shape> tensors() {
            Map<String, Shape> all = new LinkedHashMap<>(parameters);
            all.putAll(buffers);
            return all;
        }
    }

    /**
     * Walks the shapes from the declared input, checking every layer and the run-time bounds;
     * allocates nothing. Throws IllegalArgumentException naming the layer.
     */
    public Plan plan() {
        Map<String, Shape> params = new LinkedHashMap<>();
        Map<String, Shape> buffers = new LinkedHashMap<>();
        Map<String, Shape> values = new LinkedHashMap<>();
        Shape s = Network.prependBatch(shape());
        values.put(Graph.INPUT, s);
        String previous = Graph.INPUT;
        long total = 0;
        for (LayerSpec l : layers) {
            List<String> reads = inputsOf(l, previous);
            List<Shape> in = new ArrayList<>();
            for (String r : reads) {
                Shape v = values.get(r);
                if (v == null) {
                    throw new IllegalArgumentException("layer " + l.name() + " reads '" + r + "', which no layer before"
                            + " it defines" + (names().contains(r) ? " (a cycle, or layers out of order)" : ""));
                }
                in.add(v);
            }
            try {
                s = MERGES.contains(l.type()) ? planMerge(l, in) : planLayer(l, in.get(0), params, buffers);
            } catch (IllegalArgumentException e) {
                throw reads.size() > 1 || !reads.get(0).equals(previous)
                        ? new IllegalArgumentException("layer " + l.name() + " reads " + Graph.describe(reads, in) + ": "
                        + e.getMessage(), e) : e;
            }
            if (s.size() > MAX_ACTIVATION_ELEMENTS) {
                throw new IllegalArgumentException("layer " + l.name() + ": output " + s + " has more than "
                        + MAX_ACTIVATION_ELEMENTS + " elements per item");
            }
            total += s.size();
            if (total > MAX_TOTAL_ACTIVATION_ELEMENTS) {
                throw new IllegalArgumentException("layer " + l.name() + ": the outputs of the layers up to here hold "
                        + total + " elements per item, more than " + MAX_TOTAL_ACTIVATION_ELEMENTS);
            }
            values.put(l.name(), s);
            previous = l.name();
        }
        requireAllReachOutput();
        return new Plan(Collections.unmodifiableMap(params), Collections.unmodifiableMap(buffers), s.withBatch(1),
                Collections.unmodifiableMap(values));
    }

    /**
     * One line per layer (name, type, output shape for one item, parameter count, and what it
     * reads where that is not the layer before it), then {@code parameters: N}; from the plan alone,
     * so it costs nothing even for VGG-16's 138 million parameters.
     */
    public String summary() {
        Plan plan = plan();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-28s %-16s %-20s %12s%n", "layer", "type", "output", "params"));
        sb.append(String.format("%-28s %-16s %-20s %12s%n", Graph.INPUT, "", plan.values().get(Graph.INPUT), ""));
        for (LayerSpec l : layers) {
            long count = plan.parameters().entrySet().stream().filter(e -> e.getKey().startsWith(l.name() + "."))
                    .filter(e -> e.getKey().lastIndexOf('.') == l.name().length()).mapToLong(e -> e.getValue().size()).sum();
            String reads = l.inputs().isEmpty() ? "" : "  <- " + String.join(", ", l.inputs());
            sb.append(String.format("%-28s %-16s %-20s %,12d%s%n", l.name(), l.type(), plan.values().get(l.name()), count,
                    reads));
        }
        sb.append("parameters: ").append(plan.parameters().values().stream().mapToLong(Shape::size).sum()).append('\n');
        return sb.toString();
    }

    /** The values a layer reads: its named inputs, or the layer before it. */
    static List<String> inputsOf(LayerSpec l, String previous) {
        return l.inputs().isEmpty() ? List.of(previous) : l.inputs();
    }

    private Set<String> names() {
        Set<String> names = new HashSet<>();
        layers.forEach(l -> names.add(l.name()));
        return names;
    }

    private static Shape planMerge(LayerSpec l, List<Shape> in) {
        return l.type().equals("add") ? Add.shapeOf(l.name(), in) : Concat.shapeOf(l.name(), in);
    }

    /** The last layer is the output; a layer that does not lead to it is a mistake (its work would be lost). */
    private void requireAllReachOutput() {
        if (layers.isEmpty()) {
            return;
        }
        Map<String, LayerSpec> byName = new HashMap<>();
        Map<String, String> previousOf = new HashMap<>();
        String previous = Graph.INPUT;
        for (LayerSpec l : layers) {
            byName.put(l.name(), l);
            previousOf.put(l.name(), previous);
            previous = l.name();
        }
        Set<String> reached = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(previous));
        while (!todo.isEmpty()) {
            String v = todo.remove(todo.size() - 1);
            if (!v.equals(Graph.INPUT) && reached.add(v)) {
                todo.addAll(inputsOf(byName.get(v), previousOf.get(v)));
            }
        }
        List<String> dead = layers.stream().map(LayerSpec::name).filter(n -> !reached.contains(n)).toList();
        if (!dead.isEmpty()) {
            throw new IllegalArgumentException("layers " + dead + " do not lead to the output (the last layer, "
                    + previous + ")");
        }
    }

    private static Shape planLayer(LayerSpec l, Shape s, Map<String, Shape> params, Map<String, Shape> buffers) {
        String n = l.name();
        switch (l.type()) {
            case "conv" -> {
                OpChecks.requireNchw(n, s); // before dim(1) is read for the filter's shape
                if (l.i("ph") >= l.i("kh") || l.i("pw") >= l.i("kw")) {
                    // Rows of pure padding would see no input; no architecture needs them.
                    throw new IllegalArgumentException(n + ": pad " + l.i("ph") + "x" + l.i("pw")
                            + " must be smaller than the kernel " + l.i("kh") + "x" + l.i("kw"));
                }
                Shape filter = Shape.of(checkedDims(n + ".weight", l.i("out"), s.dim(1), l.i("kh"), l.i("kw")));
                ConvGeometry g = ConvGeometry.of(n, s, filter, l.i("sh"), l.i("sw"), l.i("ph"), l.i("pw"), l.rounding());
                if ((long) g.colRows() * g.colCols() > MAX_IM2COL_ELEMENTS) {
                    throw new IllegalArgumentException(n + ": its im2col matrix " + g.colRows() + " x " + g.colCols()
                            + " has more than " + MAX_IM2COL_ELEMENTS + " elements per item");
                }
                params.put(n + ".weight", filter);
                if (l.b("bias")) {
                    params.put(n + ".bias", Shape.of(l.i("out")));
                }
                return g.outputShape();
            }
            case "maxpool" -> {
                return PoolGeometry.of(n, s, l.i("window"), l.i("window"), l.i("stride"), l.i("stride"),
                        l.i("pad"), l.i("pad"), l.rounding()).outputShape();
            }
            case "avgpool" -> {
                return PoolGeometry.of(n, s, l.i("window"), l.i("window"), l.i("stride"), l.i("stride"), l.i("pad"),
                        l.i("pad"), l.rounding()).outputShape();
            }
            case "adaptive_avgpool" -> {
                return AdaptiveAveragePooling.shapeOf(n, s, l.i("out_h"), l.i("out_w"));
            }
            case "affine" -> {
                params.put(n + ".weight", Shape.of(checkedDims(n + ".weight", l.i("out"), s.perItem())));
                params.put(n + ".bias", Shape.of(l.i("out")));
                return Shape.of(s.batch(), l.i("out"));
            }
            case "prelu" -> {
                params.put(n + ".weight", Shape.of(s.dim(1)));
                return s;
            }
            case "batchnorm" -> {
                if (s.rank() < 2) {
                    throw new IllegalArgumentException(n + ": expected input (N, C, ...), got " + s);
                }
                params.put(n + ".weight", Shape.of(s.dim(1)));
                params.put(n + ".bias", Shape.of(s.dim(1)));
                buffers.put(n + ".running_mean", Shape.of(s.dim(1)));
                buffers.put(n + ".running_var", Shape.of(s.dim(1)));
                return s;
            }
            case "lrn" -> {
                OpChecks.requireNchw(n, s);
                return s;
            }
            case "softmax", "log_softmax" -> {
                return Softmax.shapeOf(n, s, l.i("axis"));
            }
            case "pad" -> {
                return Pad.shapeOf(n, s, l.i("top"), l.i("bottom"), l.i("left"), l.i("right"));
            }
            case "flatten" -> {
                return Shape.of(s.batch(), s.perItem());
            }
            default -> {
                return s; // activations and dropout keep the shape
            }
        }
    }

    /** The dimensions, after checking their product fits one tensor. */
    private static int[] checkedDims(String tensor, int... dims) {
        long size = 1;
        for (int d : dims) {
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(tensor + ": " + java.util.Arrays.toString(dims) + " has " + size
                    + " elements, more than one tensor holds");
        }
        return dims;
    }

    /** Rebuilds the network (weights freshly initialised from the seed; load saved ones after). */
    public Network build(Backend backend, long seed) {
        plan();
        return replay(new NetworkBuilder(backend, shape(), seed));
    }

    /**
     * Builds the network with every tensor allocated but not initialised (no random draws, no host
     * copies), for a loader that then copies every parameter and buffer in. Call {@link #plan} and
     * check the file against it first.
     */
    public Network buildUninitialised(Backend backend) {
        plan();
        return replay(new NetworkBuilder(backend, shape(), 0).initializer(LEAVE_AS_ALLOCATED));
    }

    /** An initializer that draws nothing: the loader overwrites every value. */
    private static final Initializer LEAVE_AS_ALLOCATED = new Initializer() {
        @Override
        public double std(int fanIn, int fanOut) {
            return 0;
        }

        @Override
        public void initialize(Parameter p, int fanIn, int fanOut, Random rng) {
        }
    };

    private Network replay(NetworkBuilder b) {
        for (LayerSpec l : layers) {
            b.rounding(l.rounding());
            if (!l.inputs().isEmpty() && !MERGES.contains(l.type())) {
                b.from(l.inputs().get(0));
            }
            switch (l.type()) {
                case "conv" -> b.conv(l.name(), l.i("out"), l.i("kh"), l.i("kw"), l.i("sh"), l.i("sw"), l.i("ph"), l.i("pw"),
                        l.b("bias"));
                case "maxpool" -> b.maxPool(l.name(), l.i("window"), l.i("stride"), l.i("pad"));
                case "avgpool" -> b.avgPool(l.name(), l.i("window"), l.i("stride"), l.i("pad"), l.b("count_include_pad"));
                case "softmax" -> b.softmax(l.name(), l.i("axis"), l.b("trailing"), false);
                case "log_softmax" -> b.softmax(l.name(), l.i("axis"), l.b("trailing"), true);
                case "pad" -> b.pad(l.name(), l.i("top"), l.i("bottom"), l.i("left"), l.i("right"), l.b("minus_infinity"));
                case "adaptive_avgpool" -> b.adaptiveAvgPool(l.name(), l.i("out_h"), l.i("out_w"));
                case "add" -> b.sum(l.name(), l.inputs().toArray(new String[0]));
                case "concat" -> b.concat(l.name(), l.inputs().toArray(new String[0]));
                case "affine" -> b.affine(l.name(), l.i("out"));
                case "relu" -> b.relu(l.name());
                case "leaky_relu" -> b.leakyRelu(l.name(), (float) l.d("slope"));
                case "prelu" -> b.prelu(l.name());
                case "sigmoid" -> b.sigmoid(l.name());
                case "tanh" -> b.tanh(l.name());
                case "softplus" -> b.softplus(l.name());
                case "dropout" -> b.dropout(l.name(), (float) l.d("ratio"));
                case "lrn" -> b.lrn(l.name(), new LrnParams(l.i("size"), l.d("alpha"), l.d("beta"), l.d("k")));
                case "batchnorm" -> b.batchNorm(l.name(), l.d("eps"));
                case "flatten" -> b.flatten(l.name());
                default -> throw new IllegalStateException("unreachable: types are checked by LayerSpec");
            }
        }
        return switch (loss) {
            case "softmax_cross_entropy" -> b.softmaxWithLoss();
            case "mean_squared_error" -> b.meanSquaredError();
            default -> throw new IllegalStateException("unreachable: losses are checked by the constructor");
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
