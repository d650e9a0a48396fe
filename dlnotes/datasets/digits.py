"""scikit-learn's 8x8 handwritten digits (1,797 images), in the notes' layouts.

The data file ships inside the scikit-learn wheel, so nothing is downloaded.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_scalar
from dlnotes.datasets.mnist import _float_dtype

__all__ = ["load_digits", "one_hot", "train_test_split"]


def one_hot(labels, n_classes=None, dtype=np.float64):
    """One-hot encode integer labels into the column layout ``(n_classes, m)``.

    Parameters
    ----------
    labels : array_like of int, shape (m,)
        Class indices, ``>= 0``.
    n_classes : int, optional
        Number of rows (default: the largest label plus 1).
    dtype : numpy dtype, default numpy.float64
        dtype of the result.

    Returns
    -------
    ndarray, shape (n_classes, m)
        Column ``i`` is :math:`e_{y_i}`.
    """
    labels = np.asarray(labels).reshape(-1)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError("labels must be non-negative")
    n = int(labels.max()) + 1 if n_classes is None else int(n_classes)
    if labels.size and labels.max() >= n:
        raise ValueError(f"labels must be < n_classes={n}, got {labels.max()}")
    Y = np.zeros((n, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y


def load_digits(layout="columns", dtype=np.float64, binary=None):
    """Load the digits, scaled to [0, 1].

    Parameters
    ----------
    layout : {"columns", "images"}
        ``"columns"``: ``X`` has shape ``(64, m)`` (the notes' dense layout);
        ``"images"``: ``X`` has shape ``(m, 8, 8, 1)`` (examples first, channels last).
    dtype : float32 or float64
    binary : tuple of two ints, optional
        Keep only these two digits and return 0/1 labels (e.g. ``(0, 1)``),
        for logistic regression.

    Returns
    -------
    X : ndarray
    y : ndarray of int, shape (m,)
    """
    check_choice(layout, "layout", ("columns", "images"))
    dtype = _float_dtype(dtype)
    from sklearn.datasets import load_digits as _sk_load

    d = _sk_load()
    X = (d.data / 16.0).astype(dtype)
    y = d.target.astype(np.int64)
    if binary is not None:
        a, b = binary
        keep = (y == a) | (y == b)
        X, y = X[keep], (y[keep] == b).astype(np.int64)
    if layout == "columns":
        return np.ascontiguousarray(X.T), y
    return X.reshape(-1, 8, 8, 1), y


def train_test_split(X, y, test_size=0.2, seed=0, batch_axis=-1):
    """Split examples (along ``batch_axis``) into a shuffled train and test part.

    Returns ``X_train, X_test, y_train, y_test``.  Stratification is not done;
    with a seed the split is reproducible.

    Parameters
    ----------
    X : ndarray
        Examples along ``batch_axis``.
    y : ndarray, shape (m,)
        Labels.
    test_size : float, default 0.2
        Fraction of the examples in the test part.
    seed : int, default 0
        Seed of the shuffle.
    batch_axis : int, default -1
        Axis of ``X`` that indexes the examples (-1 for the notes' columns, 0 for images).

    Returns
    -------
    X_train, X_test : ndarray
        The parts of ``X``.
    y_train, y_test : ndarray
        The parts of ``y``.
    """
    test_size = check_scalar(test_size, "test_size", low=0.0, high=1.0, low_inclusive=False,
                             high_inclusive=False)
    m = X.shape[batch_axis]
    perm = as_rng(seed=seed).permutation(m)
    n_test = max(1, int(round(m * test_size)))
    te, tr = perm[:n_test], perm[n_test:]
    return (np.take(X, tr, axis=batch_axis), np.take(X, te, axis=batch_axis), y[tr], y[te])
