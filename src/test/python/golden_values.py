"""Golden values from PyTorch for PyTorchGoldenTest (LRN with an even window, and torch.optim.Adam).

Run once with /usr/bin/python3 src/test/python/golden_values.py (PyTorch 1.13 produced the numbers
embedded in the test); the inputs are closed-form so the Java test rebuilds them exactly.
Inputs are rounded to float32 (what the Java test feeds the engine), then everything is computed
in float64 so the golden numbers carry no further rounding.
"""
import math

import torch


def f32(values):
    return torch.tensor(values, dtype=torch.float32).double()


def lrn_case(size, alpha, beta, k, channels=6, width=2):
    n = channels * width
    x = f32([1.5 * math.sin(0.7 * i + 0.3) for i in range(n)])
    x = x.reshape(1, channels, 1, width).requires_grad_(True)
    dy = f32([math.cos(0.3 * i) for i in range(n)]).reshape(1, channels, 1, width)
    y = torch.nn.functional.local_response_norm(x, size, alpha=alpha, beta=beta, k=k)
    y.backward(dy)
    print(f"LRN size={size} alpha={alpha} beta={beta} k={k} C={channels} W={width}")
    print("  y  =", fmt(y.detach().flatten()))
    print("  dx =", fmt(x.grad.flatten()))


def adam_case(grad_scale, lr=0.01, weight_decay=0.1, steps=3, n=5):
    w = f32([0.5 * math.sin(i + 1) for i in range(n)]).requires_grad_(True)
    opt = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    for t in range(1, steps + 1):
        opt.zero_grad()
        w.grad = f32([grad_scale * math.cos(0.9 * i + 1.3 * t) for i in range(n)])
        opt.step()
    print(f"Adam grad_scale={grad_scale} lr={lr} weight_decay={weight_decay} steps={steps}")
    print("  w =", fmt(w.detach()))


def fmt(t):
    return "{" + ", ".join(f"{v:.12e}" for v in t.tolist()) + "}"


if __name__ == "__main__":
    print("torch", torch.__version__)
    lrn_case(4, 0.8, 0.75, 1.5)
    lrn_case(3, 1.0, 0.5, 1.0)
    adam_case(1.0)
    adam_case(1e-6, weight_decay=0.0)  # tiny gradients: where the placement of eps shows
