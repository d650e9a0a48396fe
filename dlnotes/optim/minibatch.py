r"""Mini-batches (notes, "Optimization"; course C2W2).

The notes' guidance: with a small training set (:math:`m \le 2000`) use batch
gradient descent; otherwise use mini-batches of 64-512 examples, a power of two
(:math:`2^6 \ldots 2^9`) so a batch fits the CPU/GPU memory well.  Size 1 is
stochastic gradient descent (noisy, loses vectorisation), size :math:`m` is
batch gradient descent (slow per step).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_float_array, check_scalar

__all__ = ["random_mini_batches", "mini_batch_indices"]


def mini_batch_indices(m, mini_batch_size, rng=None, shuffle=True):
    r"""Index arrays of the mini-batches of ``m`` examples.

    One permutation :math:`\pi` of :math:`0..m-1` (identity if ``shuffle`` is
    False) cut into :math:`\lfloor m/s\rfloor` full batches of size :math:`s`
    plus, if :math:`m - s\lfloor m/s\rfloor > 0`, a last smaller batch:

    .. math::

        B_t = \{\pi_{(t-1)s}, \ldots, \pi_{\min(ts, m) - 1}\}, \qquad
        t = 1, \ldots, \lceil m/s \rceil

    Parameters
    ----------
    m : int, ``>= 0``
    mini_batch_size : int, ``>= 1``
    rng : numpy.random.Generator, optional
    shuffle : bool

    Returns
    -------
    list of 1-d int arrays
    """
    m = check_scalar(m, "m", low=0, integer=True)
    s = check_scalar(mini_batch_size, "mini_batch_size", low=1, integer=True)
    perm = as_rng(rng).permutation(m) if shuffle else np.arange(m)
    return [perm[k:k + s] for k in range(0, m, s)]


def random_mini_batches(X, Y, mini_batch_size=64, seed=0, *, rng=None):
    r"""Shuffle the columns of ``(X, Y)`` with one permutation and cut them into mini-batches.

    .. math::

        \pi = \text{permutation}(m),\qquad
        X^{\{t\}} = X[:, \pi_{(t-1)s : ts}],\quad Y^{\{t\}} = Y[:, \pi_{(t-1)s : ts}]

    for :math:`t = 1..\lceil m/s\rceil`: :math:`\lfloor m/s\rfloor` full batches and
    a last batch of :math:`m - s\lfloor m/s\rfloor` examples when that is not zero.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        Examples in columns.
    Y : ndarray, shape (n_y, m)
        Labels in columns (any numeric dtype; kept).
    mini_batch_size : int, ``>= 1``
        :math:`s`; the notes advise a power of two (64-512).
    seed : int
        Seeds ``numpy.random.default_rng`` (the course calls the legacy
        ``np.random.seed``, so its permutation differs; the partition rule is the same).
    rng : numpy.random.Generator, optional
        Used instead of ``seed`` (e.g. a new shuffle each epoch).

    Returns
    -------
    list of (ndarray (n_x, s_t), ndarray (n_y, s_t))

    Examples
    --------
    >>> X = np.arange(10.0).reshape(2, 5); Y = np.arange(5.0).reshape(1, 5)
    >>> [xb.shape[1] for xb, yb in random_mini_batches(X, Y, 2, seed=1)]
    [2, 2, 1]
    """
    X = check_float_array(X, "X", ndim=2, shape_names=("n_x", "m"))
    Y = np.asarray(Y)
    if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
        raise ValueError(f"Y must have shape (n_y, m={X.shape[1]}), got {Y.shape}")
    if rng is None:
        rng = as_rng(seed=seed)
    else:
        rng = as_rng(rng)
    idx = mini_batch_indices(X.shape[1], mini_batch_size, rng=rng)
    return [(X[:, i], Y[:, i]) for i in idx]
