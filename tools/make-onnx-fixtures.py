#!/usr/bin/env python3
"""Makes the ONNX importer's test fixtures (Tests/SparseCNNTests/Fixtures/onnx/, docs/onnx.md).

Test-only: the main commands never need Python. Needs PyTorch, onnx, onnxscript and onnxruntime:

    python -m pip install torch onnx onnxscript onnxruntime
    python tools/make-onnx-fixtures.py [OUT_DIR]

Two tiny models, each with seeded weights and non-trivial batch-norm statistics:

- resnet-tiny: conv+BN+ReLU, 3x3/2 max pool, a basic block, a stride-2 block with a projection
  shortcut (1x1/2 conv + BN), global average pool, flatten, fc. Exported with PyTorch's TorchScript
  exporter without constant folding, so the BatchNormalization nodes stay in the graph (the
  importer folds them).
- host-tiny: the host ops of mobile detectors such as PP-OCR's (docs/onnx.md, "Host ops"): HardSwish
  (as the op and written out), depthwise convs + BN, squeeze-and-excitation (HardSigmoid, Mul by a
  vector), ReLU6 and an affine map, a 2x2/2 ConvTranspose + BN, Concat, Sigmoid. TorchScript exporter.
- ops-tiny: convs only the host runs (no padding, grouped, dilated, 4x4/2, 1x3), bilinear and nearest
  upsampling, Sub and Div of two maps. TorchScript exporter.
- sr-tiny: 5x5 head + PReLU, a residual block, the global skip, conv + PixelShuffle (DepthToSpace)
  + PReLU, tail conv plus the 2x nearest-upsampled input (Resize). Exported with PyTorch's dynamo
  exporter, the other graph style.

For each model NAME it writes:
  NAME.onnx             the model (input [1, 3, 32, 32])
  NAME.input.npy        the fixed input, float32 [32, 32, 3] (HWC, SparseTile's layout), in [0, 1)
  NAME.expected.npy     onnxruntime's float output: [H, W, C] for a map, [N] for a vector
  NAME.json             the same network written directly in SparseTile's JSON schema (not host-tiny)
  NAME.weights/         its weights in the --weights layout, batch norm folded here in float32
                        with the importer's formula and operation order, s = gamma / sqrt(var + eps),
                        w' = w * s, b' = (b - mean) * s + beta, so that both int8 paths get the
                        same float32 weights bit for bit
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNetTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(4, 4, 1))
        self.layer2 = nn.Sequential(BasicBlock(4, 8, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SRTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(3, 4, 5, 1, 2)
        self.head_act = nn.PReLU()
        self.body_conv1 = nn.Conv2d(4, 4, 3, 1, 1)
        self.body_act = nn.PReLU()
        self.body_conv2 = nn.Conv2d(4, 4, 3, 1, 1)
        self.up = nn.Conv2d(4, 16, 3, 1, 1)
        self.shuffle = nn.PixelShuffle(2)
        self.up_act = nn.PReLU()
        self.tail = nn.Conv2d(4, 3, 3, 1, 1)

    def forward(self, x):
        h = self.head_act(self.head(x))
        y = self.body_conv2(self.body_act(self.body_conv1(h))) + h
        y = self.up_act(self.shuffle(self.up(y)))
        return self.tail(y) + F.interpolate(x, scale_factor=2, mode="nearest")


class HostTiny(nn.Module):
    """The host ops of mobile detectors (PP-OCR's PP-LCNet backbone, DB head) around accelerator convs."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False)
        self.dw_bn = nn.BatchNorm2d(8)
        self.se1 = nn.Conv2d(8, 2, 1)
        self.se2 = nn.Conv2d(2, 8, 1)
        self.pw = nn.Conv2d(8, 8, 1)
        self.dw2 = nn.Conv2d(8, 8, 5, 2, 2, groups=8)
        self.up = nn.ConvTranspose2d(8, 4, 2, 2)
        self.up_bn = nn.BatchNorm2d(4)
        self.head = nn.Conv2d(12, 1, 3, 1, 1)

    def forward(self, x):
        y = F.hardswish(self.stem_bn(self.stem(x)))                # HardSwish
        z = self.dw_bn(self.dw(y))                                 # depthwise conv + BN
        z = z * torch.clamp(z + 3, 0, 6) / 6                       # hard swish written out (Add, Clip, Mul, Div)
        se = F.hardsigmoid(self.se2(F.relu(self.se1(F.adaptive_avg_pool2d(z, 1)))))
        z = z * se                                                 # squeeze-and-excitation: Mul by a vector
        p = F.relu6(self.pw(z)) * 0.5 + 0.1                        # Clip, then an affine map (Mul, Add)
        u = F.relu(self.up_bn(self.up(self.dw2(p))))               # depthwise 5x5/2, ConvTranspose 2x2/2 + BN
        return torch.sigmoid(self.head(torch.cat([p, u], 1)))      # Concat, Sigmoid


class OpsTiny(nn.Module):
    """Convs the accelerator has no form for (on the host), bilinear upsampling, Sub and Div of maps."""

    def __init__(self):
        super().__init__()
        self.valid = nn.Conv2d(3, 4, 3)                            # no padding: 32 -> 30
        self.grouped = nn.Conv2d(4, 6, 3, 1, 1, groups=2)
        self.dilated = nn.Conv2d(6, 6, 3, 1, 2, dilation=2)
        self.even = nn.Conv2d(6, 4, 4, 2, 1)                       # 4x4/2: 30 -> 15
        self.wide = nn.Conv2d(4, 4, (1, 3), 1, (0, 1))             # 1x3
        self.out = nn.Conv2d(4, 3, 3, 1, 1)                        # the accelerator's

    def forward(self, x):
        d = self.even(self.dilated(F.relu(self.grouped(self.valid(x)))))
        u = F.interpolate(d, scale_factor=2, mode="bilinear", align_corners=False)
        n = F.interpolate(d, scale_factor=2, mode="nearest")
        return self.out(self.wide((u - n) / (1.5 + torch.sigmoid(n))))


def randomize_batch_norm(model, gen):
    """Trained-looking statistics: an untrained BN (mean 0, var 1, gamma 1, beta 0) folds to almost nothing."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5, generator=gen)
                m.running_var.uniform_(0.5, 2.0, generator=gen)
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)


def fold(conv, bn):
    """Batch norm folded into the conv before it, float32, the importer's formula and order."""
    w = conv.weight.detach().numpy().astype(np.float32)
    b = conv.bias.detach().numpy().astype(np.float32) if conv.bias is not None else np.zeros(w.shape[0], np.float32)
    if bn is None:
        return w, b
    gamma, beta = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    s = gamma / np.sqrt(var + np.float32(bn.eps))
    return (w * s[:, None, None, None]).astype(np.float32), ((b - mean) * s + beta).astype(np.float32)


def save(directory, name, array):
    np.save(os.path.join(directory, name), np.ascontiguousarray(array, dtype=np.float32))


def resnet_direct(m, wdir):
    convs = [("conv1", m.conv1, m.bn1), ("layer1.0.conv1", m.layer1[0].conv1, m.layer1[0].bn1),
             ("layer1.0.conv2", m.layer1[0].conv2, m.layer1[0].bn2), ("layer2.0.conv1", m.layer2[0].conv1, m.layer2[0].bn1),
             ("layer2.0.downsample.0", m.layer2[0].downsample[0], m.layer2[0].downsample[1]),
             ("layer2.0.conv2", m.layer2[0].conv2, m.layer2[0].bn2)]
    for name, conv, bn in convs:
        w, b = fold(conv, bn)
        save(wdir, f"{name}.weight.npy", w)
        save(wdir, f"{name}.bias.npy", b)
    save(wdir, "fc.weight.npy", m.fc.weight.detach().numpy())
    save(wdir, "fc.bias.npy", m.fc.bias.detach().numpy())
    return {"name": "resnet-tiny", "inputChannels": 3, "inputSize": [SIZE, SIZE], "layers": [
        {"op": "conv", "name": "conv1", "out": 4, "kernel": 3, "activation": "relu"},
        {"op": "maxpool", "name": "maxpool", "kernel": 3, "stride": 2, "padding": 1},
        {"op": "conv", "name": "layer1.0.conv1", "out": 4, "kernel": 3, "activation": "relu"},
        {"op": "conv", "name": "layer1.0.conv2", "out": 4, "kernel": 3, "residual": "maxpool", "activation": "relu"},
        {"op": "conv", "name": "layer2.0.conv1", "out": 8, "kernel": 3, "stride": 2, "activation": "relu"},
        {"op": "conv", "name": "layer2.0.downsample.0", "from": "layer1.0.conv2", "out": 8, "kernel": 1, "stride": 2},
        {"op": "conv", "name": "layer2.0.conv2", "from": "layer2.0.conv1", "out": 8, "kernel": 3,
         "residual": "layer2.0.downsample.0", "activation": "relu"},
        {"op": "gap", "name": "avgpool"},
        {"op": "fc", "name": "fc", "out": 10},
    ]}


def sr_direct(m, wdir):
    for name in ["head", "body_conv1", "body_conv2", "up", "tail"]:
        w, b = fold(getattr(m, name), None)
        save(wdir, f"{name}.weight.npy", w)
        save(wdir, f"{name}.bias.npy", b)
    save(wdir, "head.prelu.npy", m.head_act.weight.detach().numpy())
    save(wdir, "body_conv1.prelu.npy", m.body_act.weight.detach().numpy())
    save(wdir, "up_act.prelu.npy", m.up_act.weight.detach().numpy())
    return {"name": "sr-tiny", "inputChannels": 3, "inputSize": [SIZE, SIZE], "layers": [
        {"op": "conv", "name": "head", "out": 4, "kernel": 5, "activation": "prelu"},
        {"op": "conv", "name": "body_conv1", "out": 4, "kernel": 3, "activation": "prelu"},
        {"op": "conv", "name": "body_conv2", "out": 4, "kernel": 3, "residual": "head"},
        {"op": "conv", "name": "up", "out": 16, "kernel": 3},
        {"op": "pixelshuffle", "name": "shuffle", "factor": 2},
        {"op": "prelu", "name": "up_act"},
        {"op": "upsample", "name": "skip", "from": "input", "factor": 2},
        {"op": "conv", "name": "tail", "from": "up_act", "out": 3, "kernel": 3, "residual": "skip"},
    ]}


def make(out, name, model, direct, exporter):
    model.eval()
    path = os.path.join(out, f"{name}.onnx")
    x = torch.from_numpy(np.random.default_rng(7).random((1, 3, SIZE, SIZE), dtype=np.float32))
    with torch.no_grad():
        if exporter == "torchscript":
            # (constant folding would fold the batch norms away; the importer is to fold them)
            torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17, do_constant_folding=False,
                              input_names=["input"], output_names=["output"])
        else:
            torch.onnx.export(model, (x,), path, dynamo=True, opset_version=18, input_names=["input"], output_names=["output"],
                              external_data=False)
    onnx.checker.check_model(onnx.load(path))
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    with torch.no_grad():
        ref = model(x).numpy()
    print(f"{name}: onnxruntime vs PyTorch max |diff| {np.abs(y - ref).max():.3g}; ops",
          sorted({n.op_type for n in onnx.load(path).graph.node}))
    save(out, f"{name}.input.npy", x.numpy()[0].transpose(1, 2, 0))
    save(out, f"{name}.expected.npy", y[0].transpose(1, 2, 0) if y.ndim == 4 else y[0])
    if direct is None:
        return
    wdir = os.path.join(out, f"{name}.weights")
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(direct(model, wdir), f, indent=1)
        f.write("\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "SparseCNNTests", "Fixtures", "onnx")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    resnet = ResNetTiny()
    randomize_batch_norm(resnet, gen)
    make(out, "resnet-tiny", resnet, resnet_direct, "torchscript")
    torch.manual_seed(1)
    sr = SRTiny()
    with torch.no_grad():
        # distinct slopes, so that a slope applied to the wrong layer shows
        sr.head_act.weight.fill_(0.2)
        sr.body_act.weight.fill_(0.1)
        sr.up_act.weight.fill_(0.3)
    make(out, "sr-tiny", sr, sr_direct, "dynamo")
    torch.manual_seed(2)
    host = HostTiny()
    randomize_batch_norm(host, gen)
    # (host ops are not in the JSON schema: no direct network; its accelerator convs are checked by simulate)
    make(out, "host-tiny", host, None, "torchscript")
    torch.manual_seed(3)
    make(out, "ops-tiny", OpsTiny(), None, "torchscript")


if __name__ == "__main__":
    main()
