package io.github.convnet4j.io;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.infer.Classifier;
import java.nio.file.Path;

/**
 * Run in a JVM with a small heap by {@link ModelFileHostileTest}: loads each file with
 * {@link ModelFile#load} and {@link Classifier#load}, prints one line per attempt, and exits 0 only if
 * every attempt was refused with a ModelFormatException. An attempt that allocates what the file
 * claims ends in OutOfMemoryError and a non-zero exit instead.
 */
public final class SmallHeapLoad {
    public static void main(String[] args) throws Exception {
        int loaded = 0;
        for (String a : args) {
            Path file = Path.of(a);
            try (CpuBackend cpu = new CpuBackend(1)) {
                ModelFile.load(cpu, file).network().close();
                loaded++;
                System.out.println("LOADED " + file);
            } catch (ModelFormatException e) {
                System.out.println("REJECTED " + e.getMessage());
            }
            try (Classifier c = Classifier.load(file, new CpuBackend(1), 1)) {
                loaded++;
                System.out.println("LOADED (classifier) " + file);
            } catch (ModelFormatException e) {
                System.out.println("REJECTED (classifier) " + e.getMessage());
            }
        }
        System.exit(loaded == 0 ? 0 : 2);
    }
}
