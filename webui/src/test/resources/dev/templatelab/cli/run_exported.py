"""TorchExportCliTest's PyTorch side: runs exported models with the templatelab_torch.py written beside them.

    python3 run_exported.py JOBS.json RESULTS.json

JOBS.json: [{"weights": W.safetensors, "input": X.npy, "output": Y.npy, "images": [...], "top": K, "flips": bool}].
For each job, loads W with the module next to it, writes the logits of X to Y (float32), and records
predict()'s ranked (label, probability) lists for the images in RESULTS.json.
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch


def module_beside(weights):
    path = os.path.join(os.path.dirname(os.path.abspath(weights)), "templatelab_torch.py")
    spec = importlib.util.spec_from_file_location("templatelab_torch_" + str(abs(hash(path))), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(jobs_file, results_file):
    torch.set_num_threads(1)
    results = []
    for job in json.load(open(jobs_file)):
        tl = module_beside(job["weights"])
        model = tl.load(job["weights"])
        with torch.no_grad():
            logits = model(torch.from_numpy(np.load(job["input"])))
        np.save(job["output"], logits.numpy().astype(np.float32))
        ranked = tl.predict(model, job["images"], top=job["top"], flips=job.get("flips", False))
        results.append({"template": model.template, "labels": list(model.labels),
                        "predictions": [[{"label": l, "probability": float(p)} for l, p in r] for r in ranked]})
    json.dump(results, open(results_file, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
