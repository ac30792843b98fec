package io.github.convnet4j.infer;

/** One class of a prediction: its index, name and softmax probability. */
public record Prediction(int classIndex, String className, float probability) {
}
