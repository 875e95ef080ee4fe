#!/usr/bin/env python3
"""PyTorch side of TemplateLab's weight-import parity checks.

Builds one of the published networks with random weights (and non-trivial batch-norm statistics), saves
its state dict as safetensors (written here, byte for byte to the format) or npz, saves a fixed input
batch and the network's eval-mode logits:

    /usr/bin/python3 torch_reference.py --model resnet50 --sizes 224,75 --batch 2 --out DIR [--format npz]

writes DIR/weights.safetensors (or .npz) and, per size S, DIR/input_S.npy (NCHW float32) and
DIR/logits_S.npy (float32).
--weights-only writes only the weights file.

Models: torchvision's resnet50 and resnext50_32x4d; BN-Inception with the layer names, paddings, ceil-mode
pools and count_include_pad average pools of Cadene's pretrainedmodels port; Inception-v2 in TF-slim's
layout (SAME padding, separable stem with depth multiplier 8, BN eps 1e-3 without scale, average pools
that exclude padding) with TF-slim's scope names, the mapping TemplateLab documents.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


# --- BN-Inception, Cadene's names and layout -------------------------------------------------------

BN_INCEPTION = [("3a", 64, 64, 64, 64, 96, "avg", 32), ("3b", 64, 64, 96, 64, 96, "avg", 64),
                ("3c", 128, 160, 64, 96), ("4a", 224, 64, 96, 96, 128, "avg", 128),
                ("4b", 192, 96, 128, 96, 128, "avg", 128), ("4c", 160, 128, 160, 128, 160, "avg", 128),
                ("4d", 96, 128, 192, 160, 192, "avg", 128), ("4e", 128, 192, 192, 256),
                ("5a", 352, 192, 320, 160, 224, "avg", 128), ("5b", 352, 192, 320, 192, 224, "max", 128)]


class BNInception(nn.Module):
    """Cadene's bninception: conv (with bias) -> BN (eps 1e-5) -> ReLU, Caffe ceil-mode max pools."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.units = []
        self.unit("conv1_7x7_s2", 3, 64, 7, 2)
        self.unit("conv2_3x3_reduce", 64, 64, 1, 1)
        self.unit("conv2_3x3", 64, 192, 3, 1)
        self.modules_ = []
        cin = 192
        for row in BN_INCEPTION:
            name = "inception_" + row[0]
            if len(row) == 5:
                _, r3, c3, rd, cd = row
                self.unit(name + "_3x3_reduce", cin, r3, 1, 1)
                self.unit(name + "_3x3", r3, c3, 3, 2)
                self.unit(name + "_double_3x3_reduce", cin, rd, 1, 1)
                self.unit(name + "_double_3x3_1", rd, cd, 3, 1)
                self.unit(name + "_double_3x3_2", cd, cd, 3, 2)
                self.modules_.append((name, 2, None))
                cin = c3 + cd + cin
            else:
                _, c1, r3, c3, rd, cd, pool, proj = row
                self.unit(name + "_1x1", cin, c1, 1, 1)
                self.unit(name + "_3x3_reduce", cin, r3, 1, 1)
                self.unit(name + "_3x3", r3, c3, 3, 1)
                self.unit(name + "_double_3x3_reduce", cin, rd, 1, 1)
                self.unit(name + "_double_3x3_1", rd, cd, 3, 1)
                self.unit(name + "_double_3x3_2", cd, cd, 3, 1)
                self.unit(name + "_pool_proj", cin, proj, 1, 1)
                self.modules_.append((name, 1, pool))
                cin = c1 + c3 + cd + proj
        self.last_linear = nn.Linear(cin, num_classes)

    def unit(self, name, cin, cout, k, s):
        setattr(self, name, nn.Conv2d(cin, cout, k, s, k // 2, bias=True))
        setattr(self, name + "_bn", nn.BatchNorm2d(cout, eps=1e-5))

    def u(self, name, x):
        return F.relu(getattr(self, name + "_bn")(getattr(self, name)(x)))

    def forward(self, x):
        x = F.max_pool2d(self.u("conv1_7x7_s2", x), 3, 2, ceil_mode=True)
        x = self.u("conv2_3x3", self.u("conv2_3x3_reduce", x))
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        for name, stride, pool in self.modules_:
            b3 = self.u(name + "_3x3", self.u(name + "_3x3_reduce", x))
            bd = self.u(name + "_double_3x3_2", self.u(name + "_double_3x3_1", self.u(name + "_double_3x3_reduce", x)))
            if stride == 2:
                x = torch.cat([b3, bd, F.max_pool2d(x, 3, 2, ceil_mode=True)], 1)
            else:
                p = (F.avg_pool2d(x, 3, 1, 1, ceil_mode=True, count_include_pad=True) if pool == "avg"
                     else F.max_pool2d(x, 3, 1, 1, ceil_mode=True))
                x = torch.cat([self.u(name + "_1x1", x), b3, bd, self.u(name + "_pool_proj", p)], 1)
        # Cadene: AvgPool2d(7) at 224 px, i.e. the global average; adaptive so smaller inputs work too.
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.last_linear(x)


# --- Inception-v2, TF-slim layout and scope names -----------------------------------------------------

def same_pad(x, k, s, value=0.0):
    """TensorFlow SAME padding: total (ceil(in/s)-1)*s+k-in, the extra row/column at the bottom/right."""
    h, w = x.shape[2], x.shape[3]
    ph = max(0, (-(-h // s) - 1) * s + k - h)
    pw = max(0, (-(-w // s) - 1) * s + k - w)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


class SlimUnit(nn.Module):
    """slim.conv2d with the Inception arg scope: conv (no bias), BN (eps 1e-3, no scale), ReLU; SAME padding."""

    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.k, self.s = k, s
        self.conv = nn.Conv2d(cin, cout, k, s, 0, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)
        self.bn.weight.requires_grad_(False)     # scale=False: gamma stays 1

    def forward(self, x):
        return F.relu(self.bn(self.conv(same_pad(x, self.k, self.s))))


class SlimSeparableStem(nn.Module):
    """Conv2d_1a_7x7: separable_conv2d(64, [7, 7], depth_multiplier=8, stride=2), then BN + ReLU."""

    def __init__(self):
        super().__init__()
        self.depthwise = nn.Conv2d(3, 24, 7, 2, 0, groups=3, bias=False)
        self.pointwise = nn.Conv2d(24, 64, 1, bias=False)
        self.bn = nn.BatchNorm2d(64, eps=1e-3)
        self.bn.weight.requires_grad_(False)

    def forward(self, x):
        return F.relu(self.bn(self.pointwise(self.depthwise(same_pad(x, 7, 2)))))


V2_MODULES = [("Mixed_3b", 64, 64, 64, 64, 96, "avg", 32), ("Mixed_3c", 64, 64, 96, 64, 96, "avg", 64),
              ("Mixed_4a", 128, 160, 64, 96), ("Mixed_4b", 224, 64, 96, 96, 128, "avg", 128),
              ("Mixed_4c", 192, 96, 128, 96, 128, "avg", 128), ("Mixed_4d", 160, 128, 160, 128, 160, "avg", 96),
              ("Mixed_4e", 96, 128, 192, 160, 192, "avg", 96), ("Mixed_5a", 128, 192, 192, 256),
              ("Mixed_5b", 352, 192, 320, 160, 224, "avg", 128), ("Mixed_5c", 352, 192, 320, 192, 224, "max", 128)]


class SlimMixed(nn.Module):
    def __init__(self, cin, row):
        super().__init__()
        if len(row) == 5:
            _, r3, c3, rd, cd = row
            self.stride = 2
            self.Branch_0 = nn.ModuleDict({"Conv2d_0a_1x1": SlimUnit(cin, r3, 1, 1), "Conv2d_1a_3x3": SlimUnit(r3, c3, 3, 2)})
            self.Branch_1 = nn.ModuleDict({"Conv2d_0a_1x1": SlimUnit(cin, rd, 1, 1), "Conv2d_0b_3x3": SlimUnit(rd, cd, 3, 1),
                                           "Conv2d_1a_3x3": SlimUnit(cd, cd, 3, 2)})
            self.out = c3 + cd + cin
        else:
            _, c1, r3, c3, rd, cd, pool, proj = row
            self.stride, self.pool = 1, pool
            self.Branch_0 = nn.ModuleDict({"Conv2d_0a_1x1": SlimUnit(cin, c1, 1, 1)})
            self.Branch_1 = nn.ModuleDict({"Conv2d_0a_1x1": SlimUnit(cin, r3, 1, 1), "Conv2d_0b_3x3": SlimUnit(r3, c3, 3, 1)})
            self.Branch_2 = nn.ModuleDict({"Conv2d_0a_1x1": SlimUnit(cin, rd, 1, 1), "Conv2d_0b_3x3": SlimUnit(rd, cd, 3, 1),
                                           "Conv2d_0c_3x3": SlimUnit(cd, cd, 3, 1)})
            self.Branch_3 = nn.ModuleDict({"Conv2d_0b_1x1": SlimUnit(cin, proj, 1, 1)})
            self.out = c1 + c3 + cd + proj

    @staticmethod
    def seq(branch, x):
        for unit in branch.values():
            x = unit(x)
        return x

    def forward(self, x):
        if self.stride == 2:
            pool = F.max_pool2d(same_pad(x, 3, 2, float("-inf")), 3, 2)
            return torch.cat([self.seq(self.Branch_0, x), self.seq(self.Branch_1, x), pool], 1)
        if self.pool == "avg":       # TF's SAME average pool divides by the real pixels only
            pool = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        else:
            pool = F.max_pool2d(x, 3, 1, 1)
        return torch.cat([self.seq(self.Branch_0, x), self.seq(self.Branch_1, x), self.seq(self.Branch_2, x),
                          self.seq(self.Branch_3, pool)], 1)


class InceptionV2(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.Conv2d_1a_7x7 = SlimSeparableStem()
        self.Conv2d_2b_1x1 = SlimUnit(64, 64, 1, 1)
        self.Conv2d_2c_3x3 = SlimUnit(64, 192, 3, 1)
        cin = 192
        for row in V2_MODULES:
            m = SlimMixed(cin, row)
            setattr(self, row[0], m)
            cin = m.out
        self.Logits = nn.ModuleDict({"Conv2d_1c_1x1": nn.Conv2d(cin, num_classes, 1, bias=True)})

    def forward(self, x):
        x = self.Conv2d_1a_7x7(x)
        x = F.max_pool2d(same_pad(x, 3, 2, float("-inf")), 3, 2)          # MaxPool_2a_3x3
        x = self.Conv2d_2c_3x3(self.Conv2d_2b_1x1(x))
        x = F.max_pool2d(same_pad(x, 3, 2, float("-inf")), 3, 2)          # MaxPool_3a_3x3
        for row in V2_MODULES:
            x = getattr(self, row[0])(x)
        x = F.adaptive_avg_pool2d(x, 1)                                     # AvgPool_1a (global)
        return self.Logits["Conv2d_1c_1x1"](x).flatten(1)                  # dropout is off in eval mode


MODELS = {
    "resnet50": lambda: torchvision.models.resnet50(),
    "resnext50_32x4d": lambda: torchvision.models.resnext50_32x4d(),
    "bninception": BNInception,
    "inception_v2": InceptionV2,
}


def randomize(model, seed):
    """Random weights with realistic, non-trivial batch-norm statistics: accumulate the running mean/var of a
    few train-mode passes, then draw random scales and shifts, so a wrong BN mapping changes the logits."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = None          # cumulative average over the passes below
        bn.reset_running_stats()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(4, 3, 96, 96, generator=g) * 2 - 1)
        for bn in bns:
            if bn.weight.requires_grad:
                bn.weight.copy_(0.5 + torch.rand(bn.weight.shape, generator=g))
            bn.bias.copy_(0.2 * torch.randn(bn.bias.shape, generator=g))
            bn.running_var.mul_(0.5 + torch.rand(bn.running_var.shape, generator=g))
    model.eval()


def save_safetensors(tensors, path):
    """The safetensors format written directly: u64 header length, JSON header, raw little-endian data."""
    codes = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors.items():
        data = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": codes[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--sizes", default="224", help="comma-separated input sizes")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--format", choices=["safetensors", "npz"], default="safetensors")
    parser.add_argument("--dtype", choices=["float32", "float16"], default="float32",
                        help="storage type of floating-point tensors in the weights file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weights-only", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(args.seed)
    model = MODELS[args.model]()
    randomize(model, args.seed)
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    if args.dtype == "float16":
        state = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in state.items()}
        with torch.no_grad():       # the reference computes with exactly the stored (rounded) values
            model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) if v.dtype == np.float16
                                   else torch.from_numpy(v) for k, v in state.items()})
    os.makedirs(args.out, exist_ok=True)
    if args.format == "npz":
        np.savez(os.path.join(args.out, "weights.npz"), **state)
    else:
        save_safetensors(state, os.path.join(args.out, "weights.safetensors"))
    if args.weights_only:
        return
    for size in (int(s) for s in args.sizes.split(",")):
        x = torch.rand(args.batch, 3, size, size, generator=torch.Generator().manual_seed(args.seed + size)) * 2 - 1
        with torch.no_grad():
            logits = model(x)
        np.save(os.path.join(args.out, f"input_{size}.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(args.out, f"logits_{size}.npy"), logits.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
