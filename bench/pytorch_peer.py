#!/usr/bin/env python3
"""PyTorch CPU peer for bench/run: trains and infers the same networks on the same synthetic batches.

Prints one JSON object per line: {"model", "size", "batch", "train", "infer"} (images/s, median of timed
iterations after warm-up), with SGD + momentum 0.9 like TemplateLab's bench. Debian's python3-torch
(1.13) defaults to ONE intra-op thread on these machines, so the thread count is set explicitly.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision


def conv_bn_relu(cin, cout, k, s=1, p=None, bias=True):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2 if p is None else p, bias=bias),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Mixed(nn.Module):
    """BN-Inception / Inception-v2 module: 1x1 | reduce->3x3 | reduce->3x3->3x3 | pool->proj."""

    def __init__(self, cin, b0, b1a, b1b, b2a, b2b, pool, b3, stride=1, bias=True):
        super().__init__()
        self.stride = stride
        self.b0 = conv_bn_relu(cin, b0, 1, bias=bias) if stride == 1 else None
        self.b1 = nn.Sequential(conv_bn_relu(cin, b1a, 1, bias=bias), conv_bn_relu(b1a, b1b, 3, stride, bias=bias))
        self.b2 = nn.Sequential(conv_bn_relu(cin, b2a, 1, bias=bias), conv_bn_relu(b2a, b2b, 3, bias=bias),
                                conv_bn_relu(b2b, b2b, 3, stride, bias=bias))
        if stride == 2:
            self.b3 = nn.MaxPool2d(3, 2, ceil_mode=True)
        else:
            p = nn.AvgPool2d(3, 1, 1) if pool == "avg" else nn.MaxPool2d(3, 1, 1)
            self.b3 = nn.Sequential(p, conv_bn_relu(cin, b3, 1, bias=bias))

    def forward(self, x):
        outs = [self.b1(x), self.b2(x), self.b3(x)]
        if self.b0 is not None:
            outs.insert(0, self.b0(x))
        return torch.cat(outs, 1)


def inception(table, stem, bias, num_classes=1000):
    layers, cin = [stem], 192
    for row in table:
        name, args = row[0], row[1:]
        if name == "red":
            b1a, b1b, b2a, b2b = args
            layers.append(Mixed(cin, 0, b1a, b1b, b2a, b2b, "max", 0, stride=2, bias=bias))
            cin = b1b + b2b + cin
        else:
            b0, b1a, b1b, b2a, b2b, pool, b3 = args
            layers.append(Mixed(cin, b0, b1a, b1b, b2a, b2b, pool, b3, bias=bias))
            cin = b0 + b1b + b2b + b3
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes))


BN_INCEPTION = [("mod", 64, 64, 64, 64, 96, "avg", 32), ("mod", 64, 64, 96, 64, 96, "avg", 64),
                ("red", 128, 160, 64, 96), ("mod", 224, 64, 96, 96, 128, "avg", 128),
                ("mod", 192, 96, 128, 96, 128, "avg", 128), ("mod", 160, 128, 160, 128, 160, "avg", 128),
                ("mod", 96, 128, 192, 160, 192, "avg", 128), ("red", 128, 192, 192, 256),
                ("mod", 352, 192, 320, 160, 224, "avg", 128), ("mod", 352, 192, 320, 192, 224, "max", 128)]
INCEPTION_V2 = [("mod", 64, 64, 64, 64, 96, "avg", 32), ("mod", 64, 64, 96, 64, 96, "avg", 64),
                ("red", 128, 160, 64, 96), ("mod", 224, 64, 96, 96, 128, "avg", 128),
                ("mod", 192, 96, 128, 96, 128, "avg", 128), ("mod", 160, 128, 160, 128, 160, "avg", 96),
                ("mod", 96, 128, 192, 160, 192, "avg", 96), ("red", 128, 192, 192, 256),
                ("mod", 352, 192, 320, 160, 224, "avg", 128), ("mod", 352, 192, 320, 192, 224, "max", 128)]


def bn_inception():
    stem = nn.Sequential(conv_bn_relu(3, 64, 7, 2), nn.MaxPool2d(3, 2, ceil_mode=True),
                         conv_bn_relu(64, 64, 1), conv_bn_relu(64, 192, 3), nn.MaxPool2d(3, 2, ceil_mode=True))
    return inception(BN_INCEPTION, stem, bias=True)


def inception_v2():
    stem = nn.Sequential(nn.Conv2d(3, 24, 7, 2, 3, groups=3, bias=False), nn.Conv2d(24, 64, 1, bias=False),
                         nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
                         conv_bn_relu(64, 64, 1, bias=False), conv_bn_relu(64, 192, 3, bias=False),
                         nn.MaxPool2d(3, 2, 1))
    return inception(INCEPTION_V2, stem, bias=False)


MODELS = {
    "resnet50": lambda: torchvision.models.resnet50(),
    "resnext50_32x4d": lambda: torchvision.models.resnext50_32x4d(),
    "googlenet": lambda: torchvision.models.googlenet(aux_logits=False, init_weights=True),
    "bn_inception": bn_inception,
    "inception_v2": inception_v2,
}


def median_seconds(step, warmup, iterations):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def gemm(n, warmup, iterations, device="cpu"):
    """Practical float32 peak: GFLOP/s of an n x n x n matrix product."""
    a = torch.rand(n, n, device=device)
    b = torch.rand(n, n, device=device)
    c = torch.empty(n, n, device=device)

    def step():
        torch.mm(a, b, out=c)
        sync(device)
    return {"gemm": n, "gflops": round(2.0 * n ** 3 / median_seconds(step, warmup, iterations) / 1e9, 1),
            "device": device, "threads": torch.get_num_threads(), "torch": torch.__version__}


def measure(name, size, batch, warmup, iterations, device="cpu"):
    torch.manual_seed(42)
    model = MODELS[name]().to(device)
    x = torch.rand(batch, 3, size, size, device=device)
    y = (torch.arange(batch) % 1000).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
        sync(device)

    def infer_step():
        model(x)
        sync(device)

    model.train()
    train = batch / median_seconds(train_step, warmup, iterations)
    model.eval()
    with torch.no_grad():
        infer = batch / median_seconds(infer_step, warmup, iterations)
    return {"model": name, "size": size, "batch": batch, "train": round(train, 3), "infer": round(infer, 3),
            "threads": torch.get_num_threads(), "torch": torch.__version__, "device": device}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--gemm", type=int, help="only measure an N x N x N float32 matrix product (GFLOP/s)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    args = parser.parse_args()
    if args.warmup < 0 or args.iterations < 1:
        sys.exit("pytorch_peer: --warmup must be at least 0 and --iterations at least 1")
    torch.set_num_threads(os.cpu_count())
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True      # what a GPU user runs: cuDNN picks its fastest kernels
    if args.gemm:
        print(json.dumps(gemm(args.gemm, args.warmup, args.iterations, args.device)), flush=True)
        return
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name}; known: {', '.join(MODELS)}")
        print(json.dumps(measure(name, args.size, args.batch, args.warmup, args.iterations, args.device)), flush=True)


if __name__ == "__main__":
    main()
