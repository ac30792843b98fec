#!/usr/bin/env python3
"""Writes the state_dict key list (name, shape, dtype per line) and the parameter count of each
torchvision model that convnet4j builds, as small text fixtures for TorchvisionNamesTest.

Run from the repository root:  /usr/bin/python3 src/test/python/torchvision_keys.py
Needs torch and torchvision (Debian: apt-get install -y python3-torchvision). No weights are
downloaded: the models are built with random initialisation, only names and shapes are written.
"""
import os
import torch
import torchvision

OUT = os.path.join("src", "test", "resources", "io", "github", "convnet4j", "models")

MODELS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "resnet34": lambda: torchvision.models.resnet34(),
    "resnet50": lambda: torchvision.models.resnet50(),
    "vgg11": lambda: torchvision.models.vgg11(),
    "vgg16": lambda: torchvision.models.vgg16(),
    "vgg16_bn": lambda: torchvision.models.vgg16_bn(),
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=False, init_weights=False),
    "alexnet": lambda: torchvision.models.alexnet(),
}


class CifarResNet20(torch.nn.Module):
    """He et al. 2016 section 4.2, n = 3, with option B shortcuts (1x1 conv + BN where the width
    changes), named like torchvision's ResNet; written here independently of convnet4j."""

    def __init__(self, in_channels=3, classes=10):
        super().__init__()
        from torchvision.models.resnet import BasicBlock
        nn = torch.nn
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        inplanes = 16
        for stage, width in enumerate([16, 32, 64]):
            blocks = []
            for i in range(3):
                stride = 2 if stage > 0 and i == 0 else 1
                down = None
                if stride != 1 or inplanes != width:
                    down = nn.Sequential(nn.Conv2d(inplanes, width, 1, stride, bias=False), nn.BatchNorm2d(width))
                blocks.append(BasicBlock(inplanes, width, stride, down))
                inplanes = width
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, classes)


MODELS["resnet20_cifar"] = lambda: CifarResNet20(3, 10)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    for name, make in MODELS.items():
        model = make()
        params = sum(p.numel() for p in model.parameters())
        lines = ["# torchvision %s %s: %d parameters" % (torchvision.__version__, name, params)]
        for key, t in model.state_dict().items():
            shape = "x".join(str(d) for d in t.shape)
            lines.append("%s %s %s" % (key, shape if shape else "scalar", str(t.dtype).replace("torch.", "")))
        with open(os.path.join(OUT, name + ".keys.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(name, params)


if __name__ == "__main__":
    main()
