package io.github.convnet4j.infer;

import io.github.convnet4j.backend.Backend;
import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.data.Normalization;
import io.github.convnet4j.io.ModelFile;
import io.github.convnet4j.io.ModelFormatException;
import io.github.convnet4j.io.SafeTensors;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.onnx.OnnxImport;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.MemoryFormat;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A trained model for a JVM service: load it once, call {@link #predict} from any number of
 * threads. Each concurrent call borrows one of {@code replicas} copies of the network (each with
 * its own buffers, all sharing one backend), so calls never see each other's state, results equal
 * single-threaded ones, and a steady request load allocates no new tensors. On a backend that is not
 * thread-safe (CUDA: one stream, one cuDNN handle) each call holds the backend's lock, so calls take
 * turns on the device instead of racing on its handles and caches.
 */
public final class Classifier implements AutoCloseable {
    private final Backend backend;
    private final boolean ownsBackend;
    private final BlockingQueue<Replica> replicas;
    private final List<Replica> all = new ArrayList<>();
    private final List<String> classes;
    private final Normalization normalization;
    private final Shape itemShape;
    private final String source;
    private volatile boolean closed;
    /** One change of activation kind at a time: two draining the replicas at once would each wait for the other's. */
    private final Object kindChange = new Object();
    private volatile DType activationType = DType.F32;

    private static final class Replica {
        final Network net;
        Tensor input;

        Replica(Network net) {
            this.net = net;
        }

        Tensor input(Backend b, Shape shape) {
            if (input == null || !input.shape().equals(shape)) {
                if (input != null) {
                    input.close();
                }
                input = b.allocate(shape);
            }
            return input;
        }
    }

    /**
     * Every replica is built from one read of the file. If building fails, the replicas made so far
     * and an owned backend (its worker threads) are closed before the exception leaves.
     */
    private Classifier(Backend backend, boolean ownsBackend, SafeTensors.Contents model, String source, int replicaCount)
            throws IOException {
        this(backend, ownsBackend, source, replicaCount, () -> ModelContract.of(source, model),
                () -> ModelFile.load(backend, source, model).network());
    }

    /** Reads a model's contract before any network; then makes each replica. */
    private interface Source<T> {
        T get() throws IOException;
    }

    private Classifier(Backend backend, boolean ownsBackend, String source, int replicaCount,
                       Source<ModelContract> contractOf, Source<Network> replica) throws IOException {
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.source = source;
        try {
            if (replicaCount < 1) {
                throw new IllegalArgumentException("a classifier needs at least one replica, got " + replicaCount);
            }
            this.replicas = new ArrayBlockingQueue<>(replicaCount);
            ModelContract contract = contractOf.get(); // before any network is allocated
            this.classes = contract.classes();
            this.normalization = contract.normalization();
            this.itemShape = contract.itemShape();
            for (int i = 0; i < replicaCount; i++) {
                add(replica.get());
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private void add(Network net) {
        Replica r = new Replica(net);
        all.add(r);
        replicas.add(r);
    }

    /** Runs one prediction on a replica, holding the backend's lock if it is not thread-safe. */
    private float[] onBackend(Replica r, float[] input, int n) {
        if (backend.threadSafe()) {
            return infer(r, input, n);
        }
        synchronized (backend) {
            return infer(r, input, n);
        }
    }

    private float[] infer(Replica r, float[] input, int n) {
        Shape shape = Shape.of(n, itemShape.dim(0), itemShape.dim(1), itemShape.dim(2));
        Tensor x = r.input(backend, shape);
        x.copyFrom(input);
        return r.net.predict(x).toArray();
    }

    /**
     * Loads a model file onto a CPU backend with one replica per processor. A {@code .onnx} file is
     * imported ({@link #loadOnnx}) with the class names and normalisation of its metadata_props, if any.
     */
    public static Classifier load(Path file) throws IOException {
        if (String.valueOf(file.getFileName()).toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            return loadOnnx(file, List.of());
        }
        int n = Runtime.getRuntime().availableProcessors();
        SafeTensors.Contents contents = SafeTensors.read(file); // before the backend exists: a bad file leaks no threads
        return new Classifier(new CpuBackend(), true, contents, file.toString(), n);
    }

    /**
     * Imports an ONNX model (see {@link OnnxImport}) onto a CPU backend with one replica per processor. Its input
     * must be images (N, C, H, W) and its output one score per class; a final Softmax is dropped, as scores are
     * turned into probabilities here. {@code classNames} names the classes (empty: the names in the model's
     * {@code metadata_props}, where our export puts them, else 0..N-1). The normalisation in {@code metadata_props}
     * (our export's) is applied to the pixels in [0, 1]; without one the model gets them as they are.
     */
    public static Classifier loadOnnx(Path file, List<String> classNames) throws IOException {
        String source = file.toString();
        OnnxImport.Result r = OnnxImport.forTraining(OnnxImport.read(file)); // before the backend: a bad file leaks nothing
        Shape item = r.spec().shape();
        Shape out = r.spec().plan().outputShape();
        if (item.rank() != 3 || out.rank() != 2) {
            throw new ModelFormatException(source + ": a classifier needs images (N, C, H, W) in and (N, classes) out;"
                    + " this model takes " + item + " per item and gives " + out);
        }
        if (!classNames.isEmpty() && classNames.size() != out.dim(1)) {
            throw new IllegalArgumentException(source + ": " + classNames.size() + " class names for " + out.dim(1)
                    + " output scores");
        }
        ModelContract exported = ModelContract.of(source, item, out.dim(1), r.metadata());
        ModelContract contract = classNames.isEmpty() ? exported
                : new ModelContract(item, List.copyOf(classNames), exported.normalization());
        int n = Runtime.getRuntime().availableProcessors();
        Backend cpu = new CpuBackend();
        return new Classifier(cpu, true, source, n, () -> contract, () -> OnnxImport.build(cpu, source, r));
    }

    /** Loads a model from a stream (the caller closes it). */
    public static Classifier load(InputStream in, String name) throws IOException {
        int n = Runtime.getRuntime().availableProcessors();
        SafeTensors.Contents contents = SafeTensors.read(name, in, -1);
        return new Classifier(new CpuBackend(), true, contents, name, n);
    }

    /** Loads a model from a class-path resource, e.g. "/models/lenet.safetensors". */
    public static Classifier loadResource(String resource) throws IOException {
        try (InputStream in = Classifier.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelFormatException("no class-path resource " + resource);
            }
            return load(in, resource);
        }
    }

    /** Loads onto a given backend (e.g. CUDA) with a given number of replicas; the caller keeps owning the backend. */
    public static Classifier load(Path file, Backend backend, int replicas) throws IOException {
        return new Classifier(backend, false, SafeTensors.read(file), file.toString(), replicas);
    }

    /** The shape one input must have, e.g. (1, 28, 28). */
    public Shape itemShape() {
        return itemShape;
    }

    /**
     * The class names from the model file, one per score in score order (immutable); empty when the file names none,
     * in which case predictions are labelled by class index.
     */
    public List<String> classes() {
        return classes;
    }

    /**
     * Runs inference with activations of this type and memory format from now on (default F32
     * NCHW): BF16 or F16 halve the activations' memory and, on a GPU, use its tensor cores; the
     * weights stay the model's FP32 values, cast per layer as in mixed-precision training. Waits
     * for calls in flight to finish, so it may be called while serving. Throws
     * IllegalArgumentException naming the backend where it cannot hold such tensors.
     */
    public void setActivationKind(DType type, MemoryFormat format) {
        if (!backend.supports(io.github.convnet4j.backend.Op.ALLOCATE, type, format)) {
            throw new IllegalArgumentException("the " + backend.name() + " backend does not hold " + type + " " + format
                    + " tensors");
        }
        synchronized (kindChange) {
            if (closed) {
                throw new IllegalStateException(source + ": the classifier is closed");
            }
            drainAndSet(type, format);
        }
    }

    private void drainAndSet(DType type, MemoryFormat format) {
        List<Replica> idle = new ArrayList<>(all.size());
        try {
            while (idle.size() < all.size()) {
                idle.add(replicas.take()); // every replica, once its call in flight is done
            }
            idle.forEach(r -> r.net.setActivationKind(type, format));
            activationType = type;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the predictions in flight", e);
        } finally {
            replicas.addAll(idle);
        }
    }

    /** Class probabilities for one image of pixels in [0, 1], CHW, sorted by probability, top k. */
    public List<Prediction> predict(float[] pixels, int k) {
        return predictBatch(List.of(pixels), k).get(0);
    }

    /** Top-k predictions for each image of a batch (pixels in [0, 1], CHW). */
    public List<List<Prediction>> predictBatch(List<float[]> images, int k) {
        int per = itemShape.size();
        float[] input = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            float[] img = images.get(i);
            if (img.length != per) {
                throw new IllegalArgumentException("image " + i + " has " + img.length + " values; the model expects "
                        + itemShape + " = " + per);
            }
            requireFinitePixels(i, img);
            if (normalization != null) {
                normalization.apply(img, itemShape.dim(0), per / itemShape.dim(0), input, i * per);
            } else {
                System.arraycopy(img, 0, input, i * per, per);
            }
        }
        float[] scores = run(input, images.size());
        requireFiniteScores(scores, images.size());
        List<List<Prediction>> out = new ArrayList<>();
        int classCount = scores.length / images.size();
        for (int i = 0; i < images.size(); i++) {
            out.add(topK(Arrays.copyOfRange(scores, i * classCount, (i + 1) * classCount), k));
        }
        return out;
    }

    private static void requireFinitePixels(int image, float[] pixels) {
        for (int j = 0; j < pixels.length; j++) {
            if (!Float.isFinite(pixels[j])) {
                throw new IllegalArgumentException("image " + image + ": pixel value " + j + " is " + pixels[j]
                        + "; pixels must be finite (in [0, 1])");
            }
        }
    }

    /**
     * Finite inputs can still give infinite or NaN scores when the weights are finite but huge (a
     * 3e38 weight overflows float32); probabilities computed from them would be NaN, which is not a
     * prediction (and not even JSON). That is a fault of the model, reported as such.
     */
    private void requireFiniteScores(float[] scores, int images) {
        for (int j = 0; j < scores.length; j++) {
            if (!Float.isFinite(scores[j])) {
                throw new IllegalStateException(source + ": the model computed a non-finite score (" + scores[j]
                        + ") for image " + j / (scores.length / images) + " of " + images
                        + "; " + (activationType == DType.F16 ? "its activations overflow F16 (at most 65504): serve"
                        + " in BF16 or F32" : "its weights overflow " + activationType + " arithmetic"));
            }
        }
    }

    /** Predicts from an image of any size: converted to the model's channels and scaled to its input size. */
    public List<Prediction> predict(BufferedImage image, int k) {
        return predict(Images.toPixels(image, itemShape), k);
    }

    private float[] run(float[] input, int n) {
        Replica r;
        try {
            r = replicas.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model replica", e);
        }
        try {
            return onBackend(r, input, n);
        } finally {
            replicas.add(r);
        }
    }

    private List<Prediction> topK(float[] logits, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        List<Prediction> all = new ArrayList<>();
        for (int c = 0; c < logits.length; c++) {
            all.add(new Prediction(c, c < classes.size() ? classes.get(c) : Integer.toString(c),
                    (float) (Math.exp(logits[c] - max) / sum)));
        }
        all.sort((a, b) -> Float.compare(b.probability(), a.probability()));
        return all.subList(0, Math.min(k, all.size()));
    }

    @Override
    public void close() {
        synchronized (kindChange) { // not while a kind change is draining the replicas
            closeOnce();
        }
    }

    private void closeOnce() {
        if (closed) {
            return;
        }
        closed = true;
        for (Replica r : all) {
            if (r.input != null) {
                r.input.close();
            }
            r.net.close();
        }
        if (ownsBackend) {
            backend.close();
        }
    }
}
