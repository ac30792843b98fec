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
    /** {@link Backend#allocate}. */
    ALLOCATE(false),
    /** {@link Backend#upload}. */
    UPLOAD(false),
    /** {@link Backend#download}. */
    DOWNLOAD(false),
    /** {@link Backend#copy}. */
    COPY(true),
    /** {@link Backend#convert}. */
    CONVERT(false),
    /** {@link Backend#fill}. */
    FILL(false),
    /** {@link Backend#gemm}. */
    GEMM(false),
    /** {@link Backend#addRowVector}. */
    ADD_ROW_VECTOR(false),
    /** {@link Backend#sumRows}. */
    SUM_ROWS(false),
    /** {@link Backend#axpy}. */
    AXPY(true),
    /** {@link Backend#scale}. */
    SCALE(false),
    /** {@link Backend#multiply}. */
    MULTIPLY(true),
    /** {@link Backend#sumOfSquares}. */
    SUM_OF_SQUARES(false),
    /** {@link Backend#convForward}. */
    CONV_FORWARD(false),
    /** {@link Backend#convBackwardData}. */
    CONV_BACKWARD_DATA(false),
    /** {@link Backend#convBackwardFilter}. */
    CONV_BACKWARD_FILTER(false),
    /** {@link Backend#convBackwardBias}. */
    CONV_BACKWARD_BIAS(false),
    /** {@link Backend#poolForward}. */
    POOL_FORWARD(false),
    /** {@link Backend#poolBackward}. */
    POOL_BACKWARD(false),
    /** {@link Backend#adaptiveAvgPoolForward}. */
    ADAPTIVE_AVG_POOL_FORWARD(false),
    /** {@link Backend#adaptiveAvgPoolBackward}. */
    ADAPTIVE_AVG_POOL_BACKWARD(false),
    /** {@link Backend#copyChannels}. */
    COPY_CHANNELS(false),
    /** {@link Backend#activationForward}. */
    ACTIVATION_FORWARD(true),
    /** {@link Backend#activationBackward}. */
    ACTIVATION_BACKWARD(true),
    /** {@link Backend#preluForward}. */
    PRELU_FORWARD(false),
    /** {@link Backend#preluBackward}. */
    PRELU_BACKWARD(false),
    /** {@link Backend#softmaxCrossEntropy}. */
    SOFTMAX_CROSS_ENTROPY(true),
    /** {@link Backend#softmaxCrossEntropyBackward}. */
    SOFTMAX_CROSS_ENTROPY_BACKWARD(true),
    /** {@link Backend#meanSquaredError}. */
    MEAN_SQUARED_ERROR(true),
    /** {@link Backend#meanSquaredErrorBackward}. */
    MEAN_SQUARED_ERROR_BACKWARD(true),
    /** {@link Backend#countCorrect}. */
    COUNT_CORRECT(false),
    /** {@link Backend#lrnForward}. */
    LRN_FORWARD(false),
    /** {@link Backend#lrnBackward}. */
    LRN_BACKWARD(false),
    /** {@link Backend#dropoutMask}. */
    DROPOUT_MASK(false),
    /** {@link Backend#batchNormForwardTraining}. */
    BATCH_NORM_FORWARD_TRAINING(false),
    /** {@link Backend#batchNormForwardInference}. */
    BATCH_NORM_FORWARD_INFERENCE(false),
    /** {@link Backend#batchNormBackward}. */
    BATCH_NORM_BACKWARD(false),
    /** {@link Backend#sgdStep}. */
    SGD_STEP(true),
    /** {@link Backend#momentumStep}. */
    MOMENTUM_STEP(true),
    /** {@link Backend#nesterovStep}. */
    NESTEROV_STEP(true),
    /** {@link Backend#adaGradStep}. */
    ADA_GRAD_STEP(true),
    /** {@link Backend#rmsPropStep}. */
    RMS_PROP_STEP(true),
    /** {@link Backend#adamStep}. */
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
