/** Training: the {@link io.github.convnet4j.train.Trainer} loop, schedules, evaluation, checkpoints. */
package io.github.convnet4j.train;
