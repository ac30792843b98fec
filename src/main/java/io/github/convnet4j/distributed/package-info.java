/**
 * Data-parallel training: replicas of one network train on disjoint shards of every global batch
 * and average their gradients through a {@link io.github.convnet4j.distributed.Communicator}
 * before each optimizer step, so N replicas with batch B/N each take the steps one replica with
 * batch B would take. {@link io.github.convnet4j.train.LocalReplicas} runs them in one JVM;
 * the {@code spark} sub-package runs them as the tasks of a Spark barrier stage.
 */
package io.github.convnet4j.distributed;
