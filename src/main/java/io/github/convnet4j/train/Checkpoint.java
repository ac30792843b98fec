package io.github.convnet4j.train;

import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Dropout;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.optim.Optimizer;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue training exactly: the model (so a checkpoint is also a model
 * file), the optimizer's state tensors and step count, the dropout mask counters, and the trainer's
 * progress (epochs done, history, early-stopping state). Written atomically and checksummed.
 */
public final class Checkpoint {
    private static final String PREFIX = "checkpoint.";

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
        meta.put(PREFIX + "optimizer", opt.getClass().getSimpleName());
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

    /** Restores weights, optimizer state and dropout counters into a network of the same architecture. */
    public static Progress restore(Path file, Network net, Optimizer opt) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        String optimizer = meta.get(PREFIX + "optimizer");
        if (optimizer == null) {
            throw new ModelFormatException(file + ": a model file, not a training checkpoint");
        }
        if (!optimizer.equals(opt.getClass().getSimpleName())) {
            throw new ModelFormatException(file + ": written with optimizer " + optimizer + ", resuming with "
                    + opt.getClass().getSimpleName());
        }
        ModelFile.copyInto(file.toString(), net, c.tensors());
        for (Parameter p : net.parameters()) {
            Tensor[] state = opt.state(p);
            for (int i = 0; i < state.length; i++) {
                SafeTensors.Entry e = c.tensors().get("optimizer." + p.name() + "." + i);
                if (e == null || !e.shape().equals(p.shape())) {
                    throw new ModelFormatException(file + ": optimizer state " + p.name() + "." + i + " missing or misshapen");
                }
                state[i].copyFrom(e.values());
            }
        }
        try {
            opt.setSteps(Long.parseLong(meta.get(PREFIX + "optimizer_steps")));
            for (var layer : net.layers()) {
                if (layer instanceof Dropout d) {
                    d.setStep(Long.parseLong(meta.getOrDefault(PREFIX + "dropout." + d.name(), "0")));
                }
            }
            return new Progress(Integer.parseInt(meta.get(PREFIX + "epochs_done")),
                    EpochRecord.fromCsv(meta.getOrDefault(PREFIX + "history", "")),
                    Double.parseDouble(meta.get(PREFIX + "best_validation")),
                    Integer.parseInt(meta.get(PREFIX + "epochs_without_improvement")));
        } catch (RuntimeException e) {
            throw new ModelFormatException(file + ": unreadable training state: " + e.getMessage(), e);
        }
    }
}
