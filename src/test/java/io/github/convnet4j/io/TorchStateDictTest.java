package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.NetworkBuilder;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PyTorch state_dict with BatchNorm, laid out as {@code safetensors.torch.save_file} writes it
 * (written here byte by byte from the format's definition): BatchNorm2d adds
 * {@code num_batches_tracked}, a 0-d I64 tensor, which loadWeights reads, checks and ignores.
 */
class TorchStateDictTest {
    @TempDir
    Path dir;

    /** A file of F32 tensors of these sizes, then one I64 scalar, with a header in safetensors' layout. */
    private static byte[] stateDict(String[] names, int[][] shapes, float[][] values, long tracked) throws IOException {
        StringBuilder h = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < names.length; i++) {
            int begin = data.size();
            ByteBuffer b = ByteBuffer.allocate(values[i].length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values[i]) {
                b.putFloat(v);
            }
            data.write(b.array());
            h.append('"').append(names[i]).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(shapes[i]).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(begin).append(',').append(data.size()).append("]},");
        }
        int begin = data.size();
        data.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(tracked).array());
        h.append("\"bn1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[").append(begin)
                .append(',').append(data.size()).append("]}}");
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        out.write(data.toByteArray());
        return out.toByteArray();
    }

    @Test
    void batchNormStateDictsLoadAndTheirIntegerCounterIsIgnored() throws IOException {
        try (CpuBackend cpu = new CpuBackend(1);
             Network net = new NetworkBuilder(cpu, Shape.of(1, 4, 4), 1).conv("conv1", 2, 3, 1, 1).batchNorm("bn1")
                     .affine("fc", 2).softmaxWithLoss()) {
            String[] names = {"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
                    "bn1.running_var", "fc.weight", "fc.bias"};
            int[][] shapes = {{2, 1, 3, 3}, {2}, {2}, {2}, {2}, {2}, {2, 32}, {2}};
            float[][] values = new float[names.length][];
            for (int i = 0; i < names.length; i++) {
                values[i] = new float[Shape.of(shapes[i]).size()];
                for (int j = 0; j < values[i].length; j++) {
                    values[i][j] = i + j / 100f;
                }
            }
            Path f = dir.resolve("torch.safetensors");
            Files.write(f, stateDict(names, shapes, values, 937));
            SafeTensors.Contents c = SafeTensors.read(f);
            assertEquals(new SafeTensors.Skipped("I64", List.of()), c.skipped().get("bn1.num_batches_tracked"));
            assertTrue(!c.checksummed());
            ModelFile.loadWeights(net, f);
            assertArrayEquals(values[5], net.buffers().get("bn1.running_var").toArray());
            assertArrayEquals(values[6], net.parameter("fc.weight").value().toArray());
        }
    }

    @Test
    void integerTensorsAreCheckedLikeTheOthers() {
        byte[] wrongSize = ("{\"n\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + wrongSize.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(wrongSize.length).put(wrongSize);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SafeTensors.read("t", new java.io.ByteArrayInputStream(b.array()), b.array().length));
        assertTrue(e.getMessage().contains("needs 16 bytes"), e.getMessage());
        // F16 and BF16 are read (HalfPrecisionFilesTest); a floating type the engine has no conversion for is refused.
        byte[] f64 = ("{\"n\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer c = ByteBuffer.allocate(8 + f64.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(f64.length).put(f64);
        e = assertThrows(ModelFormatException.class,
                () -> SafeTensors.read("t", new java.io.ByteArrayInputStream(c.array()), c.array().length));
        assertTrue(e.getMessage().contains("'F64'; only F32, BF16 and F16"), e.getMessage());
    }
}
