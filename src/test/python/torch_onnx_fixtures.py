"""Writes the PyTorch ONNX fixtures of issue 11 (committed; CI does not run this).

    /usr/bin/python3 src/test/python/torch_onnx_fixtures.py

Small models defined here in plain PyTorch (1.13) -- LeNet-5 as LeNet.modern builds it, a residual
network (conv-bn-relu-conv-bn + identity add + relu, and a strided block with a 1x1 conv + bn
shortcut) and an Inception-style network (torchvision's Inception module: 1x1, 1x1-3x3, 1x1-5x5 and
a ceil-mode 3x3 max pool-1x1, concatenated; a ceil-mode 3/2 max pool before it) -- are exported with
torch.onnx.export in eval mode, with a fixed seed, into ONNX backend-test folders

    src/test/resources/io/github/convnet4j/onnx/torch/<name>/model.onnx
                                                        /test_data_set_0/input_0.pb, output_0.pb

with PyTorch's own outputs for a fixed random batch of 2. Batch-norm statistics are randomised so
that they matter. LeNet is also exported at opset 7 (the oldest torch 1.13 writes: MaxPool without
ceil_mode, Gemm and BatchNormalization-era attributes) and the residual net at opset 9.
TrainingMode.PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convolutions).
"""
import os
import sys
import warnings

import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "io", "github", "convnet4j", "onnx", "torch")


class LeNet(nn.Module):
    """LeNet.modern: conv 6x5x5 pad 2 - relu - pool 2 - conv 16x5x5 - relu - pool 2 - 120 - 84 - 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2, 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2, 2)
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: conv3x3-bn-relu-conv3x3-bn, + shortcut, relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResidualNet(nn.Module):
    """A stem, an identity block and a strided block (1x1 conv + bn shortcut), global pool, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(torch.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class BasicConv2d(nn.Module):
    """torchvision's GoogLeNet BasicConv2d: conv (no bias) - bn (eps 0.001) - relu."""

    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """torchvision's Inception module, with a true 5x5 in branch 3."""

    def __init__(self, cin, ch1, ch3red, ch3, ch5red, ch5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, ch3red, kernel_size=1), BasicConv2d(ch3red, ch3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, ch5red, kernel_size=1), BasicConv2d(ch5red, ch5, kernel_size=5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, pool_proj, kernel_size=1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionNet(nn.Module):
    """Stem conv, a ceil-mode 3/2 max pool (16 -> 8, floor would give 7), an Inception module, pool, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = BasicConv2d(3, 8, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception = Inception(8, 4, 4, 8, 2, 4, 4)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(20, 10)

    def forward(self, x):
        x = self.inception(self.maxpool1(self.conv1(x)))
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


def randomise_batch_norm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(0.2 * torch.randn(m.num_features, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=gen))
                m.weight.copy_(0.5 + torch.rand(m.num_features, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.num_features, generator=gen))


def tensor_file(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def export(name, model, item_shape, opset):
    folder = os.path.join(OUT, name)
    os.makedirs(os.path.join(folder, "test_data_set_0"), exist_ok=True)
    gen = torch.Generator().manual_seed(1234)
    x = torch.randn((2,) + item_shape, generator=gen)
    model.eval()
    with torch.no_grad():
        y = model(x)
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    tensor_file(os.path.join(folder, "test_data_set_0", "input_0.pb"), x.numpy(), "input")
    tensor_file(os.path.join(folder, "test_data_set_0", "output_0.pb"), y.numpy(), "output")
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print("%-16s opset %2d  %7d bytes  %s" % (name, opset, os.path.getsize(path), " ".join(ops)))


def main():
    # PRESERVE with a model in eval mode is eval: torch's advice about training-mode folding does not apply.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    torch.manual_seed(0)
    lenet = LeNet()
    export("lenet", lenet, (1, 28, 28), 13)
    export("lenet_opset7", lenet, (1, 28, 28), 7)
    torch.manual_seed(1)
    resnet = ResidualNet()
    randomise_batch_norm(resnet, torch.Generator().manual_seed(2))
    export("residual", resnet, (3, 16, 16), 13)
    export("residual_opset9", resnet, (3, 16, 16), 9)
    torch.manual_seed(3)
    inception = InceptionNet()
    randomise_batch_norm(inception, torch.Generator().manual_seed(4))
    export("inception", inception, (3, 16, 16), 13)


if __name__ == "__main__":
    sys.exit(main())
