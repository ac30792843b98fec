#!/usr/bin/env python3
"""Golden files for convnet4j's graph networks, from PyTorch and torchvision's own modules:
a reduced-width ResNet block (torchvision BasicBlock with a strided projection shortcut), an
Inception block (torchvision's GoogLeNet Inception and BasicConv2d, ceil-mode max pool) and a VGG
block (conv, batch norm, max pools, adaptive average pool to 7x7, classifier).

For each: the parameters and batch-norm statistics (float32, state_dict names), an input batch and
labels, and from one training-mode step in float64 (on the float32 values): the logits, the mean
cross-entropy loss, the gradient of every parameter and of the input, and the running statistics
after the step. Written as safetensors by hand (no safetensors package needed), F32 throughout.

    /usr/bin/python3 src/test/python/graph_goldens.py      (from the repository root)
"""
import json
import os
import struct

import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock
from torchvision.models.googlenet import BasicConv2d, Inception

OUT = os.path.join("src", "test", "resources", "io", "github", "convnet4j", "models")
N = 4
CLASSES = 5


class ResNetBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        down = nn.Sequential(nn.Conv2d(8, 16, 1, 2, bias=False), nn.BatchNorm2d(16))
        self.layer1 = nn.Sequential(BasicBlock(8, 16, 2, down))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class InceptionBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = BasicConv2d(3, 8, kernel_size=3, padding=1)
        self.inception3a = Inception(8, 4, 4, 6, 2, 3, 3)
        self.maxpool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = self.maxpool(self.inception3a(self.conv1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class VggBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                      nn.MaxPool2d(2, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(16 * 49, 10), nn.ReLU(), nn.Linear(10, CLASSES))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


CASES = {"resnet-block": (ResNetBlock, (3, 12, 12)), "inception-block": (InceptionBlock, (3, 10, 10)),
         "vgg-block": (VggBlock, (3, 12, 12))}


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def golden(name, make, item):
    torch.manual_seed(sum(map(ord, name)))
    model = make()
    for m in model.modules():  # running statistics away from 0 and 1, so their update is checked
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    state = {k: v.clone() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    x = torch.randn(N, *item)
    labels = torch.randint(0, CLASSES, (N,))
    model = model.double().train()
    xd = x.double().requires_grad_(True)
    logits = model(xd)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    out = {"x": x, "labels": labels.float(), "logits": logits, "loss": loss.reshape(1), "grad/input": xd.grad}
    for k, v in state.items():
        out["param/" + k] = v
    for k, p in model.named_parameters():
        out["grad/" + k] = p.grad
    for k, v in model.state_dict().items():
        if k.endswith("running_mean") or k.endswith("running_var"):
            out["after/" + k] = v
    path = os.path.join(OUT, name + ".golden.safetensors")
    write_safetensors(path, out)
    print(path, os.path.getsize(path), "bytes, loss", float(loss))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for case, (make, item) in CASES.items():
        golden(case, make, item)
