package io.github.convnet4j.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** What a file looks like from its first bytes, for messages when it is not what a command expects. */
final class FileSignatures {
    private FileSignatures() {
    }

    /** A description such as "a PNG image" for known non-model formats, or null. */
    static String describe(byte[] h) {
        if (starts(h, 0x89, 'P', 'N', 'G')) {
            return "a PNG image";
        }
        if (starts(h, 0xFF, 0xD8, 0xFF)) {
            return "a JPEG image";
        }
        if (starts(h, 'G', 'I', 'F', '8')) {
            return "a GIF image";
        }
        if (starts(h, 'B', 'M')) {
            return "a BMP image";
        }
        if (starts(h, 'P', 'K', 3, 4)) {
            return "a ZIP archive (a PyTorch .pt/.pth file? save it with safetensors.torch.save_file instead)";
        }
        if (starts(h, 0x1F, 0x8B)) {
            return "a gzip file";
        }
        if (starts(h, 0x80) && h.length > 1 && h[1] >= 2 && h[1] <= 5) {
            return "a Python pickle (a PyTorch file? save it with safetensors.torch.save_file instead)";
        }
        if (starts(h, 0x08) && h.length > 2 && h[1] > 0 && h[1] < 20 && h[2] == 0x12) {
            return "an ONNX model (protobuf); convnet4j reads safetensors";
        }
        if (text(h)) {
            return "a text file";
        }
        return null;
    }

    /** Whether the first 8 bytes give a safetensors header length that fits a file of {@code size} bytes, and '{' follows. */
    static boolean safetensorsHeaderFits(byte[] h, long size) {
        if (h.length < 9) {
            return false;
        }
        long headerLength = ByteBuffer.wrap(h, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return headerLength >= 2 && headerLength <= size - 8 && h[8] == '{';
    }

    private static boolean starts(byte[] h, int... sig) {
        if (h.length < sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if ((h[i] & 0xFF) != sig[i]) {
                return false;
            }
        }
        return true;
    }

    /** Printable ASCII or UTF-8 lead bytes only (a CSV, JSON, a README). */
    private static boolean text(byte[] h) {
        if (h.length == 0) {
            return false;
        }
        for (byte b : h) {
            int c = b & 0xFF;
            if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F) {
                return false;
            }
        }
        return true;
    }
}
