#!/usr/bin/env python
r"""Side by side: dlnotes vs PyTorch (CPU) vs a vectorized NumPy reference.

Runs every case of every ``benchmarks/cases_<topic>.py`` module in ONE process
on the SAME inputs, checks that the implementations agree, and prints a
markdown table of median times, time ratios to PyTorch (PyTorch = 1.0; above
1 is slower), GFLOP/s and the fraction of this machine's measured GEMM rate.

Usage::

    python benchmarks/compare.py                         # everything, both dtypes
    python benchmarks/compare.py --only nn --dtype float32
    python benchmarks/compare.py --quick                 # CI smoke: few repeats
    python benchmarks/compare.py --markdown report.md --plot ratios.png

For representative numbers run it on a quiet machine, without OpenBLAS
overrides that the environment may set::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare.py

Honest timing
-------------
Every timed block starts only once the process is idle: OpenBLAS worker
threads spin for tens of milliseconds after a GEMM (and PyTorch's pool for a
few), and a block that starts while they spin loses up to 1.7x on 2 cores.
:func:`wait_idle` sleeps until the process's own CPU time stops growing, so
the gap adapts to whichever library ran last; the report gives the measured
waits.  The run then checks itself: every implementation is also timed alone
(in a third of the rounds its block is followed at once by a second block of
itself, after an idle wait), and a row whose in-rotation median differs from
its standalone median by more than 10% is marked
**contaminated**, as is the run (load from other processes does this too:
read the load average next to the table).  A flagged cell also gives the
exact rank-sum p-value of the rotation blocks against the standalone ones:
below 0.05 the two are separated (a neighbour slowed most blocks); above it,
the difference is within the run's own noise (on these virtual machines a
block varies by ~20 %, and a median of 3 blocks against one of 9 crosses 10 %
by chance in about 40 % of rows).  ``--no-idle-wait`` restores the
old back-to-back blocks, to see the damage.

Exit status: 0 when every case ran and agreed, 1 otherwise (a case module
that fails to import, an implementation that raises, or a disagreement).

Format of a cases module
------------------------
``cases_<topic>.py`` defines ``cases(dtype, torch)``: ``dtype`` is the string
``"float32"`` or ``"float64"``, ``torch`` the imported module or ``None``
when PyTorch is not installed.  It returns a list of dicts::

    {"name": str,                       # unique within the topic
     "flops": float or None,            # floating-point operations of one call
     "impls": {"dlnotes": fn, "numpy": fn or None, "torch": fn or None},
     "rtol": float, optional,           # overrides the dtype's tolerance
     "gemm_share": True, optional}      # "% of GEMM" read against a probe in rotation

``gemm_share``: the row's "% of GEMM" is read against the NumPy GEMM probe
(``2048 x 2048``) timed as one more block of the case's own rotation (median
of its blocks, after the same idle waits), not only against the run's best
probe (the best of five calls at the start and at the end of the run).  Why:
the machine's rate drifts during a run (start / end probes measured 82 / 72
and 73 / 55 GFLOP/s with one thread), and a median of the case against the
best probe of another minute mixes two statistics and two moments.  The cell
gives both figures.

Each ``fn`` takes no argument, runs forward + backward once on inputs built
beforehand (torch tensors in torch's fast layout) and returns a tuple of
NumPy arrays in dlnotes' layout (outputs, then gradients), the same number and
shapes for every implementation.  Agreement: every array of ``numpy`` and
``torch`` matches ``dlnotes`` with ``numpy.allclose(x, ref, rtol, atol=rtol *
max|ref|)``, rtol = 1e-3 (float32) or 1e-7 (float64).
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import os
import platform
import re
import statistics
import sys
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
IMPLS = ("dlnotes", "numpy", "torch")
LABELS = {"dlnotes": "dlnotes", "numpy": "NumPy", "torch": "PyTorch", "gemm": "GEMM probe"}
RTOL = {"float32": 1e-3, "float64": 1e-7}
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY",
              "GOMP_SPINCOUNT")

# Measure the checkout this script lives in (its in-place build), not whatever
# dlnotes happens to be installed; DLNOTES_BENCH_PATH=<another checkout> measures
# that one instead (before/after comparisons).
sys.path.insert(0, os.environ.get("DLNOTES_BENCH_PATH") or str(HERE.parent))


# ----------------------------------------------------------------------------
# discovery
# ----------------------------------------------------------------------------
def discover(only=None, directory=HERE):
    """``{topic: path}`` of the ``cases_<topic>.py`` files, optionally filtered."""
    found = {p.stem[len("cases_"):]: p for p in sorted(directory.glob("cases_*.py"))}
    if only:
        wanted = [t.strip() for item in only for t in item.split(",") if t.strip()]
        missing = [t for t in wanted if t not in found]
        if missing:
            raise SystemExit(f"compare.py: no benchmarks/cases_<topic>.py for {missing}; "
                             f"available: {sorted(found)}")
        found = {t: found[t] for t in wanted}
    return found


def load_cases_module(topic, path):
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"cases_{topic}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not callable(getattr(mod, "cases", None)):
        raise TypeError(f"{path.name} defines no cases(dtype, torch) function")
    return mod


# ----------------------------------------------------------------------------
# machine facts
# ----------------------------------------------------------------------------
def blas_info():
    """BLAS / OpenMP libraries loaded in this process (threadpoolctl), as dicts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    np.ones((4, 4)) @ np.ones((4, 4))  # make sure NumPy's BLAS is loaded
    return [p for p in threadpool_info() if p.get("user_api") in ("blas", "openmp")]


def describe_pools(pools):
    if pools is None:
        return ["threadpoolctl is not installed: BLAS unknown (pip install threadpoolctl)"]
    lines = []
    for p in pools:
        arch = p.get("architecture")
        what = " ".join(str(x) for x in (p.get("internal_api"), p.get("version")) if x)
        lines.append(f"{p.get('user_api')}: {what}{f' ({arch} kernel)' if arch else ''}, "
                     f"{p.get('num_threads')} threads, `{Path(p.get('filepath', '?')).name}`")
    return lines


def gemm_call(dtype, n):
    """A no-argument call of ``np.matmul`` on two ``n x n`` matrices (2 n^3 flops), warmed up."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)

    def call():
        np.matmul(a, b, out=out)
    call()  # warm-up: threads, page faults
    return call


def gemm_rate(dtype, n, repeat):
    """Best GFLOP/s of ``np.matmul`` on two ``n x n`` matrices (2 n^3 flops)."""
    call = gemm_call(dtype, n)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


#: Size of the GEMM probe (set by :func:`main`: 2048, 1024 with ``--quick``).
GEMM_N = 2048


# ----------------------------------------------------------------------------
# checking and timing
# ----------------------------------------------------------------------------
def as_arrays(result):
    """An implementation's result as a tuple of NumPy arrays."""
    if not isinstance(result, (tuple, list)):
        result = (result,)
    out = []
    for r in result:
        if hasattr(r, "detach"):  # a torch tensor slipped through
            r = r.detach().cpu().numpy()
        out.append(np.asarray(r))
    return tuple(out)


def compare_outputs(ref, got, rtol):
    """``(ok, err, why)``: err = max over arrays of max|got - ref| / max|ref|."""
    if len(ref) != len(got):
        return False, math.inf, f"returned {len(got)} arrays, dlnotes {len(ref)}"
    worst = 0.0
    for i, (r, g) in enumerate(zip(ref, got)):
        if r.shape != g.shape:
            return False, math.inf, f"array {i}: shape {g.shape}, dlnotes {r.shape}"
        r64 = r.astype(np.float64)
        g64 = g.astype(np.float64)
        fin = np.isfinite(r64)
        if not (fin.all() and np.isfinite(g64).all()):
            # NaN/inf must sit in the same places with the same values; the finite rest is
            # compared as usual, and an array with nothing finite proves nothing (two runs
            # that both diverged to NaN are not "in agreement")
            if not np.array_equal(r64[~fin], g64[~fin], equal_nan=True) \
                    or not np.isfinite(g64[fin]).all():
                return False, math.inf, f"array {i}: non-finite values differ"
            if r64.size and not fin.any():
                return False, math.inf, f"array {i}: no finite values to compare"
            r64, g64 = r64[fin], g64[fin]
        scale = float(np.abs(r64).max()) if r64.size else 0.0
        diff = float(np.abs(g64 - r64).max()) if r64.size else 0.0
        err = diff / scale if scale > 0 else diff
        worst = max(worst, err)
        if not np.allclose(g64, r64, rtol=rtol, atol=rtol * scale):
            return False, worst, f"array {i}: max|diff| = {diff:.3g} (max|ref| = {scale:.3g})"
    return True, worst, ""


#: The process counts as idle when its threads used less than this fraction of
#: one core over ``IDLE_WINDOWS`` consecutive windows of ``IDLE_WINDOW`` seconds.
IDLE_FRACTION = 0.10
IDLE_WINDOW = 0.005
IDLE_WINDOWS = 3
#: Never wait longer than this for the process to go idle (a neighbour that
#: never stops spinning is then caught by the self-check instead).
IDLE_MAX_WAIT = 1.0
#: A rotation median that differs from the standalone median by more than this
#: fraction marks the row (and the run) as contaminated.
CONTAMINATION = 0.10
#: A flagged row counts as *separated* (the neighbour, not the run's noise) when
#: the two-sided exact rank-sum (Mann-Whitney U) p-value of its rotation blocks
#: against its standalone blocks is below this.  On these virtual machines a
#: block varies by ~20 % (interquartile range) when quiet, and 3 standalone
#: blocks against 9 rotation blocks then cross 10 % by chance alone in about 40 %
#: of rows (simulated with log-normal blocks; measured: 21-28 of 47 rows flagged
#: in quiet runs).  The p-value tells those apart from a neighbour that slows
#: most blocks (with 9 against 3 blocks the smallest p is 0.009).  The flag
#: itself stays the plain 10 % rule.
SIGNIFICANCE = 0.05


def wait_idle(max_wait=IDLE_MAX_WAIT, window=IDLE_WINDOW, windows=IDLE_WINDOWS,
              fraction=IDLE_FRACTION):
    """Sleep until this process's threads stop burning CPU; return the seconds waited.

    After a threaded call, OpenBLAS workers spin for tens of milliseconds
    (measured here: ~40-100 ms after a NumPy GEMM, ~10-40 ms after a PyTorch
    matmul, a few ms after an OpenMP region), taking cores from whatever runs
    next.  ``time.process_time`` counts the CPU time of every thread of the
    process, so sleeping through ``windows`` consecutive windows in which the
    process used less than ``fraction`` of a core means every pool is asleep.
    """
    t_start = time.perf_counter()
    quiet = 0
    while quiet < windows:
        c0, w0 = time.process_time(), time.perf_counter()
        time.sleep(window)
        busy = (time.process_time() - c0) / max(time.perf_counter() - w0, 1e-9)
        quiet = quiet + 1 if busy < fraction else 0
        if time.perf_counter() - t_start > max_wait:
            break
    return time.perf_counter() - t_start


def _block(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def _spread(n_marks, n_rounds):
    """``n_marks`` round indices spread evenly over ``range(n_rounds)`` (first and last included)."""
    if n_marks <= 0:
        return set()
    n = min(n_marks, n_rounds)
    if n == 1:
        return {n_rounds // 2}
    return {round(i * (n_rounds - 1) / (n - 1)) for i in range(n)}


def time_impls(impls, repeat, min_block, idle=True, alone=None, stats=None):
    """Median seconds per call of each implementation, alternating in blocks.

    Each implementation gets a block of ``number`` back-to-back calls (enough
    for ``min_block`` seconds); the blocks of the implementations alternate,
    with the order rotated every round, so a burst of load from a neighbour
    hits all of them alike.  With ``idle`` (the default) every block starts
    only once the threads of the previous block are asleep (:func:`wait_idle`).

    Self-check: in ``alone`` of the ``repeat`` rounds (spread evenly over the
    run; default ``max(1, round(repeat / 3))``, 0 for none), each
    implementation's rotation block is followed at once by a second block of
    the same implementation.  That second block had no other library before
    it: it is the implementation *timed alone*.  Interleaving the standalone
    blocks with the rotation (instead of timing them all first, as this
    harness did until 2026-11-30) lets slow drifts of the machine (frequency,
    a neighbour's load, the page cache) reach both medians alike, so their
    difference measures what the previous library's threads did to a block
    and little else; a median of several standalone blocks instead of one
    keeps a single noisy block from flagging a row.  ``stats``, a dict if
    given, receives ``alone`` (standalone medians), ``deviation`` (rotation
    median / standalone median - 1, per implementation), ``contaminated``
    (True when any deviation exceeds ``CONTAMINATION``), ``p`` (exact
    rank-sum p-value of the rotation blocks against the standalone blocks, per
    implementation; see ``SIGNIFICANCE``), ``spread`` (the
    interquartile range of the rotation blocks over their median, the run's
    own noise) and ``waits`` (median idle wait after each implementation's
    blocks, in seconds).
    """
    if alone is None:
        alone = max(1, round(repeat / 3))
    alone_rounds = _spread(alone, repeat)
    numbers = {}
    for name, fn in impls.items():
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        numbers[name] = max(1, min(10_000, int(min_block / max(t, 1e-7))))
    samples = {name: [] for name in impls}
    solo = {name: [] for name in impls}
    waits = {name: [] for name in impls}
    order = list(impls)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    prev = None

    def timed(name, into):
        nonlocal prev
        if idle:
            waited = wait_idle()
            if prev is not None:
                waits[prev].append(waited)
        into[name].append(_block(impls[name], numbers[name]))
        prev = name

    try:
        for r in range(repeat):
            k = r % len(order)
            for name in order[k:] + order[:k]:
                timed(name, samples)
                if r in alone_rounds:
                    timed(name, solo)
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    med = {name: statistics.median(s) for name, s in samples.items()}
    if stats is not None:
        stats["alone"] = {n: statistics.median(s) for n, s in solo.items() if s}
        stats["deviation"] = {n: med[n] / stats["alone"][n] - 1 for n in stats["alone"]}
        stats["contaminated"] = any(abs(d) > CONTAMINATION for d in stats["deviation"].values())
        stats["p"] = {n: _rank_sum_p(samples[n], solo[n]) for n in stats["alone"]}
        stats["spread"] = {n: _iqr(s) / med[n] for n, s in samples.items() if med[n] > 0}
        stats["waits"] = {n: statistics.median(w) for n, w in waits.items() if w}
    return med


def _rank_sum_p(a, b):
    """Two-sided exact Mann-Whitney U p-value of samples ``a`` against ``b`` (1.0 if too few)."""
    if len(a) < 2 or len(b) < 1:
        return 1.0
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue)


def separated(check):
    """True when a flagged row's worst implementation is separated beyond the run's noise."""
    dev, p = check.get("deviation") or {}, check.get("p") or {}
    return any(abs(d) > CONTAMINATION and p.get(n, 1.0) < SIGNIFICANCE for n, d in dev.items())


def _iqr(values):
    """Interquartile range (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[2] - q[0]


def run_case(case, dtype, repeat, min_block, idle=True):
    """Check agreement and time one case; returns a row dict."""
    name = case["name"]
    impls = {k: v for k, v in case["impls"].items() if k in IMPLS and v is not None}
    rtol = case.get("rtol", RTOL[dtype])
    dtype = case.get("dtype", dtype)  # a case may run in another precision than the pass
    row = {"name": name, "dtype": dtype, "flops": case.get("flops"), "times": {},
           "err": None, "ok": True, "why": [], "check": {}}
    if "dlnotes" not in impls:
        row["ok"] = False
        row["why"].append("no dlnotes implementation")
        return row
    results = {}
    for impl, fn in list(impls.items()):
        try:
            results[impl] = as_arrays(fn())
        except Exception as exc:  # report and keep going with the others
            row["ok"] = False
            row["why"].append(f"{LABELS[impl]} raised {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
            del impls[impl]
    if "dlnotes" not in results:
        return row
    errs = []
    for impl in ("numpy", "torch"):
        if impl in results:
            ok, err, why = compare_outputs(results["dlnotes"], results[impl], rtol)
            errs.append(err)
            if not ok:
                row["ok"] = False
                row["why"].append(f"{LABELS[impl]} disagrees with dlnotes: {why}")
    row["err"] = max(errs) if errs else None
    del results
    timed = dict(impls)
    if case.get("gemm_share"):  # the rate that "% of GEMM" is read against, in the rotation
        timed["gemm"] = gemm_call(dtype, GEMM_N)
    row["times"] = time_impls(timed, repeat, min_block, idle=idle, stats=row["check"])
    if "gemm" in row["times"]:
        row["gemm_rotation"] = 2.0 * GEMM_N ** 3 / row["times"].pop("gemm") / 1e9
    return row


# ----------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------
def fmt_time(t):
    if t is None:
        return "—"
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_ratio(a, b):
    if a is None or b is None:
        return "—"
    r = a / b
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


HEADER = ["case", "dtype", "dlnotes", "NumPy", "PyTorch", "dlnotes / PyTorch", "NumPy / PyTorch",
          "dlnotes GFLOP/s", "% of GEMM", "max rel. diff", "agree", "self-check"]


def check_cell(row):
    """The self-check column: the largest rotation / standalone deviation."""
    dev = row.get("check", {}).get("deviation")
    if not dev:
        return "—"
    name, d = max(dev.items(), key=lambda kv: abs(kv[1]))
    text = f"{100 * d:+.0f}% {LABELS[name]}"
    if abs(d) <= CONTAMINATION:
        return f"ok ({text})"
    p = row["check"].get("p", {}).get(name)
    if p is not None:
        text += f", p={p:.2g}" + ("" if p < SIGNIFICANCE else ": within noise")
    return f"**contaminated** ({text})"


def table_cells(rows, gemm):
    """The table body: one list of strings per row, columns as in ``HEADER``."""
    body = []
    for r in rows:
        t = r["times"]
        td, tn, tt = t.get("dlnotes"), t.get("numpy"), t.get("torch")
        gf = pct = "—"
        if r["flops"] and td:
            rate = r["flops"] / td / 1e9
            gf = f"{rate:.1f}"
            pct = f"{100 * rate / gemm[r['dtype']]:.0f}%"
            if r.get("gemm_rotation"):  # see ``gemm_share`` in the module docstring
                pct = (f"{100 * rate / r['gemm_rotation']:.0f}% of the probe in rotation "
                       f"({r['gemm_rotation']:.0f} GFLOP/s); {pct} of the run's best")
        err = "—" if r["err"] is None else f"{r['err']:.1e}"
        body.append([f"{r['topic']}: {r['name']}", r["dtype"], fmt_time(td), fmt_time(tn),
                     fmt_time(tt), fmt_ratio(td, tt), fmt_ratio(tn, tt), gf, pct, err,
                     "yes" if r["ok"] else "**NO**", check_cell(r)])
    return body


def table(rows, gemm):
    """Markdown table of the rows."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_cells(rows, gemm)]
    return "\n".join(lines)


def rst_table(rows, gemm):
    """reStructuredText ``list-table`` of the rows (for the Sphinx docs)."""
    lines = [".. list-table::", "   :header-rows: 1", "   :class: dlnotes-perf", ""]
    for cells in [HEADER] + table_cells(rows, gemm):
        cells = [c if c.startswith("**") else re.sub(r"([\\_*`|])", r"\\\1", c) for c in cells]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {c}" for c in cells[1:]]
    return "\n".join(lines)


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo``), or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_commit():
    """Short hash of the checkout's HEAD (with ``+dirty`` when files changed), or ``unknown``."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                              capture_output=True, check=True).stdout.strip()
        # the tables a run writes do not make the code it measured dirty (the 1-thread pass
        # of regenerate_docs.sh runs after the 2-thread pass has rewritten them)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":(exclude)docs/performance/generated"],
                               cwd=os.path.dirname(HERE), text=True,
                               capture_output=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def stamp():
    """``commit ..., <UTC date>, <CPU model>``: the stamp of every published table."""
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"commit `{git_commit()}`, {date}, CPU: {cpu_model()}"


def self_check_summary(rows, idle=True):
    """One line: how many rows the self-check flags, and the measured idle waits."""
    checked = [r for r in rows if r.get("check", {}).get("deviation")]
    bad = [r for r in checked if r["check"]["contaminated"]]
    text = (f"self-check: {len(bad)} of {len(checked)} rows **contaminated** (an in-rotation "
            f"median differs from the same implementation timed alone by more than "
            f"{100 * CONTAMINATION:.0f}%)" if bad else
            f"self-check: clean (every in-rotation median within {100 * CONTAMINATION:.0f}% of "
            f"the same implementation timed alone, {len(checked)} rows)")
    if bad and any("p" in r["check"] for r in bad):
        sep = sum(separated(r["check"]) for r in bad)
        text += (f"; in {sep} of them the rotation blocks and the standalone blocks are "
                 f"separated beyond the run's noise (exact rank-sum p < {SIGNIFICANCE:g}), "
                 f"in the others the difference is within it")
    spreads = [max(r["check"]["spread"].values()) for r in checked if r["check"].get("spread")]
    if spreads:
        text += (f"; the run's own noise, the interquartile range of a row's rotation blocks "
                 f"over their median, is {100 * statistics.median(spreads):.0f}% (median row)")
    if not idle:
        text += "; blocks started WITHOUT idle waits (--no-idle-wait)"
        return text
    waits = {}
    for r in rows:
        for name, w in r.get("check", {}).get("waits", {}).items():
            waits.setdefault(name, []).append(w)
    if waits:
        text += ("; each block started once the process was idle, which took (median) "
                 + ", ".join(f"{1e3 * statistics.median(w):.0f} ms after {LABELS[n]}"
                             for n, w in waits.items()))
    return text


def md_to_rst(line):
    """Inline markdown of the report's bullet lines -> reStructuredText."""
    return re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", line)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    ref = "torch" if any(r["times"].get("torch") for r in rows) else "numpy"
    others = [i for i in IMPLS if i != ref]
    rows = [r for r in rows if r["times"].get(ref)]
    if not rows:
        print("compare.py: nothing to plot", file=sys.stderr)
        return
    labels = [f"{r['topic']}: {r['name']} ({r['dtype'].replace('float', 'f')})" for r in rows]
    y = np.arange(len(rows))
    h = 0.8 / len(others)
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(rows) + 1.2), dpi=90)
    colors = {"dlnotes": "#1f77b4", "numpy": "#ff7f0e", "torch": "#2ca02c"}
    for j, impl in enumerate(others):
        vals = [r["times"].get(impl, np.nan) / r["times"][ref] for r in rows]
        ax.barh(y + (j - (len(others) - 1) / 2) * h, vals, height=h, color=colors[impl],
                label=LABELS[impl])
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xscale("log")
    vals = [r["times"][i] / r["times"][ref] for r in rows for i in others if r["times"].get(i)]
    lo, hi = min(vals + [1.0]) / 1.5, max(vals + [1.0]) * 1.5
    ax.set_xlim(lo, hi)
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
             if lo <= t <= hi]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"median time / {LABELS[ref]} time  "
                  f"(log scale; < 1 is faster than {LABELS[ref]})")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(axis="x", which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", metavar="TOPIC",
                    help="run only cases_TOPIC.py (repeatable, or comma-separated)")
    ap.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=None,
                    help="timed blocks per implementation (default 15; 3 with --quick)")
    ap.add_argument("--quick", action="store_true",
                    help="few, short repeats and a smaller GEMM probe (CI smoke test)")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads of PyTorch, and (through threadpoolctl) of the BLAS and "
                         "OpenMP pools of NumPy, SciPy and dlnotes (default 2)")
    ap.add_argument("--markdown", metavar="OUT.md", help="also write the report to this file")
    ap.add_argument("--rst", metavar="OUT.rst",
                    help="also write the report as reStructuredText (included by the docs)")
    ap.add_argument("--plot", metavar="OUT.png", help="bar chart of the time ratios")
    ap.add_argument("--rst-dir", metavar="DIR",
                    help="also write DIR/<topic>_<tag>.inc per topic and DIR/all_<tag>.inc "
                         "(the docs' performance pages include them; see "
                         "benchmarks/regenerate_docs.sh)")
    ap.add_argument("--tag", default=None,
                    help="suffix of the --rst-dir files (default: '<threads>threads')")
    ap.add_argument("--min-block", type=float, default=None,
                    help="seconds of calls per timed block (default 0.05; 0.005 with --quick)")
    ap.add_argument("--no-load-aware", action="store_true",
                    help="let dlnotes thread even when the machine is oversubscribed "
                         "(dlnotes._threads.LOAD_AWARE = False)")
    ap.add_argument("--no-idle-wait", action="store_true",
                    help="start each block right after the previous one (the old, contaminated "
                         "behaviour; the self-check then shows the damage)")
    ap.add_argument("--dlnotes-first", action="store_true",
                    help="load dlnotes' kernels before PyTorch, so that the OpenMP runtime is "
                         "dlnotes' libgomp with its short idle spin, shared by PyTorch (default: "
                         "PyTorch first, at its own defaults; dlnotes then runs on PyTorch's "
                         "libgomp: see dlnotes._threads)")
    ap.add_argument("--list", action="store_true", help="list the topics and exit")
    args = ap.parse_args(argv)

    topics = discover(args.only)
    if args.list:
        print("\n".join(topics))
        return 0
    repeat = args.repeat or (3 if args.quick else 15)
    if repeat < 1:
        ap.error("--repeat must be >= 1")
    min_block = args.min_block or (0.005 if args.quick else 0.05)
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)

    if args.dlnotes_first:
        try:
            import dlnotes._kernels.activations  # noqa: F401  (loads dlnotes' OpenMP runtime)
        except ImportError:
            pass
    try:
        import torch
    except ImportError:
        torch = None
    else:
        torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("compare.py: threadpoolctl is not installed: BLAS/OpenMP threads not limited",
              file=sys.stderr)
    else:
        np.ones((4, 4)) @ np.ones((4, 4))  # load NumPy's BLAS before limiting it
        try:
            import dlnotes._kernels.activations  # noqa: F401  (loads the OpenMP runtime)
        except ImportError:
            pass
        threadpool_limits(limits=args.threads)  # stays in force for the whole run

    if args.no_load_aware:
        try:
            from dlnotes import _threads
            _threads.LOAD_AWARE = False
        except ImportError:
            pass
    load0 = os.getloadavg()
    t_start = time.perf_counter()
    global GEMM_N
    gemm_n = GEMM_N = 1024 if args.quick else 2048
    gemm = {dt: gemm_rate(dt, gemm_n, 2 if args.quick else 5) for dt in ("float32", "float64")}
    pools = blas_info()

    rows, failures = [], []
    for topic, path in topics.items():
        try:
            mod = load_cases_module(topic, path)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            failures.append(f"{path.name}: import failed: {type(exc).__name__}: {exc}")
            continue
        for dtype in dtypes:
            try:
                cases = mod.cases(dtype, torch)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                failures.append(f"{path.name}: cases({dtype!r}) raised {type(exc).__name__}: {exc}")
                continue
            for case in cases:
                row = run_case(case, dtype, repeat, min_block, idle=not args.no_idle_wait)
                row["topic"] = topic
                rows.append(row)
                t = row["times"]
                print(f"  {topic}: {row['name']} [{row['dtype']}] "
                      + "  ".join(f"{LABELS[k]} {fmt_time(v)}" for k, v in t.items())
                      + ("" if row["ok"] else "  DISAGREE/ERROR")
                      + ("  CONTAMINATED" if row["check"].get("contaminated") else ""),
                      file=sys.stderr, flush=True)
                if not row["ok"]:
                    failures.extend(f"{topic}: {row['name']} [{dtype}]: {w}" for w in row["why"])
            del cases
            gc.collect()
    load1 = os.getloadavg()
    if not args.quick:  # once more at the end: the best of both is the machine's rate
        gemm_end = {dt: gemm_rate(dt, gemm_n, 5) for dt in ("float32", "float64")}
        gemm_note = (f" (start / end: {gemm['float32']:.0f} / {gemm_end['float32']:.0f} and "
                     f"{gemm['float64']:.0f} / {gemm_end['float64']:.0f})")
        gemm = {dt: max(gemm[dt], gemm_end[dt]) for dt in gemm}
    else:
        gemm_note = ""

    env_lines = []
    for var in BLAS_ENV + THREAD_ENV:
        if var in os.environ:
            env_lines.append(f"`{var}={os.environ[var]}`")
    facts = [f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
             f"Python {platform.python_version()}, NumPy {np.__version__}, "
             + (f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
                if torch else "PyTorch not installed")]
    try:
        import dlnotes
        facts[-1] += f", dlnotes {dlnotes.__version__} from `{Path(dlnotes.__file__).parent}`"
    except ImportError:
        pass
    facts.insert(0, stamp())
    facts.append(f"load average (1 min) before / after: {load0[0]:.2f} / {load1[0]:.2f} "
                 f"({time.perf_counter() - t_start:.0f} s run, {repeat} blocks per implementation)")
    facts += describe_pools(pools)
    facts.append(f"NumPy GEMM ({gemm_n}x{gemm_n}, best of runs): "
                 f"float32 {gemm['float32']:.0f} GFLOP/s, float64 {gemm['float64']:.0f} GFLOP/s"
                 + gemm_note)
    facts.append(self_check_summary(rows, idle=not args.no_idle_wait))
    try:
        from dlnotes import _threads

        busy = f"load average {load0[0]:.1f} / {load1[0]:.1f} against the threshold " \
               f"{_threads.BUSY_LOAD_PER_CPU * (os.cpu_count() or 1):.1f}"
        facts.append("dlnotes' thread policy: " + (
            f"load-aware ({busy}: above it dlnotes runs its kernels and small GEMMs on one "
            f"thread whatever --threads says)" if _threads.LOAD_AWARE else
            "load-aware switch off (--no-load-aware)"))
        from dlnotes import _kernels

        facts.append(f"OpenMP idle wait: {_kernels.OPENMP_SPIN} (dlnotes._kernels.OPENMP_SPIN; "
                     + ("dlnotes loaded first" if args.dlnotes_first else "PyTorch loaded first")
                     + ")")
    except (ImportError, AttributeError):
        pass
    if env_lines:
        facts.append(f"environment: {', '.join(env_lines)}")
    if any(v in os.environ for v in BLAS_ENV):
        facts.append("note: " + " / ".join(f"`{v}`" for v in BLAS_ENV if v in os.environ)
                     + " is set and may select a slower OpenBLAS kernel; for representative "
                     "numbers run `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python "
                     "benchmarks/compare.py` (tests and CI leave them alone).")
    legend = ("Median time per forward+backward call; ratios are time / PyTorch time "
              "(PyTorch = 1.0, below 1 is faster); GFLOP/s and % of GEMM are dlnotes' "
              "(— where the case is not counted in flops).")
    notes = []
    if torch is None:
        notes.append("PyTorch is not installed: the PyTorch columns are empty "
                     "(pip install torch to fill them).")
    if failures:
        notes.append("Failures:")
        notes += [f"- {f}" for f in failures]

    report = ["## dlnotes vs PyTorch vs NumPy", ""] + [f"- {f}" for f in facts]
    report += ["", legend, "", table(rows, gemm) if rows else "(no cases ran)"]
    if notes:
        report += [""] + notes
    text = "\n".join(report) + "\n"
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    if args.rst:
        rst = [f"* {md_to_rst(f)}" for f in facts] + ["", md_to_rst(legend), ""]
        rst.append(rst_table(rows, gemm) if rows else "(no cases ran)")
        if torch is None:
            rst += ["", notes[0]]
        if failures:
            rst += ["", "Failures:", ""] + [f"* {md_to_rst(f)}" for f in failures]
        Path(args.rst).write_text("\n".join(rst) + "\n", encoding="utf-8")
    if args.rst_dir:
        out = Path(args.rst_dir)
        out.mkdir(parents=True, exist_ok=True)
        tag = args.tag or f"{args.threads}threads"
        head = [f"* {md_to_rst(f)}" for f in facts] + ["", md_to_rst(legend), ""]
        for topic in sorted({r["topic"] for r in rows}) + [None]:
            sub = [r for r in rows if topic is None or r["topic"] == topic]
            body = head + [rst_table(sub, gemm)]
            bad = [f for f in failures if topic is None or f.startswith(f"{topic}:")]
            if bad:
                body += ["", "Failures:", ""] + [f"* {md_to_rst(f)}" for f in bad]
            name = f"{topic or 'all'}_{tag}.inc"
            (out / name).write_text("\n".join(body) + "\n", encoding="utf-8")
    if args.plot and rows:
        try:
            plot(rows, args.plot)
        except ImportError as exc:
            print(f"compare.py: no plot ({exc}); pip install matplotlib", file=sys.stderr)
    if not rows and not failures:
        print("compare.py: no case ran", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
