/**
 * Data-parallel training as a Spark barrier stage: {@link
 * io.github.convnet4j.distributed.spark.DistributedTrainer} runs one task per worker, joined by a
 * {@link io.github.convnet4j.distributed.spark.SparkBarrierCommunicator} over {@code
 * BarrierTaskContext.allGather}; {@link io.github.convnet4j.distributed.spark.SparkTraining} is its
 * {@code spark-submit} main class. Spark is a {@code provided} dependency: only this package uses
 * it, and nothing outside it loads a Spark class, so the engine and the command line work without
 * Spark on the class path.
 */
package io.github.convnet4j.distributed.spark;
