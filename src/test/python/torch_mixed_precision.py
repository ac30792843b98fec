"""PyTorch at its best on the device, for issue 12's side-by-side figures (mixed precision, channels-last,
fused optimizers, CUDA graphs, torch.compile), with the device's measured peaks in the same run.

    python3 src/test/python/torch_mixed_precision.py [--steps N] [--lenet-images N] [--smoke]

Lines (each `name: value` pairs, easy to grep):
  peak        BF16 and FP32 (TF32 off) dense matrix products, 8192^3, TFLOP/s
  resnet50    batch 256, 3x224x224, 1000 classes, SGD momentum 0.9 (fused where PyTorch has it), BF16
              autocast + channels_last + cudnn.benchmark; then the same under torch.compile if it compiles
  alexnet     torchvision's structure (no LRN), batch 128, FP32 and TF32; and the LRN AlexNet of
              torch_reference.py, FP32
  lenet       one epoch of 60,000 images, batch 100, Adam, batches resident on the device: eager, and the
              whole step captured once as a CUDA graph and replayed
Each line gives ms/step, images/s and the fraction of the matching peak (FLOPs counted from the layers'
shapes: 2*MACs forward, 3x that for forward + backward). --smoke runs every part tiny on the CPU (PyTorch
1.13 here) so that the script is known to run before device time is spent on it.

The networks are those of convnet4j's models (same parameter counts, asserted below: ResNet-50
25,557,032, AlexNet 61,100,840, LeNet 61,706), written out (or taken from torch_reference.py) because
the device has no torchvision.
"""
import argparse
import time

import torch
import torch.nn as nn

from torch_reference import alexnet as alexnet_lrn, lenet  # the same networks as the FP32 benchmark


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + identity)


def resnet50(classes=1000):
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            layers.append(Bottleneck(cin, width, stride if b == 0 else 1))
            cin = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, classes)]
    return nn.Sequential(*layers)


def alexnet_torchvision(classes=1000):
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(384, 256, 3, padding=1),
        nn.ReLU(inplace=True), nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(), nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(inplace=True),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, classes))


def parameters(net):
    return sum(p.numel() for p in net.parameters())


def forward_flops(net, shape):
    """2 x multiply-adds of every convolution and linear layer for one batch of `shape`, found by hooks."""
    total = [0]

    def conv(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += 2 * out.numel() * k

    def linear(m, inp, out):
        total[0] += 2 * out.numel() * m.in_features

    hooks = [m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
             for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net(torch.zeros(shape, device=next(net.parameters()).device))
    for h in hooks:
        h.remove()
    return total[0]


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(step, steps, dev, warmup=3):
    for _ in range(warmup):
        step()
    sync(dev)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync(dev)
    return (time.perf_counter() - start) / steps


def peak(dev, n, dtype, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.randn(n, n, device=dev, dtype=dtype)
    b = torch.randn(n, n, device=dev, dtype=dtype)
    seconds = timed(lambda: a @ b, 10, dev)
    return 2 * n ** 3 / seconds / 1e12


def sgd(net, dev):
    try:
        return torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, fused=dev.type == "cuda"), "fused"
    except (TypeError, RuntimeError):
        try:
            return torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, foreach=True), "foreach"
        except TypeError:
            return torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4), "plain"


def train_steps(net, opt, x, t, autocast_dtype, steps, dev):
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        if autocast_dtype is None:
            loss = loss_fn(net(x), t)
        else:
            with torch.autocast(device_type=dev.type, dtype=autocast_dtype):
                loss = loss_fn(net(x), t)
        loss.backward()
        opt.step()

    return timed(step, steps, dev)


def report(name, seconds, batch, flops, peak_tflops, extra=""):
    tflops = 3 * flops / seconds / 1e12
    print(f"{name}: {seconds * 1e3:.2f} ms/step, {batch / seconds:,.0f} images/s, {tflops:.1f} TFLOP/s, "
          f"{100 * tflops / peak_tflops:.1f} % of peak{extra}", flush=True)


def resnet(dev, batch, side, steps, peak_bf16):
    net = resnet50().to(dev).to(memory_format=torch.channels_last)
    assert parameters(net) == 25_557_032, parameters(net)
    flops = forward_flops(net, (batch, 3, side, side))
    x = torch.randn(batch, 3, side, side, device=dev).to(memory_format=torch.channels_last)
    t = torch.randint(0, 1000, (batch,), device=dev)
    opt, kind = sgd(net, dev)
    report(f"resnet50 bf16 channels-last eager batch {batch}", train_steps(net, opt, x, t, torch.bfloat16, steps, dev),
           batch, flops, peak_bf16, f", SGD {kind}")
    if not hasattr(torch, "compile"):
        print("resnet50 torch.compile: not in this PyTorch", flush=True)
        return
    try:
        compiled = torch.compile(net)
        report(f"resnet50 bf16 channels-last torch.compile batch {batch}",
               train_steps(compiled, opt, x, t, torch.bfloat16, steps, dev), batch, flops, peak_bf16, f", SGD {kind}")
    except Exception as e:  # the device may lack a compiler toolchain: say so and go on
        print(f"resnet50 torch.compile: failed ({type(e).__name__}: {str(e).splitlines()[0][:200]})", flush=True)


def alexnets(dev, batch, steps, peak_fp32, peak_tf32):
    for name, make in (("torchvision", alexnet_torchvision), ("lrn", alexnet_lrn)):
        for tf32 in ((False, True) if name == "torchvision" else (False,)):
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cuda.matmul.allow_tf32 = tf32
            net = make().to(dev)
            assert parameters(net) == 61_100_840, parameters(net)
            flops = forward_flops(net, (batch, 3, 224, 224))
            x = torch.randn(batch, 3, 224, 224, device=dev)
            t = torch.randint(0, 1000, (batch,), device=dev)
            opt, kind = sgd(net, dev)
            report(f"alexnet {name} {'tf32' if tf32 else 'fp32'} batch {batch}",
                   train_steps(net, opt, x, t, None, steps, dev), batch, flops, peak_tf32 if tf32 else peak_fp32,
                   f", SGD {kind}")
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = False


def lenet_epoch(dev, images, peak_fp32):
    batch = 100
    steps = images // batch
    net = lenet().to(dev)
    assert parameters(net) == 61_706, parameters(net)
    flops = forward_flops(net, (batch, 1, 28, 28))
    data = torch.randn(steps, batch, 1, 28, 28, device=dev)
    labels = torch.randint(0, 10, (steps, batch), device=dev)
    loss_fn = nn.CrossEntropyLoss()
    graphs = dev.type == "cuda"
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, capturable=graphs) if graphs else torch.optim.Adam(
        net.parameters(), lr=1e-3)

    def eager_epoch():
        for i in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(data[i]), labels[i]).backward()
            opt.step()

    seconds = timed(eager_epoch, 1, dev, warmup=1)
    report(f"lenet eager epoch of {steps * batch}", seconds / steps, batch, flops, peak_fp32,
           f", {seconds:.3f} s/epoch")
    if not graphs:
        print("lenet cuda graph: needs CUDA", flush=True)
        return
    static_x = data[0].clone()
    static_t = labels[0].clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up on a side stream before capture, as PyTorch's docs ask
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(static_x), static_t).backward()
            opt.step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        loss_fn(net(static_x), static_t).backward()
        opt.step()

    def graph_epoch():
        for i in range(steps):
            static_x.copy_(data[i])
            static_t.copy_(labels[i])
            graph.replay()

    seconds = timed(graph_epoch, 1, dev, warmup=1)
    report(f"lenet cuda-graph epoch of {steps * batch}", seconds / steps, batch, flops, peak_fp32,
           f", {seconds:.3f} s/epoch")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--lenet-images", type=int, default=60000)
    p.add_argument("--smoke", action="store_true", help="tiny, on the CPU: does the script run at all")
    a = p.parse_args()
    smoke = a.smoke or not torch.cuda.is_available()
    dev = torch.device("cpu" if smoke else "cuda")
    torch.backends.cudnn.benchmark = True
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name() if not smoke else 'cpu (smoke)'}",
          flush=True)
    n = 512 if smoke else 8192
    peak_bf16 = peak(dev, n, torch.bfloat16, False)
    peak_fp32 = peak(dev, n, torch.float32, False)
    peak_tf32 = peak(dev, n, torch.float32, True) if not smoke else peak_fp32
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"peak: bf16 {peak_bf16:.1f} TFLOP/s, fp32 {peak_fp32:.1f}, tf32 {peak_tf32:.1f} ({n}^3 matrix products)",
          flush=True)
    steps = 1 if smoke else a.steps
    resnet(dev, 2 if smoke else 256, 64 if smoke else 224, steps, peak_bf16)
    alexnets(dev, 2 if smoke else 128, steps, peak_fp32, peak_tf32)
    lenet_epoch(dev, 1000 if smoke else a.lenet_images, peak_fp32)


if __name__ == "__main__":
    main()
