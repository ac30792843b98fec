"""Checks ONNX models with the onnx package (issue 11): OnnxPythonCheckTest runs it.

    python3 onnx_check_model.py check MODEL.onnx
        onnx.checker.check_model(full_check=True), then strict shape inference; prints one JSON line
        {"ok": true, "output": ["batch", 10]} with the graph output's inferred shape (a symbolic
        dimension as its name). Exit 1 with {"ok": false, "error": "..."} on any failure.

    python3 onnx_check_model.py eval FOLDER
        evaluates FOLDER/model.onnx on FOLDER/test_data_set_0/input_0.pb in float64 with an
        interpreter written here from the ONNX operator specification (torch only supplies
        convolution, pooling sums and matrix products), and compares with output_0.pb; prints
        {"ok": true, "max_abs": ..., "max_rel": ..., "max_scaled": ...}. This is the independent reference for what the
        exported graph means: it does not run any convnet4j code.
"""
import json
import math
import sys

import onnx
from onnx import numpy_helper


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    out = inferred.graph.output[0].type.tensor_type.shape
    dims = [d.dim_param if d.dim_param else d.dim_value for d in out.dim]
    # Shape inference must also reach every node's output: a value it cannot type is a broken graph.
    typed = {v.name for v in inferred.graph.value_info} | {o.name for o in inferred.graph.output}
    untyped = [o for n in inferred.graph.node for o in n.output if o not in typed]
    if untyped:
        raise ValueError("shape inference gives no type for " + ", ".join(untyped[:5]))
    return {"ok": True, "output": dims, "opset": [o.version for o in model.opset_import]}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pool_geometry(x, a, ceil_default=0):
    import torch
    k = list(a["kernel_shape"])
    s = list(a.get("strides", [1] * len(k)))
    p = list(a.get("pads", [0] * (2 * len(k))))
    ceil = a.get("ceil_mode", ceil_default)
    ins = list(x.shape[2:])
    outs = []
    for i in range(2):
        span = ins[i] + p[i] + p[i + 2] - k[i]
        outs.append((math.ceil(span / s[i]) if ceil else span // s[i]) + 1)
    # Pad so that exactly the ONNX windows o*s - pad_begin, o < out, fit: the declared begin pads,
    # and at the end whatever the last window needs (the declared end pads or, in ceil mode, more).
    ends = [max(0, (outs[i] - 1) * s[i] + k[i] - ins[i] - p[i]) for i in range(2)]
    return k, s, p, outs, ends


def run_pool(op, x, a):
    import torch
    import torch.nn.functional as F
    k, s, p, outs, ends = pool_geometry(x, a)
    widths = (p[1], ends[1], p[0], ends[0])
    if op == "MaxPool":
        xp = F.pad(x, widths, value=-math.inf)
        return F.max_pool2d(xp, k, s)
    sums = F.avg_pool2d(F.pad(x, widths, value=0.0), k, s) * (k[0] * k[1])
    # The divisor: input positions, plus the declared pads with count_include_pad; never what lies
    # past the declared pads (ceil mode's overhang).
    include = a.get("count_include_pad", 0)
    axes = []
    for i in range(2):
        n = x.shape[2 + i]
        lo, hi = (-p[i], n + p[i + 2]) if include else (0, n)
        axes.append(torch.tensor([1.0 if lo <= j < hi else 0.0 for j in range(-p[i], n + ends[i])], dtype=x.dtype))
    mask = torch.outer(axes[0], axes[1]).reshape((1, 1) + (len(axes[0]), len(axes[1])))
    counts = F.avg_pool2d(mask, k, s) * (k[0] * k[1])
    return sums / counts


def lrn(x, a):
    import torch
    size = a["size"]
    alpha = a.get("alpha", 1e-4)
    beta = a.get("beta", 0.75)
    bias = a.get("bias", 1.0)
    c = x.shape[1]
    sq = x * x
    total = torch.zeros_like(x)
    lo, hi = (size - 1) // 2, math.ceil((size - 1) / 2)  # the operator spec's window
    for ch in range(c):
        total[:, ch] = sq[:, max(0, ch - lo):min(c - 1, ch + hi) + 1].sum(dim=1)
    return x / (bias + alpha / size * total) ** beta


def evaluate(model, x):
    import torch
    import torch.nn.functional as F
    values = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype("float64")) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        ins = [values[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            p = list(a.get("pads", [0, 0, 0, 0]))
            xp = F.pad(ins[0], (p[1], p[3], p[0], p[2]))
            y = F.conv2d(xp, ins[1], ins[2] if len(ins) > 2 else None, stride=list(a.get("strides", [1, 1])),
                         dilation=list(a.get("dilations", [1, 1])), groups=a.get("group", 1))
        elif op in ("MaxPool", "AveragePool"):
            y = run_pool(op, ins[0], a)
        elif op == "GlobalAveragePool":
            y = ins[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = ins[0].reshape(int(torch.tensor(ins[0].shape[:axis]).prod()), -1)
        elif op == "BatchNormalization":
            shape = (1, -1) + (1,) * (ins[0].dim() - 2)
            scale, b, mean, var = (t.reshape(shape) for t in ins[1:5])
            y = scale * (ins[0] - mean) / torch.sqrt(var + a.get("epsilon", 1e-5)) + b
        elif op == "LRN":
            y = lrn(ins[0], a)
        elif op in ("Dropout", "Identity"):
            y = ins[0]
        elif op == "Relu":
            y = torch.clamp(ins[0], min=0)
        elif op == "LeakyRelu":
            y = torch.where(ins[0] < 0, a.get("alpha", 0.01) * ins[0], ins[0])
        elif op == "PRelu":
            y = torch.where(ins[0] < 0, ins[1] * ins[0], ins[0])
        elif op == "Sigmoid":
            y = 1 / (1 + torch.exp(-ins[0]))
        elif op == "Tanh":
            y = torch.tanh(ins[0])
        elif op == "Softplus":
            y = torch.log(1 + torch.exp(ins[0]))
        elif op in ("Add", "Sum"):
            y = ins[0]
            for t in ins[1:]:
                y = y + t
        elif op == "Concat":
            y = torch.cat(ins, dim=a["axis"])
        else:
            raise ValueError("no reference for op " + op + " (node " + node.name + ")")
        values[node.output[0]] = y
    return values[model.graph.output[0].name]


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def eval_folder(folder):
    import torch
    model = onnx.load(folder + "/model.onnx")
    x = torch.from_numpy(load_tensor(folder + "/test_data_set_0/input_0.pb").astype("float64"))
    want = torch.from_numpy(load_tensor(folder + "/test_data_set_0/output_0.pb").astype("float64"))
    got = evaluate(model, x)
    if tuple(got.shape) != tuple(want.shape):
        raise ValueError("output shape %s, the folder's output_0.pb has %s" % (tuple(got.shape), tuple(want.shape)))
    diff = (got - want).abs()
    rel = diff / torch.clamp(got.abs(), min=1e-3)
    # max_rel: per element, against max(|reference|, 1e-3); max_scaled: against the largest |reference|
    # (for deep untrained nets whose logits span thousands and cancel to near zero in places).
    return {"ok": True, "max_abs": float(diff.max()), "max_rel": float(rel.max()),
            "max_scaled": float(diff.max() / max(float(got.abs().max()), 1e-30)),
            "ops": sorted({n.op_type for n in model.graph.node})}


def main():
    what, path = sys.argv[1], sys.argv[2]
    try:
        result = check(path) if what == "check" else eval_folder(path)
    except Exception as e:  # any failure is a verdict, reported as one JSON line
        print(json.dumps({"ok": False, "error": type(e).__name__ + ": " + str(e)}))
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
