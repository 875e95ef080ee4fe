#!/usr/bin/env python3
"""TemplateLab vs PyTorch on this CPU: one table, ratios from one run.

For every template: trainable params, MACs, DL4J training and inference images/s (TemplateLab's default
fast path), and, when Debian's python3-torch is installed, the same numbers for the PyTorch peer network
run right after it with the same batch, input size and optimiser (SGD + momentum). The ResNet-50 row is
also measured on DL4J's stock path (helpers off) so the gain of the default is visible.

With --rounds R each template is measured R times, DL4J and PyTorch taking turns, and the table gives the
medians (the ratios' ranges too): on a shared machine whose speed drifts between runs one pair of measurements
can be off by 20 %, and the turns put both sides through the same drift.

Usage: bench/run [--sizes 224,64] [--batch 8] [--warmup 10] [--iterations 5] [--rounds 1] [--templates A,B] [--no-stock]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = {
    "MMClassification_ResNet_50_RSB_A1": "resnet50",
    "Clarifai_InceptionBatchNorm": "bn_inception",
    "Clarifai_InceptionV2": "inception_v2",
    "Clarifai_ResNext": "resnext50_32x4d",
    "Clarifai_InceptionTransferEmbedNorm": "bn_inception",
}
# Small CPU-sized experiments: 64 px at a quarter of the published width.
SMALL_MULTIPLIER = 0.25


def dl4j(template, size, batch, warmup, iterations, multiplier, stock=False, pipeline=False):
    env = dict(os.environ)
    opts = "-Xmx4g -Dorg.bytedeco.javacpp.maxbytes=12G -Dorg.bytedeco.javacpp.maxphysicalbytes=18G"
    if stock:
        opts += " -Dorg.eclipse.deeplearning4j.helpers.disable=true"
    env["TEMPLATELAB_JAVA_OPTS"] = opts
    out = subprocess.run([os.path.join(ROOT, "templatelab"), "bench", "--template", template, "--size", str(size),
                          "--batch", str(batch), "--warmup", str(warmup), "--iterations", str(iterations),
                          "--width-multiplier", str(multiplier), "--json"] + (["--pipeline"] if pipeline else []),
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_python():
    """Debian's python3-torch lives in the system interpreter, which may not be the first python3 on PATH."""
    for candidate in ["/usr/bin/python3", shutil.which("python3")]:
        if candidate and subprocess.run([candidate, "-c", "import torch, torchvision"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


def pytorch(python, model, size, batch, warmup, iterations):
    out = subprocess.run([python, os.path.join(ROOT, "bench", "pytorch_peer.py"), "--models", model,
                          "--size", str(size), "--batch", str(batch), "--warmup", str(warmup),
                          "--iterations", str(iterations)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def pytorch_gemm(python, n=2048):
    # two warm-ups, as ND4J's GEMM in `templatelab bench` (Throughput.gemmGflops): native code needs no more
    out = subprocess.run([python, os.path.join(ROOT, "bench", "pytorch_peer.py"), "--gemm", str(n), "--warmup", "2"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["gflops"]


def medians(results, keys):
    """The first result with each of `keys` replaced by its median over all results."""
    merged = dict(results[0])
    for key in keys:
        merged[key] = statistics.median(r[key] for r in results)
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="224,64")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed iterations first, on both sides (DL4J's JIT needs about eight training steps)")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each template this many times, DL4J and PyTorch taking turns; print medians")
    parser.add_argument("--templates", default=",".join(PEERS))
    parser.add_argument("--no-stock", action="store_true", help="skip the DL4J stock-path ResNet-50 row")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the input-pipeline measurement")
    parser.add_argument("--json", help="also write the raw rows to this file")
    args = parser.parse_args()
    if args.rounds < 1:
        sys.exit("bench: --rounds must be at least 1")
    if args.warmup < 0:
        sys.exit("bench: --warmup must be at least 0")

    if not os.path.exists(os.path.join(ROOT, "webui", "target", "templatelab.jar")):
        sys.exit("bench: build first: ./mvnw -DskipTests package")
    python = torch_python()
    if python is None:
        print("note: python3-torch not installed (apt-get install python3-torch python3-torchvision); "
              "PyTorch columns left empty", file=sys.stderr)

    rows = []
    # The CPU's practical peak: the fastest float32 GEMM of ND4J's BLAS, oneDNN's SGEMM (each DL4J run reports the
    # faster of those two as peakGflops) and PyTorch.
    torch_peak = pytorch_gemm(python) if python else None
    if torch_peak is not None and torch_peak < 20:
        # Debian's python3-torch does its matrix products (the classifier layers) on whatever libblas.so.3
        # points to: netlib's reference BLAS unless an optimised one is installed. That handicaps the peer.
        print(f"warning: PyTorch's 2048^3 GEMM runs at {torch_peak} GFLOP/s: libblas.so.3 is the reference BLAS; "
              "apt-get install -y libopenblas0-pthread for a fair peer", file=sys.stderr)
    header = (f"{'template':<36} {'size':>4} {'width':>5} {'params':>11} {'GMACs':>6} {'train/s':>8} {'infer/s':>8} "
              f"{'GFLOP/s':>7} {'%peak':>5} {'input/s':>7} | {'peer':<15} {'train/s':>8} {'infer/s':>8} {'%peak':>5} | "
              f"{'train x':>7} {'infer x':>7}")
    print(header)
    print("-" * len(header))
    for size in [int(s) for s in args.sizes.split(",")]:
        multiplier = 1.0 if size >= 224 else SMALL_MULTIPLIER
        runs = [(t, False) for t in args.templates.split(",")]
        if not args.no_stock and size >= 224:
            runs.append(("MMClassification_ResNet_50_RSB_A1", True))
        for template, stock in runs:
            peer = PEERS.get(template)
            turns = []
            for turn in range(args.rounds):
                d = dl4j(template, size, args.batch, args.warmup, args.iterations, multiplier, stock,
                         pipeline=turn == 0 and not stock and size >= 224 and not args.no_pipeline)
                p = (pytorch(python, peer, size, args.batch, args.warmup, args.iterations)
                     if python and peer and multiplier == 1.0 else None)
                turns.append((d, p))
            d = medians([t[0] for t in turns], ("train", "infer", "gflops", "peakGflops", "fractionOfPeak"))
            p = medians([t[1] for t in turns], ("train", "infer")) if turns[0][1] else None
            ratios = {key: [t[0][key] / t[1][key] for t in turns] for key in ("train", "infer")} if p else None
            peak = max(d["peakGflops"], torch_peak or 0)
            row = {"template": template + (" [stock DL4J]" if stock else ""), "dl4j": d, "pytorch": p,
                   "peakGflops": peak, "torchPeakGflops": torch_peak, "ratios": ratios,
                   "rounds": [{"dl4j": t[0], "pytorch": t[1]} for t in turns]}
            rows.append(row)
            fmt = lambda v: f"{v:8.2f}" if v is not None else f"{'-':>8}"
            ratio = lambda key: (f"{statistics.median(ratios[key]):7.2f}" + (
                f" ({min(ratios[key]):.2f}-{max(ratios[key]):.2f})" if args.rounds > 1 else "")) if ratios else f"{'-':>7}"
            pct = lambda gflops: f"{100 * gflops / peak:5.0f}" if gflops is not None else f"{'-':>5}"
            peer_gflops = 6.0 * d["macs"] * p["train"] / 1e9 if p else None
            pipe = d.get("pipeline", {}).get("oneThread")
            print(f"{row['template']:<36} {size:>4} {multiplier:>5.2f} {d['params']:>11,} {d['macs'] / 1e9:>6.2f} "
                  f"{fmt(d['train'])} {fmt(d['infer'])} {d['gflops']:>7.1f} {pct(d['gflops'])} "
                  f"{(f'{pipe:7.1f}' if pipe else '      -')} | {(peer if p else '-'):<15} "
                  f"{fmt(p['train'] if p else None)} {fmt(p['infer'] if p else None)} {pct(peer_gflops)} | "
                  f"{ratio('train')} {ratio('infer')}",
                  flush=True)
    by_library = rows[0]["dl4j"].get("peakGflopsByLibrary", {}) if rows else {}
    print(f"\nbatch {args.batch}, median of {args.iterations} timed iterations after {args.warmup} untimed ones, {os.cpu_count()} cores; "
          f"ratios are DL4J / PyTorch from this run (PyTorch peers only at published width)"
          + (f"; img/s and ratios are medians of {args.rounds} rounds, DL4J and PyTorch taking turns, ratio ranges "
             f"in brackets." if args.rounds > 1 else "."))
    print(f"peak: float32 2048^3 GEMM, ND4J's BLAS {by_library.get('nd4j')} GFLOP/s, oneDNN's SGEMM "
          f"{by_library.get('oneDnn')} GFLOP/s, PyTorch {torch_peak} GFLOP/s (first DL4J run); %peak = training GFLOP/s "
          f"(3 x forward MACs x 2) / the fastest of the three.")
    print("input/s: images/s the input pipeline delivers on ONE thread (decode a ~450x350 JPEG + the template's "
          "default training augmentation + resize), to compare with train/s.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
