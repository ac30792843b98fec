package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import io.github.convnet4j.backend.OutputRounding;
import io.github.convnet4j.backend.PoolGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * The ONNX attributes of one of our poolings, chosen so that ONNX's definition gives our output
 * size and values exactly.
 *
 * <p>ONNX (opset 10+) sizes a pooled axis as ⌊(in + pad_begin + pad_end − k)/s⌋ + 1, or ⌈…⌉ with
 * {@code ceil_mode = 1}. Our {@code STRICT} and {@code FLOOR} are the floor form. Our {@code CEIL}
 * is PyTorch's: the ceil form, less one when the last window would start in the right padding;
 * where the two agree (GoogLeNet's pools, and nearly always) it is {@code ceil_mode = 1}. Where they
 * do not, the same windows are written as {@code ceil_mode = 0} with a larger end padding (max
 * pooling ignores padding, so the values are the same). ONNX's ceil form is at most one above its floor
 * form, so where our CEIL is not ONNX's ceil it is ONNX's floor; only an item whose height takes one
 * form and whose width the other needs the larger end padding.
 *
 * <p>Our average divides by the window clipped to the padded input (PyTorch's
 * {@code count_include_pad=True}). ONNX's {@code count_include_pad = 1} divides by the window
 * clipped to the input and its declared pads (the operator's reference implementation and ONNX
 * Runtime both clip a ceil-mode window there), which is ours wherever the declared pads are ours;
 * {@code count_include_pad = 0} divides by the input part, which is ours where there is no padding.
 * So only a padded average whose item needs the larger end padding (a ceil-mode window hanging past
 * the padded input on one axis, ONNX's floor on the other) has no exact form and is refused.
 */
record PoolAttributes(int[] kernel, int[] strides, int[] pads, boolean ceilMode, Integer countIncludePad) {

    /** The attributes for max ({@code average} false) or average pooling of geometry {@code g}. */
    static PoolAttributes of(String layer, boolean average, PoolGeometry g, OutputRounding rounding) {
        int[] in = {g.h(), g.w()};
        int[] k = {g.windowH(), g.windowW()};
        int[] s = {g.strideH(), g.strideW()};
        int[] p = {g.padH(), g.padW()};
        int[] ours = {g.outH(), g.outW()};
        int[] symmetric = {p[0], p[1], p[0], p[1]};
        boolean ceilAgrees = true;
        boolean floorAgrees = true;
        for (int a = 0; a < 2; a++) {
            ceilAgrees &= onnxSize(in[a], p[a], p[a], k[a], s[a], true) == ours[a];
            floorAgrees &= onnxSize(in[a], p[a], p[a], k[a], s[a], false) == ours[a];
        }
        int[] pads;
        boolean ceilMode = false;
        if (rounding == OutputRounding.CEIL && ceilAgrees) {
            pads = symmetric;
            ceilMode = true;
        } else if (floorAgrees) {
            pads = symmetric;
        } else {
            pads = new int[] {p[0], p[1], endPad(layer, in[0], p[0], k[0], s[0], ours[0]),
                    endPad(layer, in[1], p[1], k[1], s[1], ours[1])};
        }
        Integer countIncludePad = null;
        if (average) {
            boolean padded = p[0] > 0 || p[1] > 0;
            if (!padded) {
                countIncludePad = 0; // no padding: the input part of a window is the window clipped to the input
            } else if (pads == symmetric) {
                countIncludePad = 1;
            } else {
                throw new IllegalArgumentException(layer + " (avgpool): on " + g.h() + "x" + g.w() + " (window " + k[0]
                        + ", stride " + s[0] + ", pad " + p[0] + ", CEIL) one axis rounds like ONNX's ceil_mode and"
                        + " the other does not, which needs extra end padding that ONNX's AveragePool would count in"
                        + " its divisor (count_include_pad) where ours does not; use FLOOR rounding or pad 0");
            }
        }
        return new PoolAttributes(k, s, pads, ceilMode, countIncludePad);
    }

    /** ONNX's output size along one axis. */
    static int onnxSize(int in, int padBegin, int padEnd, int k, int s, boolean ceil) {
        int span = in + padBegin + padEnd - k;
        return (ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
    }

    /** The smallest end padding below the window for which ONNX's floor form gives {@code out}. */
    private static int endPad(String layer, int in, int pad, int k, int s, int out) {
        for (int end = 0; end < k; end++) {
            if (in + pad + end - k >= 0 && onnxSize(in, pad, end, k, s, false) == out) {
                return end;
            }
        }
        throw new IllegalArgumentException(layer + ": no ONNX padding gives this pooling's output size " + out
                + " (input " + in + ", window " + k + ", stride " + s + ", pad " + pad + ")");
    }

    /** As ONNX attributes, in a fixed order. */
    List<AttributeProto> attributes() {
        List<AttributeProto> a = new ArrayList<>();
        a.add(OnnxProtos.ints("kernel_shape", kernel));
        a.add(OnnxProtos.ints("strides", strides));
        a.add(OnnxProtos.ints("pads", pads));
        a.add(OnnxProtos.integer("ceil_mode", ceilMode ? 1 : 0));
        if (countIncludePad != null) {
            a.add(OnnxProtos.integer("count_include_pad", countIncludePad));
        }
        return a;
    }
}
