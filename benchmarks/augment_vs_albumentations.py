#!/usr/bin/env python
"""Augmenting image batches: dlnotes.cnn.augment vs albumentations 2.x, same run.

The pipeline of the issue: random crop + horizontal flip + rotation + colour shift, on

* a batch of 256 images of 32x32x3 (pad 4 + random 32x32 crop, as for CIFAR-10), and
* a batch of 32 images of 224x224x3 (random resized crop to 224x224, as for ImageNet),

each followed by a horizontal flip (p = 0.5), a rotation by U(-15, 15) degrees (bilinear,
constant border 0) and a per-channel shift U(-0.1, 0.1), clipped to [0, 1], on float32 images
in [0, 1].  albumentations runs one image at a time (its design; OpenCV underneath, with
OpenCV's own threads), so its time includes a Python loop over the batch, as in a data loader.
albumentations is also timed on uint8 images (its fastest path; dlnotes takes float images).

dlnotes runs the pipeline fused (one bilinear pass for crop, flip, rotation and colour) and,
for reference, unfused (``Compose(..., fuse=False)``: one pass per transform).

torchvision's ``transforms.v2`` is not timed: installing torchvision would replace the
CPU-only torch build of this environment.

Implementations alternate in blocks with an idle start (0.3 s) so that a busy machine slows
all of them alike; the table reports the median wall and CPU milliseconds per batch and their
ratios to albumentations on float32 images (the same work as dlnotes).  Usage::

    python benchmarks/augment_vs_albumentations.py [--threads 2] [--repeats 15] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _machine import cpu_model  # noqa: E402


def smooth_images(np, rng, m, n, dtype):
    """Random smooth images in [0, 1] (content does not change the timings; no downloads)."""
    from scipy.ndimage import gaussian_filter

    X = gaussian_filter(rng.random((m, n, n, 3)), sigma=(0, 2, 2, 0))
    X = (X - X.min()) / (X.max() - X.min())
    return X.astype(dtype)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15, help="batches per block")
    ap.add_argument("--rounds", type=int, default=3, help="blocks per implementation")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import albumentations as A
    import cv2
    import numpy as np

    from dlnotes.cnn import augment as D

    cv2.setNumThreads(args.threads)
    rng = np.random.default_rng(0)

    cases = {
        "256 x 32x32x3": dict(m=256, n=32,
                              alb=[A.PadIfNeeded(40, 40, border_mode=cv2.BORDER_CONSTANT, fill=0),
                                   A.RandomCrop(32, 32)],
                              dl=[D.RandomCrop(32, padding=4)]),
        "32 x 224x224x3": dict(m=32, n=224,
                               alb=[A.RandomResizedCrop((224, 224))],
                               dl=[D.RandomResizedCrop(224)]),
    }
    common_alb = [A.HorizontalFlip(p=0.5),
                  A.Rotate(limit=15, interpolation=cv2.INTER_LINEAR,
                           border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0),
                  A.RGBShift(r_shift_limit=0.1, g_shift_limit=0.1, b_shift_limit=0.1, p=1.0)]
    common_dl = [D.RandomFlip(p=0.5), D.RandomAffine(rotation=15), D.ChannelShift(0.1)]

    load0 = os.getloadavg()
    print(f"CPU: {cpu_model()}; {os.cpu_count()} logical CPUs; {args.threads} thread(s) "
          f"(OpenMP for dlnotes, cv2.setNumThreads for albumentations)")
    print(f"albumentations {A.__version__}, OpenCV {cv2.__version__}, NumPy {np.__version__}")
    print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    rows = []
    for name, case in cases.items():
        X32 = smooth_images(np, rng, case["m"], case["n"], np.float32)
        X8 = np.round(X32 * 255).astype(np.uint8)
        alb = A.Compose(case["alb"] + common_alb, seed=0)
        alb8 = A.Compose(case["alb"] + [A.HorizontalFlip(p=0.5),
                                        A.Rotate(limit=15, interpolation=cv2.INTER_LINEAR,
                                                 border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0),
                                        A.RGBShift(r_shift_limit=25, g_shift_limit=25,
                                                   b_shift_limit=25, p=1.0)], seed=0)
        fused = D.Compose(case["dl"] + common_dl, seed=0, clip=(0.0, 1.0))
        unfused = D.Compose(case["dl"] + common_dl, seed=0, clip=(0.0, 1.0), fuse=False)

        def run_alb(X=X32, pipe=alb):
            return np.stack([pipe(image=x)["image"] for x in X])

        def run_alb8(X=X8, pipe=alb8):
            return np.stack([pipe(image=x)["image"] for x in X])

        impls = {"dlnotes (fused)": lambda f=fused, X=X32: f(X),
                 "dlnotes (unfused)": lambda f=unfused, X=X32: f(X),
                 "albumentations float32": run_alb,
                 "albumentations uint8": run_alb8}
        for f in impls.values():  # warm-up (imports, caches, thread pools)
            f()
        times = {k: [] for k in impls}
        cpu = {k: [] for k in impls}
        for _ in range(args.rounds):
            for k, f in impls.items():
                time.sleep(0.3)
                for _ in range(args.repeats):
                    t0, c0 = time.perf_counter(), time.process_time()
                    f()
                    times[k].append(time.perf_counter() - t0)
                    cpu[k].append(time.process_time() - c0)
        med = {k: 1e3 * statistics.median(v) for k, v in times.items()}
        mcpu = {k: 1e3 * statistics.median(v) for k, v in cpu.items()}
        ref, cref = med["albumentations float32"], mcpu["albumentations float32"]
        for k in impls:
            rows.append((name, k, med[k], med[k] / ref, mcpu[k], mcpu[k] / cref))
    load1 = os.getloadavg()
    print()
    print(f"{'batch':<16} {'implementation':<24} {'wall ms':>9} {'ratio':>7} "
          f"{'CPU ms':>9} {'ratio':>7}")
    for name, k, ms, ratio, cms, cratio in rows:
        print(f"{name:<16} {k:<24} {ms:9.2f} {ratio:6.2f}x {cms:9.2f} {cratio:6.2f}x")
    print("(ratios to albumentations float32; CPU time includes OpenMP/OpenCV threads "
          "spin-waiting, so compare CPU times with --threads 1)")
    print(f"\nload average at end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


if __name__ == "__main__":
    main()
