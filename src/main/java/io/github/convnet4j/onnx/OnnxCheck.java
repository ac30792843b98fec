package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs one ONNX backend-test folder on the CPU backend: {@code model.onnx} beside
 * {@code test_data_set_N/} folders of {@code input_K.pb} and {@code output_K.pb} TensorProtos (the
 * layout of ONNX's own node tests, and of what {@code onnx.backend.test} writes). The graph's first
 * input that is not an initializer is the network's input; the data sets' other inputs are taken as
 * constants (the node tests feed weights such as a Conv's W as inputs). Every data set's output must
 * agree with {@link Tolerance}.
 */
public final class OnnxCheck {
    /** The verdict on one folder. */
    public enum Status {
        PASS, FAIL, UNSUPPORTED
    }

    /**
     * One folder's result: its verdict, name, the largest scaled error over its data sets (NaN when
     * nothing was compared), what is unsupported (op names, for UNSUPPORTED) and why (for FAIL and
     * UNSUPPORTED).
     */
    public record FolderResult(Status status, String name, double maxRelativeError, List<String> unsupported,
                               String detail) {
        /** {@code STATUS name error}, and the reason for anything but PASS. */
        public String line() {
            String error = Double.isNaN(maxRelativeError) ? "-" : String.format("%.3g", maxRelativeError);
            return status + " " + name + " " + error + (status == Status.PASS ? "" : "  (" + detail + ")");
        }
    }

    /** input_K.pb (or output_K.pb) files of one data set. */
    static final int MAX_SET_FILES = 1024;
    /** The bytes of all files of one data set together. */
    static final long MAX_SET_BYTES = OnnxReader.MAX_TENSOR_FILE_BYTES;

    private OnnxCheck() {
    }

    /** Checks a folder; never throws for a bad folder or model (that is a FAIL naming the problem). */
    public static FolderResult check(Path folder) {
        String name = folder.getFileName() == null ? folder.toString() : folder.getFileName().toString();
        try (CpuBackend cpu = new CpuBackend(1)) {
            return check(cpu, folder, name);
        } catch (OnnxUnsupportedException e) {
            return new FolderResult(Status.UNSUPPORTED, name, Double.NaN, List.of(e.feature()), e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new FolderResult(Status.FAIL, name, Double.NaN, List.of(), String.valueOf(e.getMessage()));
        }
    }

    private static FolderResult check(CpuBackend cpu, Path folder, String name) throws IOException {
        Path modelFile = folder.resolve("model.onnx");
        if (!Files.isRegularFile(modelFile)) {
            throw new IOException(folder + ": no model.onnx");
        }
        OnnxMl.ModelProto model = OnnxReader.model(modelFile);
        List<String> inputs = dataInputs(model);
        requireTensorsOnly(model, inputs);
        List<Path> sets = dataSets(folder);
        double worst = 0;
        for (Path set : sets) {
            // counted and sized before anything is read: a set may not make us decode 1,024 files of 256 MB
            List<Path> inputFiles = files(set, "input_");
            List<Path> outputFiles = files(set, "output_");
            if (inputFiles.size() != inputs.size() || inputFiles.isEmpty()) {
                throw new IOException(set + ": " + inputFiles.size() + " input_K.pb files, the graph takes " + inputs);
            }
            if (outputFiles.size() != 1) {
                throw new OnnxUnsupportedException(set + ": " + outputFiles.size() + " output_K.pb files; only one is"
                        + " compared", "several outputs");
            }
            requireTotalSize(set, inputFiles, outputFiles);
            DecodeBudget budget = DecodeBudget.forThisJvm();
            List<OnnxTensor> given = tensors(inputFiles, budget);
            List<OnnxTensor> expected = tensors(outputFiles, budget);
            Map<String, OnnxTensor> bound = new HashMap<>();
            for (int k = 1; k < inputs.size(); k++) {
                OnnxTensor t = given.get(k);
                bound.put(inputs.get(k), new OnnxTensor(inputs.get(k), t.dims(), t.floats(), t.ints()));
            }
            OnnxImport.Result r = OnnxImport.translate(modelFile, model, bound);
            worst = Math.max(worst, run(cpu, modelFile.toString(), r, given.get(0), expected.get(0), set));
            if (worst > Tolerance.RELATIVE) {
                return new FolderResult(Status.FAIL, name, worst, List.of(), set.getFileName()
                        + ": output differs by " + String.format("%.3g", worst) + " (relative), more than "
                        + Tolerance.RELATIVE);
            }
        }
        return new FolderResult(Status.PASS, name, worst, List.of(), "");
    }

    private static double run(CpuBackend cpu, String source, OnnxImport.Result r, OnnxTensor x, OnnxTensor expected,
                              Path set) throws IOException {
        if (!x.isFloat()) {
            throw new IOException(set + ": input_0 is not a float tensor");
        }
        Shape item = r.spec().shape();
        int[] want = new int[item.rank() + 1];
        System.arraycopy(item.dims(), 0, want, 1, item.rank());
        want[0] = x.rank() > 0 ? x.dims()[0] : 0;
        if (!Arrays.equals(x.dims(), want) || want[0] < 1) {
            throw new IOException(set + ": input_0 has dims " + Arrays.toString(x.dims()) + ", the model takes "
                    + Arrays.toString(want));
        }
        try (Network net = OnnxImport.build(cpu, source, r); Tensor in = cpu.tensor(x.floats(), Shape.of(x.dims()))) {
            Tensor out = net.predict(in);
            if (!Arrays.equals(out.shape().dims(), expected.dims())) {
                throw new IOException(set + ": output has shape " + out.shape() + ", expected "
                        + Arrays.toString(expected.dims()));
            }
            if (!expected.isFloat()) {
                throw new OnnxUnsupportedException(set + ": the expected output is not float", "non-float output");
            }
            return Tolerance.maxRelativeError(expected.floats(), out.toArray());
        }
    }

    /**
     * Refuses, before any data file is read, graphs whose inputs or outputs are not one network's
     * tensors: their .pb files are SequenceProtos or OptionalProtos, not TensorProtos.
     */
    private static void requireTensorsOnly(OnnxMl.ModelProto model, List<String> inputs) throws OnnxUnsupportedException {
        if (inputs.isEmpty()) {
            throw new OnnxUnsupportedException(model.getGraph().getName() + ": the graph takes no input", "no input");
        }
        if (model.getGraph().getOutputCount() != 1) {
            throw new OnnxUnsupportedException("the graph has " + model.getGraph().getOutputCount() + " outputs",
                    "several outputs");
        }
        List<OnnxMl.ValueInfoProto> values = new ArrayList<>(model.getGraph().getInputList());
        values.addAll(model.getGraph().getOutputList());
        for (OnnxMl.ValueInfoProto v : values) {
            // No type at all is allowed (an output may omit it); a type these classes do not know (IR 8's
            // optional_type) arrives as unknown fields.
            boolean untyped = v.getType().getValueCase() == OnnxMl.TypeProto.ValueCase.VALUE_NOT_SET
                    && v.getType().getUnknownFields().asMap().isEmpty();
            if (v.getType().getValueCase() != OnnxMl.TypeProto.ValueCase.TENSOR_TYPE && !untyped) {
                throw new OnnxUnsupportedException("graph value '" + v.getName() + "' is a "
                        + (untyped ? "" : v.getType().getValueCase() == OnnxMl.TypeProto.ValueCase.VALUE_NOT_SET ? "type unknown to"
                        + " IR version 7 (an optional?)" : v.getType().getValueCase()) + ", not a tensor", "non-tensor value");
            }
        }
    }

    /** Graph inputs that are not initializers, in order: what input_K.pb feed. */
    private static List<String> dataInputs(OnnxMl.ModelProto model) {
        Set<String> init = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> init.add(t.getName()));
        List<String> names = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : model.getGraph().getInputList()) {
            if (!init.contains(v.getName())) {
                names.add(v.getName());
            }
        }
        return names;
    }

    private static List<Path> dataSets(Path folder) throws IOException {
        List<Path> sets;
        try (Stream<Path> s = Files.list(folder)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_") && Files.isDirectory(p))
                    .sorted().limit(1000).toList();
        }
        if (sets.isEmpty()) {
            throw new IOException(folder + ": no test_data_set_N folder");
        }
        return sets;
    }

    /** prefix0.pb, prefix1.pb, ... until one is missing (at most {@value #MAX_SET_FILES}). */
    private static List<Path> files(Path set, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int k = 0; ; k++) {
            Path f = set.resolve(prefix + k + ".pb");
            if (!Files.isRegularFile(f)) {
                return out;
            }
            if (k == MAX_SET_FILES) {
                throw new IOException(set + ": more than " + MAX_SET_FILES + " " + prefix + "K.pb files");
            }
            out.add(f);
        }
    }

    private static void requireTotalSize(Path set, List<Path> inputs, List<Path> outputs) throws IOException {
        long total = 0;
        for (Path f : Stream.concat(inputs.stream(), outputs.stream()).toList()) {
            total += Files.size(f);
        }
        if (total > MAX_SET_BYTES) {
            throw new io.github.convnet4j.io.ModelFormatException(set + ": its input_K.pb and output_K.pb files hold "
                    + total + " bytes, more than the " + MAX_SET_BYTES + " read for one data set");
        }
    }

    private static List<OnnxTensor> tensors(List<Path> files, DecodeBudget budget) throws IOException {
        List<OnnxTensor> out = new ArrayList<>();
        for (Path f : files) {
            out.add(OnnxTensors.decode(f.toString(), OnnxReader.tensor(f), null, budget));
        }
        return out;
    }
}
