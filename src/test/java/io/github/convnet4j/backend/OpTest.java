package io.github.convnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.tensor.Tensor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every SPI method that touches tensors has its {@link Op}, and every Op names an SPI method. */
class OpTest {
    @Test
    void opsAndSpiMethodsCorrespond() {
        Set<String> spi = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            boolean tensors = m.getReturnType() == Tensor.class
                    || Arrays.stream(m.getParameterTypes()).anyMatch(t -> t == Tensor.class);
            if (tensors && !m.getName().equals("tensor")) { // tensor(data, shape) is allocate + upload
                spi.add(m.getName());
            }
        }
        Set<String> ops = new TreeSet<>();
        for (Op op : Op.values()) {
            ops.add(op.method());
        }
        assertEquals(spi, ops);
    }

    @Test
    void elementPairingOpsAreTheElementWiseOnes() {
        assertTrue(Op.AXPY.pairsElements() && Op.ADAM_STEP.pairsElements() && Op.ACTIVATION_BACKWARD.pairsElements());
        assertTrue(!Op.CONV_FORWARD.pairsElements() && !Op.ADD_ROW_VECTOR.pairsElements());
        assertEquals("adaGradStep", Op.ADA_GRAD_STEP.method());
    }
}
