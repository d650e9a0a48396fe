r"""Random hyperparameter search, as the notes advise ("do not use grid").

Sampling scales (course C2W3 "Using an appropriate scale"):

.. math::

    \alpha = 10^{r},\; r \sim U[a, b] \quad(\text{e.g. } [-4, 0]),
    \qquad
    \beta = 1 - 10^{r},\; r \sim U[a, b] \quad(\text{e.g. } [-3, -1])

so every decade of :math:`\alpha` (and of :math:`1-\beta`) gets the same share of
trials: :math:`\beta` from 0.9 to 0.999 matters as much near 0.999, where the
averaging window :math:`1/(1-\beta)` changes fastest.

Trials run with :mod:`joblib` in local processes by default (``loky``).  The
same call scales out to a Dask cluster without a code change::

    from dask.distributed import Client
    import joblib
    client = Client("tcp://scheduler:8786")        # or a LocalCluster
    with joblib.parallel_backend("dask"):
        results = random_search(objective, space, n_trials=200, seed=0)

Every trial's hyperparameters *and* its seed are drawn up front from one
seeded generator, so the results do not depend on where or in which order the
trials run: a seeded search is reproducible, and the Dask run equals the local run.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_scalar

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_TABLE = """
Parameters
----------
floatfmt : str, default ".4g"
    Format of the float cells.

Returns
-------
str
    The table, one row per trial.
"""

__all__ = ["Distribution", "LogUniform", "OneMinusLogUniform", "Uniform", "IntUniform", "Choice",
           "sample_hyperparameters", "random_search", "SearchResults", "coarse_to_fine"]


class Distribution:
    """A one-dimensional sampling distribution: ``dist.sample(rng, n) -> list``."""

    def sample(self, rng, n):  # pragma: no cover - abstract
        r"""``n`` independent draws :math:`x_1, \ldots, x_n` of the distribution :math:`D`.

        .. math::

            x_i \overset{\text{iid}}{\sim} D, \qquad i = 1, \ldots, n

        Parameters
        ----------
        rng : numpy.random.Generator
        n : int

        Returns
        -------
        list
        """
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{v!r}" for v in self.__dict__.values())
        return f"{type(self).__name__}({args})"


def _bounds(low, high, lname="low", hname="high"):
    low = check_scalar(low, lname)
    high = check_scalar(high, hname)
    if not low <= high:
        raise ValueError(f"{lname} must be <= {hname}, got {low} > {hname}={high}")
    return low, high


class LogUniform(Distribution):
    r""":math:`10^{r}` with :math:`r \sim U[a, b]` (the course's learning-rate scale).

    Parameters
    ----------
    a, b : float
        Exponents, ``a <= b``; ``LogUniform(-4, 0)`` spans 1e-4 ... 1.
    """

    def __init__(self, a, b):
        self.a, self.b = _bounds(a, b, "a", "b")

    def sample(self, rng, n):
        return [float(10.0 ** r) for r in rng.uniform(self.a, self.b, n)]


class OneMinusLogUniform(Distribution):
    r""":math:`1 - 10^{r}` with :math:`r \sim U[a, b]` (the course's scale for :math:`\beta`).

    ``OneMinusLogUniform(-3, -1)`` spans :math:`\beta` = 0.9 ... 0.999.  ``b`` must
    be ``< 0`` so that :math:`\beta \in [0, 1)`.

    Parameters
    ----------
    a, b : float
        Bounds of the exponent :math:`r`, ``a <= b < 0``.
    """

    def __init__(self, a, b):
        self.a, self.b = _bounds(a, b, "a", "b")
        if self.b > 0:
            raise ValueError(f"b must be <= 0 so that 1 - 10^r lies in [0, 1), got b={self.b}")

    def sample(self, rng, n):
        return [float(1.0 - 10.0 ** r) for r in rng.uniform(self.a, self.b, n)]


class Uniform(Distribution):
    """:math:`U[low, high]` (for quantities that are fine on a linear scale).

    Parameters
    ----------
    low, high : float
        The bounds, ``low <= high``.
    """

    def __init__(self, low, high):
        self.low, self.high = _bounds(low, high)

    def sample(self, rng, n):
        return [float(x) for x in rng.uniform(self.low, self.high, n)]


class IntUniform(Distribution):
    """A uniform integer in ``[low, high]`` (inclusive), e.g. the number of layers.

    Parameters
    ----------
    low, high : int
        The bounds (both included), ``low <= high``.
    """

    def __init__(self, low, high):
        self.low = check_scalar(low, "low", integer=True)
        self.high = check_scalar(high, "high", integer=True)
        if self.low > self.high:
            raise ValueError(f"low must be <= high, got {self.low} > {self.high}")

    def sample(self, rng, n):
        return [int(x) for x in rng.integers(self.low, self.high + 1, n)]


class Choice(Distribution):
    """One of a list of options (e.g. mini-batch sizes 64, 128, 256, 512).

    Parameters
    ----------
    options : sequence
        The values to choose from (at least one), each equally likely.
    """

    def __init__(self, options):
        self.options = list(options)
        if not self.options:
            raise ValueError("options must not be empty")

    def sample(self, rng, n):
        idx = rng.integers(0, len(self.options), n)
        return [self.options[i] for i in idx]


def _check_space(space):
    if not isinstance(space, dict) or not space:
        raise TypeError("space must be a non-empty dict {name: distribution}")
    for k, d in space.items():
        if not isinstance(d, Distribution):
            raise TypeError(f"space[{k!r}] must be a distribution (LogUniform, "
                            f"OneMinusLogUniform, Uniform, IntUniform, Choice), got {d!r}")
    return space


def sample_hyperparameters(space, n_trials, seed=None, rng=None):
    r"""Draw ``n_trials`` configurations; each is ``{name: value}``.

    .. math::

        \theta^{(i)}_k \sim D_k \text{ independently}, \qquad
        i = 1, \ldots, n_{\text{trials}}, \; k \in \text{space}

    Parameters are drawn name by name in sorted order (so adding a name later
    does not change the others' draws more than necessary).

    Parameters
    ----------
    space : dict
        ``{name: distribution}`` (:class:`Uniform`, :class:`LogUniform`, ...).
    n_trials : int
        Number of configurations, ``>= 1``.
    seed : int, optional
        Seed of a new generator (when ``rng`` is not given).
    rng : numpy.random.Generator, optional
        Source of the draws.

    Returns
    -------
    list of dict
        ``n_trials`` configurations ``{name: value}``.

    Examples
    --------
    >>> cfgs = sample_hyperparameters({"alpha": LogUniform(-4, 0)}, 3, seed=0)
    >>> len(cfgs), all(1e-4 <= c["alpha"] <= 1 for c in cfgs)
    (3, True)
    """
    _check_space(space)
    n = check_scalar(n_trials, "n_trials", low=1, integer=True)
    rng = as_rng(rng, seed)
    cols = {k: space[k].sample(rng, n) for k in sorted(space)}
    return [{k: cols[k][i] for k in space} for i in range(n)]


def _run_trial(objective, trial, params, seed):
    out = objective(dict(params), seed)
    if isinstance(out, dict):
        if "dev_score" not in out:
            raise ValueError("an objective returning a dict must include 'dev_score'")
        metrics = dict(out)
    elif isinstance(out, numbers.Real) and not isinstance(out, bool):
        metrics = {"dev_score": float(out)}
    else:
        raise TypeError(f"the objective must return a float dev score or a dict with "
                        f"'dev_score', got {type(out).__name__}")
    return {"trial": trial, **metrics, **params, "seed": seed}


class SearchResults:
    r"""Rows of a search (dicts), sorted by dev score (best first).

    .. math::

        \text{dev\_score}_{(1)} \ge \text{dev\_score}_{(2)} \ge \cdots
        \quad(\le \text{ with } \texttt{maximize=False})

    Iterate, index (``results[0]`` is the best), ``results.best``, ``results.rows``,
    and render with :meth:`to_markdown` or ``str(results)`` (plain text).

    Parameters
    ----------
    rows : list of dict
        One dict per trial, with a ``"dev_score"``.
    maximize : bool, default True
        Whether a higher dev score is better.
    columns : list of str, optional
        Column order of the tables (default: every key, in order of first appearance).
    """

    def __init__(self, rows, maximize=True, columns=None):
        def key(r):
            s = r["dev_score"]
            bad = s is None or (isinstance(s, float) and math.isnan(s))
            return (bad, -s if (maximize and not bad) else (s if not bad else 0), r["trial"])
        self.maximize = maximize
        self.rows = sorted(rows, key=key)
        if columns is None:
            columns = []
            for r in self.rows:
                for k in r:
                    if k not in columns:
                        columns.append(k)
        self.columns = list(columns)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def __eq__(self, other):
        return isinstance(other, SearchResults) and self.rows == other.rows

    @property
    def best(self):
        return self.rows[0]

    def _cells(self, floatfmt):
        def fmt(v):
            if isinstance(v, float):
                return format(v, floatfmt)
            return str(v)
        return [[fmt(r.get(c, "")) for c in self.columns] for r in self.rows]

    @fill_doc(TABLE=_TABLE)
    def to_markdown(self, floatfmt=".4g"):
        """A GitHub/Sphinx-compatible markdown table.

        %(TABLE)s
        """
        cells = self._cells(floatfmt)
        lines = ["| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---:" for _ in self.columns) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)

    @fill_doc(TABLE=_TABLE)
    def to_text(self, floatfmt=".4g"):
        """An aligned plain-text table.

        %(TABLE)s
        """
        cells = self._cells(floatfmt)
        w = [max([len(c)] + [len(row[j]) for row in cells]) for j, c in enumerate(self.columns)]
        lines = ["  ".join(c.rjust(w[j]) for j, c in enumerate(self.columns))]
        lines += ["  ".join(x.rjust(w[j]) for j, x in enumerate(row)) for row in cells]
        return "\n".join(lines)

    __str__ = to_text

    def __repr__(self):
        return f"SearchResults({len(self)} trials, best dev_score={self.best['dev_score']!r})"


def random_search(objective, space, n_trials=20, seed=0, n_jobs=-1, backend=None,
                  maximize=True, verbose=0):
    r"""Random search over ``space``; trials run in parallel with joblib.

    .. math::

        \theta^{(i)} \sim \text{space}, \qquad
        \theta^\star = \arg\max_i \; \text{dev\_score}\big(\theta^{(i)}\big)

    Parameters
    ----------
    objective : callable
        ``objective(params: dict, seed: int) -> float`` (the dev score) or a dict
        with ``"dev_score"`` and any other metrics (e.g. ``"train_score"``).
        It must be importable by the workers (a module-level function) when the
        trials run in other processes.
    space : dict
        ``{name: distribution}``, e.g.
        ``{"learning_rate": LogUniform(-4, 0), "beta": OneMinusLogUniform(-3, -1)}``.
    n_trials : int, ``>= 1``
    seed : int
        Seeds the configurations *and* the per-trial seeds.
    n_jobs : int, default -1
        joblib's ``n_jobs`` (-1: all cores, or all Dask workers under
        ``joblib.parallel_backend("dask")``).
    backend : str, optional
        joblib backend; ``None`` uses the active ``joblib.parallel_backend``
        context, or local processes (``"loky"``) outside one.
    maximize : bool
        True for scores such as accuracy; False for losses.
    verbose : int, default 0
        joblib's verbosity.

    Returns
    -------
    SearchResults
        Rows ``{"trial", "dev_score", <metrics>, <hyperparameters>, "seed"}``
        sorted best first.
    """
    if not callable(objective):
        raise TypeError("objective must be callable")
    configs = sample_hyperparameters(space, n_trials, seed=seed)
    trial_seeds = np.random.SeedSequence(seed).generate_state(len(configs)).tolist()
    from joblib import Parallel, delayed

    rows = Parallel(n_jobs=n_jobs, backend=backend, verbose=verbose)(
        delayed(_run_trial)(objective, i, cfg, int(s))
        for i, (cfg, s) in enumerate(zip(configs, trial_seeds)))
    columns = ["trial", "dev_score"]
    for r in rows:
        for k in r:
            if k not in columns and k not in space and k != "seed":
                columns.append(k)
    columns += list(space) + ["seed"]
    return SearchResults(rows, maximize=maximize, columns=columns)


def coarse_to_fine(results, space, top=5):
    r"""A narrower space around the ``top`` best trials (the course's coarse-to-fine step).

    For :math:`\alpha = 10^r`, the new exponent range spans the best trials' exponents:

    .. math::

        r \sim U\Big[\min_{i \le \text{top}} \log_{10}\alpha_{(i)},\;
                     \max_{i \le \text{top}} \log_{10}\alpha_{(i)}\Big]

    Log-scale distributions shrink in exponent space; :class:`Uniform` and
    :class:`IntUniform` to the range of the best values; :class:`Choice` to the
    options seen among them.

    Parameters
    ----------
    results : SearchResults
        A finished search.
    space : dict
        The space it sampled, ``{name: distribution}``.
    top : int, default 5
        How many of the best trials define the new ranges.

    Returns
    -------
    dict
        The narrower space, ``{name: distribution}`` of the same kinds.
    """
    top = check_scalar(top, "top", low=1, integer=True)
    best = results.rows[:top]
    new = {}
    for k, d in _check_space(space).items():
        vals = [r[k] for r in best]
        if isinstance(d, LogUniform):
            e = [math.log10(v) for v in vals]
            new[k] = LogUniform(min(e), max(e))
        elif isinstance(d, OneMinusLogUniform):
            e = [math.log10(1.0 - v) for v in vals]
            new[k] = OneMinusLogUniform(min(e), max(e))
        elif isinstance(d, IntUniform):
            new[k] = IntUniform(min(vals), max(vals))
        elif isinstance(d, Uniform):
            new[k] = Uniform(min(vals), max(vals))
        else:
            new[k] = Choice([o for o in d.options if o in vals])
    return new
