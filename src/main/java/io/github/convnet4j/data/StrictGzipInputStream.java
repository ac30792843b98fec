package io.github.convnet4j.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.Inflater;

/**
 * Inflates a gzip file (RFC 1952, one or more members) and, unlike {@link java.util.zip.GZIPInputStream},
 * refuses bytes after the last member instead of silently ignoring them, and reports every fault —
 * truncation, corrupt deflate data, a wrong CRC or length in a trailer — as a
 * {@link DataFormatException} that names the file. It inflates only as far as its reader asks, so a
 * caller that reads the bytes a header promised plus one inflates at most that much of a gzip bomb.
 */
final class StrictGzipInputStream extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED_FLAGS = 0xE0;

    private final InputStream raw;
    private final String file;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final CRC32 headerCrc = new CRC32();
    private final byte[] input = new byte[1 << 16];
    private int inputPos;
    private int inputEnd;
    private long memberBytes;
    private boolean inMember;
    private boolean finished;
    private boolean closed;

    StrictGzipInputStream(InputStream raw, String file) throws IOException {
        this.raw = raw;
        this.file = file;
        startMember(true);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!finished) {
            if (!inMember) {
                if (!startMember(false)) {
                    finished = true;
                    break;
                }
            }
            int n = inflate(b, off, len);
            if (n > 0) {
                crc.update(b, off, n);
                memberBytes += n;
                return n;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsInput()) {
                if (!fill()) {
                    throw fault("truncated gzip data (the file ends inside the compressed stream)");
                }
                inflater.setInput(input, inputPos, inputEnd - inputPos);
            } else if (inflater.needsDictionary()) {
                throw fault("corrupt gzip data (a preset dictionary is not allowed in gzip)");
            }
        }
        return -1;
    }

    private int inflate(byte[] b, int off, int len) throws IOException {
        try {
            int n = inflater.inflate(b, off, len);
            inputPos = inputEnd - inflater.getRemaining();
            return n;
        } catch (java.util.zip.DataFormatException e) {
            throw fault("corrupt gzip data (" + e.getMessage() + ")");
        }
    }

    /** Reads a member header; false at a clean end of file after a member. */
    private boolean startMember(boolean first) throws IOException {
        if (inputPos == inputEnd && !fill()) {
            if (first) {
                throw fault("empty file");
            }
            return false;
        }
        headerCrc.reset();
        int id1 = nextByte();
        int id2 = inputPos < inputEnd || fill() ? nextByte() : -1;
        headerCrc.update(id1);
        headerCrc.update(id2);
        if (id1 != 0x1f || id2 != 0x8b) {
            throw fault(first ? "not a gzip file"
                    : "trailing data after the gzip stream (the bytes that follow are not another gzip member)");
        }
        int method = headerByte();
        int flags = headerByte();
        if (method != 8 || (flags & RESERVED_FLAGS) != 0) {
            throw fault("unsupported gzip header (method " + method + ", flags 0x" + Integer.toHexString(flags) + ")");
        }
        skip(6); // MTIME, XFL, OS
        if ((flags & FEXTRA) != 0) {
            skip(headerByte() | headerByte() << 8);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            int expected = (int) headerCrc.getValue() & 0xFFFF;
            if ((headerByte() | headerByte() << 8) != expected) {
                throw fault("corrupt gzip header (its CRC-16 does not match)");
            }
        }
        inflater.reset();
        inflater.setInput(input, inputPos, inputEnd - inputPos);
        crc.reset();
        memberBytes = 0;
        inMember = true;
        return true;
    }

    private void endMember() throws IOException {
        long expectedCrc = trailerInt();
        long expectedSize = trailerInt();
        if (expectedCrc != crc.getValue()) {
            throw fault("corrupt gzip data (CRC-32 of the inflated bytes does not match the trailer)");
        }
        if (expectedSize != (memberBytes & 0xFFFFFFFFL)) {
            throw fault("corrupt gzip data (the trailer's length does not match the inflated bytes)");
        }
        inMember = false;
    }

    private long trailerInt() throws IOException {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (long) headerByte("trailer") << (8 * i);
        }
        return v;
    }

    private void skipZeroTerminated() throws IOException {
        while (headerByte() != 0) {
            // the file name or comment of the member; not needed
        }
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            headerByte();
        }
    }

    private int headerByte() throws IOException {
        int b = headerByte("header");
        headerCrc.update(b);
        return b;
    }

    private int headerByte(String part) throws IOException {
        if (inputPos == inputEnd && !fill()) {
            throw fault("truncated gzip " + part);
        }
        return nextByte();
    }

    private int nextByte() {
        return input[inputPos++] & 0xFF;
    }

    /** Refills the input buffer once it is used up; false at the end of the file. */
    private boolean fill() throws IOException {
        int n;
        try {
            n = raw.read(input, 0, input.length);
        } catch (EOFException e) {
            n = -1;
        }
        if (n <= 0) {
            return false;
        }
        inputPos = 0;
        inputEnd = n;
        return true;
    }

    private DataFormatException fault(String what) {
        return new DataFormatException(file + ": " + what);
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            inflater.end();
            raw.close();
        }
    }
}
