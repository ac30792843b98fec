package io.github.convnet4j.data;

/**
 * Which part of every global mini-batch one data-parallel replica trains on: the global batch
 * (the one a single replica would see, in the same seeded order) is cut into {@code size}
 * contiguous pieces and replica {@code rank} takes piece {@code rank}. The pieces are disjoint and
 * cover the batch, so in every epoch the replicas together see each item once, as one replica
 * would. Pieces differ by at most one item; a global batch smaller than {@code size} (a short last
 * batch) leaves some replicas an empty piece.
 */
public record ReplicaShard(int rank, int size) {
    /** The whole batch: one replica, no sharding. */
    public static final ReplicaShard WHOLE = new ReplicaShard(0, 1);

    public ReplicaShard {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("a replica shard needs 0 <= rank < size, got rank " + rank + " of " + size);
        }
    }

    /** The first position, within a global batch of {@code globalItems}, of this replica's piece. */
    public int start(int globalItems) {
        return (int) ((long) globalItems * rank / size);
    }

    /** The number of items of this replica's piece of a global batch of {@code globalItems}. */
    public int count(int globalItems) {
        return (int) ((long) globalItems * (rank + 1) / size) - start(globalItems);
    }

    /** The largest piece this replica gets from global batches of at most {@code globalBatch} items. */
    public int maxCount(int globalBatch) {
        return (globalBatch + size - 1) / size;
    }

    /** Whether this is one replica seeing whole batches. */
    public boolean isWhole() {
        return size == 1;
    }
}
