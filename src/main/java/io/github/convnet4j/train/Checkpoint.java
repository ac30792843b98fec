package io.github.convnet4j.train;

import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Dropout;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkSpec;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything needed to continue training exactly: the model (so a checkpoint is also a model
 * file), the optimizer's state tensors and step count, the dropout mask counters, and the trainer's
 * progress (epochs done, history, early-stopping state). Written atomically and checksummed.
 */
public final class Checkpoint {
    private static final String PREFIX = "checkpoint.";
    /** The keys (after the prefix) every checkpoint carries; one per dropout layer comes on top. */
    private static final List<String> REQUIRED = List.of("epochs_done", "optimizer", "optimizer_steps",
            "best_validation", "epochs_without_improvement", "history");

    /** The trainer's progress as stored in a checkpoint. */
    public record Progress(int epochsDone, List<EpochRecord> history, double bestValidation, int epochsWithoutImprovement) {
    }

    private Checkpoint() {
    }

    public static void save(Path file, Network net, Optimizer opt, Progress progress, Map<String, String> modelMetadata)
            throws IOException {
        Map<String, SafeTensors.Entry> tensors = ModelFile.tensors(net);
        for (Parameter p : net.parameters()) {
            Tensor[] state = opt.state(p);
            for (int i = 0; i < state.length; i++) {
                tensors.put("optimizer." + p.name() + "." + i, new SafeTensors.Entry(p.shape(), state[i].toArray()));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(modelMetadata);
        meta.put(PREFIX + "epochs_done", Integer.toString(progress.epochsDone()));
        meta.put(PREFIX + "optimizer", opt.kind());
        meta.put(PREFIX + "optimizer_steps", Long.toString(opt.steps()));
        meta.put(PREFIX + "best_validation", Double.toString(progress.bestValidation()));
        meta.put(PREFIX + "epochs_without_improvement", Integer.toString(progress.epochsWithoutImprovement()));
        meta.put(PREFIX + "history", EpochRecord.toCsv(progress.history()));
        for (var layer : net.layers()) {
            if (layer instanceof Dropout d) {
                meta.put(PREFIX + "dropout." + d.name(), Long.toString(d.step()));
            }
        }
        SafeTensors.write(file, tensors, ModelFile.metadata(net, meta));
    }

    /**
     * Restores weights, optimizer state and dropout counters into a network of the same architecture.
     * Everything is checked before anything is changed: the file must be a checksummed model file of
     * this version whose architecture equals the network's, hold exactly the model's and the
     * optimizer's tensors, and carry exactly the training-state keys, each a number in canonical form.
     */
    public static Progress restore(Path file, Network net, Optimizer opt) throws IOException {
        String source = file.toString();
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        String optimizer = meta.get(PREFIX + "optimizer");
        if (optimizer == null) {
            throw new ModelFormatException(source + ": a model file, not a training checkpoint (metadata '" + PREFIX
                    + "optimizer' is missing)");
        }
        NetworkSpec spec = ModelFile.architecture(source, c);
        if (net.spec().isPresent() && !net.spec().get().equals(spec)) {
            throw new ModelFormatException(source + ": written for another architecture than the network being resumed");
        }
        if (!optimizer.equals(opt.kind())) {
            throw new ModelFormatException(source + ": written with optimizer " + optimizer + ", resuming with "
                    + opt.kind());
        }
        requireExactKeys(source, meta, net);
        Progress progress = progress(source, meta);
        long steps = natural(source, meta, "optimizer_steps", Long.MAX_VALUE);
        Map<Dropout, Long> dropoutSteps = new LinkedHashMap<>();
        for (var layer : net.layers()) {
            if (layer instanceof Dropout d) {
                dropoutSteps.put(d, natural(source, meta, "dropout." + d.name(), Long.MAX_VALUE));
            }
        }
        Map<String, SafeTensors.Entry> optimizerState = optimizerState(source, c, net, opt);
        ModelFile.copyInto(source, net, c.tensors());
        for (Parameter p : net.parameters()) {
            Tensor[] state = opt.state(p);
            for (int i = 0; i < state.length; i++) {
                state[i].copyFrom(optimizerState.get(stateName(p, i)).values());
            }
        }
        opt.setSteps(steps);
        dropoutSteps.forEach(Dropout::setStep);
        return progress;
    }

    private static String stateName(Parameter p, int i) {
        return "optimizer." + p.name() + "." + i;
    }

    /** The optimizer's state tensors by name, after checking the file holds exactly the model's and these. */
    private static Map<String, SafeTensors.Entry> optimizerState(String source, SafeTensors.Contents c, Network net,
                                                                 Optimizer opt) throws ModelFormatException {
        Set<String> expected = new HashSet<>(net.buffers().keySet());
        net.parameters().forEach(p -> expected.add(p.name()));
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (Parameter p : net.parameters()) {
            for (int i = 0; i < opt.state(p).length; i++) {
                String name = stateName(p, i);
                SafeTensors.Entry e = c.tensors().get(name);
                if (e == null || !e.shape().equals(p.shape())) {
                    throw new ModelFormatException(source + ": optimizer state " + p.name() + "." + i
                            + " missing or misshapen");
                }
                expected.add(name);
                out.put(name, e);
            }
        }
        for (String name : c.tensors().keySet()) {
            if (!expected.contains(name)) {
                throw new ModelFormatException(source + ": unexpected tensor '" + name + "' in a checkpoint of this network");
            }
        }
        if (!c.skipped().isEmpty()) {
            throw new ModelFormatException(source + ": unexpected tensors " + c.skipped().keySet());
        }
        return out;
    }

    /** The checkpoint keys must be exactly those {@link #save} writes for this network. */
    private static void requireExactKeys(String source, Map<String, String> meta, Network net)
            throws ModelFormatException {
        Set<String> expected = new HashSet<>();
        for (String k : REQUIRED) {
            expected.add(PREFIX + k);
        }
        for (var layer : net.layers()) {
            if (layer instanceof Dropout d) {
                expected.add(PREFIX + "dropout." + d.name());
            }
        }
        for (String k : expected) {
            if (!meta.containsKey(k)) {
                throw new ModelFormatException(source + ": metadata '" + k + "' is missing");
            }
        }
        for (String k : meta.keySet()) {
            if (k.startsWith(PREFIX) && !expected.contains(k)) {
                throw new ModelFormatException(source + ": unknown metadata key '" + k + "'");
            }
        }
    }

    private static Progress progress(String source, Map<String, String> meta) throws ModelFormatException {
        List<EpochRecord> history;
        try {
            history = EpochRecord.fromCsv(meta.get(PREFIX + "history"));
        } catch (RuntimeException e) {
            throw new ModelFormatException(source + ": metadata '" + PREFIX + "history' is unreadable: " + e.getMessage(), e);
        }
        String best = meta.get(PREFIX + "best_validation");
        double bestValidation;
        try {
            bestValidation = Double.parseDouble(best);
        } catch (NumberFormatException e) {
            bestValidation = Double.NaN;
        }
        if (Double.isNaN(bestValidation) || !Double.toString(bestValidation).equals(best)) {
            throw new ModelFormatException(source + ": metadata '" + PREFIX + "best_validation' must be a number as"
                    + " Double.toString writes it, got '" + best + "'");
        }
        return new Progress((int) natural(source, meta, "epochs_done", Integer.MAX_VALUE), history, bestValidation,
                (int) natural(source, meta, "epochs_without_improvement", Integer.MAX_VALUE));
    }

    /** A count in canonical decimal form (no sign, no leading zeros, no spaces) within [0, max]. */
    private static long natural(String source, Map<String, String> meta, String key, long max)
            throws ModelFormatException {
        String text = meta.get(PREFIX + key);
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0 || value > max || !Long.toString(value).equals(text)) {
            throw new ModelFormatException(source + ": metadata '" + PREFIX + key + "' must be a whole number in [0, "
                    + max + "], got '" + text + "'");
        }
        return value;
    }
}
