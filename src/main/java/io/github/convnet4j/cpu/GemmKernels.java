package io.github.convnet4j.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the SGEMM kernel once per JVM. The Vector API kernel needs the incubating module
 * {@code jdk.incubator.vector}, which a JVM has only when started with
 * {@code --add-modules jdk.incubator.vector}; without it (or with {@code -Dconvnet4j.gemm=java})
 * the plain-Java kernel runs, so the backend still works on any JVM. The choice is logged once.
 */
public final class GemmKernels {
    /** System property: {@code auto} (default), {@code vector} (fail if unavailable) or {@code java}. */
    public static final String PROPERTY = "convnet4j.gemm";
    static final String MODULE = "jdk.incubator.vector";
    /** Below 256-bit vectors the Vector API brings nothing over C2's auto-vectorised loops. */
    private static final int MIN_VECTOR_BITS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(GemmKernels.class);

    /** Chosen on first use, not in a static initialiser, so a bad setting is a clear error at each call. */
    private static volatile Choice choice;

    record Choice(GemmKernel kernel, String why) {
    }

    private GemmKernels() {
    }

    /** The kernel every SGEMM in this JVM uses. */
    static GemmKernel selected() {
        return current().kernel();
    }

    private static Choice current() {
        Choice c = choice;
        if (c == null) {
            c = choose(System.getProperty(PROPERTY, "auto"));
            choice = c;
        }
        return c;
    }

    /** One line naming the kernel in use and, for the fallback, why and how to get the faster one. */
    public static String describe() {
        Choice c = current();
        return "CPU GEMM: " + c.kernel().describe() + (c.why().isEmpty() ? "" : "; " + c.why());
    }

    /** The Vector API kernel if this JVM can run it, else null (tests compare both kernels). */
    static GemmKernel vectorIfAvailable() {
        return vectorUnavailableReason() == null ? VectorGemmKernel.INSTANCE : null;
    }

    private static boolean logged;

    /** Logs {@link #describe()} the first time a CPU backend opens. */
    static synchronized void logOnce() {
        if (!logged) {
            logged = true;
            LOG.info(describe());
        }
    }

    static Choice choose(String setting) {
        String unavailable = vectorUnavailableReason();
        switch (setting.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "java":
                return new Choice(ScalarGemmKernel.INSTANCE, "chosen with -D" + PROPERTY + "=java");
            case "vector":
                if (unavailable != null) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=vector, but " + unavailable);
                }
                return new Choice(VectorGemmKernel.INSTANCE, "");
            case "auto":
                return unavailable == null ? new Choice(VectorGemmKernel.INSTANCE, "")
                        : new Choice(ScalarGemmKernel.INSTANCE, unavailable);
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, vector or java, got '" + setting + "'");
        }
    }

    /** Null when the Vector API kernel can run here, else the reason it cannot. */
    private static String vectorUnavailableReason() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return "start java with --add-modules " + MODULE + " for the Vector API kernel (several times faster)";
        }
        try {
            int bits = VectorGemmKernel.SPECIES.vectorBitSize();
            if (bits < MIN_VECTOR_BITS) {
                return "this CPU's vectors are " + bits + " bits, too narrow for the Vector API kernel";
            }
            return null;
        } catch (LinkageError e) {
            return "the Vector API does not load here (" + e + ")";
        }
    }
}
