package io.github.convnet4j.io;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-made model files for tests: a chosen architecture and tensors, correctly checksummed. */
final class ModelBytes {
    private ModelBytes() {
    }

    /** A version-2 model file with this architecture JSON, these tensors and these extra metadata entries. */
    static byte[] model(String architecture, Map<String, SafeTensors.Entry> tensors, Map<String, String> extra)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelFile.FORMAT_KEY, ModelFile.FORMAT);
        meta.put(ModelFile.VERSION_KEY, ModelFile.VERSION);
        if (architecture != null) {
            meta.put(ModelFile.ARCHITECTURE_KEY, architecture);
        }
        meta.putAll(extra);
        return SafeTensors.toBytes(tensors, meta);
    }

    static byte[] model(String architecture) throws IOException {
        return model(architecture, Map.of(), Map.of());
    }

    /** Zero-filled F32 tensors of these shapes. */
    static Map<String, SafeTensors.Entry> zeros(Object... nameShapePairs) {
        Map<String, SafeTensors.Entry> t = new LinkedHashMap<>();
        for (int i = 0; i < nameShapePairs.length; i += 2) {
            Shape s = (Shape) nameShapePairs[i + 1];
            t.put((String) nameShapePairs[i], new SafeTensors.Entry(s, new float[s.size()]));
        }
        return t;
    }

    /** Loads a model from bytes onto a fresh single-threaded CPU backend, closing whatever it built. */
    static void load(byte[] bytes) throws IOException {
        try (CpuBackend cpu = new CpuBackend(1)) {
            ModelFile.load(cpu, "hostile.safetensors", new ByteArrayInputStream(bytes)).network().close();
        }
    }

    /** The header JSON of a safetensors file. */
    static String header(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(file, 8, (int) n, StandardCharsets.UTF_8);
    }

    /** The file with its header JSON replaced (re-padded, lengths fixed), then re-checksummed. */
    static byte[] withHeader(byte[] file, String json, boolean resign) throws ModelFormatException {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + file.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(file, 8 + (int) n, file.length - 8 - (int) n);
        byte[] bytes = out.array();
        if (resign) {
            SafeTensors.resign(bytes);
        }
        return bytes;
    }
}
