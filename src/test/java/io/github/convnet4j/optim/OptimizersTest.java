package io.github.convnet4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizersTest {
    @Test
    void everyNameGivesItsOptimizerAndAnUnknownOneIsNamedWithTheChoices() {
        Map<String, Class<?>> expected = Map.of("sgd", Sgd.class, "momentum", Momentum.class, "nesterov", Nesterov.class,
                "adagrad", AdaGrad.class, "rmsprop", RmsProp.class, "adam", Adam.class, "ADAM-PyTorch", Adam.class);
        expected.forEach((name, type) -> {
            try (Optimizer o = Optimizers.byName(name, 0.01f, 1e-4f)) {
                assertEquals(type, o.getClass(), name);
                assertEquals(0.01f, o.learningRate(), name);
            }
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.byName("adamw", 0.01f, 0f));
        assertEquals("--optimizer 'adamw' is unknown: expected sgd, momentum, nesterov, adagrad, rmsprop, adam or"
                + " adam-pytorch", e.getMessage());
    }
}
