package io.github.convnet4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * JSON as model files need it: one value and nothing after it, no duplicate keys (Jackson's default
 * lets the last one win, so a second "normalization" would silently replace the first), bounded
 * nesting, and numbers that are what they claim (6.5 is not a dimension, 2^32+6 does not wrap to 6).
 */
final class StrictJson {
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20)
                    .maxNumberLength(64).build())
            .build());

    private StrictJson() {
    }

    /** Decodes UTF-8, rejecting malformed sequences instead of replacing them with U+FFFD. */
    static String utf8(String where, byte[] bytes) throws ModelFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(where + " is not valid UTF-8");
        }
    }

    /** Parses exactly one JSON value; trailing content, duplicate keys and empty input are errors. */
    static JsonNode parse(String where, String text) throws ModelFormatException {
        try (JsonParser p = JSON.createParser(text)) {
            JsonNode node = JSON.readTree(p);
            if (node == null || node.isMissingNode()) {
                throw new ModelFormatException(where + " is empty");
            }
            if (p.nextToken() != null) {
                throw new ModelFormatException(where + " has content after its JSON value (at "
                        + p.currentLocation().offsetDescription() + ")");
            }
            return node;
        } catch (ModelFormatException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(where + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(where + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** An integer literal within [min, max]; floats (6.5, 6.0, 6e0) and out-of-range values are errors. */
    static long integer(String where, JsonNode n, long min, long max) throws ModelFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw new ModelFormatException(where + " must be an integer in [" + min + ", " + max + "], got " + n);
        }
        return n.asLong();
    }
}
