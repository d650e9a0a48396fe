#!/usr/bin/env python
"""Where do two threads start to pay?  One kernel at a time, 1 thread against 2, same run.

For each kernel family behind dlnotes' thread policy (``dlnotes/_threads.py``)
this times a ladder of sizes on one thread and on two, alternating blocks
that each start from an idle process (``compare.wait_idle``), and prints the
median time per call and the ratio 2 threads / 1 thread (below 1: threads
pay).  The thresholds in the package are read off this table:

* NumPy GEMM (Dense layers): ``dlnotes._threads.GEMM_PARALLEL_MIN_MACS``;
* convolution forward + backward: ``dlnotes.cnn.conv.PARALLEL_MIN_MACS``;
* pooling forward + backward: ``POOL_PARALLEL_MIN`` in ``dlnotes/cnn/pool.py``.

Usage::

    python benchmarks/thread_crossover.py [--repeat 9]

Run it on a quiet machine: with other jobs on the cores the second thread is
often descheduled and every ratio goes above 1 (that, too, is a reason the
small sizes stay on one thread).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
_spec = importlib.util.spec_from_file_location("_compare", HERE / "compare.py")
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)


def gemm_cases(dtype):
    from dlnotes import _threads

    rng = np.random.default_rng(0)
    for M, K, N in [(84, 120, 32), (120, 400, 32), (400, 120, 32), (64, 64, 1437),
                    (256, 256, 256), (128, 512, 512), (512, 512, 512)]:
        a = rng.standard_normal((M, K)).astype(dtype)
        b = rng.standard_normal((K, N)).astype(dtype)

        def run(threads, a=a, b=b):
            if threads == 1:
                with _threads._NUMPY_PIN:
                    return a @ b
            return a @ b
        yield f"NumPy GEMM {M}x{K} @ {K}x{N}", M * K * N, run


def conv_cases(dtype):
    from dlnotes.cnn import conv as conv_mod

    rng = np.random.default_rng(0)
    for m, H, C, F, f in [(32, 32, 1, 6, 5), (32, 14, 6, 16, 5), (64, 32, 3, 6, 5),
                          (8, 32, 16, 32, 3), (32, 32, 16, 32, 3), (8, 56, 64, 64, 3)]:
        p = (f - 1) // 2 if f == 3 else 0
        A = rng.standard_normal((m, H, H, C)).astype(dtype)
        W = rng.standard_normal((f, f, C, F)).astype(dtype)
        b = np.zeros(F, dtype)
        Ho = H + 2 * p - f + 1
        dZ = rng.standard_normal((m, Ho, Ho, F)).astype(dtype)
        geometry = (1, p, p, Ho, Ho)

        def run(threads, A=A, W=W, b=b, dZ=dZ, geometry=geometry):
            # the module's own calls, with its thread count forced
            saved = conv_mod._threads
            conv_mod._threads = lambda *shape: threads
            try:
                conv_mod._conv_forward(A, W, b, geometry)
                conv_mod._conv_backward(dZ, A, W, geometry)
            finally:
                conv_mod._threads = saved
        yield (f"conv fwd+bwd m={m} {H}x{H}x{C}->{F} f={f}",
               m * Ho * Ho * f * f * C * F, run)


def pool_cases(dtype):
    from dlnotes.cnn import pool as pool_mod
    from dlnotes.cnn import pool_backward, pool_forward

    rng = np.random.default_rng(0)
    for mode in ("max", "average"):
        for m, H, C in [(32, 28, 6), (32, 10, 16), (32, 32, 32), (64, 56, 64)]:
            A = rng.standard_normal((m, H, H, C)).astype(dtype)
            dO = rng.standard_normal((m, H // 2, H // 2, C)).astype(dtype)
            hp = {"f": 2, "stride": 2}

            def run(threads, A=A, dO=dO, mode=mode, hp=hp):
                # the thread count the pool kernels get (a threadpoolctl context per call
                # cost ~1-2 ms, more than the small pools themselves)
                saved = pool_mod.POOL_PARALLEL_MIN, pool_mod.kernel_threads
                pool_mod.POOL_PARALLEL_MIN, pool_mod.kernel_threads = 0, lambda: threads
                try:
                    out, cache = pool_forward(A, hp, mode=mode)
                    pool_backward(dO, cache, mode=mode)
                finally:
                    pool_mod.POOL_PARALLEL_MIN, pool_mod.kernel_threads = saved
            yield f"{mode} pool fwd+bwd m={m} {H}x{H}x{C} f=2", A.size, run


def measure(run, repeat):
    number = 1
    t0 = time.perf_counter()
    run(1)
    t = time.perf_counter() - t0
    number = max(1, min(2000, int(0.02 / max(t, 1e-7))))
    samples = {1: [], 2: []}
    for r in range(repeat):
        for threads in ((1, 2) if r % 2 == 0 else (2, 1)):
            compare.wait_idle()
            t0 = time.perf_counter()
            for _ in range(number):
                run(threads)
            samples[threads].append((time.perf_counter() - t0) / number)
    return {k: statistics.median(v) for k, v in samples.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    np.ones((4, 4)) @ np.ones((4, 4))
    import dlnotes._kernels.conv  # noqa: F401  (loads the OpenMP runtime)
    threadpool_limits(2)
    load0 = os.getloadavg()[0]
    print(f"{compare.stamp()}; load average {load0:.2f}; {args.dtype}, median of "
          f"{args.repeat} alternating blocks\n")
    print("| kernel | size (multiply-adds or elements) | 1 thread | 2 threads | 2 / 1 |")
    print("|---|---|---|---|---|")
    for family in (gemm_cases, conv_cases, pool_cases):
        for name, size, run in family(np.dtype(args.dtype)):
            t = measure(run, args.repeat)
            print(f"| {name} | {size / 1e6:.2f}M | {compare.fmt_time(t[1])} | "
                  f"{compare.fmt_time(t[2])} | {t[2] / t[1]:.2f} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
