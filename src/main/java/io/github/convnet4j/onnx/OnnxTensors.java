package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decodes TensorProtos safely. A tensor's declared element count (the product of its dims, each
 * checked) is compared with the bytes actually present, in raw_data, the typed field or the external
 * file, before any array is allocated: a tensor claiming 10^12 elements over 4 bytes is refused
 * as such. External data is read only from a file inside the model's own folder (after resolving
 * symbolic links), and only the byte range the tensor needs.
 */
final class OnnxTensors {
    /** Dimensions of one tensor. */
    static final int MAX_RANK = 8;
    /** Elements of one tensor (1 GiB of floats): VGG's largest weight has 103 million. */
    static final long MAX_ELEMENTS = 1L << 28;
    /** Bytes of one tensor as stored (1 GiB): 2^28 INT64 or DOUBLE elements would be 2 GiB. */
    static final long MAX_TENSOR_BYTES = 1L << 30;

    private OnnxTensors() {
    }

    /**
     * Decodes a tensor; {@code folder} is the model's folder for external data (null: external data refused).
     * Throws ModelFormatException naming {@code source} and the tensor.
     */
    static OnnxTensor decode(String source, OnnxMl.TensorProto t, Path folder) throws IOException {
        return decode(source, t, folder, DecodeBudget.forThisJvm());
    }

    /** As {@link #decode(String, OnnxMl.TensorProto, Path)}, the decoded bytes taken from {@code budget} first. */
    static OnnxTensor decode(String source, OnnxMl.TensorProto t, Path folder, DecodeBudget budget) throws IOException {
        String what = source + ": tensor '" + t.getName() + "'";
        int[] dims = dims(what, t);
        long count = 1;
        for (int d : dims) {
            count *= d; // each d < 2^31 and the running product is checked below, so no overflow
            if (count > MAX_ELEMENTS) {
                throw new ModelFormatException(what + " declares dims " + t.getDimsList() + ", more than "
                        + MAX_ELEMENTS + " elements");
            }
        }
        int n = (int) count;
        int type = t.getDataType();
        int width = switch (type) {
            case OnnxMl.TensorProto.DataType.FLOAT_VALUE, OnnxMl.TensorProto.DataType.INT32_VALUE -> 4;
            case OnnxMl.TensorProto.DataType.DOUBLE_VALUE, OnnxMl.TensorProto.DataType.INT64_VALUE -> 8;
            case OnnxMl.TensorProto.DataType.BOOL_VALUE -> 1;
            default -> throw new OnnxUnsupportedException(what + " has data type "
                    + dataTypeName(type) + "; supported: FLOAT, DOUBLE, INT64, INT32, BOOL", "dtype " + dataTypeName(type));
        };
        long stored = (long) n * width;
        if (stored > MAX_TENSOR_BYTES) {
            throw new ModelFormatException(what + " declares dims " + t.getDimsList() + " of " + dataTypeName(type)
                    + ": " + stored + " bytes, more than the " + MAX_TENSOR_BYTES + " accepted for one tensor");
        }
        boolean external = t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
        // floats (DOUBLE narrowed) keep 4 bytes an element, integer types 8
        long kept = (long) n * (type == OnnxMl.TensorProto.DataType.FLOAT_VALUE
                || type == OnnxMl.TensorProto.DataType.DOUBLE_VALUE ? 4 : 8);
        ByteBuffer raw = null;
        if (external) {
            raw = external(what, t, folder, stored, budget, kept);
        } else if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != (long) n * width) {
                throw new ModelFormatException(what + " declares dims " + t.getDimsList() + " (" + n + " elements of "
                        + width + " bytes) but its raw_data holds " + t.getRawData().size() + " bytes");
            }
            budget.take(what, kept, 0);
            raw = t.getRawData().asReadOnlyByteBuffer();
        }
        if (raw != null) {
            raw.order(ByteOrder.LITTLE_ENDIAN);
            return fromRaw(t.getName(), dims, type, n, raw);
        }
        checkTyped(what, t, type, n);
        budget.take(what, kept, 0);
        return fromTyped(t, dims, type, n);
    }

    private static int[] dims(String what, OnnxMl.TensorProto t) throws ModelFormatException {
        if (t.getDimsCount() > MAX_RANK) {
            throw new ModelFormatException(what + " has " + t.getDimsCount() + " dimensions, more than " + MAX_RANK);
        }
        int[] dims = new int[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new ModelFormatException(what + " has dimension " + i + " = " + d + " (dims " + t.getDimsList()
                        + "); expected 0.." + Integer.MAX_VALUE);
            }
            dims[i] = (int) d;
        }
        return dims;
    }

    private static OnnxTensor fromRaw(String name, int[] dims, int type, int n, ByteBuffer raw) {
        switch (type) {
            case OnnxMl.TensorProto.DataType.FLOAT_VALUE -> {
                float[] f = new float[n];
                raw.asFloatBuffer().get(f);
                return new OnnxTensor(name, dims, f, null);
            }
            case OnnxMl.TensorProto.DataType.DOUBLE_VALUE -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) raw.getDouble();
                }
                return new OnnxTensor(name, dims, f, null);
            }
            default -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = type == OnnxMl.TensorProto.DataType.INT64_VALUE ? raw.getLong()
                            : type == OnnxMl.TensorProto.DataType.INT32_VALUE ? raw.getInt() : raw.get();
                }
                return new OnnxTensor(name, dims, null, l);
            }
        }
    }

    private static void checkTyped(String what, OnnxMl.TensorProto t, int type, int n)
            throws ModelFormatException {
        int present = switch (type) {
            case OnnxMl.TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
            case OnnxMl.TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
            case OnnxMl.TensorProto.DataType.INT64_VALUE -> t.getInt64DataCount();
            default -> t.getInt32DataCount(); // INT32 and BOOL
        };
        if (present != n) {
            throw new ModelFormatException(what + " declares dims " + t.getDimsList() + " (" + n + " elements) but holds "
                    + present + " values");
        }
    }

    private static OnnxTensor fromTyped(OnnxMl.TensorProto t, int[] dims, int type, int n) {
        if (type == OnnxMl.TensorProto.DataType.FLOAT_VALUE || type == OnnxMl.TensorProto.DataType.DOUBLE_VALUE) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = type == OnnxMl.TensorProto.DataType.FLOAT_VALUE ? t.getFloatData(i) : (float) t.getDoubleData(i);
            }
            return new OnnxTensor(t.getName(), dims, f, null);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = type == OnnxMl.TensorProto.DataType.INT64_VALUE ? t.getInt64Data(i) : t.getInt32Data(i);
        }
        return new OnnxTensor(t.getName(), dims, null, l);
    }

    /** The tensor's bytes from its external file, which must lie inside the model's folder and hold them. */
    private static ByteBuffer external(String what, OnnxMl.TensorProto t, Path folder, long bytes, DecodeBudget budget,
                                       long kept) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(what, "offset", e.getValue());
                case "length" -> length = number(what, "length", e.getValue());
                default -> {
                    // "checksum" and other keys carry nothing we need
                }
            }
        }
        if (folder == null) {
            throw new ModelFormatException(what + " refers to external data '" + location + "', which is read only for a"
                    + " model file (its folder)");
        }
        if (location == null || location.isEmpty()) {
            throw new ModelFormatException(what + ": external data without a 'location'");
        }
        Path base = folder.toAbsolutePath().normalize();
        Path file;
        boolean absolute;
        try {
            file = base.resolve(location).normalize();
            absolute = Path.of(location).isAbsolute();
        } catch (InvalidPathException e) {
            throw new ModelFormatException(what + ": external data location '" + location.replace("\0", "\\0")
                    + "' is not a file name here (" + e.getReason() + ")", e);
        }
        if (absolute || !file.startsWith(base)) {
            throw new ModelFormatException(what + ": external data '" + location + "' lies outside the model's folder "
                    + base + "; refused");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(what + ": external data file " + file + " does not exist");
        }
        if (!file.toRealPath().startsWith(base.toRealPath())) {
            throw new ModelFormatException(what + ": external data '" + location + "' links outside the model's folder "
                    + base + "; refused");
        }
        long size = Files.size(file);
        if (length >= 0 && length != bytes) {
            throw new ModelFormatException(what + " declares dims " + t.getDimsList() + " (" + bytes
                    + " bytes) but its external data length is " + length);
        }
        if (offset > size || bytes > size - offset) {
            throw new ModelFormatException(what + " needs " + bytes + " bytes at offset " + offset + " of " + file
                    + ", which has " + size);
        }
        budget.take(what + " (external data " + file + ")", kept, bytes);
        ByteBuffer buf = ByteBuffer.allocate((int) bytes); // at most MAX_TENSOR_BYTES
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    throw new ModelFormatException(what + ": external data file " + file + " ended early");
                }
            }
        }
        return buf.flip();
    }

    private static long number(String what, String key, String value) throws ModelFormatException {
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ModelFormatException(what + ": external data " + key + " '" + value + "' is not a byte count");
        }
    }

    static String dataTypeName(int type) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(type);
        return t == null ? "#" + type : t.name();
    }
}
