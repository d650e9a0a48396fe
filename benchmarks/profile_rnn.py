#!/usr/bin/env python
"""Where the time of a recurrent forward + backward goes (manual timers).

Wraps the pieces that :mod:`dlnotes.rnn` calls (the compiled time loops, the
packing of the inputs with their projection GEMM, the layout changes between
the course's ``(n, m, T)`` and the kernels' time-major buffers) with timers,
runs the side-by-side case of ``benchmarks/cases_rnn.py`` (``n_x=64, n_a=128,
m=32, T=50``, float32) and prints, per cell type and thread count, the median
per call of each piece; "rest" is what the timers do not cover (the
weight/input-gradient GEMMs and bias sums after the backward loop, parameter
stacking, output splitting, validation).  PyTorch's forward + backward of the
same case is timed in the same blocks for scale.

    python benchmarks/profile_rnn.py [--threads 1 2] [--blocks 9] [--kinds LSTM RNN GRU]

Each block starts after a 0.3 s idle gap (OpenBLAS threads spin after a GEMM).
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

TIMED = {  # module -> names wrapped there
    "dlnotes._kernels.recurrent": None,  # every *_loop kernel
    "dlnotes.rnn.lstm": ("pack_sequence", "unpack_states"),
    "dlnotes.rnn.basic": ("pack_sequence", "unpack_states"),
    "dlnotes.rnn.gru": ("pack_sequence", "unpack_states"),
    "dlnotes.rnn._common": ("to_time_major",),  # called by SequenceBackward for all three
}
ACC = collections.defaultdict(float)
CLOCK = [time.perf_counter]


def _wrap(name, fn):
    def timed(*a, **k):
        t0 = CLOCK[0]()
        try:
            return fn(*a, **k)
        finally:
            ACC[name] += CLOCK[0]() - t0
    return timed


def install():
    import importlib

    for modname, names in TIMED.items():
        mod = importlib.import_module(modname)
        if names is None:
            names = [n for n in dir(mod) if n.endswith("_loop")]
            for n in names:  # the chapter modules call them as _k.<name>
                setattr(mod, n, _wrap(n.replace("_loop", " loop"), getattr(mod, n)))
            continue
        for n in names:
            setattr(mod, n, _wrap(n.replace("_", " ") if n != "pack_sequence"
                                  else "pack + input GEMM", getattr(mod, n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--blocks", type=int, default=9)
    ap.add_argument("--calls", type=int, default=10, help="calls per block")
    ap.add_argument("--kinds", nargs="+", default=["LSTM", "RNN", "GRU"])
    ap.add_argument("--no-load-aware", action="store_true")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time with the process's CPU time (meaningful on 1 thread on a "
                         "loaded machine; with 2 threads it adds up both)")
    args = ap.parse_args()

    import cases_rnn
    import torch
    from threadpoolctl import threadpool_limits

    from dlnotes import _threads

    if args.cpu_time:
        CLOCK[0] = time.process_time
    if args.no_load_aware:
        _threads.LOAD_AWARE = False
    install()
    print(f"load average {os.getloadavg()}, CPU {cpu_model()}")
    for nt in args.threads:
        torch.set_num_threads(nt)
        with threadpool_limits(limits=nt):
            for kind in args.kinds:
                profile(kind, nt, args, torch, cases_rnn)
    print(f"load average {os.getloadavg()}")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def profile(kind, nt, args, torch, cases_rnn):
    case = next(c for c in cases_rnn.cases("float32", torch)
                if c["name"].split()[0] == kind and " m=32 " in c["name"])
    dl, th = case["impls"]["dlnotes"], case["impls"]["torch"]
    dl(), th()
    per = collections.defaultdict(list)
    for _ in range(args.blocks):
        time.sleep(0.3)
        ACC.clear()
        t0 = CLOCK[0]()
        for _ in range(args.calls):
            dl()
        total = (CLOCK[0]() - t0) / args.calls
        per["dlnotes total"].append(total)
        covered = 0.0
        for k, v in ACC.items():
            per[k].append(v / args.calls)
            covered += v / args.calls
        per["rest (post-loop GEMMs, sums, checks)"].append(total - covered)
        time.sleep(0.3)
        t0 = CLOCK[0]()
        for _ in range(args.calls):
            th()
        per["PyTorch total"].append((CLOCK[0]() - t0) / args.calls)
    tot = statistics.median(per["dlnotes total"])
    clock = "CPU" if CLOCK[0] is time.process_time else "wall"
    print(f"\n{case['name']}, float32, {nt} thread(s): median {clock} time of {args.blocks} "
          f"blocks x {args.calls} calls")
    for k, v in sorted(per.items(), key=lambda kv: -statistics.median(kv[1])):
        med = statistics.median(v)
        print(f"  {k:40s} {med * 1e3:8.2f} ms  {100 * med / tot:5.1f} %")
    print(f"  dlnotes / PyTorch {tot / statistics.median(per['PyTorch total']):.2f}")


if __name__ == "__main__":
    main()
