package io.github.convnet4j.cuda;

import io.github.convnet4j.backend.ConvGeometry;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.tensor.Shape;

/** Prints the convolution plans cuDNN gives for LeNet's conv1 under each option set (GPU diagnostics). */
public final class ConvAlgorithmProbe {
    public static void main(String[] args) throws Exception {
        ConvGeometry g = ConvGeometry.of("probe", Shape.of(1, 1, 28, 28), Shape.of(6, 1, 5, 5), 1, 1, 2, 2,
                OutputRounding.STRICT);
        for (CudaOptions o : new CudaOptions[]{CudaOptions.strictFp32(), CudaOptions.defaults().withTf32(false),
                CudaOptions.defaults()}) {
            try (CudaBackend cuda = CudaBackend.open(o)) {
                System.out.println(o + " -> " + cuda.convolutionPlan(g));
            }
        }
    }
}
