package io.github.convnet4j.train;

import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network's state (parameters and buffers such as batch-norm running statistics) at the epoch
 * with the best validation accuracy, so early stopping ends with that epoch's weights rather than
 * those of the last, already worse, epochs. Held as a host copy and, when the run has a folder
 * with checkpoints, also as {@value #FILE} there: a resumed run may find its best epoch before the
 * checkpoint it continues from, whose weights are the last epoch's.
 */
final class BestWeights {
    static final String FILE = "best.safetensors";
    static final String EPOCH_KEY = "best_epoch";

    private final Network net;
    private final Path file;
    private List<float[]> saved;
    private int epoch;

    /** @param file where the best state is also written (null: memory only) */
    BestWeights(Network net, Path file) {
        this.net = net;
        this.file = file;
    }

    /** Copies the network's current state as that of {@code epoch} (1-based). */
    void save(int epoch, Map<String, String> modelMetadata) {
        List<float[]> copy = new ArrayList<>();
        for (Tensor t : state().values()) {
            copy.add(t.toArray());
        }
        saved = copy;
        this.epoch = epoch;
        if (file != null) {
            Map<String, String> meta = new HashMap<>(modelMetadata);
            meta.put(EPOCH_KEY, Integer.toString(epoch));
            try {
                ModelFile.save(net, file, meta);
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + file + " failed", e);
            }
        }
    }

    /** On resume: the best state from {@link #file}, when it is there and its names and shapes are the network's. */
    void loadSaved() throws IOException {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        SafeTensors.Contents c = SafeTensors.read(file);
        List<float[]> copy = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : state().entrySet()) {
            SafeTensors.Entry entry = c.tensors().get(e.getKey());
            if (entry == null || !entry.shape().equals(e.getValue().shape())) {
                return; // a different network's file: resume without it
            }
            copy.add(entry.values());
        }
        String at = c.metadata().get(EPOCH_KEY);
        if (at != null) {
            saved = copy;
            epoch = Integer.parseInt(at);
        }
    }

    /** The epoch saved last, 0 when none. */
    int epoch() {
        return saved == null ? 0 : epoch;
    }

    /** Puts the saved state back into the network; false when nothing was saved. */
    boolean restore() {
        if (saved == null) {
            return false;
        }
        int i = 0;
        for (Tensor t : state().values()) {
            t.copyFrom(saved.get(i++));
        }
        return true;
    }

    /** Parameters then buffers, by name, in the network's order. */
    private Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : net.parameters()) {
            out.put(p.name(), p.value());
        }
        out.putAll(net.buffers());
        return out;
    }
}
