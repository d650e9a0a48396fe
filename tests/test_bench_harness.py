"""Tests of the benchmark tooling: benchmarks/compare.py and asv_publish_offline.py.

The timings themselves are not tested (they are noise on shared machines);
what is tested is that the harness detects disagreement and failures, times
every implementation, and that the offline rewrite of asv's page leaves no
CDN URL behind.
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    path = ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def compare():
    return _load("compare")


@pytest.fixture(scope="module")
def publish():
    return _load("asv_publish_offline")


def test_compare_outputs_accepts_rounding_and_rejects_errors(compare, rng):
    ref = (rng.standard_normal((5, 7)), rng.standard_normal(3))
    ok, err, _ = compare.compare_outputs(ref, tuple(r * (1 + 1e-9) for r in ref), 1e-7)
    assert ok and err < 1e-8
    bad = (ref[0].copy(), ref[1].copy())
    bad[1][2] += 1e-3 * np.abs(ref[1]).max() * 5
    ok, err, why = compare.compare_outputs(ref, bad, 1e-3)
    assert not ok and err > 1e-3 and "array 1" in why


def test_compare_outputs_shape_count_and_nan(compare):
    a = np.ones((2, 3))
    assert not compare.compare_outputs((a,), (a.T,), 1e-3)[0]
    assert not compare.compare_outputs((a, a), (a,), 1e-3)[0]
    n = a.copy()
    n[0, 0] = np.nan
    assert compare.compare_outputs((n,), (n.copy(),), 1e-3)[0]
    assert not compare.compare_outputs((n,), (a,), 1e-3)[0]
    wrong = n.copy()
    wrong[1, 2] = 5.0                     # same NaN, a wrong finite value
    assert not compare.compare_outputs((n,), (wrong,), 1e-3)[0]
    nan = np.full(3, np.nan)              # both diverged: nothing to agree on
    ok, _, why = compare.compare_outputs((nan,), (nan.copy(),), 1e-3)
    assert not ok and "no finite" in why


@pytest.mark.parametrize("which", ["dense", "char_lm"])
def test_epoch_cases_train_two_independent_networks(which, torch):
    """The agreement check of cases_epochs compares two separately trained networks from
    the same initial weights: after three dlnotes epochs, PyTorch's first epoch still gives
    dlnotes' first-epoch loss (shared or aliased weights would give the fourth)."""
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cases_epochs
    finally:
        sys.path.pop(0)
    case = getattr(cases_epochs, f"_{which}_case")(torch)
    dl, th = case["impls"]["dlnotes"], case["impls"]["torch"]
    first = dl()
    later = [dl() for _ in range(3)]
    peer = th()
    assert np.allclose(peer, first, rtol=case["rtol"], atol=0)
    assert not np.allclose(peer, later[-1], rtol=case["rtol"] / 10, atol=0)
    assert abs(float(later[-1][0]) - float(first[0])) > 1e-3 * abs(float(first[0]))


def test_time_impls_times_every_impl_in_alternating_blocks(compare):
    calls = []
    impls = {k: (lambda k=k: calls.append(k)) for k in ("dlnotes", "numpy", "torch")}
    stats = {}
    times = compare.time_impls(impls, repeat=3, min_block=0.0, alone=1, stats=stats)
    assert set(times) == set(impls) and all(t > 0 for t in times.values())
    d, n, t = "dlnotes", "numpy", "torch"
    # one calibration call each, then three rounds whose order rotates; in the middle
    # round every block is followed by a standalone block of the same implementation
    assert calls == [d, n, t,  d, n, t,  n, n, t, t, d, d,  t, d, n]
    assert set(stats["alone"]) == set(stats["deviation"]) == set(stats["spread"]) == set(impls)
    assert set(stats["waits"]) == set(impls)


def test_standalone_rounds_are_spread_over_the_run(compare):
    assert compare._spread(3, 9) == {0, 4, 8}
    assert compare._spread(1, 9) == {4}
    assert compare._spread(0, 9) == set()
    assert compare._spread(5, 3) == {0, 1, 2}
    calls = []
    impls = {k: (lambda k=k: calls.append(k)) for k in ("dlnotes", "torch")}
    stats = {}
    compare.time_impls(impls, repeat=9, min_block=0.0, stats=stats)  # default: 3 standalone
    assert len(calls) == 2 + 2 * (9 + 3)
    assert compare._iqr([1.0]) == 0.0 and compare._iqr([1.0, 2.0, 3.0, 4.0, 5.0]) == 2.0


class _Spinner:
    """A neighbour thread that busy-loops (holding the GIL in bursts) until ``until``.

    Between spins it sleeps on an event that :meth:`spin_until` and :meth:`close` set, so it
    starts at once and, idle, costs no CPU: it used to poll every 2 ms, about 1 % of a core
    on this VM, and ``wait_idle(fraction=0.02)`` could then fail to see three quiet 5 ms
    windows (one failure in a full run of the suite, 2026-11-30).
    """

    def __init__(self):
        import threading

        self.until = 0.0
        self._stop = False
        self._wake = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def spin_until(self, t):
        self.until = t
        self._wake.set()

    def close(self):
        self._stop = True
        self._wake.set()
        self.thread.join()

    def _run(self):
        import time

        while not self._stop:
            if time.perf_counter() < self.until:
                x = 0
                for i in range(2000):
                    x += i
            else:
                self._wake.wait()
                self._wake.clear()


def _python_work():
    x = 0
    for i in range(3000):
        x += i * i
    return x


def test_self_check_catches_a_spinning_neighbour(compare):
    """Like OpenBLAS after a GEMM: ``numpy`` leaves a thread spinning for 10 ms.

    Without idle waits the block that follows it runs slower than the same
    implementation timed alone, and the self-check flags the run.  The spin is
    shorter than a block (20 ms): since the standalone blocks follow their rotation
    block at once, a spin longer than a block (60 ms against 10 ms blocks, until
    2026-11-30) reached the standalone block too, and the test failed in about one
    run of ten.
    """
    import time

    spinner = _Spinner()

    def noisy():
        _python_work()
        spinner.spin_until(time.perf_counter() + 0.01)

    impls = {"dlnotes": _python_work, "numpy": noisy, "torch": _python_work}
    try:
        stats = {}
        compare.time_impls(impls, repeat=5, min_block=0.02, idle=False, alone=2, stats=stats)
        assert stats["contaminated"]
        assert set(stats["p"]) == set(impls) and all(0 < p <= 1 for p in stats["p"].values())
        # the block after the spinner is the one slowed on a quiet machine; on a loaded one
        # the neighbours may move another block further, so the check is on the run's worst
        assert max(abs(d) for d in stats["deviation"].values()) > compare.CONTAMINATION
        row = {"check": stats}
        assert compare.check_cell(row).startswith("**contaminated**")
        assert "1 of 1 rows **contaminated**" in compare.self_check_summary([row], idle=False)

        # With idle waits, every block waits for the process to go quiet.
        stats = {}
        compare.time_impls(impls, repeat=3, min_block=0.01, idle=True, alone=1, stats=stats)
        assert set(stats["waits"]) == set(impls)
        assert min(stats["waits"].values()) >= 3 * compare.IDLE_WINDOW
    finally:
        spinner.close()


def test_self_check_tells_separation_from_noise(compare):
    """A flagged row says whether its blocks are separated beyond the run's noise."""
    # every rotation block above every standalone block: the smallest p for 9 against 3
    assert compare._rank_sum_p([1.2 + 0.01 * i for i in range(9)], [1.0, 1.01, 1.02]) < 0.01
    # interleaved: a difference of medians without separation
    rotation = [0.8, 1.3, 0.9, 1.25, 1.0, 1.2, 0.85, 1.15, 1.3]
    assert compare._rank_sum_p(rotation, [1.3, 0.9, 1.0]) > 0.5
    assert compare._rank_sum_p([1.0], [1.0]) == 1.0

    def row(d, p):
        return {"check": {"deviation": {"dlnotes": 0.02, "torch": d},
                          "p": {"dlnotes": 0.9, "torch": p}, "spread": {"torch": 0.2},
                          "contaminated": abs(d) > compare.CONTAMINATION}}

    bad, noisy, fine = row(0.3, 0.009), row(0.15, 0.4), row(0.05, 0.01)
    assert compare.check_cell(bad) == "**contaminated** (+30% PyTorch, p=0.009)"
    assert compare.check_cell(noisy) == "**contaminated** (+15% PyTorch, p=0.4: within noise)"
    assert compare.check_cell(fine) == "ok (+5% PyTorch)"
    assert compare.separated(bad["check"]) and not compare.separated(noisy["check"])
    text = compare.self_check_summary([bad, noisy, fine], idle=False)
    assert text.startswith("self-check: 2 of 3 rows **contaminated**")
    assert "in 1 of them the rotation blocks and the standalone blocks are separated" in text
    assert compare.self_check_summary([fine], idle=False).startswith("self-check: clean")


def test_wait_idle_returns_only_after_the_spinning_stops(compare):
    import time

    spinner = _Spinner()
    try:
        spinner.spin_until(time.perf_counter() + 0.1)
        # 2% of a core: a busy thread gets more even on a machine loaded 20 deep
        waited = compare.wait_idle(fraction=0.02)
        assert time.perf_counter() >= spinner.until and 0.08 <= waited < compare.IDLE_MAX_WAIT
        assert compare.wait_idle() < 0.5  # nothing spins: three quiet windows
    finally:
        spinner.close()


def test_run_case_flags_disagreement_and_exceptions(compare):
    x = np.arange(6.0)

    def boom():
        raise RuntimeError("kaput")
    row = compare.run_case({"name": "t", "flops": 6.0, "impls": {
        "dlnotes": lambda: (x,), "numpy": lambda: (x + 1,), "torch": boom}},
        "float64", repeat=1, min_block=0.0)
    assert not row["ok"]
    assert any("NumPy disagrees" in w for w in row["why"])
    assert any("kaput" in w for w in row["why"])
    assert set(row["times"]) == {"dlnotes", "numpy"}
    good = compare.run_case({"name": "t", "flops": None, "impls": {
        "dlnotes": lambda: x, "numpy": lambda: (x.copy(),), "torch": None}},
        "float32", repeat=1, min_block=0.0)
    assert good["ok"] and good["err"] == 0.0


def test_discover_filters_topics(compare):
    found = compare.discover(["nn"])
    assert list(found) == ["nn"]
    with pytest.raises(SystemExit, match="no benchmarks/cases_"):
        compare.discover(["no_such_topic"])


def test_table_ratios_are_relative_to_torch(compare):
    rows = [{"topic": "x", "name": "c", "dtype": "float32", "flops": 2e9, "err": 0.0, "ok": True,
             "times": {"dlnotes": 2.0, "numpy": 4.0, "torch": 1.0}}]
    line = compare.table(rows, {"float32": 10.0, "float64": 5.0}).splitlines()[-1]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[5:9] == ["2.00", "4.00", "1.0", "10%"]


def test_publish_rewrite_removes_cdn_and_integrity(publish, tmp_path):
    index = tmp_path / "index.html"
    index.write_text(
        '<script src="https://code.jquery.com/jquery-3.3.1.min.js" integrity="sha256-x" '
        'crossorigin="anonymous" onerror="f()"></script>\n'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/'
        'bootstrap.min.css" integrity="sha256-y" crossorigin="anonymous">\n'
        '<a href="https://github.com/airspeed-velocity/asv/">asv</a>\n')
    publish.rewrite(index)
    text = index.read_text()
    assert 'src="vendor/jquery-3.3.1.min.js" onerror="f()"' in text
    assert 'href="vendor/bootstrap.min.css"' in text
    assert "integrity" not in text and "crossorigin" not in text
    assert "https://github.com/airspeed-velocity/asv/" in text  # links stay


def test_publish_rewrite_rejects_unknown_cdn(publish, tmp_path):
    index = tmp_path / "index.html"
    index.write_text('<script src="https://cdn.example/other.js"></script>')
    with pytest.raises(SystemExit, match="unknown CDN"):
        publish.rewrite(index)


def test_gemm_share_times_the_probe_in_the_case_rotation(compare, monkeypatch):
    """A ``gemm_share`` case gets the GEMM probe as one more block of its rotation: the
    probe is timed (and self-checked) with the case, kept out of the implementations'
    times, and its rate is what the row's "% of GEMM" is read against, beside the
    run's best probe."""
    monkeypatch.setattr(compare, "GEMM_N", 64)
    x = np.arange(6.0)
    row = compare.run_case({"name": "t", "flops": 2e9, "gemm_share": True, "impls": {
        "dlnotes": lambda: (x,), "numpy": lambda: (x.copy(),), "torch": None}},
        "float32", repeat=3, min_block=0.0)
    assert row["ok"] and set(row["times"]) == {"dlnotes", "numpy"}
    assert "gemm" in row["check"]["alone"] and row["gemm_rotation"] > 0
    row.update(topic="x", times={"dlnotes": 1.0, "numpy": 1.0}, gemm_rotation=4.0)
    cells = compare.table_cells([row], {"float32": 8.0, "float64": 4.0})[0]
    assert cells[8] == "50% of the probe in rotation (4 GFLOP/s); 25% of the run's best"
    plain = compare.run_case({"name": "t", "flops": 2e9, "impls": {
        "dlnotes": lambda: (x,), "numpy": None, "torch": None}}, "float32", repeat=1,
        min_block=0.0)
    assert "gemm_rotation" not in plain and "gemm" not in plain["check"]["alone"]
