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
against PyTorch in channels-last and in NCHW memory, in the same run.
torchvision is not installable here (it would replace the pinned torch), so
the PyTorch model is written out in this file, with torchvision's
``resnet50(weights=None)`` layout: bottleneck blocks with the stride on the 3x3
convolution, bias-free convolutions, batch norm.  It has 25,557,032
parameters (torchvision's count; dlnotes' Keras-style ResNet-50 has biased
convolutions and counts the running statistics, 25,636,712).  The three
alternate in blocks, each started once the process is idle, with the
self-check of ``benchmarks/compare.py`` (whose helpers do the timing): a
median more than 10% away from the same implementation timed alone marks the
run contaminated.  The medians, their ratios, the CPU model and the load
average are printed, and with ``--inc`` written as the docs' results block.

Usage::

    python benchmarks/classic_cnns.py [--part memory|resnet|all] [--repeat 3] [--batch 8]
        [--inc docs/chapters/figures/classic_cnns_results.inc] [--note "..."]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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
    print("\n".join(memory_lines(rows)))
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


def part_resnet(repeat, batch):
    """ResNet-50 forward + backward at ``batch``: dlnotes, PyTorch channels-last and PyTorch
    NCHW, alternating in blocks that each start idle (``compare.time_impls``), with the
    harness's self-check against each implementation timed alone."""
    import numpy as np
    import torch
    from compare import CONTAMINATION, time_impls

    from dlnotes.models.classic import resnet50

    X = np.random.default_rng(0).standard_normal((batch, 224, 224, 3)).astype(np.float32)
    G = np.random.default_rng(1).standard_normal((1000, batch)).astype(np.float32) / batch
    ours = resnet50(seed=0, dtype=np.float32)
    torch.manual_seed(0)
    ref_cl = torch_resnet50(torch).to(memory_format=torch.channels_last)
    torch.manual_seed(0)
    ref_nchw = torch_resnet50(torch)
    n_ref = sum(p.numel() for p in ref_cl.parameters())
    X_cl = torch.from_numpy(X).permute(0, 3, 1, 2)   # NHWC memory = channels-last NCHW
    assert X_cl.is_contiguous(memory_format=torch.channels_last)
    X_nchw = X_cl.contiguous()
    Gt = torch.from_numpy(np.ascontiguousarray(G.T))

    def run_ours():
        ours.network.forward(X, training=True)
        ours.network.backward(G)

    def torch_step(model, x):
        def run():
            model.zero_grad(set_to_none=True)
            model(x).backward(Gt)
        return run

    impls = {"dlnotes": run_ours, "PyTorch channels-last": torch_step(ref_cl, X_cl),
             "PyTorch NCHW": torch_step(ref_nchw, X_nchw)}
    load_before = os.getloadavg()
    stats = {}
    med = time_impls(impls, repeat, min_block=0.0, stats=stats)
    load_after = os.getloadavg()
    lines = [f"ResNet-50 forward+backward, batch {batch}, 224x224x3 float32; torch "
             f"{torch.__version__} ({torch.get_num_threads()} threads); {repeat} rounds",
             f"load average {tuple(round(v, 2) for v in load_before)} at the start, "
             f"{tuple(round(v, 2) for v in load_after)} at the end",
             f"{'implementation':<28}{'params':>12}{'median s':>10}{'alone s':>9}"
             f"{'dlnotes / it':>14}"]
    params = {"dlnotes": ours.count_params(), "PyTorch channels-last": n_ref,
              "PyTorch NCHW": n_ref}
    for name in impls:
        lines.append(f"{name:<28}{params[name]:>12,}{med[name]:>10.3f}"
                     f"{stats['alone'][name]:>9.3f}{med['dlnotes'] / med[name]:>13.2f}x")
    bad = [n for n, d in stats["deviation"].items() if abs(d) > CONTAMINATION]
    lines.append("self-check: " + (
        "CONTAMINATED (" + ", ".join(f"{n} {100 * stats['deviation'][n]:+.0f}%" for n in bad)
        + f" in rotation vs alone; more than {100 * CONTAMINATION:.0f}%)" if bad else
        f"clean (every in-rotation median within {100 * CONTAMINATION:.0f}% of the same "
        "implementation timed alone)"))
    print("\n".join(lines))
    return {"lines": lines, "median": med, "contaminated": bool(bad),
            "load": (load_before, load_after)}


def memory_lines(rows):
    out = [f"{'model':<14}{'input':<16}{'params':>13}{'fwd s':>8}{'bwd s':>8}"
           f"{'traced peak MB':>16}{'max RSS MB':>12}"]
    for r in rows:
        out.append(f"{r['model']:<14}{r['input']:<16}{r['parameters']:>13,}"
                   f"{r['forward_s']:>8.2f}{r['backward_s']:>8.2f}"
                   f"{r['traced_peak_MB']:>16.0f}{r['max_rss_MB']:>12.0f}"
                   + ("" if r["finite_gradients"] else "  NON-FINITE GRADIENTS"))
    return out


def write_inc(path, command, memory, resnet, note):
    """The docs' results block (reStructuredText), rewritten by every run."""
    from compare import md_to_rst, stamp

    text = [".. _classic-cnns-benchmark:", "",
            f"Output of ``{command}`` ({md_to_rst(stamp())}).  Peak memory: one forward "
            "and one backward pass on a batch of two in float32, \"traced peak\" being "
            "NumPy's allocations during the pass and \"max RSS\" the process's peak "
            "resident memory with the parameters, each model in its own process.  Speed: "
            "ResNet-50 forward + backward against the same network written in PyTorch with "
            "torchvision's layout (bias-free convolutions, stride on the 3x3; torchvision "
            "itself cannot be installed next to the pinned torch), in channels-last and in "
            "NCHW memory, alternating in blocks that "
            "each start idle; \"dlnotes / it\" above 1 means dlnotes is slower.", "",
            ".. code-block:: none", ""]
    if memory is not None:
        text += ["   " + line for line in memory] + [""]
    if resnet is not None:
        text += ["   " + line for line in resnet["lines"]] + [""]
    if note:
        text += [note, ""]
    with open(path, "w") as f:
        f.write("\n".join(text))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("memory", "resnet", "all"), default="all")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of the ResNet-50 rotation (each implementation once a round)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--inc", default=None, metavar="PATH",
                    help="also write the docs' results block there (e.g. "
                         "docs/chapters/figures/classic_cnns_results.inc)")
    ap.add_argument("--note", default="",
                    help="a sentence appended to the .inc (e.g. the conditions of the run)")
    ap.add_argument("--one", choices=tuple(SIZES), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one_model(args.one)))
        return
    print(f"start: load average {os.getloadavg()}")
    memory = resnet = None
    if args.part in ("memory", "all"):
        memory = [f"load average {tuple(round(v, 2) for v in os.getloadavg())} at the start"]
        memory += memory_lines(part_memory())
    if args.part in ("resnet", "all"):
        resnet = part_resnet(args.repeat, args.batch)
    if args.inc:
        command = (f"python benchmarks/classic_cnns.py --part {args.part} --repeat "
                   f"{args.repeat} --batch {args.batch}")
        write_inc(args.inc, command, memory, resnet, args.note)


if __name__ == "__main__":
    main()
