package io.github.convnet4j.distributed;

import io.github.convnet4j.tensor.Tensor;
import java.util.List;

/**
 * One replica's handle on a group of replicas that train together: its rank in [0, size), and the
 * collectives data-parallel training needs. Every rank of the group calls the same collectives in
 * the same order; a rank that fails or times out breaks the group, and every other rank's pending or
 * next call throws {@link CommunicatorException} instead of waiting for ever.
 *
 * <p>Implementations: {@link InProcessGroup} (replicas in one JVM, any backend; the reference and
 * the CI test), {@code NcclCommunicator} (CUDA tensors, NCCL) and {@code SparkBarrierCommunicator}
 * (Spark barrier tasks, through {@code BarrierTaskContext.allGather}). The trainer does not know
 * which one it has.
 */
public interface Communicator extends AutoCloseable {

    /** This replica's rank, 0 to {@link #size()} - 1; rank 0 writes files and logs. */
    int rank();

    /** The number of replicas in the group. */
    int size();

    /**
     * Reduces each tensor element-wise over all ranks, in place: afterwards every rank holds the
     * same values, bit for bit (sums are taken in rank order, whatever the rank). The ranks must
     * pass tensors of the same sizes in the same order.
     */
    void allReduce(List<Tensor> tensors, ReduceOp op);

    /** Copies rank {@code root}'s tensors into every other rank's, in place. */
    void broadcast(List<Tensor> tensors, int root);

    /**
     * Every rank's {@code message}, indexed by rank: small host data such as weight checksums, a
     * stop decision or an NCCL unique id. All ranks pass messages of the same length (a length is
     * part of the call, so ranks gathering different things fail instead of misreading each other).
     */
    byte[][] allGather(byte[] message);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * Breaks the group because this rank cannot go on: the other ranks' collectives throw
     * {@link CommunicatorException} naming this rank and {@code cause}. Idempotent.
     */
    void abort(Throwable cause);

    /** Leaves the group and frees what this rank holds. Idempotent. */
    @Override
    void close();
}
