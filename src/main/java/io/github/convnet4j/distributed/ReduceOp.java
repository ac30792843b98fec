package io.github.convnet4j.distributed;

/** How {@link Communicator#allReduce} combines the ranks' values. */
public enum ReduceOp {
    /** The sum over ranks, taken in rank order. */
    SUM,
    /** The sum over ranks (in rank order) divided by the number of ranks. */
    MEAN
}
