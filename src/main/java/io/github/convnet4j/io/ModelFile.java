package io.github.convnet4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model, one safetensors file: parameters and batch-norm statistics under PyTorch's names and
 * layouts, and in the metadata the architecture ({@link NetworkSpec} as JSON) plus whatever the
 * caller adds (class names, normalisation, training summary). A model file is data: loading it
 * rebuilds the network from the spec and copies the tensors in, checking every name and shape.
 */
public final class ModelFile {
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "convnet4j-model";
    public static final String VERSION_KEY = "format_version";
    public static final String ARCHITECTURE_KEY = "architecture";
    static final ObjectMapper JSON = new ObjectMapper();

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

    public static Map<String, String> metadata(Network net, Map<String, String> extra) {
        NetworkSpec spec = net.spec().orElseThrow(() -> new IllegalArgumentException(
                "this network has custom layers and no architecture spec, so it cannot be saved as a model file"));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(VERSION_KEY, "1");
        try {
            meta.put(ARCHITECTURE_KEY, JSON.writeValueAsString(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the network spec", e);
        }
        meta.putAll(extra);
        return meta;
    }

    /** Writes the model atomically. */
    public static void save(Network net, Path file, Map<String, String> extraMetadata) throws IOException {
        SafeTensors.write(file, tensors(net), metadata(net, extraMetadata));
    }

    public static Loaded load(Backend backend, Path file) throws IOException {
        return load(backend, file.toString(), SafeTensors.read(file));
    }

    public static Loaded load(Backend backend, String source, InputStream in) throws IOException {
        return load(backend, source, SafeTensors.read(source, in, -1));
    }

    /** Builds a network from already-read contents (to make several replicas from one read). */
    public static Loaded load(Backend backend, String source, SafeTensors.Contents contents) throws ModelFormatException {
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new ModelFormatException(source + ": not a convnet4j model (metadata 'format' is "
                    + meta.get(FORMAT_KEY) + ")");
        }
        if (!"1".equals(meta.get(VERSION_KEY))) {
            throw new ModelFormatException(source + ": model format version " + meta.get(VERSION_KEY)
                    + " is not supported (this build reads version 1)");
        }
        NetworkSpec spec;
        try {
            spec = JSON.readValue(meta.get(ARCHITECTURE_KEY), NetworkSpec.class);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new ModelFormatException(source + ": the architecture in the metadata is unreadable: " + e.getMessage(), e);
        }
        Network net;
        try {
            net = spec.build(backend, 0);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": the architecture does not build: " + e.getMessage(), e);
        }
        try {
            copyInto(source, net, contents.tensors());
        } catch (ModelFormatException | RuntimeException e) {
            net.close();
            throw e;
        }
        return new Loaded(net, meta);
    }

    /** Copies tensors into the network by name, requiring exactly the network's names and shapes. */
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
            e.getValue().copyFrom(entry.values());
        }
    }

    /**
     * Loads weights from any safetensors file whose names and shapes match the network's, such as a
     * PyTorch {@code state_dict} saved with {@code safetensors.torch.save_file} from a module whose
     * attributes carry the same names (conv1, fc1, ...). Extra tensors in the file are ignored.
     */
    public static void loadWeights(Network net, Path file) throws IOException {
        copyInto(file.toString(), net, SafeTensors.read(file).tensors());
    }
}
