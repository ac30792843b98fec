package io.github.convnet4j.io;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One model, one safetensors file: parameters and batch-norm statistics under PyTorch's names and
 * layouts, and in the metadata the architecture ({@link NetworkSpec} as JSON) plus whatever the
 * caller adds (class names, normalisation, training summary). A model file is data: loading it
 * rebuilds the network from the spec and copies the tensors in, checking every name and shape.
 *
 * <p>Format version {@value #VERSION}: the whole file, metadata included, is covered by the
 * checksum {@link SafeTensors} writes, and a model file without one is refused. Version 1 files
 * (whose checksum covered only the tensor data, so a damaged header went unnoticed) are refused
 * with a message saying so. Loading verifies before it allocates: the architecture is parsed
 * strictly, {@link NetworkSpec#plan planned} (every tensor's name and shape, bounds on layer count
 * and activation sizes) and matched against the tensors actually in the file; only then is the
 * network allocated, without random initialisation, and the file's values copied in.
 */
public final class ModelFile {
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "convnet4j-model";
    public static final String VERSION_KEY = "format_version";
    /** The format version this build writes and reads. */
    public static final String VERSION = "2";
    public static final String ARCHITECTURE_KEY = "architecture";
    /** Keys the library sets; callers' extra metadata may not. */
    private static final Set<String> RESERVED = Set.of(FORMAT_KEY, VERSION_KEY, ARCHITECTURE_KEY,
            SafeTensors.CHECKSUM_KEY, SafeTensors.CRC_KEY);
    private static final String LIBRARY_PREFIX = "convnet4j.";

    /** A loaded network and the metadata stored with it. The caller owns (and closes) the network. */
    public record Loaded(Network network, Map<String, String> metadata) {
    }

    private ModelFile() {
    }

    /** The tensors and metadata of a network, as written to a model file. */
    public static Map<String, SafeTensors.Entry> tensors(Network net) {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (Parameter p : net.parameters()) {
            out.put(p.name(), new SafeTensors.Entry(p.shape(), p.value().toArray()));
        }
        net.buffers().forEach((name, t) -> out.put(name, new SafeTensors.Entry(t.shape(), t.toArray())));
        return out;
    }

    /**
     * The metadata of a model file: format, version and architecture, then the caller's entries
     * sorted by key (so the same network and entries always give the same bytes).
     */
    public static Map<String, String> metadata(Network net, Map<String, String> extra) {
        NetworkSpec spec = net.spec().orElseThrow(() -> new IllegalArgumentException(
                "this network has custom layers and no architecture spec, so it cannot be saved as a model file"));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(VERSION_KEY, VERSION);
        meta.put(ARCHITECTURE_KEY, ArchitectureJson.write(spec));
        for (Map.Entry<String, String> e : new TreeMap<>(extra).entrySet()) {
            if (RESERVED.contains(e.getKey()) || e.getKey().startsWith(LIBRARY_PREFIX)) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved for the library");
            }
            meta.put(e.getKey(), e.getValue());
        }
        return meta;
    }

    /** Writes the model atomically. */
    public static void save(Network net, Path file, Map<String, String> extraMetadata) throws IOException {
        save(net, file, extraMetadata, DType.F32);
    }

    /**
     * Saves with every tensor stored as {@code storeAs}: BF16 or F16 halve the file (values rounded to
     * nearest even; F16 overflows beyond ±65504 and loses values below 6e-8). Any of them loads into
     * the FP32 network {@link #load} builds.
     */
    public static void save(Network net, Path file, Map<String, String> extraMetadata, DType storeAs) throws IOException {
        SafeTensors.write(file, tensors(net), metadata(net, extraMetadata), storeAs);
    }

    public static Loaded load(Backend backend, Path file) throws IOException {
        return load(backend, file.toString(), SafeTensors.read(file));
    }

    public static Loaded load(Backend backend, String source, InputStream in) throws IOException {
        return load(backend, source, SafeTensors.read(source, in, -1));
    }

    /** Builds a network from already-read contents (to make several replicas from one read). */
    public static Loaded load(Backend backend, String source, SafeTensors.Contents contents) throws ModelFormatException {
        NetworkSpec spec = architecture(source, contents);
        NetworkSpec.Plan plan = plan(source, spec);
        requireTensors(source, plan.tensors(), contents);
        Network net;
        try {
            net = spec.buildUninitialised(backend);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": the architecture does not build: " + e.getMessage(), e);
        }
        try {
            copyInto(source, net, contents.tensors());
        } catch (ModelFormatException | RuntimeException e) {
            net.close();
            throw e;
        }
        return new Loaded(net, contents.metadata());
    }

    /**
     * Checks that the contents are a model file this version reads (format, version, whole-file
     * checksum, no unknown library keys) and returns its architecture, parsed strictly.
     */
    public static NetworkSpec architecture(String source, SafeTensors.Contents contents) throws ModelFormatException {
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new ModelFormatException(source + ": not a convnet4j model (metadata 'format' is "
                    + meta.get(FORMAT_KEY) + ")");
        }
        if ("1".equals(meta.get(VERSION_KEY))) {
            throw new ModelFormatException(source + ": model format version 1 is no longer read: its checksum covers"
                    + " only the tensor data, so damage to the architecture or metadata would go unnoticed; rewrite it"
                    + " once as version " + VERSION + " with 'convnet4j upgrade FILE -o NEW' (ModelFile.upgrade), or"
                    + " load its weights into a network built in code with ModelFile.loadWeights");
        }
        if (!VERSION.equals(meta.get(VERSION_KEY))) {
            throw new ModelFormatException(source + ": model format version " + meta.get(VERSION_KEY)
                    + " is not supported (this build reads version " + VERSION + ")");
        }
        if (!contents.checksummed()) {
            throw new ModelFormatException(source + ": metadata '" + SafeTensors.CHECKSUM_KEY + "' is missing; every"
                    + " version " + VERSION + " model file carries this checksum");
        }
        for (String key : meta.keySet()) {
            if (key.startsWith(LIBRARY_PREFIX) && !key.equals(SafeTensors.CHECKSUM_KEY)) {
                throw new ModelFormatException(source + ": unknown metadata key '" + key + "'");
            }
        }
        return ArchitectureJson.read(source, meta.get(ARCHITECTURE_KEY));
    }

    /**
     * Rewrites a format-1 model file (the first release's: its CRC32 covers only the tensor data) as
     * a format-{@value #VERSION} file, on the given backend. Everything that can be checked is: the
     * data checksum must be present and match, the architecture is parsed, bounded and matched
     * against the tensors as strictly as for any load, and the weights must be finite. The
     * metadata (class names, normalisation) cannot be verified, since format 1 never covered it:
     * that is why this is a step the user takes once, on a file they trust, and not something
     * {@link #load} does silently.
     *
     * @throws ModelFormatException if {@code format1} is not a format-1 model file or fails a check
     */
    public static void upgrade(Path format1, Path out, Backend backend) throws IOException {
        String source = format1.toString();
        SafeTensors.Contents contents = SafeTensors.read(format1);
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new ModelFormatException(source + ": not a convnet4j model (metadata 'format' is "
                    + meta.get(FORMAT_KEY) + ")");
        }
        if (!"1".equals(meta.get(VERSION_KEY))) {
            throw new ModelFormatException(source + ": model format version " + meta.get(VERSION_KEY)
                    + "; only version 1 files need upgrading");
        }
        if (!meta.containsKey(SafeTensors.CRC_KEY)) {
            throw new ModelFormatException(source + ": a version 1 file without its data checksum '"
                    + SafeTensors.CRC_KEY + "' (every version 1 file carried one)");
        }
        NetworkSpec spec = ArchitectureJson.read(source, meta.get(ARCHITECTURE_KEY));
        requireTensors(source, plan(source, spec).tensors(), contents);
        Map<String, String> extra = new TreeMap<>();
        meta.forEach((k, v) -> {
            if (!RESERVED.contains(k) && !k.startsWith(LIBRARY_PREFIX)) {
                extra.put(k, v);
            }
        });
        try (Network net = spec.buildUninitialised(backend)) {
            copyInto(source, net, contents.tensors());
            save(net, out, extra);
        }
    }

    private static NetworkSpec.Plan plan(String source, NetworkSpec spec) throws ModelFormatException {
        try {
            return spec.plan();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": the architecture is not accepted: " + e.getMessage(), e);
        }
    }

    /** Every tensor the plan needs must be in the file as F32 with the planned shape: checked before allocating. */
    private static void requireTensors(String source, Map<String, Shape> needed, SafeTensors.Contents contents)
            throws ModelFormatException {
        for (Map.Entry<String, Shape> e : needed.entrySet()) {
            SafeTensors.Entry entry = contents.tensors().get(e.getKey());
            if (entry == null) {
                SafeTensors.Skipped other = contents.skipped().get(e.getKey());
                throw new ModelFormatException(source + ": tensor '" + e.getKey() + "' "
                        + (other == null ? "is missing" : "is " + other.dtype() + " " + other.shape())
                        + "; the architecture needs F32 " + e.getValue());
            }
            if (!entry.shape().equals(e.getValue())) {
                throw new ModelFormatException(source + ": tensor '" + e.getKey() + "' has shape " + entry.shape()
                        + ", the architecture needs " + e.getValue());
            }
        }
    }

    /**
     * Copies tensors into the network by name, requiring exactly the network's names and shapes and
     * finite values (a NaN weight would make every prediction NaN).
     */
    public static void copyInto(String source, Network net, Map<String, SafeTensors.Entry> tensors)
            throws ModelFormatException {
        Map<String, Tensor> targets = new LinkedHashMap<>();
        net.parameters().forEach(p -> targets.put(p.name(), p.value()));
        targets.putAll(net.buffers());
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            SafeTensors.Entry entry = tensors.get(e.getKey());
            if (entry == null) {
                throw new ModelFormatException(source + ": tensor '" + e.getKey() + "' is missing");
            }
            if (!entry.shape().equals(e.getValue().shape())) {
                throw new ModelFormatException(source + ": tensor '" + e.getKey() + "' has shape " + entry.shape()
                        + ", the architecture needs " + e.getValue().shape());
            }
            requireFinite(source, e.getKey(), entry.values());
        }
        for (Map.Entry<String, Tensor> e : targets.entrySet()) { // all checked first: nothing half-copied
            e.getValue().copyFrom(tensors.get(e.getKey()).values());
        }
    }

    private static void requireFinite(String source, String name, float[] values) throws ModelFormatException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(source + ": tensor '" + name + "' holds " + values[i] + " at index " + i);
            }
        }
    }

    /**
     * Loads weights from any safetensors file whose names and shapes match the network's, such as a
     * PyTorch {@code state_dict} saved with {@code safetensors.torch.save_file} from a module whose
     * attributes carry the same names (conv1, fc1, ...). Extra tensors in the file are ignored, and
     * so are integer and 0-d tensors such as BatchNorm's {@code num_batches_tracked} (an I64 scalar
     * the engine does not keep).
     */
    public static void loadWeights(Network net, Path file) throws IOException {
        copyInto(file.toString(), net, SafeTensors.read(file).tensors());
    }
}
