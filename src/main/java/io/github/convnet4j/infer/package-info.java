/** Inference for JVM services: {@link io.github.convnet4j.infer.Classifier} loads a model file and predicts, thread-safely. */
package io.github.convnet4j.infer;
