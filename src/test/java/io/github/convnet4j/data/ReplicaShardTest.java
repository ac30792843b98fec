package io.github.convnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The distributed sampler: the replicas' pieces of every global batch are disjoint, in order, and make up the batch. */
class ReplicaShardTest {
    @Test
    void piecesCoverEveryBatchSizeExactlyOnceAndDifferByAtMostOne() {
        for (int size = 1; size <= 7; size++) {
            for (int n = 0; n <= 130; n++) {
                int next = 0;
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int r = 0; r < size; r++) {
                    ReplicaShard s = new ReplicaShard(r, size);
                    assertEquals(next, s.start(n), "rank " + r + " of " + size + ", " + n + " items");
                    next += s.count(n);
                    min = Math.min(min, s.count(n));
                    max = Math.max(max, s.count(n));
                    assertEquals(true, s.count(n) <= s.maxCount(Math.max(n, 1)));
                }
                assertEquals(n, next);
                assertEquals(true, max - min <= 1);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ReplicaShard(2, 2));
        assertThrows(IllegalArgumentException.class, () -> new ReplicaShard(0, 0));
    }

    @Test
    void shardedLoadersTogetherDeliverTheUnshardedBatchesInOrder() throws Exception {
        Dataset data = DataSources.bundledSample().train().head(250); // batches of 100, 100, 50
        Normalization norm = Normalization.of(data);
        int replicas = 3;
        try (BatchLoader whole = new BatchLoader(data, 100, true, 9, norm, Augmentation.NONE)) {
            BatchLoader[] parts = new BatchLoader[replicas];
            try {
                for (int r = 0; r < replicas; r++) {
                    parts[r] = new BatchLoader(data, 100, true, 9, norm, Augmentation.NONE, new ReplicaShard(r, replicas));
                }
                for (int epoch = 0; epoch < 2; epoch++) {
                    whole.startEpoch(epoch);
                    for (BatchLoader p : parts) {
                        p.startEpoch(epoch);
                        assertEquals(whole.batchesPerEpoch(), p.batchesPerEpoch());
                    }
                    BatchLoader.Batch b;
                    while ((b = whole.next()) != null) {
                        float[] images = Arrays.copyOf(b.images(), b.size() * 784);
                        float[] labels = Arrays.copyOf(b.labels(), b.size());
                        int at = 0;
                        for (BatchLoader p : parts) {
                            BatchLoader.Batch piece = p.next();
                            assertArrayEquals(Arrays.copyOfRange(images, at * 784, (at + piece.size()) * 784),
                                    Arrays.copyOf(piece.images(), piece.size() * 784));
                            assertArrayEquals(Arrays.copyOfRange(labels, at, at + piece.size()),
                                    Arrays.copyOf(piece.labels(), piece.size()));
                            at += piece.size();
                        }
                        assertEquals(b.size(), at);
                    }
                    for (BatchLoader p : parts) {
                        assertEquals(null, p.next());
                    }
                }
            } finally {
                for (BatchLoader p : parts) {
                    if (p != null) {
                        p.close();
                    }
                }
            }
        }
    }
}
