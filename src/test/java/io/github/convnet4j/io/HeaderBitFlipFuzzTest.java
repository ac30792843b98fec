package io.github.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.infer.Classifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every single-bit flip in a model file's length prefix and header is either refused with a
 * ModelFormatException or leaves what a Classifier serves (item shape, class names, every
 * probability) unchanged. The harness is shown to catch a checker that does not cover the header.
 */
class HeaderBitFlipFuzzTest {
    @TempDir
    static Path dir;
    static CpuBackend cpu;
    static byte[] good;
    static List<float[]> images = new ArrayList<>();

    /** What a loaded model serves; throws ModelFormatException when the file is refused. */
    @FunctionalInterface
    interface Loader {
        String outcome(byte[] file) throws Exception;
    }

    /** The flips the harness found wrong: accepted with another outcome, or failed with another exception. */
    record Findings(List<String> changed, List<String> crashed) {
    }

    @BeforeAll
    static void saveAModel() throws Exception {
        cpu = new CpuBackend(1);
        good = ModelFileHostileTest.savedModel();
        Random r = new Random(3);
        for (int i = 0; i < 3; i++) {
            float[] img = new float[3 * 8 * 8];
            for (int j = 0; j < img.length; j++) {
                img[j] = r.nextFloat();
            }
            images.add(img);
        }
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** The real loading path: a file on disk, read by Classifier.load. */
    static String classify(byte[] file) throws Exception {
        Path f = dir.resolve("fuzz.safetensors");
        Files.write(f, file);
        try (Classifier c = Classifier.load(f, cpu, 1)) {
            return c.itemShape() + " " + c.classes() + " " + c.predictBatch(images, 4);
        }
    }

    static Findings fuzz(Loader loader, int[] bits) throws Exception {
        String baseline = loader.outcome(good);
        Findings f = new Findings(new ArrayList<>(), new ArrayList<>());
        for (int bit : bits) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            try {
                String outcome = loader.outcome(bad);
                if (!outcome.equals(baseline)) {
                    f.changed().add("bit " + bit + " of byte " + bit / 8 + ": " + outcome);
                }
            } catch (ModelFormatException refused) {
                // the wanted outcome for a damaged file
            } catch (Exception | Error e) {
                f.crashed().add("bit " + bit + " of byte " + bit / 8 + ": " + e);
            }
        }
        return f;
    }

    static int headerBits() {
        return (int) (8 + ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()) * 8;
    }

    static int[] everyHeaderBit() {
        int[] bits = new int[headerBits()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = i;
        }
        return bits;
    }

    @Test
    void everyHeaderBitFlipIsRefusedOrHarmless() throws Exception {
        int[] bits = everyHeaderBit();
        assertTrue(bits.length > 8000, "the whole header: " + bits.length + " bits");
        Findings f = fuzz(HeaderBitFlipFuzzTest::classify, bits);
        assertEquals(List.of(), f.changed(), "flips accepted with other predictions");
        assertEquals(List.of(), f.crashed(), "flips that failed with something other than ModelFormatException");
    }

    /**
     * A planted weakness: re-checksumming after the flip is a checker that does not cover the header,
     * as before format 2. The harness must find flips that change what is served. Every flip then
     * reaches the strict parser and the validation, which must refuse it or accept it, never crash.
     */
    @Test
    void theFuzzCatchesACheckerThatSkipsTheHeader() throws Exception {
        Loader headerNotCovered = file -> {
            byte[] copy = file.clone();
            SafeTensors.resign(copy);
            return classify(copy);
        };
        Random r = new Random(11);
        int[] bits = r.ints(3000, 0, headerBits()).toArray();
        Findings f = fuzz(headerNotCovered, bits);
        assertTrue(f.changed().size() > 0, "the planted weakness went unnoticed");
        assertEquals(List.of(), f.crashed(), "validation must refuse with ModelFormatException");
        System.out.println("planted weakness: " + f.changed().size() + " of " + bits.length
                + " flips changed what is served, e.g. " + f.changed().get(0));
    }
}
