package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.models.LeNet;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.DType;
import io.github.convnet4j.tensor.HalfFloats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors files with BF16 and F16 tensors: read as the FP32 values they hold, written rounded to nearest even. */
class HalfPrecisionFilesTest {
    @TempDir
    Path dir;

    /** A safetensors file built by hand from the format's definition: 8-byte header length, JSON, raw little-endian data. */
    private static byte[] file(String header, short... halves) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 2 * halves.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        for (short h : halves) {
            b.putShort(h);
        }
        return b.array();
    }

    @Test
    void f16AndBf16TensorsWrittenElsewhereReadAsTheirExactValues() throws Exception {
        // IEEE binary16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24.
        // bfloat16: 1.0 = 0x3f80, 3.140625 = 0x4049, -0.0 = 0x8000.
        byte[] bytes = file("{\"a\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[10,16]}}",
                (short) 0x3c00, (short) 0xc000, (short) 0x3800, (short) 0x7bff, (short) 0x0001,
                (short) 0x3f80, (short) 0x4049, (short) 0x8000);
        SafeTensors.Contents c = SafeTensors.read("hand-made", new ByteArrayInputStream(bytes), bytes.length);
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, (float) Math.pow(2, -24)}, c.tensors().get("a").values());
        assertArrayEquals(new float[] {1f, 3.140625f, -0f}, c.tensors().get("b").values());
    }

    @Test
    void aHalfTensorWhoseOffsetsCoverFourBytesPerElementIsRefused() {
        byte[] bytes = file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                (short) 0x3f80, (short) 0x3f80, (short) 0, (short) 0);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SafeTensors.read("wrong", new ByteArrayInputStream(bytes), bytes.length));
        assertTrue(e.getMessage().contains("shape [2] of BF16 needs 4 bytes but data_offsets cover 8"), e.getMessage());
    }

    @Test
    void aModelSavedInBf16OrF16IsHalfTheSizeAndLoadsWithItsWeightsRounded() throws Exception {
        try (CpuBackend cpu = new CpuBackend(1); Network net = LeNet.modern(cpu, 10, 5)) {
            Path f32 = dir.resolve("f32.safetensors");
            ModelFile.save(net, f32, Map.of());
            for (DType type : new DType[] {DType.BF16, DType.F16}) {
                Path half = dir.resolve(type + ".safetensors");
                ModelFile.save(net, half, Map.of(), type);
                long weightBytes = net.parameterCount() * 4;
                assertEquals(weightBytes / 2, Files.size(f32) - Files.size(half), weightBytes / 50.0,
                        type + ": half the weight bytes saved");
                try (Network back = ModelFile.load(cpu, half).network()) {
                    for (Parameter p : net.parameters()) {
                        float[] want = p.value().toArray();
                        HalfFloats.roundInPlace(want, type);
                        assertArrayEquals(want, back.parameter(p.name()).value().toArray(), type + " " + p.name());
                    }
                }
            }
        }
    }

    @Test
    void aWeightBeyondF16sRangeIsRefusedNamingTheTensor() {
        float[] v = {1f, 70000f};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(
                new ByteArrayOutputStream(), Map.of("fc.weight", new SafeTensors.Entry(
                        io.github.convnet4j.tensor.Shape.of(2), v)), Map.of(), DType.F16));
        assertEquals("fc.weight[1] = 70000.0 is beyond F16's range (±65504): save this model as BF16 or F32",
                e.getMessage());
    }

    @Test
    void writingRoundsToNearestEvenAsTheDefinitionSays() throws Exception {
        float[] v = {0.1f, 65519f, 1e-8f, -3.14159265f};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(out, Map.of("x", new SafeTensors.Entry(io.github.convnet4j.tensor.Shape.of(4), v)), Map.of(),
                DType.F16);
        byte[] bytes = out.toByteArray();
        float[] back = SafeTensors.read("mem", new ByteArrayInputStream(bytes), bytes.length).tensors().get("x").values();
        // PyTorch 1.13: torch.tensor(v).half().tolist()
        assertArrayEquals(new float[] {0.0999755859375f, 65504f, 0f, -3.140625f}, back);
    }
}
