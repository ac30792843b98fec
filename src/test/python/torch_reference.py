"""PyTorch on the same GPU, the same networks and batch sizes as io.github.convnet4j.bench.GpuBenchmark.

    python3 src/test/python/torch_reference.py [alexnet-steps] [lenet-images]

AlexNet: single tower with LRN (n=5, alpha=1e-4, beta=0.75, k=2) after conv1 and conv2, batch 128,
3x224x224, 1000 classes, SGD momentum 0.9 with weight decay 5e-4. LeNet-5 modern (ReLU + max-pool,
61,706 parameters), batch 100, Adam, one epoch of 60,000 images, each batch copied from the host.
FP32 (TF32 off in cuDNN and cuBLAS) and TF32 (on in both); cudnn.benchmark on, as our backend
also times its convolution algorithms.
"""
import sys
import time

import torch
import torch.nn as nn


def alexnet():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, 1000))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def run(tf32, alex_steps, lenet_images):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    math = "TF32" if tf32 else "FP32"
    dev = torch.device("cuda")
    loss_fn = nn.CrossEntropyLoss()

    net = alexnet().to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(128, 3, 224, 224, device=dev)
    t = torch.randint(0, 1000, (128,), device=dev)
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), t)
        loss.backward()
        opt.step()
        return loss
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(alex_steps):
        loss = step()
    loss.item()
    ms = (time.perf_counter() - start) * 1000 / alex_steps
    print(f"PyTorch {torch.__version__} AlexNet {math} batch 128 224x224: {ms:.2f} ms/step, {128000 / ms:.0f} images/s")

    net = lenet().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    host_x = torch.randn(100, 1, 28, 28)
    host_t = torch.randint(0, 10, (100,))
    def lstep():
        xb = host_x.to(dev)
        tb = host_t.to(dev)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xb), tb)
        loss.backward()
        opt.step()
        return loss
    for _ in range(20):
        lstep()
    torch.cuda.synchronize()
    steps = lenet_images // 100
    start = time.perf_counter()
    for _ in range(steps):
        loss = lstep()
    loss.item()
    s = time.perf_counter() - start
    print(f"PyTorch {torch.__version__} LeNet {math} batch 100, {steps * 100} images: {s:.2f} s, {steps * 100 / s:.0f} images/s")


if __name__ == "__main__":
    alex_steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    lenet_images = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    print(f"device: {torch.cuda.get_device_name(0)}, cuDNN {torch.backends.cudnn.version()}, CUDA {torch.version.cuda}")
    for tf32 in (False, True):
        run(tf32, alex_steps, lenet_images)
