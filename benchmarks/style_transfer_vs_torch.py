#!/usr/bin/env python
"""Time per optimisation step of neural style transfer: dlnotes vs PyTorch autograd.

One step = the total cost J(G) and its gradient with respect to the image G:
features of G through the extractor, the content cost, the style costs of all
layers (Gram matrices of C and S computed once beforehand), and the backward
pass to the pixels.  Both sides use the SAME extractor (dlnotes' default:
random filters at 4 scales, 3x3 to 11x11, 32 each, "valid" convolution and
ReLU, float32) and the same costs; PyTorch runs the convolutions in its fast
channels-last layout with autograd, weights frozen (no weight gradient).  The
Adam update itself (a few element-wise passes over the image) is not timed.

dlnotes' extractor freezes its layers, so its backward pass computes only the
input gradients too (``conv_backward(..., need_dW=False)``).

Usage::

    PYTHONPATH=. python benchmarks/style_transfer_vs_torch.py [--size 256] [--repeat 7]

Prints the machine (CPU model, load average), the median time per step of each
and the ratio dlnotes / PyTorch (below 1: dlnotes faster).  Blocks alternate,
each starting after a 0.3 s idle gap (OpenBLAS threads spin after a GEMM).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--steps", type=int, default=3, help="steps per timed block")
    args = ap.parse_args(argv)

    import torch

    from dlnotes.vision import style_transfer as st

    n = args.size
    rng = np.random.default_rng(0)
    C, S, G = rng.uniform(0, 1, (3, n, n, 3)).astype(np.float32)
    ex = st.random_multiscale_features(3, seed=0, dtype=np.float32)
    alpha, beta = 10.0, 40.0
    objective = st._Objective(ex, C, S, 0, None, None, alpha, beta)

    F = torch.nn.functional
    Ws = [torch.from_numpy(ch[0].params["W"]).permute(3, 2, 0, 1).contiguous(
        memory_format=torch.channels_last) for ch in ex.branches]
    bs = [torch.from_numpy(ch[0].params["b"].ravel().copy()) for ch in ex.branches]

    def feats(x):                       # x: (n, n, 3) tensor
        x = x.permute(2, 0, 1)[None].contiguous(memory_format=torch.channels_last)
        return [F.relu(F.conv2d(x, W, b))[0] for W, b in zip(Ws, bs)]

    def gram(a):                        # a: (C, h, w)
        a = a.reshape(a.shape[0], -1)
        return a @ a.T

    with torch.no_grad():
        fC = feats(torch.from_numpy(C))
        fS = feats(torch.from_numpy(S))
        GS = [gram(a) for a in fS]
    L = len(fS)

    def torch_step(G=G):
        g = torch.from_numpy(G).requires_grad_(True)
        fG = feats(g)
        Jc = ((fG[0] - fC[0]) ** 2).sum() / (4 * fC[0].numel())
        Js = sum(((gram(a) - Gs) ** 2).sum() / (4 * a.shape[0] ** 2 * a[0].numel() ** 2)
                 for a, Gs in zip(fG, GS)) / L
        J = alpha * Jc + beta * Js
        J.backward()
        return J.item(), g.grad.numpy()

    def dl_step(G=G):
        return objective(G)

    # agreement first
    Jd, gd = dl_step()
    Jt, gt = torch_step()
    rel = float(np.abs(gd - gt).max() / np.abs(gt).max())
    print(f"agreement: J {Jd:.6g} vs {Jt:.6g}; max|dG diff| / max|dG| = {rel:.2e}")
    if abs(Jd - Jt) > 1e-3 * abs(Jt) or rel > 1e-3:
        print("DISAGREEMENT", file=sys.stderr)
        return 1

    impls = {"dlnotes": dl_step, "torch": torch_step}
    samples = {k: [] for k in impls}
    print(f"CPU: {cpu_model()}; os.cpu_count() = {os.cpu_count()}; torch threads "
          f"{torch.get_num_threads()}; load average before: {os.getloadavg()}")
    print(f"image {n}x{n}x3 float32; extractor: {', '.join(ex.names)} x 32 filters; "
          f"{args.repeat} alternating blocks of {args.steps} steps")
    order = list(impls)
    for r in range(args.repeat):
        for name in order[r % 2:] + order[:r % 2]:
            time.sleep(0.3)
            t0 = time.perf_counter()
            for _ in range(args.steps):
                impls[name]()
            samples[name].append((time.perf_counter() - t0) / args.steps)
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k in impls:
        print(f"{k:8s} median {med[k] * 1e3:8.1f} ms per step "
              f"(min {min(samples[k]) * 1e3:.1f}, max {max(samples[k]) * 1e3:.1f})")
    print(f"ratio dlnotes / PyTorch = {med['dlnotes'] / med['torch']:.2f} "
          f"(below 1: dlnotes faster)")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
