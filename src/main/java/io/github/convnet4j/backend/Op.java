package io.github.convnet4j.backend;

import java.util.Locale;

/**
 * The ops of {@link Backend}, one constant per SPI method that touches tensors, for
 * {@link Backend#supports}: which op a backend runs on which type and memory format. A constant
 * rather than the method's name as a string, so that a typo does not compile and a new op cannot be
 * asked about before it has one ({@code BackendArgumentsContract} checks that every SPI method taking
 * a tensor has its constant).
 */
public enum Op {
    ALLOCATE(false),
    UPLOAD(false),
    DOWNLOAD(false),
    COPY(true),
    CONVERT(false),
    FILL(false),
    GEMM(false),
    ADD_ROW_VECTOR(false),
    SUM_ROWS(false),
    AXPY(true),
    SCALE(false),
    MULTIPLY(true),
    SUM_OF_SQUARES(false),
    CONV_FORWARD(false),
    CONV_BACKWARD_DATA(false),
    CONV_BACKWARD_FILTER(false),
    CONV_BACKWARD_BIAS(false),
    POOL_FORWARD(false),
    POOL_BACKWARD(false),
    ADAPTIVE_AVG_POOL_FORWARD(false),
    ADAPTIVE_AVG_POOL_BACKWARD(false),
    COPY_CHANNELS(false),
    ACTIVATION_FORWARD(true),
    ACTIVATION_BACKWARD(true),
    PRELU_FORWARD(false),
    PRELU_BACKWARD(false),
    SOFTMAX_CROSS_ENTROPY(true),
    SOFTMAX_CROSS_ENTROPY_BACKWARD(true),
    MEAN_SQUARED_ERROR(true),
    MEAN_SQUARED_ERROR_BACKWARD(true),
    COUNT_CORRECT(false),
    LRN_FORWARD(false),
    LRN_BACKWARD(false),
    DROPOUT_MASK(false),
    BATCH_NORM_FORWARD_TRAINING(false),
    BATCH_NORM_FORWARD_INFERENCE(false),
    BATCH_NORM_BACKWARD(false),
    SGD_STEP(true),
    MOMENTUM_STEP(true),
    NESTEROV_STEP(true),
    ADA_GRAD_STEP(true),
    RMS_PROP_STEP(true),
    ADAM_STEP(true);

    private final boolean pairsElements;

    Op(boolean pairsElements) {
        this.pairsElements = pairsElements;
    }

    /**
     * Whether the op pairs its tensors element by element in memory (axpy, activations, losses,
     * optimizer steps...): then every operand must have the same memory format, whatever its rank,
     * since a rank-2 tensor's order is NCHW's and a channels-last one beside it would pair the wrong
     * elements on a GPU.
     */
    public boolean pairsElements() {
        return pairsElements;
    }

    /** The SPI method's name ("convForward"), as messages name the op. */
    public String method() {
        String[] words = name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder b = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            b.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return b.toString();
    }
}
