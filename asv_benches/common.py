"""Shared helpers for the asv benchmarks: dtypes, sizes, seeded inputs.

The benchmark files of every topic import from here, so inputs are built the
same way everywhere: from an explicit, seeded :class:`numpy.random.Generator`,
in the requested float dtype and C-contiguous.

A benchmark whose code has not landed at the benchmarked commit calls
:func:`require` in its ``setup``; asv reports it as skipped (``n/a``), not
failed, which keeps ``asv run`` over old commits meaningful.
"""
import importlib

import numpy as np

#: The two float dtypes every kernel serves (fused float/double).
DTYPES = ["float32", "float64"]

#: Seed of every input (the same inputs at every commit).
SEED = 20261126


def rng(seed=SEED):
    """A fresh seeded generator."""
    return np.random.default_rng(seed)


def randn(shape, dtype, seed=SEED, scale=1.0):
    """Standard-normal array of ``shape`` in ``dtype`` (C-contiguous)."""
    out = rng(seed).standard_normal(shape) * scale
    return np.ascontiguousarray(out, dtype=dtype)


def require(module):
    """Import ``module`` or raise :class:`NotImplementedError` (asv: skipped).

    Use it in ``setup`` for APIs that may not exist at an older commit.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotImplementedError(f"{module} is not available at this commit: {exc}") from None


def one_hot(labels, n_classes, dtype):
    """Labels ``(m,)`` -> one-hot ``(n_classes, m)`` (examples in columns)."""
    labels = np.asarray(labels)
    Y = np.zeros((n_classes, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y


_DIGITS = {}


def digits(dtype):
    """scikit-learn's 8x8 digits as ``X (64, 1797)`` in [0, 1] and one-hot ``Y (10, 1797)``.

    The data ship inside scikit-learn's wheel: no download.
    """
    key = np.dtype(dtype).name
    if key not in _DIGITS:
        from sklearn.datasets import load_digits

        d = load_digits()
        X = np.ascontiguousarray((d.data / 16.0).T, dtype=dtype)
        _DIGITS[key] = (X, one_hot(d.target, 10, dtype))
    X, Y = _DIGITS[key]
    return X.copy(), Y.copy()
