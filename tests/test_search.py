"""Random hyperparameter search (errata 1.22): scales, reproducibility, joblib and Dask."""
import math

import numpy as np
import pytest

from dlnotes.optim import (Choice, IntUniform, LogUniform, Momentum, OneMinusLogUniform,
                           SearchResults, Uniform, coarse_to_fine, random_search,
                           sample_hyperparameters)

SPACE = {"learning_rate": LogUniform(-4, 0), "beta": OneMinusLogUniform(-3, -1)}


def quadratic_objective(params, seed):
    """Dev score of Momentum(alpha, beta) on a kappa=100 quadratic from a seeded start:
    -log10 of the distance to the optimum after 60 steps (higher is better)."""
    rng = np.random.default_rng(seed)
    H = np.array([1.0, 100.0])
    p = {"x": rng.uniform(-1, 1, 2)}
    opt = Momentum(params["learning_rate"], params["beta"])
    for _ in range(60):
        opt.step(p, {"x": H * p["x"]})
    d = float(np.linalg.norm(p["x"]))
    dev = -math.log10(d) if 0 < d < 1e300 and math.isfinite(d) else -300.0
    return {"dev_score": dev, "final_distance": d}


def test_sampling_scales_errata_1_22():
    from scipy import stats

    cfgs = sample_hyperparameters(SPACE, 4000, seed=7)
    a = np.array([c["learning_rate"] for c in cfgs])
    b = np.array([c["beta"] for c in cfgs])
    assert a.min() >= 1e-4 and a.max() <= 1.0 and b.min() >= 0.9 and b.max() <= 0.999
    # about a quarter of the alphas in each decade
    counts = np.histogram(np.log10(a), bins=[-4, -3, -2, -1, 0])[0] / len(a)
    np.testing.assert_allclose(counts, 0.25, atol=0.03)
    # log10(1 - beta) is uniform on [-3, -1], log10(alpha) on [-4, 0]
    assert stats.kstest((np.log10(1 - b) + 3) / 2, "uniform").pvalue > 1e-3
    assert stats.kstest((np.log10(a) + 4) / 4, "uniform").pvalue > 1e-3
    # reproducible
    assert sample_hyperparameters(SPACE, 4000, seed=7) == cfgs
    assert sample_hyperparameters(SPACE, 4000, seed=8) != cfgs


def test_other_distributions(rng):
    space = {"n_layers": IntUniform(2, 4), "batch": Choice([64, 128, 256]),
             "keep_prob": Uniform(0.5, 1.0)}
    cfgs = sample_hyperparameters(space, 300, rng=rng)
    assert {c["n_layers"] for c in cfgs} == {2, 3, 4}
    assert {c["batch"] for c in cfgs} == {64, 128, 256}
    assert all(0.5 <= c["keep_prob"] <= 1.0 for c in cfgs)


def test_seeded_search_reproducible_sorted_and_rendered():
    r1 = random_search(quadratic_objective, SPACE, n_trials=12, seed=3, n_jobs=1)
    r2 = random_search(quadratic_objective, SPACE, n_trials=12, seed=3, n_jobs=1)
    assert r1 == r2
    scores = [r["dev_score"] for r in r1]
    assert scores == sorted(scores, reverse=True)
    assert sorted(r["trial"] for r in r1) == list(range(12))
    assert r1.best is r1[0]
    assert r1.columns == ["trial", "dev_score", "final_distance", "learning_rate", "beta",
                          "seed"]
    md = r1.to_markdown()
    assert md.splitlines()[0].startswith("| trial | dev_score |") and len(md.splitlines()) == 14
    assert len(str(r1).splitlines()) == 13
    # a different seed gives different trials
    assert random_search(quadratic_objective, SPACE, n_trials=12, seed=4, n_jobs=1) != r1
    # coarse-to-fine narrows the space around the best trials
    fine = coarse_to_fine(r1, SPACE, top=3)
    best_a = [math.log10(r["learning_rate"]) for r in r1[:3]]
    assert fine["learning_rate"].a == min(best_a) and fine["learning_rate"].b == max(best_a)


def test_local_processes_equal_sequential():
    seq = random_search(quadratic_objective, SPACE, n_trials=6, seed=11, n_jobs=1)
    par = random_search(quadratic_objective, SPACE, n_trials=6, seed=11, n_jobs=2)  # loky
    assert par == seq


def test_dask_backend_equals_local():
    pytest.importorskip("dask", reason="dask is optional (pip install 'dlnotes[dask]')")
    distributed = pytest.importorskip("distributed",
                                      reason="dask.distributed is optional (dlnotes[dask])")
    import joblib

    local = random_search(quadratic_objective, SPACE, n_trials=6, seed=11, n_jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        with joblib.parallel_backend("dask"):
            remote = random_search(quadratic_objective, SPACE, n_trials=6, seed=11)
    assert remote == local


def test_minimize_and_plain_float_objective():
    res = random_search(lambda p, s: p["x"] ** 2, {"x": Uniform(-1, 1)}, n_trials=8, seed=0,
                        n_jobs=1, maximize=False)
    vals = [r["dev_score"] for r in res]
    assert vals == sorted(vals) and isinstance(res, SearchResults)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: LogUniform(0, -4), ValueError, "a must be <= b"),
    (lambda: OneMinusLogUniform(-3, 1), ValueError, "b must be <= 0"),
    (lambda: IntUniform(3, 2), ValueError, "low must be <= high"),
    (lambda: Choice([]), ValueError, "options must not be empty"),
    (lambda: sample_hyperparameters({"a": 0.1}, 3), TypeError, "must be a distribution"),
    (lambda: sample_hyperparameters(SPACE, 0), ValueError, "n_trials must be in"),
    (lambda: random_search(lambda p, s: "good", SPACE, 2, n_jobs=1), TypeError,
     "must return a float dev score"),
    (lambda: random_search(lambda p, s: {"acc": 1.0}, SPACE, 2, n_jobs=1), ValueError,
     "must include 'dev_score'"),
])
def test_bad_search_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
