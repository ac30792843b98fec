package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.AtomicFiles;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Writes an exported model as an ONNX backend-test folder, the layout of ONNX's own node tests and
 * of {@code convnet4j onnx-check}: {@code model.onnx} beside {@code test_data_set_0/input_0.pb}
 * (a fixed random batch, serialized TensorProto) and {@code output_0.pb} (what the network computes
 * for it on its own backend: on the CPU, our reference). Any ONNX runtime can then be checked
 * against our outputs.
 */
public final class OnnxTestFolder {
    /** The model's file name in the folder. */
    public static final String MODEL = "model.onnx";
    /** The one data set written. */
    public static final String DATA_SET = "test_data_set_0";
    /** The input tensor's file, inside {@link #DATA_SET}. */
    public static final String INPUT_FILE = "input_0.pb";
    /** The output tensor's file, inside {@link #DATA_SET}. */
    public static final String OUTPUT_FILE = "output_0.pb";
    /** The largest batch written: a check needs a few items, not a data set. */
    public static final int MAX_BATCH = 64;

    private OnnxTestFolder() {
    }

    /** What was written: the input and output shapes, batch included. */
    public record Written(Path folder, Shape input, Shape output) {
    }

    /**
     * Exports {@code net} into {@code folder} with a batch of {@code batch} items drawn from N(0, 1)
     * with {@code seed} (inputs as normalised images look), and the network's inference outputs for
     * them. Each file is written atomically.
     */
    public static Written write(Network net, Path folder, Map<String, String> metadata, int batch, long seed)
            throws IOException {
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("check-data batch must be 1.." + MAX_BATCH + ", got " + batch);
        }
        OnnxMl.ModelProto model = OnnxExport.export(net, metadata);
        Shape inShape = withBatch(net.itemShape(), batch);
        float[] x = randomInput(inShape, seed);
        Shape outShape;
        float[] y;
        try (Tensor input = net.backend().tensor(x, inShape)) {
            Tensor out = net.predict(input); // the network's buffer, valid until its next forward
            outShape = out.shape();
            y = out.toArray();
        }
        String outputName = model.getGraph().getOutput(0).getName();
        Path data = folder.resolve(DATA_SET);
        OnnxMl.TensorProto in = OnnxProtos.floatTensor(OnnxExport.INPUT, inShape, x);
        OnnxMl.TensorProto expected = OnnxProtos.floatTensor(outputName, outShape, y);
        AtomicFiles.write(data.resolve(INPUT_FILE), in::writeTo);
        AtomicFiles.write(data.resolve(OUTPUT_FILE), expected::writeTo);
        OnnxExport.write(model, folder.resolve(MODEL));
        return new Written(folder, inShape, outShape);
    }

    /** {@code shape.size()} values from N(0, 1), the same for the same seed. */
    static float[] randomInput(Shape shape, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[shape.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private static Shape withBatch(Shape item, int batch) {
        int[] d = new int[item.rank() + 1];
        d[0] = batch;
        System.arraycopy(item.dims(), 0, d, 1, item.rank());
        return Shape.of(d);
    }
}
