package io.github.convnet4j.io;

import java.nio.file.Path;

/**
 * The child process of {@link AtomicFilesTest}: {@code hold TARGET} starts a write, says "writing"
 * and waits inside it, temporary locked, until killed; {@code loop TARGET} rewrites the target with
 * 4 MB, forever.
 */
public final class ForkedWriter {
    private ForkedWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[1]);
        if (args[0].equals("hold")) {
            AtomicFiles.write(target, out -> {
                out.write(new byte[1000]);
                out.flush();
                System.out.println("writing");
                System.out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return;
        }
        byte[] block = new byte[4 << 20];
        System.out.println("writing");
        System.out.flush();
        for (int i = 0; i < 10_000; i++) {
            AtomicFiles.write(target, out -> out.write(block));
        }
    }
}
