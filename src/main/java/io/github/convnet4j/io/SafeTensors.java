package io.github.convnet4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [...],
 * "data_offsets": [begin, end]}}}), then the tensors' raw little-endian bytes. PyTorch's
 * {@code safetensors.torch.load_file} reads what this writes and the other way round.
 *
 * <p>Reading is safe by construction: nothing is allocated before the header has been checked
 * against the bytes actually present; every tensor must be F32, its shape must match its byte
 * range, ranges must lie inside the data and neither overlap nor leave holes. A CRC32 of the data
 * in the metadata (key {@value #CRC_KEY}), when present, must match. Every fault is a
 * {@link ModelFormatException} naming the source; never an OutOfMemoryError.
 */
public final class SafeTensors {
    /** Metadata key holding the CRC32 of the data section, as decimal text. */
    public static final String CRC_KEY = "convnet4j.crc32";
    /** Headers are small (names and shapes); a larger claim is hostile or corrupt. */
    static final long MAX_HEADER_BYTES = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .build());

    /** A file's content: tensors in file order, and the metadata. */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {
    }

    /** One tensor's shape and values. */
    public record Entry(Shape shape, float[] values) {
    }

    private SafeTensors() {
    }

    /** Writes tensors (in the map's order) and metadata; adds the data's CRC32 to the metadata. */
    public static void write(OutputStream out, Map<String, Entry> tensors, Map<String, String> metadata)
            throws IOException {
        CRC32 crc = new CRC32();
        long offset = 0;
        ObjectNode header = JSON.createObjectNode();
        List<byte[]> blobs = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            float[] v = e.getValue().values();
            if (v.length != e.getValue().shape().size()) {
                throw new IllegalArgumentException(e.getKey() + ": " + v.length + " values for shape " + e.getValue().shape());
            }
            ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(v);
            byte[] bytes = buf.array();
            crc.update(bytes);
            blobs.add(bytes);
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape().dims()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes.length);
            offset += bytes.length;
        }
        ObjectNode meta = JSON.createObjectNode();
        metadata.forEach(meta::put);
        meta.put(CRC_KEY, Long.toString(crc.getValue()));
        ObjectNode ordered = JSON.createObjectNode();
        ordered.set("__metadata__", meta);
        ordered.setAll(header);
        byte[] json = JSON.writeValueAsBytes(ordered);
        int padded = (json.length + 7) / 8 * 8; // the spec pads the header with spaces to 8 bytes
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        for (byte[] b : blobs) {
            out.write(b);
        }
    }

    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata));
    }

    public static Contents read(Path file) throws IOException {
        long size = java.nio.file.Files.size(file);
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return read(file.toString(), in, size);
        }
    }

    /**
     * Reads from a stream whose total length may be unknown ({@code length < 0}): the stream is then
     * read in bounded chunks and the data checked against the header as it arrives.
     */
    public static Contents read(String source, InputStream in, long length) throws IOException {
        byte[] lenBytes = in.readNBytes(8);
        if (lenBytes.length < 8) {
            throw new ModelFormatException(source + ": too short for a safetensors file (" + lenBytes.length + " bytes)");
        }
        long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen <= 1 || headerLen > MAX_HEADER_BYTES || (length >= 0 && headerLen > length - 8)) {
            throw new ModelFormatException(source + ": header length " + headerLen + " is impossible"
                    + (length >= 0 ? " for a file of " + length + " bytes" : ""));
        }
        byte[] headerBytes = in.readNBytes((int) headerLen);
        if (headerBytes.length != headerLen) {
            throw new ModelFormatException(source + ": truncated header (" + headerBytes.length + " of " + headerLen
                    + " bytes)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(source + ": header is not a JSON object");
        }
        Map<String, String> metadata = metadata(source, header.get("__metadata__"));
        List<Spec> specs = specs(source, header);
        long dataLen = specs.isEmpty() ? 0 : specs.get(specs.size() - 1).end;
        if (length >= 0 && dataLen != length - 8 - headerLen) {
            throw new ModelFormatException(source + ": header describes " + dataLen + " bytes of data, the file holds "
                    + (length - 8 - headerLen));
        }
        Map<String, Entry> tensors = new LinkedHashMap<>();
        CRC32 crc = new CRC32();
        for (Spec s : specs) {
            byte[] bytes = in.readNBytes((int) (s.end - s.begin));
            if (bytes.length != s.end - s.begin) {
                throw new ModelFormatException(source + ": truncated data in tensor " + s.name);
            }
            crc.update(bytes);
            float[] values = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            tensors.put(s.name, new Entry(s.shape, values));
        }
        if (in.read() >= 0) {
            throw new ModelFormatException(source + ": bytes after the last tensor");
        }
        String expected = metadata.get(CRC_KEY);
        if (expected != null && !expected.equals(Long.toString(crc.getValue()))) {
            throw new ModelFormatException(source + ": data checksum mismatch (file damaged): CRC32 " + crc.getValue()
                    + ", header says " + expected);
        }
        return new Contents(Collections.unmodifiableMap(tensors), metadata);
    }

    private record Spec(String name, Shape shape, long begin, long end) {
    }

    private static Map<String, String> metadata(String source, JsonNode node) throws ModelFormatException {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        if (!node.isObject()) {
            throw new ModelFormatException(source + ": __metadata__ must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(source + ": metadata value of '" + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static List<Spec> specs(String source, JsonNode header) throws ModelFormatException {
        List<Spec> specs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            String where = source + ": tensor '" + name + "'";
            if (!t.isObject()) {
                throw new ModelFormatException(where + " is not an object");
            }
            String dtype = t.path("dtype").asText("");
            if (!dtype.equals("F32")) {
                throw new ModelFormatException(where + " has dtype '" + dtype + "'; only F32 is supported");
            }
            JsonNode shapeNode = t.get("shape");
            JsonNode offsets = t.get("data_offsets");
            if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > Shape.MAX_RANK
                    || offsets == null || !offsets.isArray() || offsets.size() != 2) {
                throw new ModelFormatException(where + " needs a shape of rank <= " + Shape.MAX_RANK
                        + " and two data_offsets");
            }
            long elements = 1;
            int[] dims = new int[shapeNode.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 1 || d.asLong() > Integer.MAX_VALUE) {
                    throw new ModelFormatException(where + " has an invalid dimension " + d);
                }
                dims[i] = (int) d.asLong();
                elements *= dims[i];
                if (elements > Integer.MAX_VALUE / 4) {
                    throw new ModelFormatException(where + " claims more than " + (Integer.MAX_VALUE / 4) + " elements");
                }
            }
            if (dims.length == 0) {
                throw new ModelFormatException(where + ": scalars (shape []) are not supported");
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (!offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong() || begin < 0 || end < begin) {
                throw new ModelFormatException(where + " has invalid data_offsets " + offsets);
            }
            if (end - begin != elements * 4) {
                throw new ModelFormatException(where + ": shape " + java.util.Arrays.toString(dims) + " needs "
                        + elements * 4 + " bytes but data_offsets cover " + (end - begin));
            }
            specs.add(new Spec(name, Shape.of(dims), begin, end));
        }
        specs.sort(Comparator.comparingLong(Spec::begin));
        long expected = 0;
        for (Spec s : specs) {
            if (s.begin != expected) {
                throw new ModelFormatException(source + ": tensor '" + s.name + "' starts at byte " + s.begin
                        + (s.begin < expected ? ", overlapping the previous tensor" : ", leaving a hole") + " (expected "
                        + expected + ")");
            }
            expected = s.end;
        }
        return specs;
    }

    /** Serialises to bytes (tests, in-memory models). */
    public static byte[] toBytes(Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, tensors, metadata);
        return out.toByteArray();
    }
}
