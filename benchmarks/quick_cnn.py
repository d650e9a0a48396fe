"""Quick side-by-side timing of the CNN cases (used until benchmarks/compare.py lands).

Median of repeats, implementations alternated in blocks, torch on 2 threads.
Usage: python benchmarks/quick_cnn.py [--dtype float32] [--repeat 15]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(2)
    from cases_cnn import cases
    dtype = np.dtype(args.dtype).type
    load = os.getloadavg()
    print(f"load average {load[0]:.2f}; dtype {args.dtype}; torch {torch.__version__}, 2 threads")
    print(f"{'case':44s} {'dlnotes ms':>10s} {'torch ms':>9s} {'ratio':>6s} {'GFLOP/s':>8s}")
    for case in cases(dtype, torch):
        if args.only and args.only not in case["name"]:
            continue
        impls = {k: v for k, v in case["impls"].items() if v is not None and k in ("dlnotes", "torch")}
        ref = impls["torch"]()
        out = impls["dlnotes"]()
        tol = 1e-3 if dtype == np.float32 else 1e-9
        for a, r in zip(out, ref):
            scale = max(1.0, float(np.abs(r).max()))
            err = float(np.abs(a - r).max()) / scale
            assert err < tol, (case["name"], err)
        times = {k: [] for k in impls}
        for _ in range(args.repeat):
            for k, fn in impls.items():
                t = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t)
        med = {k: float(np.median(v)) for k, v in times.items()}
        gf = case["flops"] / med["dlnotes"] / 1e9 if case["flops"] else float("nan")
        print(f"{case['name']:44s} {med['dlnotes']*1e3:10.2f} {med['torch']*1e3:9.2f} "
              f"{med['dlnotes']/med['torch']:6.2f} {gf:8.1f}")


if __name__ == "__main__":
    main()
