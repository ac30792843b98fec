"""The work of io.github.convnet4j.bench.CpuBenchmark, on PyTorch's CPU backend, with the same labels.

A tool, not a test: one untimed warm-up, then repeats for at least a second per figure (as the Java side).
PyTorch 1.13 from Debian (python3-torch) uses oneDNN for convolutions and the system BLAS for matrix
products; for OpenBLAS's own kernels run it with the OpenMP OpenBLAS and without the machine's overrides:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 src/test/python/torch_cpu_reference.py [threads] [epoch-images]

Both sides in one run (after mvn -q compile), under the shared build lock:

    flock /tmp/convnet4j-build.lock sh -c 'java -cp target/classes io.github.convnet4j.bench.CpuBenchmark 2; \
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 src/test/python/torch_cpu_reference.py 2'
"""
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MIN_SECONDS = 1.0

# label, input (N, C, H, W), filter (K, C, FH, FW), stride, pad: the Java CONV_CASES.
CONV_CASES = [
    ("LeNet conv1 N=100 C=1 28x28 K=6 5x5 pad 2", (100, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    ("LeNet conv1 N=1 C=1 28x28 K=6 5x5 pad 2", (1, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    ("LeNet conv2 N=100 C=6 14x14 K=16 5x5", (100, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("LeNet conv2 N=1 C=6 14x14 K=16 5x5", (1, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("AlexNet conv1 N=8 C=3 224x224 K=64 11x11 stride 4 pad 2", (8, 3, 224, 224), (64, 3, 11, 11), 4, 2),
    ("AlexNet conv2 N=32 C=64 27x27 K=192 5x5 pad 2", (32, 64, 27, 27), (192, 64, 5, 5), 1, 2),
    ("AlexNet conv3 N=32 C=192 13x13 K=384 3x3 pad 1", (32, 192, 13, 13), (384, 192, 3, 3), 1, 1),
]


def timed(fn):
    """Seconds per call: one warm-up call, then repeats until MIN_SECONDS have passed (at least 3)."""
    fn()
    reps = 0
    start = time.perf_counter()
    while True:
        fn()
        reps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS and reps >= 3:
            return elapsed / reps


def gemm(n):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    c = torch.empty(n, n)
    s = timed(lambda: torch.matmul(a, b, out=c))
    print(f"sgemm {n}: {2.0 * n ** 3 / s / 1e9:.1f} GFLOP/s ({s * 1e3:.2f} ms)")


def conv(label, input_shape, filter_shape, stride, pad):
    x = torch.randn(input_shape)
    w = torch.randn(filter_shape)
    b = torch.randn(filter_shape[0])
    with torch.no_grad():
        y = F.conv2d(x, w, b, stride, pad)
    dy = torch.randn(y.shape)
    n, k, oh, ow = y.shape
    gflop = 2.0 * n * k * oh * ow * filter_shape[1] * filter_shape[2] * filter_shape[3] / 1e9

    def backward(mask):
        return torch.ops.aten.convolution_backward(dy, x, w, [k], [stride, stride], [pad, pad], [1, 1], False,
                                                   [0, 0], 1, mask)

    with torch.no_grad():
        fwd = timed(lambda: F.conv2d(x, w, b, stride, pad))
        bwd_data = timed(lambda: backward([True, False, False]))
        bwd_filter = timed(lambda: backward([False, True, True]))
    print(f"conv {label}: forward {fwd * 1e3:.3f} ms ({gflop / fwd:.1f} GFLOP/s), backward-data {bwd_data * 1e3:.3f} ms"
          f" ({gflop / bwd_data:.1f}), backward-filter+bias {bwd_filter * 1e3:.3f} ms ({gflop / bwd_filter:.1f})")


def lenet(classes=10):
    """LeNet.modern: conv1 6x5x5 pad 2, ReLU, max-pool 2, conv2 16x5x5, ReLU, max-pool 2, FC 120, 84, classes."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, classes))


def alexnet(classes=1000):
    """models.AlexNet.build: single tower, torchvision's channels, LRN (5, 1e-4, 0.75, 2) after conv1 and conv2."""
    def lrn():
        return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, 1, 2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, classes))


def training_pass(name, model, item, classes, batch):
    """Network.gradient: forward in training mode, softmax cross-entropy, backward into the parameters' gradients."""
    x = torch.randn((batch,) + item)
    t = torch.randint(0, classes, (batch,))
    model.train()

    def step():
        for p in model.parameters():
            p.grad = None
        F.cross_entropy(model(x), t).backward()

    print(f"{name} batch {batch} forward+backward: {timed(step) * 1e3:.2f} ms")


def inference(name, model, item, batch):
    x = torch.randn((batch,) + item)
    model.eval()
    with torch.inference_mode():
        s = timed(lambda: model(x))
    print(f"{name} batch {batch} inference: {s * 1e3:.3f} ms")


def lenet_epoch(images, batch=100):
    """One epoch as the Java trainer runs it: shuffled batches of normalised images, step, accuracy count, Adam."""
    pixels = torch.randint(0, 256, (images, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (images,))
    mean = pixels.float().mean() / 255
    std = (pixels.float() / 255).std()
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def epoch(count):
        order = torch.randperm(count)
        correct = 0
        for start in range(0, count - batch + 1, batch):
            idx = order[start:start + batch]
            x = (pixels[idx].float() / 255 - mean) / std
            t = labels[idx]
            opt.zero_grad(set_to_none=True)
            scores = model(x)
            F.cross_entropy(scores, t).backward()
            correct += int((scores.argmax(1) == t).sum())
            opt.step()
        return correct

    model.train()
    epoch(batch * 20)
    start = time.perf_counter()
    correct = epoch(images)
    s = time.perf_counter() - start
    print(f"LeNet-5 epoch {images} images batch {batch} Adam: {s:.2f} s ({images / s:.0f} images/s, {correct} correct)")


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    epoch_images = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print(f"PyTorch {torch.__version__} CPU reference: {torch.get_num_threads()} threads, Python"
          f" {platform.python_version()}, {platform.machine()}")
    print(f"command: /usr/bin/python3 src/test/python/torch_cpu_reference.py {threads} {epoch_images}")
    for n in (256, 512, 1024, 2048):
        gemm(n)
    for case in CONV_CASES:
        conv(*case)
    net = lenet()
    training_pass("LeNet-5", net, (1, 28, 28), 10, 100)
    for batch in (1, 8, 100):
        inference("LeNet-5", net, (1, 28, 28), batch)
    lenet_epoch(epoch_images)
    net = alexnet()
    training_pass("AlexNet", net, (3, 224, 224), 1000, 8)
    for batch in (1, 8):
        inference("AlexNet", net, (3, 224, 224), batch)


if __name__ == "__main__":
    main()
