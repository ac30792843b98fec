package io.github.convnet4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the Dockerfile is checked against the build instead: the CUDA major
 * version of the base images matches JCuda's in pom.xml, both stages use the same CUDA release,
 * the runtime image has cuDNN and is a runtime (not devel) image, every copied path exists, and the
 * entry point runs the self-contained jar the build writes, whose main class is real.
 */
class DockerfileTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));

    private static String read(String file) throws IOException {
        return Files.readString(ROOT.resolve(file));
    }

    @Test
    void cudaVersionsAgreeWithJCuda() throws IOException {
        String docker = read("Dockerfile");
        Matcher jcuda = Pattern.compile("<jcuda.version>(\\d+)\\.(\\d+)\\.\\d+</jcuda.version>").matcher(read("pom.xml"));
        assertTrue(jcuda.find(), "pom.xml declares jcuda.version");
        List<String[]> froms = new ArrayList<>();
        Matcher from = Pattern.compile("(?m)^FROM nvidia/cuda:(\\d+)\\.(\\d+)\\.\\d+-(\\S+)").matcher(docker);
        while (from.find()) {
            froms.add(new String[]{from.group(1), from.group(2), from.group(3)});
        }
        assertEquals(2, froms.size(), "a build and a runtime stage on NVIDIA's CUDA images");
        for (String[] f : froms) {
            assertEquals(jcuda.group(1), f[0], "CUDA major version of the image vs JCuda");
            assertEquals(jcuda.group(2), f[1], "CUDA minor version of the image vs JCuda");
        }
        assertTrue(froms.get(0)[2].startsWith("devel"), "the build stage has nvcc");
        assertTrue(froms.get(1)[2].startsWith("cudnn-runtime"), "the final image is a cuDNN runtime image");
    }

    @Test
    void everyCopiedPathExistsAndTheEntryPointIsReal() throws Exception {
        String docker = read("Dockerfile");
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(docker);
        int copies = 0;
        while (copy.find()) {
            copies++;
            assertTrue(Files.exists(ROOT.resolve(copy.group(1))), "COPY source " + copy.group(1) + " exists");
        }
        assertTrue(copies >= 4, "pom.xml, cuda, src and examples are copied");
        Matcher fromBuild = Pattern.compile("(?m)^COPY --from=build /src/target/(\\S+) ").matcher(docker);
        List<String> built = new ArrayList<>();
        while (fromBuild.find()) {
            built.add(fromBuild.group(1));
        }
        assertEquals(List.of("convnet4j.jar"), built, "only the runnable jar is copied: it needs nothing beside it");
        String pom = read("pom.xml");
        assertTrue(pom.contains("<outputFile>${project.build.directory}/convnet4j.jar</outputFile>"),
                "the shade plugin writes target/convnet4j.jar");
        assertTrue(docker.contains("ENTRYPOINT [\"java\", \"--add-modules\", \"jdk.incubator.vector\", \"-jar\","
                        + " \"/opt/convnet4j/convnet4j.jar\"]"),
                "ENTRYPOINT runs the copied jar with the Vector API module (the CPU backend's fast GEMM kernel)");
        Matcher mainClass = Pattern.compile("<mainClass>([\\w.]+)</mainClass>").matcher(pom);
        assertTrue(mainClass.find(), "the runnable jar's manifest names a main class");
        Class<?> main = Class.forName(mainClass.group(1));
        assertEquals(void.class, main.getMethod("main", String[].class).getReturnType());
        assertTrue(docker.contains("CMD [\"train\""), "runs training by default");
        assertTrue(docker.contains("USER convnet4j"), "runs as non-root");
    }
}
