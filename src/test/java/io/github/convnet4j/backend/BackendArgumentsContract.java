package io.github.convnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * Every method of the {@link Backend} SPI, found by reflection, against bad arguments: for each
 * tensor argument in turn a tensor of the wrong size, one of another backend and one already
 * closed; for each host array one of the wrong length. Each case is first run with valid
 * arguments, so the error is the planted one and not a broken case. A new SPI method without a
 * case here fails {@link #everySpiMethodHasACase()}. A backend's test class extends this.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendArgumentsContract {
    /** Methods that take no tensor and no host array: nothing of theirs can be the wrong size. */
    private static final Set<String> NOTHING_TO_CHECK = Set.of("name", "requireLrnSupported", "threadSafe", "allocate", "synchronize", "close",
            "supports");

    private Backend backend;
    private final CpuBackend foreign = new CpuBackend(1);
    private final List<Tensor> made = new ArrayList<>();

    protected abstract Backend createBackend();

    private Backend backend() {
        if (backend == null) {
            backend = createBackend();
        }
        return backend;
    }

    /** Opens the backend first, so that a CUDA test without a device is skipped as a whole. */
    @BeforeAll
    void openBackend() {
        backend();
    }

    @AfterAll
    void closeBackends() {
        made.forEach(Tensor::close);
        if (backend != null) {
            backend.close();
        }
        foreign.close();
    }

    /** Valid arguments for one method, and which tensor arguments may have any size. */
    private record Case(Function<BackendArgumentsContract, Object[]> validArguments, Set<Integer> anySize) {
    }

    private Tensor t(int... dims) {
        Tensor t = backend().allocate(Shape.of(dims));
        made.add(t);
        return t;
    }

    private static final ConvGeometry CONV = ConvGeometry.of("test conv", Shape.of(2, 3, 5, 5), Shape.of(4, 3, 3, 3),
            1, 1, 1, 1, OutputRounding.STRICT);
    private static final PoolGeometry POOL = PoolGeometry.of("test pool", Shape.of(2, 3, 4, 4), 2, 2, 2, 2, 0, 0,
            OutputRounding.STRICT);

    private static Map<String, Case> cases() {
        Map<String, Case> c = new TreeMap<>();
        c.put("tensor", of(f -> new Object[]{new float[6], Shape.of(2, 3)}));
        c.put("upload", of(f -> new Object[]{new float[6], f.t(2, 3)}));
        c.put("download", of(f -> new Object[]{f.t(2, 3), new float[6]}));
        c.put("copy", of(f -> new Object[]{f.t(2, 3), f.t(3, 2)}));
        c.put("convert", of(f -> new Object[]{f.t(2, 3), f.t(2, 3)}));
        c.put("fill", anySize(f -> new Object[]{f.t(4), 1f}, 0));
        c.put("gemm", of(f -> new Object[]{Transpose.NO, Transpose.YES, 1f, f.t(2, 3), f.t(4, 3), 0f, f.t(2, 4)}));
        c.put("addRowVector", of(f -> new Object[]{f.t(2, 3), f.t(3)}));
        c.put("sumRows", of(f -> new Object[]{f.t(2, 3), f.t(3)}));
        c.put("axpy", of(f -> new Object[]{1f, f.t(4), f.t(4)}));
        c.put("scale", anySize(f -> new Object[]{f.t(4), 2f}, 0));
        c.put("multiply", of(f -> new Object[]{f.t(4), f.t(4), f.t(4)}));
        c.put("sumOfSquares", anySize(f -> new Object[]{f.t(4)}, 0));
        c.put("convForward", of(f -> new Object[]{CONV, f.t(2, 3, 5, 5), f.t(4, 3, 3, 3), f.t(4), f.t(2, 4, 5, 5)}));
        c.put("convBackwardData", of(f -> new Object[]{CONV, f.t(2, 4, 5, 5), f.t(4, 3, 3, 3), f.t(2, 3, 5, 5)}));
        c.put("convBackwardFilter", of(f -> new Object[]{CONV, f.t(2, 3, 5, 5), f.t(2, 4, 5, 5), f.t(4, 3, 3, 3)}));
        c.put("convBackwardBias", of(f -> new Object[]{CONV, f.t(2, 4, 5, 5), f.t(4)}));
        c.put("poolForward", of(f -> new Object[]{PoolMode.MAX, POOL, f.t(2, 3, 4, 4), f.t(2, 3, 2, 2)}));
        c.put("poolBackward", of(f -> new Object[]{PoolMode.MAX, POOL, f.t(2, 3, 4, 4), f.t(2, 3, 2, 2), f.t(2, 3, 2, 2),
                f.t(2, 3, 4, 4)}));
        c.put("adaptiveAvgPoolForward", of(f -> new Object[]{f.t(2, 3, 5, 5), f.t(2, 3, 2, 2)}));
        c.put("adaptiveAvgPoolBackward", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(2, 3, 5, 5)}));
        c.put("copyChannels", of(f -> new Object[]{f.t(2, 3, 2, 2), 1, f.t(2, 4, 2, 2), 2, 2}));
        c.put("activationForward", of(f -> new Object[]{Activation.LEAKY_RELU, 0.1f, f.t(2, 3), f.t(2, 3)}));
        c.put("activationBackward", of(f -> new Object[]{Activation.LEAKY_RELU, 0.1f, f.t(2, 3), f.t(2, 3), f.t(2, 3),
                f.t(2, 3)}));
        c.put("preluForward", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(3), f.t(2, 3, 2, 2)}));
        c.put("preluBackward", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(3), f.t(2, 3, 2, 2), f.t(2, 3, 2, 2), f.t(3)}));
        c.put("softmaxCrossEntropy", of(f -> new Object[]{f.t(2, 3), f.t(2), f.t(2, 3), f.t(1)}));
        c.put("softmaxCrossEntropyBackward", of(f -> new Object[]{f.t(2, 3), f.t(2), f.t(2, 3)}));
        c.put("meanSquaredError", of(f -> new Object[]{f.t(2, 3), f.t(2, 3), f.t(1)}));
        c.put("meanSquaredErrorBackward", of(f -> new Object[]{f.t(2, 3), f.t(2, 3), f.t(2, 3)}));
        c.put("countCorrect", of(f -> new Object[]{f.t(2, 3), f.t(2)}));
        c.put("lrnForward", of(f -> new Object[]{LrnParams.ALEXNET, f.t(2, 3, 2, 2), f.t(2, 3, 2, 2)}));
        c.put("lrnBackward", of(f -> new Object[]{LrnParams.ALEXNET, f.t(2, 3, 2, 2), f.t(2, 3, 2, 2), f.t(2, 3, 2, 2),
                f.t(2, 3, 2, 2)}));
        c.put("dropoutMask", anySize(f -> new Object[]{f.t(10), 0.5f, 7L}, 0));
        c.put("batchNormForwardTraining", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(3), f.t(3), f.t(2, 3, 2, 2), f.t(3),
                f.t(3), f.t(3), f.t(3), 0.1, 1e-5}));
        c.put("batchNormForwardInference", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(3), f.t(3), f.t(2, 3, 2, 2), f.t(3),
                f.t(3), 1e-5}));
        c.put("batchNormBackward", of(f -> new Object[]{f.t(2, 3, 2, 2), f.t(2, 3, 2, 2), f.t(3), f.t(3), f.t(3),
                f.t(2, 3, 2, 2), f.t(3), f.t(3), 1e-5}));
        c.put("sgdStep", of(f -> new Object[]{f.t(5), f.t(5), 0.1f, 0f}));
        c.put("momentumStep", of(f -> new Object[]{f.t(5), f.t(5), f.t(5), 0.1f, 0.9f, 0f}));
        c.put("nesterovStep", of(f -> new Object[]{f.t(5), f.t(5), f.t(5), 0.1f, 0.9f, 0f}));
        c.put("adaGradStep", of(f -> new Object[]{f.t(5), f.t(5), f.t(5), 0.1f, 0f, 1e-7f}));
        c.put("rmsPropStep", of(f -> new Object[]{f.t(5), f.t(5), f.t(5), 0.1f, 0.99f, 0f, 1e-7f}));
        c.put("adamStep", of(f -> new Object[]{f.t(5), f.t(5), f.t(5), f.t(5), 0.1f, 0.9f, 0.999f, 0f, 1e-7f}));
        return c;
    }

    private static Case of(Function<BackendArgumentsContract, Object[]> args) {
        return new Case(args, Set.of());
    }

    private static Case anySize(Function<BackendArgumentsContract, Object[]> args, Integer... positions) {
        return new Case(args, Set.of(positions));
    }

    private static List<Method> spi() {
        return Arrays.stream(Backend.class.getMethods()).filter(m -> !Modifier.isStatic(m.getModifiers()))
                .sorted((a, b) -> a.getName().compareTo(b.getName())).toList();
    }

    private static boolean takesDataArguments(Method m) {
        return Arrays.stream(m.getParameterTypes()).anyMatch(p -> p == Tensor.class || p == float[].class);
    }

    @Test
    void everySpiMethodHasACase() {
        Map<String, Case> cases = cases();
        for (Method m : spi()) {
            if (NOTHING_TO_CHECK.contains(m.getName())) {
                assertTrue(!takesDataArguments(m), "Backend." + m.getName() + " takes tensors or arrays: give it a case");
            } else {
                assertTrue(cases.containsKey(m.getName()), "Backend." + m.getName()
                        + " has no bad-argument case in BackendArgumentsContract");
            }
        }
        assertEquals(spi().stream().filter(BackendArgumentsContract::takesDataArguments).count(), cases.size(),
                "every case is an SPI method");
    }

    /** The planted errors, which also prove the checker sees them: each must throw. */
    @TestFactory
    Stream<DynamicTest> badArgumentsAreRefused() {
        Map<String, Case> cases = cases();
        List<DynamicTest> tests = new ArrayList<>();
        for (Method m : spi()) {
            Case c = cases.get(m.getName());
            if (c == null) {
                continue;
            }
            Class<?>[] types = m.getParameterTypes();
            tests.add(DynamicTest.dynamicTest(m.getName() + " with valid arguments", () -> invoke(m, c.validArguments().apply(this))));
            for (int i = 0; i < types.length; i++) {
                int at = i;
                if (types[i] == float[].class) {
                    tests.add(refused(m, at, "a host array one too long", IllegalArgumentException.class, c,
                            old -> new float[((float[]) old).length + 1]));
                }
                if (types[i] != Tensor.class) {
                    continue;
                }
                if (!c.anySize().contains(at)) {
                    tests.add(refused(m, at, "a tensor of the wrong size", IllegalArgumentException.class, c,
                            old -> t(((Tensor) old).size() + 1)));
                }
                tests.add(refused(m, at, "a tensor of another backend", IllegalArgumentException.class, c,
                        old -> {
                            Tensor t = foreign.allocate(((Tensor) old).shape());
                            made.add(t);
                            return t;
                        }));
                tests.add(refused(m, at, "a closed tensor", IllegalStateException.class, c, old -> {
                    Tensor t = t(((Tensor) old).shape().dims());
                    t.close();
                    return t;
                }));
            }
        }
        return tests.stream();
    }

    /**
     * A closed backend refuses every op with IllegalStateException (its handles and memory are
     * gone, so the op must not reach native code), and closing it again does nothing.
     */
    @Test
    void aClosedBackendRefusesEveryOpAndClosesOnce() {
        Backend primary = backend();
        Backend doomed = createBackend();
        int madeBefore = made.size();
        backend = doomed; // cases() build their arguments on backend()
        try {
            Map<String, Object[]> argsByMethod = new TreeMap<>();
            Map<String, Case> cases = cases();
            for (Method m : spi()) {
                Case c = cases.get(m.getName());
                if (c != null) {
                    argsByMethod.put(m.toString(), c.validArguments().apply(this));
                }
            }
            List<Tensor> doomedTensors = new ArrayList<>(made.subList(madeBefore, made.size()));
            made.subList(madeBefore, made.size()).clear();
            doomedTensors.forEach(Tensor::close);
            doomed.close();
            doomed.close();
            assertTrue(doomed instanceof CheckedBackend cb && cb.isClosed());
            for (Method m : spi()) {
                Object[] args = argsByMethod.get(m.toString());
                if (args == null) {
                    continue;
                }
                Throwable e = assertThrows(IllegalStateException.class, call(m, args), m.getName());
                assertTrue(e.getMessage().contains("backend is closed"), m.getName() + ": " + e.getMessage());
            }
            assertThrows(IllegalStateException.class, () -> doomed.allocate(Shape.of(1)));
        } finally {
            backend = primary;
        }
    }

    private DynamicTest refused(Method m, int position, String what, Class<? extends Throwable> expected, Case c,
                                Function<Object, Object> replace) {
        return DynamicTest.dynamicTest(m.getName() + " refuses " + what + " as argument " + position, () -> {
            Object[] args = c.validArguments().apply(this);
            args[position] = replace.apply(args[position]);
            Throwable e = assertThrows(expected, call(m, args));
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a message saying what is wrong");
        });
    }

    private Executable call(Method m, Object[] args) {
        return () -> invoke(m, args);
    }

    private void invoke(Method m, Object[] args) throws Throwable {
        try {
            Object result = m.invoke(backend(), args);
            if (result instanceof Tensor t) {
                made.add(t);
            }
            backend().synchronize();
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } catch (IllegalAccessException e) {
            fail(e);
        }
    }

    // ---- scalar arguments ----------------------------------------------------------------------

    @Test
    void batchNormRefusesAnEpsilonBelowCudnnsMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend().batchNormForwardInference(
                t(2, 3), t(3), t(3), t(2, 3), t(3), t(3), 1e-6));
        assertTrue(e.getMessage().contains("eps must be at least 1.0E-5") && e.getMessage().contains("1.0E-6"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend().batchNormBackward(t(2, 3), t(2, 3), t(3), t(3),
                t(3), t(2, 3), t(3), t(3), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> backend().batchNormForwardTraining(t(2, 3), t(3), t(3),
                t(2, 3), t(3), t(3), t(3), t(3), 1.5, 1e-5));
    }

    @Test
    void copyChannelsRefusesSlicesOutsideEitherTensorAndMismatchedPlanes() {
        for (int[] bad : new int[][] {{2, 0, 2}, {0, 3, 2}, {-1, 0, 1}, {0, -1, 1}, {0, 0, 0}, {0, 0, 4}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend().copyChannels(t(2, 3, 2, 2), bad[0], t(2, 4, 2, 2), bad[1], bad[2]),
                    Arrays.toString(bad));
            assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> backend().copyChannels(t(2, 3, 2, 2), 0, t(2, 3, 2, 3), 0, 1));
        Tensor same = t(2, 4, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> backend().copyChannels(same, 0, same, 2, 2));
    }

    @Test
    void adaptivePoolingRefusesOtherImagesOrChannels() {
        assertThrows(IllegalArgumentException.class, () -> backend().adaptiveAvgPoolForward(t(2, 3, 4, 4), t(2, 4, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> backend().adaptiveAvgPoolBackward(t(1, 3, 1, 1), t(2, 3, 4, 4)));
    }

    @Test
    void dropoutRefusesARatioOfOne() {
        assertThrows(IllegalArgumentException.class, () -> backend().dropoutMask(t(4), 1f, 1L));
        assertThrows(IllegalArgumentException.class, () -> backend().dropoutMask(t(4), -0.1f, 1L));
    }

    @Test
    void convolutionWithoutBiasIsValid() {
        backend().convForward(CONV, t(2, 3, 5, 5), t(4, 3, 3, 3), null, t(2, 4, 5, 5));
        backend().synchronize();
    }
}
