package io.github.convnet4j.data;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Mini-batches of a data set: shuffled per epoch with a seed, normalised, optionally augmented,
 * prepared by a background thread while the previous batch trains. The order and augmentation of
 * epoch e depend only on (seed, e), so a resumed run sees the same batches as an uninterrupted one.
 * Two host buffers alternate; a batch's arrays stay valid until the next call of {@link #next}.
 */
public final class BatchLoader implements AutoCloseable {
    /** One batch in host memory: images NCHW and labels as floats. */
    public record Batch(float[] images, float[] labels, int size) {
    }

    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final Normalization normalization;
    private final Augmentation augmentation;
    private final ReplicaShard shard;
    private final ExecutorService worker;
    private final Batch[] buffers = new Batch[2];
    private int[] order;
    private int epoch;
    private int nextBatch;
    private int batchesPerEpoch;
    private Future<Batch> pending;
    /** The augmentation's work array, used by the loader thread only; one per loader, not one per batch. */
    private float[] augmentScratch;

    public BatchLoader(Dataset data, int batchSize, boolean shuffle, long seed, Normalization normalization,
                       Augmentation augmentation) {
        this(data, batchSize, shuffle, seed, normalization, augmentation, ReplicaShard.WHOLE);
    }

    /**
     * A data-parallel replica's loader: {@code batchSize} is the global batch, in the order one replica
     * would see it, and every {@link #next} returns this replica's {@code shard} of it (possibly empty
     * for a short last batch). Augmentation draws from a stream of its own per replica.
     */
    public BatchLoader(Dataset data, int batchSize, boolean shuffle, long seed, Normalization normalization,
                       Augmentation augmentation, ReplicaShard shard) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.normalization = normalization;
        this.augmentation = augmentation;
        this.shard = shard;
        int per = data.itemShape().size();
        // A batch never holds more items than the data set, so neither do the buffers; and as the data set's
        // pixels fit in one array, capacity × per cannot overflow an int, whatever the batch size asked for.
        // This replica's share of a full batch: the size of nearly every batch it gets (see fill for the others).
        int capacity = Math.max(1, shard.count(Math.min(batchSize, Math.max(1, data.size()))));
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = new Batch(new float[capacity * per], new float[capacity], capacity);
        }
        // Started last, so that a constructor failing on the buffers leaves no thread behind.
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "convnet4j-batch-loader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Global batches per epoch (the same for every replica); the last may be smaller. */
    public int batchesPerEpoch() {
        return (int) (((long) data.size() + batchSize - 1) / batchSize);
    }

    /** Starts epoch {@code e} (0-based) and begins preparing its first batch. */
    public void startEpoch(int e) {
        awaitPending();
        epoch = e;
        nextBatch = 0;
        batchesPerEpoch = batchesPerEpoch();
        order = permutation(data.size(), shuffle ? new SplittableRandom(mix(seed, e, -1)) : null);
        prefetch();
    }

    /** The next batch of the epoch, or null after the last. */
    public Batch next() {
        if (pending == null) {
            return null;
        }
        Batch b;
        try {
            b = pending.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading a batch", ex);
        } catch (ExecutionException ex) {
            throw new IllegalStateException("loading a batch failed: " + ex.getCause(), ex.getCause());
        }
        pending = null;
        nextBatch++;
        prefetch();
        return b;
    }

    private void prefetch() {
        if (nextBatch >= batchesPerEpoch) {
            return;
        }
        int index = nextBatch;
        Batch target = buffers[index % 2];
        int e = epoch;
        int[] ord = order;
        pending = worker.submit(() -> fill(target, ord, e, index));
    }

    private Batch fill(Batch target, int[] ord, int e, int index) {
        int globalFrom = index * batchSize;
        int globalItems = Math.min(batchSize, data.size() - globalFrom);
        int from = globalFrom + shard.start(globalItems);
        int n = shard.count(globalItems);
        if (n > target.size()) { // a short last batch can give an uneven share one item more: once per epoch at most
            target = new Batch(new float[n * data.itemShape().size()], new float[n], n);
        }
        int channels = data.itemShape().dim(0);
        int h = data.itemShape().dim(1);
        int w = data.itemShape().dim(2);
        int per = data.itemShape().size();
        long stream = mix(seed, e, index);
        SplittableRandom rng = new SplittableRandom(shard.rank() == 0 ? stream : mix(stream, shard.rank(), -2));
        if (!augmentation.isNone() && augmentScratch == null) {
            augmentScratch = new float[per];
        }
        float[] scratch = augmentation.isNone() ? null : augmentScratch;
        for (int i = 0; i < n; i++) {
            int item = ord[from + i];
            normalization.apply(data.pixels(), item * per, channels, h * w, target.images(), i * per);
            target.labels()[i] = data.labels()[item];
            if (scratch != null) {
                augmentation.apply(target.images(), i * per, channels, h, w, normalization, rng, scratch);
            }
        }
        return n == target.size() ? target : new Batch(target.images(), target.labels(), n);
    }

    static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        if (rng != null) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }

    static long mix(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void awaitPending() {
        if (pending != null) {
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // The batch is discarded; the error shows again if it repeats.
            }
            pending = null;
        }
    }

    @Override
    public void close() {
        awaitPending();
        worker.shutdownNow();
    }
}
