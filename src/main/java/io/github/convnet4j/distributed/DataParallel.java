package io.github.convnet4j.distributed;

import io.github.convnet4j.data.ReplicaShard;
import io.github.convnet4j.nn.Dropout;
import io.github.convnet4j.nn.Layer;
import io.github.convnet4j.nn.Network;
import io.github.convnet4j.nn.Parameter;
import io.github.convnet4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One replica's part in data-parallel training, as the {@link io.github.convnet4j.train.Trainer}
 * sees it: which shard of every global batch it trains on, and what to do between backward and the
 * optimizer step so that every replica takes the same step.
 *
 * <ul>
 *   <li>{@code syncEvery = 1} (the default): after each backward the replica's gradients, weighted by
 *       its share of the global batch, are summed over all replicas in one all-reduce of a
 *       {@link GradientBucket}. The result is the mean gradient of the whole global batch, so N
 *       replicas take the steps one replica with the global batch would take (up to the order of
 *       float additions).</li>
 *   <li>{@code syncEvery = K > 1}: each replica steps on its own gradients and the weights are
 *       averaged every K steps and at the end of each epoch (local SGD): K times less traffic, for
 *       networks too slow for an all-reduce per step. Optimizer state stays per replica.</li>
 * </ul>
 *
 * Batch norm normalises with each replica's own batch statistics (no synchronised batch norm); the
 * running averages are averaged over the replicas before every evaluation and checkpoint. Dropout
 * draws a mask sequence of its own on each replica. Before the first step, every {@code checkEvery}
 * steps and at every synchronisation the replicas compare weight checksums and stop with {@link
 * ReplicasDivergedException} if they differ. (With {@code syncEvery > 1} the comparisons come right
 * after an averaging, so they confirm the averaging only: a replica that went wrong in between is
 * averaged in, not caught.) The communicator is the caller's; closing this frees
 * the gradient bucket only.
 */
public final class DataParallel implements AutoCloseable {
    /** Steps between weight-checksum comparisons when nothing else is said. */
    public static final int DEFAULT_CHECK_EVERY = 100;

    private final Communicator comm;
    private final int syncEvery;
    private final int checkEvery;
    private final GradientBucket bucket;
    private final List<Tensor> bucketList;
    private final List<Tensor> weights = new ArrayList<>();
    private final List<Tensor> buffers;
    private final WeightChecksum checksum;
    private long steps;

    /**
     * @param syncEvery  1: all-reduce the gradients every step; K > 1: average the weights every K steps
     * @param checkEvery compare weight checksums every this many steps (0: only at synchronisations)
     */
    public DataParallel(Communicator comm, Network net, int syncEvery, int checkEvery) {
        if (syncEvery < 1 || checkEvery < 0) {
            throw new IllegalArgumentException("sync interval must be >= 1 and check interval >= 0, got " + syncEvery
                    + " and " + checkEvery);
        }
        this.comm = comm;
        this.syncEvery = syncEvery;
        this.checkEvery = checkEvery;
        List<Parameter> parameters = net.parameters();
        for (Parameter p : parameters) {
            weights.add(p.value());
        }
        this.buffers = List.copyOf(net.buffers().values());
        this.checksum = new WeightChecksum(parameters);
        this.bucket = syncEvery == 1 && comm.size() > 1 && !parameters.isEmpty() ? new GradientBucket(parameters) : null;
        this.bucketList = bucket == null ? List.of() : List.of(bucket.flat());
        drawOwnDropoutMasks(net, comm.rank());
    }

    /** Rank r > 0 gets mask seeds of its own: the same seed would drop the same units for every replica's i-th item. */
    private static void drawOwnDropoutMasks(Network net, int rank) {
        if (rank == 0) {
            return;
        }
        for (Layer layer : net.layers()) {
            if (layer instanceof Dropout d) {
                long step = d.step();
                d.reseed(d.seed() ^ (0x9E3779B97F4A7C15L * (rank + 1L)));
                d.setStep(step);
            }
        }
    }

    /** The communicator (the caller's). */
    public Communicator communicator() {
        return comm;
    }

    /** This replica's piece of every global batch. */
    public ReplicaShard shard() {
        return new ReplicaShard(comm.rank(), comm.size());
    }

    /** Whether this replica logs, evaluates and writes the run's files (rank 0). */
    public boolean leads() {
        return comm.rank() == 0;
    }

    /**
     * Between backward and the optimizer step: with {@code syncEvery = 1}, makes every replica's
     * gradients the mean gradient of the global batch, weighting this replica's mean gradient over
     * its {@code localItems} by localItems / globalItems (0 items: it adds nothing).
     */
    public void reduceGradients(int localItems, int globalItems) {
        if (bucket == null) {
            return;
        }
        if (localItems == 0) {
            bucket.clear();
        } else {
            bucket.gather((float) localItems / globalItems);
        }
        comm.allReduce(bucketList, ReduceOp.SUM);
        bucket.scatter();
    }

    /**
     * Whether gradients are all-reduced every step (then a replica with no items in a batch still
     * steps, on the others' gradients); with {@code syncEvery > 1} such a replica skips the update.
     */
    public boolean reducesGradients() {
        return syncEvery == 1 || comm.size() == 1;
    }

    /** After the optimizer step: averages the weights every {@code syncEvery} steps, compares checksums every {@code checkEvery}. */
    public void afterStep() {
        steps++;
        if (comm.size() == 1) {
            return;
        }
        if (syncEvery > 1 && steps % syncEvery == 0) {
            comm.allReduce(weights, ReduceOp.MEAN);
        }
        if (checkEvery > 0 && steps % checkEvery == 0 && (syncEvery == 1 || steps % syncEvery == 0)) {
            checksum.requireAgreement(comm, "after step " + steps);
        }
    }

    /**
     * Before an evaluation or a checkpoint: averages the batch-norm running statistics (and, with
     * {@code syncEvery > 1}, the weights) over the replicas, then checks that the weights agree.
     */
    public void synchronizeState(String when) {
        if (comm.size() == 1) {
            return;
        }
        if (syncEvery > 1) {
            comm.allReduce(weights, ReduceOp.MEAN);
        }
        if (!buffers.isEmpty()) {
            comm.allReduce(buffers, ReduceOp.MEAN);
        }
        checksum.requireAgreement(comm, when);
    }

    /**
     * Before the first step ({@code optimizerSteps} taken so far, from a checkpoint): the replicas must
     * start from the same weights (same model, seed, or checkpoint), or they would average gradients
     * of different models for 100 steps before the first check said so. After a resume every
     * replica's optimizer state is the checkpoint's, rank 0's.
     */
    public void requireSameStart(long optimizerSteps) {
        steps = optimizerSteps; // a resumed run averages (syncEvery > 1) at the steps an uninterrupted one would
        if (comm.size() > 1) {
            checksum.requireAgreement(comm, "before the first step (build every replica alike: same model, seed and"
                    + " checkpoint)");
        }
    }

    /** Each value summed over the replicas, in rank order (the same result on every rank). */
    public double[] sum(double... values) {
        if (comm.size() == 1) {
            return values.clone();
        }
        ByteBuffer mine = ByteBuffer.allocate(values.length * Double.BYTES);
        for (double v : values) {
            mine.putDouble(v);
        }
        byte[][] all = comm.allGather(mine.array());
        double[] total = new double[values.length];
        for (byte[] rank : all) {
            ByteBuffer b = ByteBuffer.wrap(rank);
            for (int i = 0; i < total.length; i++) {
                total[i] += b.getDouble();
            }
        }
        return total;
    }

    /** Rank 0's {@code decision} on every rank (e.g. to stop early, which rank 0 decides from its evaluation). */
    public boolean leaderDecides(boolean decision) {
        if (comm.size() == 1) {
            return decision;
        }
        return comm.allGather(new byte[] {(byte) (decision ? 1 : 0)})[0][0] == 1;
    }

    @Override
    public void close() {
        if (bucket != null) {
            bucket.close();
        }
    }
}
