package io.github.convnet4j.cpu;

/** Run in a JVM of its own by {@link GemmKernelSelectionTest}: prints the kernel line and one product. */
public final class GemmKernelProbe {
    private GemmKernelProbe() {
    }

    public static void main(String[] args) {
        float[] c = new float[4];
        Sgemm.sgemm(false, false, 2, 2, 2, 1f, new float[]{1, 2, 3, 4}, 0, 2, new float[]{1, 0, 0, 1}, 0, 2,
                0f, c, 0, 2, Parallel.SEQUENTIAL);
        System.out.println(GemmKernels.describe());
        System.out.println("product " + java.util.Arrays.toString(c));
    }
}
