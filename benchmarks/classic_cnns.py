#!/usr/bin/env python
"""The four ImageNet models of the notes: forward + backward with peak memory, and
ResNet-50 against a PyTorch ResNet-50 in the same run.

Part 1: AlexNet (227x227: its 9216-wide first FC layer needs 6x6x256, which a
224 input does not give), VGG-16 and ResNet-50 (224x224) and Inception v3
(299x299) each build in float32 and run one forward and one backward pass
on a batch of two images, each in its own process; reported: seconds of the
pass, the peak of NumPy's traced allocations during the pass (activations,
caches, gradients; ``tracemalloc``) and the process's peak resident memory
(parameters included).

Part 2: ResNet-50 forward + backward at batch 8 (224x224x3, float32), dlnotes
against PyTorch.  torchvision is not installable here (it would replace the
pinned torch), so the PyTorch model is written out in this file, with
torchvision's layout: bottleneck blocks with the stride on the 3x3
convolution, bias-free convolutions, batch norm, channels-last memory format.
It has 25,557,032 parameters (torchvision's count; dlnotes' Keras-style
ResNet-50 has biased convolutions and counts the running statistics,
25,636,712).  The two alternate, each block starting idle (0.3 s sleep); the
median of the repetitions is reported with their ratio, the CPU model and
the load average.

Usage::

    python benchmarks/classic_cnns.py [--part memory|resnet|all] [--reps 3] [--batch 8]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _machine import cpu_model  # noqa: E402  (this folder is on the path)

SIZES = {"alexnet": 227, "vgg16": 224, "resnet50": 224, "inception_v3": 299}


def one_model(name, batch=2):
    """Build ``name`` in float32 and time one forward + backward (run in a subprocess)."""
    import tracemalloc

    import numpy as np

    from dlnotes.models import classic

    model = getattr(classic, name)(seed=0, dtype=np.float32)
    n = SIZES[name]
    X = np.random.default_rng(0).standard_normal((batch, n, n, 3)).astype(np.float32)
    G = np.random.default_rng(1).standard_normal((1000, batch)).astype(np.float32) / batch
    tracemalloc.start()
    t0 = time.perf_counter()
    Y = model.network.forward(X, training=True)
    t1 = time.perf_counter()
    model.network.backward(G)
    t2 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert Y.shape == (1000, batch)
    grads = dict(model.network.named_gradients())
    finite = all(np.isfinite(g).all() for g in grads.values())
    return {"model": name, "input": f"{batch}x{n}x{n}x3", "parameters": model.count_params(),
            "forward_s": t1 - t0, "backward_s": t2 - t1, "traced_peak_MB": peak / 2**20,
            "max_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "finite_gradients": bool(finite)}


def part_memory():
    rows = []
    for name in SIZES:
        out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True,
                             text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"CPU: {cpu_model()}; load average {os.getloadavg()}")
    print(f"{'model':<14}{'input':<16}{'params':>13}{'fwd s':>8}{'bwd s':>8}"
          f"{'traced peak MB':>16}{'max RSS MB':>12}")
    for r in rows:
        print(f"{r['model']:<14}{r['input']:<16}{r['parameters']:>13,}{r['forward_s']:>8.2f}"
              f"{r['backward_s']:>8.2f}{r['traced_peak_MB']:>16.0f}{r['max_rss_MB']:>12.0f}"
              + ("" if r["finite_gradients"] else "  NON-FINITE GRADIENTS"))
    return rows


# ---------------------------------------------------------------------------- PyTorch ResNet-50
def torch_resnet50(torch):
    nn = torch.nn

    class Bottleneck(nn.Module):
        def __init__(self, c_in, width, stride):
            super().__init__()
            c_out = 4 * width
            self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU(inplace=True)
            self.down = None
            if stride != 1 or c_in != c_out:
                self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(c_out))

        def forward(self, x):
            s = x if self.down is None else self.down(x)
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.relu(self.bn2(self.conv2(y)))
            return self.relu(self.bn3(self.conv3(y)) + s)

    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    c = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for j in range(blocks):
            layers.append(Bottleneck(c, width, stride if j == 0 else 1))
            c = 4 * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def part_resnet(reps, batch):
    import numpy as np
    import torch

    from dlnotes.models.classic import resnet50

    X = np.random.default_rng(0).standard_normal((batch, 224, 224, 3)).astype(np.float32)
    G = np.random.default_rng(1).standard_normal((1000, batch)).astype(np.float32) / batch
    ours = resnet50(seed=0, dtype=np.float32)
    ref = torch_resnet50(torch).to(memory_format=torch.channels_last)
    n_ref = sum(p.numel() for p in ref.parameters())
    Xt = torch.from_numpy(X).permute(0, 3, 1, 2)   # NHWC memory = channels-last NCHW
    assert Xt.is_contiguous(memory_format=torch.channels_last)
    Gt = torch.from_numpy(np.ascontiguousarray(G.T))

    def run_ours():
        ours.network.forward(X, training=True)
        ours.network.backward(G)

    def run_torch():
        ref.zero_grad(set_to_none=True)
        ref(Xt).backward(Gt)

    times = {"dlnotes": [], "torch": []}
    run_ours(), run_torch()   # warm-up
    for _ in range(reps):
        for name, fn in (("dlnotes", run_ours), ("torch", run_torch)):
            time.sleep(0.3)
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"ResNet-50 forward+backward, batch {batch}, 224x224x3 float32; CPU: {cpu_model()}; "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads); load average "
          f"{os.getloadavg()}")
    print(f"  dlnotes (Keras layout, {ours.count_params():,} params): median {med['dlnotes']:.2f} s"
          f"  {['%.2f' % t for t in times['dlnotes']]}")
    print(f"  PyTorch channels-last (torchvision layout, {n_ref:,} params): median "
          f"{med['torch']:.2f} s  {['%.2f' % t for t in times['torch']]}")
    print(f"  ratio dlnotes / PyTorch: {med['dlnotes'] / med['torch']:.2f}x")
    return {"times": times, "ratio": med["dlnotes"] / med["torch"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("memory", "resnet", "all"), default="all")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--one", choices=tuple(SIZES), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one_model(args.one)))
        return
    print(f"start: load average {os.getloadavg()}")
    if args.part in ("memory", "all"):
        part_memory()
    if args.part in ("resnet", "all"):
        part_resnet(args.reps, args.batch)


if __name__ == "__main__":
    main()
