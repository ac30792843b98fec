"""convnet4j <-> PyTorch through safetensors, for LeNet-5 modern on Fashion-MNIST.

    python3 src/test/python/torch_interop.py OURS.safetensors DATA_DIR OUT_DIR

1. convnet4j -> PyTorch: loads our model file with safetensors.torch.load_file into a PyTorch
   LeNet whose attributes carry our names (strict load_state_dict: every name and shape must match),
   applies the normalisation from the file's metadata, and prints its test accuracy.
2. PyTorch -> convnet4j: changes the weights (x 1.01 + 0.001), saves them with
   safetensors.torch.save_file to OUT_DIR/torch.safetensors and the logits of the first 64 test
   images to OUT_DIR/torch-logits.txt, for io.github.convnet4j.io.TorchInteropCheck to compare.
"""
import gzip
import struct
import sys

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file, save_file


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def idx(path, images):
    data = gzip.open(path).read()
    if images:
        _, n, r, c = struct.unpack(">IIII", data[:16])
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(n, 1, r, c).float() / 255
    _, n = struct.unpack(">II", data[:8])
    return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).long()


ours, data_dir, out_dir = sys.argv[1:4]
with safe_open(ours, "pt") as f:
    meta = f.metadata()
mean, std = [float(v.strip(" []")) for v in meta["normalization"].split(";")]
x = (idx(f"{data_dir}/t10k-images-idx3-ubyte.gz", True) - mean) / std
y = idx(f"{data_dir}/t10k-labels-idx1-ubyte.gz", False)
net = LeNet()
net.load_state_dict(load_file(ours), strict=True)
with torch.no_grad():
    acc = (net(x).argmax(1) == y).float().mean().item()
print(f"convnet4j -> torch: strict load_state_dict ok, test accuracy in PyTorch {acc:.4f} ({len(y)} images)")
with torch.no_grad():
    for p in net.parameters():
        p.mul_(1.01).add_(0.001)
    logits = net(x[:64])
save_file({k: v.contiguous() for k, v in net.state_dict().items()}, f"{out_dir}/torch.safetensors")
with open(f"{out_dir}/torch-logits.txt", "w") as f:
    for row in logits.tolist():
        f.write(" ".join(f"{v:.9g}" for v in row) + "\n")
print("torch -> convnet4j: wrote torch.safetensors and the logits of 64 test images")
