package io.github.convnet4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The release-on-failure helper that CudaBackend's and ConvPlan's constructors build with, on
 * fakes (no GPU needed): a construction that fails half-way releases what it made, newest first.
 */
class NativeResourcesTest {
    private final List<String> log = new ArrayList<>();

    /** A fake constructor: makes "context", "stream", "cudnn", then fails making "cublas". */
    private void buildFailingAtCublas(NativeResources made) {
        try {
            for (String handle : new String[]{"context", "stream", "cudnn"}) {
                log.add("create " + handle);
                made.add(() -> log.add("release " + handle));
            }
            throw new CudaException("cublasCreate failed: CUBLAS_STATUS_NOT_INITIALIZED");
        } catch (RuntimeException e) {
            made.closeAfter(e);
            throw e;
        }
    }

    @Test
    void aFailedConstructionReleasesWhatItMadeInReverseOrder() {
        NativeResources made = new NativeResources();
        CudaException e = assertThrows(CudaException.class, () -> buildFailingAtCublas(made));
        assertEquals("cublasCreate failed: CUBLAS_STATUS_NOT_INITIALIZED", e.getMessage());
        assertEquals(List.of("create context", "create stream", "create cudnn",
                "release cudnn", "release stream", "release context"), log);
    }

    @Test
    void closeReleasesEachThingOnce() {
        NativeResources made = new NativeResources();
        made.add(() -> log.add("context"));
        made.add(() -> log.add("stream"));
        made.close();
        made.close();
        assertEquals(List.of("stream", "context"), log);
    }

    @Test
    void aFailingReleaseDoesNotStopTheOthers() {
        NativeResources made = new NativeResources();
        RuntimeException first = new IllegalStateException("stream destroy failed");
        RuntimeException second = new IllegalStateException("context release failed");
        made.add(() -> {
            log.add("context");
            throw second;
        });
        made.add(() -> log.add("cudnn"));
        made.add(() -> {
            log.add("stream");
            throw first;
        });
        RuntimeException e = assertThrows(RuntimeException.class, made::close);
        assertSame(first, e);
        assertArrayEquals(new Throwable[]{second}, e.getSuppressed());
        assertEquals(List.of("stream", "cudnn", "context"), log);
    }

    @Test
    void releaseErrorsAfterAFailureAreSuppressedIntoIt() {
        NativeResources made = new NativeResources();
        RuntimeException release = new IllegalStateException("release failed");
        made.add(() -> {
            throw release;
        });
        CudaException failure = new CudaException("cudnnCreate failed");
        made.closeAfter(failure);
        assertArrayEquals(new Throwable[]{release}, failure.getSuppressed());
    }
}
