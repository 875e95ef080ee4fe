#!/usr/bin/env python3
"""Proves templatelab_torch.py (the PyTorch module `./templatelab export` writes) equal to TemplateLab's networks.

Mode 1, the five templates at width 1 (no exporter needed): each network is built with templatelab_torch from the
published layout's state dict (torch_reference.py: torchvision, Cadene, TF-slim names; EmbedNorm adds its head),
given random weights and realistic batch-norm statistics, saved as safetensors, imported with
`weights import`, and run on the same random batch with `infer`; square and non-square sizes (TF SAME pads
asymmetrically at odd sizes):

    python3 bench/parity/export_check.py --jar webui/target/templatelab.jar --work DIR [--templates A,B] [--full]

Mode 2, a real checkpoint through the exporter: `export` writes the safetensors file, templatelab_torch loads it,
and its logits are compared with `infer` on the checkpoint (at the checkpoint's size, plus --sizes):

    python3 bench/parity/export_check.py --jar JAR --work DIR --checkpoint FILE.tlckpt [--sizes 64,80x96]

The bar, per case: max |logit difference| < 1e-3 x max |logit| and the same arg-max on every image. One line per
case with the numbers; exit status 1 if any case fails, 2 on a usage error. --module picks another
templatelab_torch.py (default: the one in training's resources, or in mode 2 the one the export writes beside
the weights); --json prints the results as JSON too.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULE = os.path.join(ROOT, "training/src/main/resources/dev/templatelab/training/transfer/exports/templatelab_torch.py")

# template -> (torch_reference model, sizes: (height, width)); --full adds 224x224
CASES = {
    "MMClassification_ResNet_50_RSB_A1": ("resnet50", [(64, 64), (64, 80)]),
    "Clarifai_ResNext": ("resnext50_32x4d", [(64, 64), (80, 64)]),
    "Clarifai_InceptionBatchNorm": ("bninception", [(96, 96), (96, 128)]),
    "Clarifai_InceptionV2": ("inception_v2", [(75, 75), (75, 83)]),
    "Clarifai_InceptionTransferEmbedNorm": ("bninception", [(96, 96), (128, 96)]),
}
BAR = 1e-3


def load_module(path):
    spec = importlib.util.spec_from_file_location("templatelab_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def randomize(model, channels, seed):
    """Random weights with realistic batch-norm statistics (as torch_reference.randomize): the running mean/var of
    a few train-mode passes, then random scales and shifts, so a wrong BN mapping changes the logits."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = None
        bn.reset_running_stats()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(4, channels, 96, 96, generator=g) * 2 - 1)
        for bn in bns:
            bn.weight.copy_(0.5 + torch.rand(bn.weight.shape, generator=g))
            bn.bias.copy_(0.2 * torch.randn(bn.bias.shape, generator=g))
            bn.running_var.mul_(0.5 + torch.rand(bn.running_var.shape, generator=g))
    model.eval()


def exported_state(model):
    """The state dict as the exporter writes it: no num_batches_tracked, float32, contiguous."""
    return {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def java(args, *command):
    env = dict(os.environ, TEMPLATELAB_HOME=os.path.join(args.work, "home"))
    started = time.time()
    run = subprocess.run(["java", "-jar", args.jar, *command], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"templatelab {' '.join(command[:2])} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    return time.time() - started


def compare(tl, model, args, checkpoint, name, size, batch, seed):
    h, w = size
    x = torch.rand(batch, model.channels, h, w, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    tag = f"{name}_{h}x{w}"
    xin, yout = os.path.join(args.work, f"input_{tag}.npy"), os.path.join(args.work, f"logits_{tag}.npy")
    np.save(xin, x.numpy().astype(np.float32))
    java(args, "infer", "--checkpoint", checkpoint, "--input", xin, "--output", yout)
    expected = np.load(yout)
    with torch.no_grad():
        actual = model(x).numpy()
    if expected.shape != actual.shape:
        return {"case": tag, "ok": False, "error": f"shapes {expected.shape} (infer) vs {actual.shape} (torch)"}
    diff = float(np.abs(expected - actual).max())
    scale = float(np.abs(expected).max())
    same_top1 = bool((expected.argmax(1) == actual.argmax(1)).all())
    rel = diff / max(scale, 1e-30)
    return {"case": tag, "ok": rel < BAR and same_top1, "maxAbsDiff": diff, "maxAbsLogit": scale,
            "relDiff": rel, "top1Agree": same_top1}


def mode_templates(tl, args):
    sys.path.insert(0, HERE)
    import torch_reference as ref
    results = []
    templates = args.templates.split(",") if args.templates else list(CASES)
    for i, template in enumerate(templates):
        if template not in CASES:
            raise SystemExit(f"error: unknown template {template}; known: {', '.join(CASES)}")
        reference, sizes = CASES[template]
        if args.full:
            sizes = sizes + [(224, 224)]
        torch.manual_seed(args.seed + i)
        if reference.startswith("res"):
            net = ref.MODELS[reference]()
            net.fc = torch.nn.Linear(net.fc.in_features, args.classes)
        else:
            net = ref.MODELS[reference](num_classes=args.classes)
        state = net.state_dict()
        spec = {"numClasses": args.classes, "height": sizes[0][0], "width": sizes[0][1], "channels": 3,
                "widthMultiplier": 1.0, "embeddingSize": 256, "cosineScale": 16.0, "head": "SOFTMAX"}
        if template == "Clarifai_InceptionTransferEmbedNorm":
            g = torch.Generator().manual_seed(args.seed)
            features = state.pop("last_linear.weight").shape[1]
            state.pop("last_linear.bias")
            state["embedding.weight"] = torch.randn(256, features, generator=g) / features ** 0.5
            state["embedding.bias"] = 0.1 * torch.randn(256, generator=g)
            state["cosine_logits.weight"] = torch.randn(args.classes, 256, generator=g)
        model = tl.build(template, spec, state)
        randomize(model, 3, args.seed + i)
        # the head too (torchvision's fc and Cadene's last_linear start with small random weights already)
        model = tl.build(template, spec, exported_state(model))    # a round trip through build, as load does
        if template != "Clarifai_InceptionTransferEmbedNorm":       # same weights in torch_reference's network
            net.load_state_dict(model.state_dict())
            net.eval()
            x = torch.rand(2, 3, *sizes[0], generator=torch.Generator().manual_seed(1)) * 2 - 1
            with torch.no_grad():
                d = float((net(x) - model(x)).abs().max())
            print(f"     {template}: templatelab_torch vs torch_reference.py, max |diff| {d:.3g}")
            if d > 1e-4:
                raise SystemExit(f"error: templatelab_torch's {template} differs from torch_reference's by {d}")
        weights = os.path.join(args.work, f"{template}.safetensors")
        tl.write_safetensors(exported_state(model), weights)
        # read back with the module's own reader: what goes to Java is what load() reads
        back, _ = tl.read_safetensors(weights)
        assert all(torch.equal(back[k], v) for k, v in exported_state(model).items())
        checkpoint = os.path.join(args.work, f"{template}.tlckpt")
        java(args, "weights", "import", "--template", template, "--file", weights, "--name", f"check{i}",
             "--out", checkpoint, "--replace")
        for j, size in enumerate(sizes):
            r = compare(tl, model, args, checkpoint, template, size, args.batch, args.seed + 100 * i + j)
            r["template"] = template
            results.append(report(r))
    return results


def mode_checkpoint(tl, args):
    out = os.path.join(args.work, os.path.splitext(os.path.basename(args.checkpoint))[0] + ".safetensors")
    java(args, "export", "--checkpoint", args.checkpoint, "--out", out, "--overwrite")
    if tl is None:      # the module the jar ships, as written beside the export
        tl = load_module(os.path.join(os.path.dirname(out), "templatelab_torch.py"))
    model = tl.load(out)
    sizes = [(int(model.spec["height"]), int(model.spec["width"]))]
    for s in filter(None, (args.sizes or "").split(",")):
        h, _, w = s.partition("x")
        sizes.append((int(h), int(w or h)))
    results = []
    for j, size in enumerate(sizes):
        r = compare(tl, model, args, args.checkpoint, model.template, size, args.batch, args.seed + j)
        r.update(template=model.template, widthMultiplier=model.spec.get("widthMultiplier"),
                 channels=model.channels, head=model.head)
        results.append(report(r))
    return results


def report(r):
    if "error" in r:
        print(f"FAIL {r['case']}: {r['error']}")
    else:
        print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['case']}: max |diff| {r['maxAbsDiff']:.3g}, max |logit| "
              f"{r['maxAbsLogit']:.3g}, relative {r['relDiff']:.2g} (bar {BAR:g}), top-1 "
              f"{'agrees' if r['top1Agree'] else 'DIFFERS'}", flush=True)
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jar", required=True, help="webui/target/templatelab.jar")
    parser.add_argument("--work", required=True, help="folder for the files (created; TEMPLATELAB_HOME is DIR/home)")
    parser.add_argument("--module", help="templatelab_torch.py to check (default: mode 1 the one in training's "
                        "resources, mode 2 the one the export writes)")
    parser.add_argument("--templates", help="comma-separated subset (mode 1)")
    parser.add_argument("--full", action="store_true", help="also 224 px (mode 1; slow)")
    parser.add_argument("--checkpoint", help="mode 2: a checkpoint to export and compare")
    parser.add_argument("--sizes", help="mode 2: more input sizes, e.g. 64,80x96")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line, the last")
    args = parser.parse_args()
    if not os.path.isfile(args.jar):
        parser.error(f"no jar at {args.jar}")
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(os.cpu_count() or 1)
    tl = load_module(args.module or MODULE) if args.module or not args.checkpoint else None
    results = mode_checkpoint(tl, args) if args.checkpoint else mode_templates(tl, args)
    failed = [r["case"] for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)} of {len(results)} cases within the bar" + (": FAILED " + ", ".join(failed)
                                                                                       if failed else ""))
    if args.json:
        print(json.dumps(results))      # the last line
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
