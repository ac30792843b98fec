package io.github.convnet4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [...],
 * "data_offsets": [begin, end]}}}), then the tensors' raw little-endian bytes. PyTorch's
 * {@code safetensors.torch.load_file} reads what this writes and the other way round.
 *
 * <p><b>Whole-file checksum.</b> Every file written here carries, in its metadata under
 * {@value #CHECKSUM_KEY}, the CRC32C of the entire file (length prefix, header, padding, data) computed
 * with the 8 hex digits of that value itself replaced by {@code "00000000"}: so names, shapes, offsets and
 * metadata are covered as well as the data, and a reader needs nothing but the bytes to check it. A CRC
 * detects every single-bit error and every burst of up to 32 bits. {@link Contents#checksummed()} says
 * whether a file carried one; model files and checkpoints require it.
 *
 * <p>Reading is safe by construction: nothing is allocated before the header has been checked
 * against the bytes actually present; the header must be strict JSON (valid UTF-8, one object, no
 * duplicate keys, only space padding after it); every tensor is F32 (decoded) or an integer type
 * (checked, not decoded: see {@link Skipped}); shapes and offsets are integer literals; shapes
 * match their byte ranges, and ranges lie inside the data with neither overlaps nor holes. Every
 * fault is a {@link ModelFormatException} naming the source; never an OutOfMemoryError.
 */
public final class SafeTensors {
    /** Metadata key holding the whole-file CRC32C as 8 lower-case hex digits (see the class comment). */
    public static final String CHECKSUM_KEY = "convnet4j.crc32c";
    /**
     * Metadata key of the data-only CRC32 (decimal) that earlier versions wrote; no longer written,
     * still verified when present.
     */
    public static final String CRC_KEY = "convnet4j.crc32";
    /** Headers are small (names and shapes); a larger claim is hostile or corrupt. */
    static final long MAX_HEADER_BYTES = 16L << 20;

    private static final String PLACEHOLDER = "00000000";
    private static final byte[] CHECKSUM_FIELD = ("\"" + CHECKSUM_KEY + "\":\"").getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");
    /** Bytes per element of the floating types, which are decoded to FP32 (exactly: every BF16/F16 value is an FP32 value). */
    private static final Map<String, Integer> FLOAT_DTYPES = Map.of("F32", 4, "BF16", 2, "F16", 2);
    /** Bytes per element of the integer types that are read but not decoded. */
    private static final Map<String, Integer> INTEGER_DTYPES = Map.of("I64", 8, "I32", 4, "I16", 2, "I8", 1,
            "U64", 8, "U32", 4, "U16", 2, "U8", 1, "BOOL", 1);

    /**
     * A file's content: F32 tensors in file order, the metadata, and the tensors that were checked
     * but not decoded.
     */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata, Map<String, Skipped> skipped) {
        public Contents(Map<String, Entry> tensors, Map<String, String> metadata) {
            this(tensors, metadata, Map.of());
        }

        /** Whether the file carried a whole-file checksum (it was verified when it did). */
        public boolean checksummed() {
            return metadata.containsKey(CHECKSUM_KEY);
        }
    }

    /** One tensor's shape and values. */
    public record Entry(Shape shape, float[] values) {
    }

    /**
     * A tensor whose bytes were checked but that the engine has no use for: an integer dtype (PyTorch's
     * BatchNorm keeps {@code num_batches_tracked} as a 0-d I64) or a 0-d F32 scalar.
     */
    public record Skipped(String dtype, List<Long> shape) {
    }

    private SafeTensors() {
    }

    /** Writes tensors (in the map's order) and metadata; adds the whole-file checksum to the metadata. */
    public static void write(OutputStream out, Map<String, Entry> tensors, Map<String, String> metadata)
            throws IOException {
        write(out, tensors, metadata, DType.F32);
    }

    /**
     * As {@link #write(OutputStream, Map, Map)}, storing every tensor as {@code storeAs}: F32, or
     * BF16/F16 rounded to nearest even (half the bytes; values read back are those of the 16-bit type).
     */
    public static void write(OutputStream out, Map<String, Entry> tensors, Map<String, String> metadata, DType storeAs)
            throws IOException {
        long offset = 0;
        ObjectNode entries = StrictJson.JSON.createObjectNode();
        List<byte[]> blobs = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            float[] v = e.getValue().values();
            if (v.length != e.getValue().shape().size()) {
                throw new IllegalArgumentException(e.getKey() + ": " + v.length + " values for shape " + e.getValue().shape());
            }
            byte[] blob = encode(e.getKey(), v, storeAs);
            blobs.add(blob);
            ObjectNode t = entries.putObject(e.getKey());
            t.put("dtype", storeAs.safetensorsName());
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape().dims()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + blob.length);
            offset += blob.length;
        }
        ObjectNode meta = StrictJson.JSON.createObjectNode();
        metadata.forEach((k, v) -> {
            if (!k.equals(CHECKSUM_KEY) && !k.equals(CRC_KEY)) { // recomputed, never copied from an older file
                meta.put(k, v);
            }
        });
        meta.put(CHECKSUM_KEY, PLACEHOLDER);
        ObjectNode root = StrictJson.JSON.createObjectNode();
        root.set("__metadata__", meta);
        root.setAll(entries);
        byte[] json = StrictJson.JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8; // the spec pads the header with spaces to 8 bytes
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        Arrays.fill(head, 8 + json.length, head.length, (byte) ' ');
        CRC32C crc = new CRC32C();
        crc.update(head);
        blobs.forEach(crc::update);
        int at = 8 + checksumValueOffset("written header", Arrays.copyOfRange(head, 8, head.length));
        byte[] digits = hex(crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, head, at, digits.length);
        out.write(head);
        for (byte[] b : blobs) {
            out.write(b);
        }
    }

    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, DType.F32);
    }

    /** Writes the file atomically, every tensor stored as {@code storeAs}. */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata, DType storeAs)
            throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata, storeAs));
    }

    /** Little-endian bytes of {@code v} in {@code type}; a finite value F16 cannot hold is refused, naming the tensor. */
    private static byte[] encode(String name, float[] v, DType type) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> buf.asFloatBuffer().put(v);
            case BF16 -> {
                for (float f : v) {
                    buf.putShort(HalfFloats.toBF16(f));
                }
            }
            case F16 -> {
                for (int i = 0; i < v.length; i++) {
                    short h = HalfFloats.toF16(v[i]);
                    if ((h & 0x7fff) == 0x7c00 && Float.isFinite(v[i])) {
                        throw new IllegalArgumentException(name + "[" + i + "] = " + v[i] + " is beyond F16's range"
                                + " (±65504): save this model as BF16 or F32");
                    }
                    buf.putShort(h);
                }
            }
        }
        return buf.array();
    }

    /** The FP32 values of a tensor's little-endian bytes in a floating type (exact for every type). */
    private static float[] decode(byte[] bytes, String dtype) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype.equals("F32")) {
            float[] values = new float[bytes.length / 4];
            in.asFloatBuffer().get(values);
            return values;
        }
        float[] values = new float[bytes.length / 2];
        boolean brain = dtype.equals("BF16");
        for (int i = 0; i < values.length; i++) {
            short h = in.getShort();
            values[i] = brain ? HalfFloats.fromBF16(h) : HalfFloats.fromF16(h);
        }
        return values;
    }

    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
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
        JsonNode header = header(source, headerBytes);
        Map<String, String> metadata = metadata(source, header.get("__metadata__"));
        List<Spec> specs = specs(source, header);
        long dataLen = specs.isEmpty() ? 0 : specs.get(specs.size() - 1).end;
        if (length >= 0 && dataLen != length - 8 - headerLen) {
            throw new ModelFormatException(source + ": header describes " + dataLen + " bytes of data, the file holds "
                    + (length - 8 - headerLen));
        }
        String expected = metadata.get(CHECKSUM_KEY);
        CRC32C whole = new CRC32C();
        if (expected != null) {
            whole.update(lenBytes);
            whole.update(withPlaceholder(source, headerBytes, expected));
        }
        Map<String, Entry> tensors = new LinkedHashMap<>();
        Map<String, Skipped> skipped = new LinkedHashMap<>();
        CRC32 dataCrc = new CRC32();
        for (Spec s : specs) {
            byte[] bytes = in.readNBytes((int) (s.end - s.begin));
            if (bytes.length != s.end - s.begin) {
                throw new ModelFormatException(source + ": truncated data in tensor " + s.name);
            }
            dataCrc.update(bytes);
            whole.update(bytes);
            if (s.decoded()) {
                float[] values = decode(bytes, s.dtype);
                tensors.put(s.name, new Entry(Shape.of(Arrays.stream(s.dims).mapToInt(d -> (int) d).toArray()), values));
            } else {
                skipped.put(s.name, new Skipped(s.dtype, Arrays.stream(s.dims).boxed().toList()));
            }
        }
        if (in.read() >= 0) {
            throw new ModelFormatException(source + ": bytes after the last tensor");
        }
        if (expected != null && !expected.equals(hex(whole.getValue()))) {
            throw new ModelFormatException(source + ": checksum mismatch (file damaged): CRC32C " + hex(whole.getValue())
                    + ", header says " + expected);
        }
        String legacy = metadata.get(CRC_KEY);
        if (legacy != null && !legacy.equals(Long.toString(dataCrc.getValue()))) {
            throw new ModelFormatException(source + ": data checksum mismatch (file damaged): CRC32 "
                    + dataCrc.getValue() + ", header says " + legacy);
        }
        return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(skipped));
    }

    /** The header as strict JSON: valid UTF-8, one object starting at the first byte, then only spaces. */
    private static JsonNode header(String source, byte[] headerBytes) throws ModelFormatException {
        String text = StrictJson.utf8(source + ": header", headerBytes);
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == ' ') {
            end--;
        }
        if (!text.startsWith("{")) {
            throw new ModelFormatException(source + ": header must start with '{'");
        }
        if (end == 0 || text.charAt(end - 1) != '}') {
            // The format pads with spaces only; a newline or tab after the object is not ours.
            throw new ModelFormatException(source + ": header must end with '}' followed only by spaces");
        }
        JsonNode header = StrictJson.parse(source + ": header", text.substring(0, end));
        if (!header.isObject()) {
            throw new ModelFormatException(source + ": header is not a JSON object");
        }
        return header;
    }

    /** The header with the checksum's digits replaced by the placeholder, as the writer checksummed it. */
    private static byte[] withPlaceholder(String source, byte[] headerBytes, String expected) throws ModelFormatException {
        if (!expected.matches("[0-9a-f]{8}")) {
            throw new ModelFormatException(source + ": metadata '" + CHECKSUM_KEY + "' must be 8 lower-case hex digits, got '"
                    + expected + "'");
        }
        int at = checksumValueOffset(source, headerBytes);
        if (!new String(headerBytes, at, 8, StandardCharsets.US_ASCII).equals(expected)) {
            throw new ModelFormatException(source + ": the '" + CHECKSUM_KEY + "' entry is not in the form this library writes");
        }
        byte[] copy = headerBytes.clone();
        System.arraycopy(PLACEHOLDER.getBytes(StandardCharsets.US_ASCII), 0, copy, at, 8);
        return copy;
    }

    /** Where the checksum's 8 digits start: the one occurrence of {@code "convnet4j.crc32c":"} followed by 8 bytes and '"'. */
    private static int checksumValueOffset(String source, byte[] header) throws ModelFormatException {
        int found = -1;
        for (int i = 0; i + CHECKSUM_FIELD.length + 9 <= header.length; i++) {
            if (Arrays.equals(header, i, i + CHECKSUM_FIELD.length, CHECKSUM_FIELD, 0, CHECKSUM_FIELD.length)) {
                if (found >= 0) {
                    throw new ModelFormatException(source + ": the checksum entry occurs twice in the header");
                }
                found = i + CHECKSUM_FIELD.length;
            }
        }
        if (found < 0 || header[found + 8] != '"') {
            throw new ModelFormatException(source + ": the '" + CHECKSUM_KEY + "' entry is not in the form this library writes");
        }
        return found;
    }

    private static String hex(long crc) {
        return String.format("%08x", crc);
    }

    /**
     * A tensor's header entry; {@code decoded} ones are floating (F32, BF16, F16; read as F32) of rank
     * 1..4, the others are kept as {@link Skipped}.
     */
    private record Spec(String name, String dtype, long[] dims, long begin, long end) {
        boolean decoded() {
            return FLOAT_DTYPES.containsKey(dtype) && dims.length >= 1;
        }
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
            if (!e.getKey().equals("__metadata__")) {
                specs.add(spec(source, e.getKey(), e.getValue()));
            }
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

    private static Spec spec(String source, String name, JsonNode t) throws ModelFormatException {
        String where = source + ": tensor '" + name + "'";
        if (!t.isObject()) {
            throw new ModelFormatException(where + " is not an object");
        }
        for (Iterator<String> keys = t.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!ENTRY_KEYS.contains(key)) {
                throw new ModelFormatException(where + " has an unknown field '" + key + "'");
            }
        }
        String dtype = t.path("dtype").asText("");
        boolean floating = FLOAT_DTYPES.containsKey(dtype);
        if (!floating && !INTEGER_DTYPES.containsKey(dtype)) {
            throw new ModelFormatException(where + " has dtype '" + dtype + "'; only F32, BF16 and F16 (and integer"
                    + " types, which are skipped) are supported");
        }
        JsonNode shapeNode = t.get("shape");
        JsonNode offsets = t.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > Shape.MAX_RANK
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFormatException(where + " needs a shape of rank <= " + Shape.MAX_RANK
                    + " and two data_offsets");
        }
        long elementBytes = floating ? FLOAT_DTYPES.get(dtype) : INTEGER_DTYPES.get(dtype);
        long bytes = elementBytes;
        long[] dims = new long[shapeNode.size()];
        for (int i = 0; i < dims.length; i++) {
            // F32 tensors become Shapes (dimensions >= 1); skipped ones may be empty, as PyTorch allows.
            dims[i] = StrictJson.integer(where + ": dimension " + i, shapeNode.get(i), floating ? 1 : 0, Integer.MAX_VALUE);
            bytes *= dims[i];
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(where + " claims more than " + (Integer.MAX_VALUE - 8) + " bytes");
            }
        }
        long begin = StrictJson.integer(where + ": data_offsets[0]", offsets.get(0), 0, Long.MAX_VALUE);
        long end = StrictJson.integer(where + ": data_offsets[1]", offsets.get(1), begin, Long.MAX_VALUE);
        if (end - begin != bytes) {
            throw new ModelFormatException(where + ": shape " + Arrays.toString(dims) + " of " + dtype + " needs "
                    + bytes + " bytes but data_offsets cover " + (end - begin));
        }
        return new Spec(name, dtype, dims, begin, end);
    }

    /** Serialises to bytes (tests, in-memory models). */
    public static byte[] toBytes(Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, tensors, metadata);
        return out.toByteArray();
    }

    /**
     * Recomputes the whole-file checksum of a file in place, as if the writer had produced these
     * bytes. For tests that need a well-formed file with a chosen header, and for planting a
     * checker that does not cover the header.
     */
    static void resign(byte[] file) throws ModelFormatException {
        long headerLen = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int at = 8 + checksumValueOffset("resign", Arrays.copyOfRange(file, 8, (int) (8 + headerLen)));
        byte[] zero = PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(zero, 0, file, at, 8);
        CRC32C crc = new CRC32C();
        crc.update(file);
        System.arraycopy(hex(crc.getValue()).getBytes(StandardCharsets.US_ASCII), 0, file, at, 8);
    }
}
