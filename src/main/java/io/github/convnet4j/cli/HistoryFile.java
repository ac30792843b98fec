package io.github.convnet4j.cli;

import io.github.convnet4j.train.EpochRecord;
import io.github.convnet4j.train.Trainer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a training run's history.csv for {@code visualize curves}, naming the file in every failure. */
final class HistoryFile {
    /** Far above any history (an epoch is one line of about 60 bytes); a larger file is not one. */
    static final long MAX_BYTES = 16L << 20;

    private HistoryFile() {
    }

    static List<EpochRecord> read(Path file) throws IOException {
        InputFiles.requireFile(file, "a " + Trainer.HISTORY_FILE + " written by train");
        String expected = "; expected a " + Trainer.HISTORY_FILE + " written by train (its first line: "
                + EpochRecord.CSV_HEADER + ")";
        if (Files.size(file) > MAX_BYTES) {
            throw new IllegalArgumentException(file + " is " + Files.size(file) + " bytes, too large for a training history"
                    + expected);
        }
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            String looks = FileSignatures.describe(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 16)));
            throw new IllegalArgumentException(file + " is not text" + (looks == null ? "" : "; it looks like " + looks)
                    + expected);
        }
        if (!text.startsWith(EpochRecord.CSV_HEADER)) {
            throw new IllegalArgumentException(file + (text.isBlank() ? " is empty" : " does not start with the header")
                    + expected);
        }
        List<EpochRecord> records;
        try {
            records = EpochRecord.fromCsv(text);
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IllegalArgumentException(file + ": " + e.getMessage() + expected, e);
        }
        if (records.isEmpty()) {
            throw new IllegalArgumentException(file + " has no epochs yet: only its header line (train writes a line"
                    + " after every epoch)");
        }
        return records;
    }
}
