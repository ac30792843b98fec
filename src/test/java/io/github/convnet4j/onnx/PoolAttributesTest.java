package io.github.convnet4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every small pooling (input 1..12 per axis, window 1..5, stride 1..5, pad below the window, each
 * rounding): the ONNX operator specification's output size and averaging divisor, applied to the
 * exported attributes, give PyTorch's output size and divisor (PyTorch's MaxPool2d/AvgPool2d
 * definitions, written out here: the ceil size less one when the last window would start in the
 * right padding; the divisor counts the window clipped to the padded input), or the export is
 * refused. A naive mapping (CEIL as ceil_mode 1, and ONNX's default count_include_pad 0) is shown to
 * fail it.
 */
class PoolAttributesTest {
    /** PyTorch's pooled size along one axis. */
    static int torchSize(int in, int k, int s, int p, boolean ceil) {
        int span = in + 2 * p - k;
        int out = (ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
        if (ceil && (out - 1) * s >= in + p) {
            out--;
        }
        return out;
    }

    /** PyTorch's count_include_pad=True divisor of window o along one axis. */
    static int torchDivisor(int in, int k, int s, int p, int o) {
        int start = o * s - p;
        return Math.min(start + k, in + p) - start;
    }

    /** ONNX's divisor along one axis: the declared padded input with count_include_pad, else the input. */
    static int onnxDivisor(int in, int k, int s, int padBegin, int padEnd, boolean includePad, int o) {
        int start = o * s - padBegin;
        int lo = includePad ? -padBegin : 0;
        int hi = includePad ? in + padEnd : in;
        return Math.max(0, Math.min(start + k, hi) - Math.max(start, lo));
    }

    /** Failures of {@code attributes} against PyTorch over all small cases; refused cases are skipped. */
    static List<String> mismatches(Mapping mapping) {
        List<String> bad = new ArrayList<>();
        for (OutputRounding r : List.of(OutputRounding.FLOOR, OutputRounding.CEIL)) {
            for (int k = 1; k <= 5; k++) {
                for (int s = 1; s <= 5; s++) {
                    for (int p = 0; p < k; p++) {
                        for (int h = Math.max(1, k - 2 * p); h <= 12; h++) {
                            int w = h + 1 <= 12 ? h + 1 : h;
                            PoolGeometry g = PoolGeometry.of("pool", Shape.of(1, 1, h, w), k, k, s, s, p, p, r);
                            for (boolean average : new boolean[] {false, true}) {
                                PoolAttributes a;
                                try {
                                    a = mapping.of("pool", average, g, r);
                                } catch (IllegalArgumentException refused) {
                                    continue;
                                }
                                String what = (average ? "avg" : "max") + " " + r + " " + h + "x" + w + " k" + k + " s"
                                        + s + " p" + p + ": ";
                                int[] in = {h, w};
                                for (int axis = 0; axis < 2; axis++) {
                                    int begin = a.pads()[axis];
                                    int end = a.pads()[axis + 2];
                                    int onnx = PoolAttributes.onnxSize(in[axis], begin, end, k, s, a.ceilMode());
                                    int torch = torchSize(in[axis], k, s, p, r == OutputRounding.CEIL);
                                    if (onnx != torch || begin != p) {
                                        bad.add(what + "size " + onnx + " vs " + torch);
                                        continue;
                                    }
                                    for (int o = 0; average && o < torch; o++) {
                                        int mine = torchDivisor(in[axis], k, s, p, o);
                                        int theirs = onnxDivisor(in[axis], k, s, begin, end, a.countIncludePad() == 1, o);
                                        if (mine != theirs) {
                                            bad.add(what + "divisor of window " + o + ": " + theirs + " vs " + mine);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return bad;
    }

    interface Mapping {
        PoolAttributes of(String layer, boolean average, PoolGeometry g, OutputRounding r);
    }

    @Test
    void everySmallPoolingExportsToOnnxExactlyOrIsRefused() {
        List<String> bad = mismatches(PoolAttributes::of);
        assertTrue(bad.isEmpty(), bad.size() + " mismatches, e.g. " + bad.subList(0, Math.min(5, bad.size())));
    }

    @Test
    void aNaiveMappingFailsTheComparison() {
        Mapping naive = (layer, average, g, r) -> new PoolAttributes(new int[] {g.windowH(), g.windowW()},
                new int[] {g.strideH(), g.strideW()}, new int[] {g.padH(), g.padW(), g.padH(), g.padW()},
                r == OutputRounding.CEIL, average ? 0 : null);
        List<String> bad = mismatches(naive);
        assertTrue(bad.stream().anyMatch(m -> m.contains("size")), "PyTorch's last-window rule is caught");
        assertTrue(bad.stream().anyMatch(m -> m.contains("divisor")), "the overhang divisor is caught");
    }

    @Test
    void onlyAPaddedAverageWhoseAxesRoundDifferentlyIsRefused() {
        int refused = 0;
        for (int h = 3; h <= 12; h++) {
            for (int p = 0; p <= 1; p++) {
                PoolGeometry g = PoolGeometry.of("p", Shape.of(1, 1, h, h + 1), 3, 3, 3, 3, p, p, OutputRounding.CEIL);
                PoolAttributes max = PoolAttributes.of("p", false, g, OutputRounding.CEIL);
                assertNull(max.countIncludePad());
                boolean symmetric = max.pads()[0] == max.pads()[2] && max.pads()[1] == max.pads()[3];
                try {
                    PoolAttributes.of("p", true, g, OutputRounding.CEIL);
                    assertTrue(symmetric || p == 0, h + " pad " + p);
                } catch (IllegalArgumentException e) {
                    assertTrue(!symmetric && p == 1, h + " pad " + p + ": " + e.getMessage());
                    refused++;
                }
            }
        }
        assertEquals(3, refused, "heights 5, 8 and 11 round like ONNX's floor, their widths like its ceil");
    }
}
