r"""Weight initializers (notes, "Basic NN": He initialization; course C2W1).

All draws come from an explicit :class:`numpy.random.Generator` (``rng=``)
or an integer ``seed``; the global NumPy random state is never used.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_scalar

__all__ = ["INITIALIZERS", "initialize_weights", "initialize_parameters"]

INITIALIZERS = ("zeros", "random", "xavier", "glorot", "he")


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def initialize_weights(shape, method="he", *, fan_in=None, fan_out=None, scale=0.01,
                       rng=None, seed=None, dtype=np.float64):
    r"""Draw one weight array.

    .. math::

        \text{zeros: } W = 0 \qquad
        \text{random: } W \sim \text{scale}\cdot\mathcal{N}(0, 1) \\
        \text{xavier: } W \sim \mathcal{N}\!\Big(0, \frac{1}{n^{[l-1]}}\Big) \qquad
        \text{glorot: } W \sim \mathcal{N}\!\Big(0, \frac{2}{n^{[l-1]} + n^{[l]}}\Big) \qquad
        \text{he: } W \sim \mathcal{N}\!\Big(0, \frac{2}{n^{[l-1]}}\Big)

    ``xavier`` is the course's form (variance :math:`1/n^{[l-1]}`, for tanh
    layers); ``glorot`` is Glorot & Bengio's (2010) fan-average form, Keras'
    ``glorot_normal`` without truncation; ``he`` is the notes'
    :math:`\sqrt{2/n^{[l-1]}}` scaling for ReLU layers (He et al. 2015),
    PyTorch's ``kaiming_normal_(mode="fan_in", nonlinearity="relu")``.

    Parameters
    ----------
    shape : tuple of int
    method : {"zeros", "random", "xavier", "glorot", "he"}
    fan_in : int, optional
        :math:`n^{[l-1]}`: inputs per unit.  Defaults to ``shape[1]`` for a
        dense ``(n_l, n_{l-1})`` matrix; a conv filter ``(f, f, n_C_prev, n_C)``
        has fan-in :math:`f \cdot f \cdot n_{C,prev}` (pass it).
    fan_out : int, optional
        :math:`n^{[l]}`, used by ``glorot``; defaults to ``shape[0]``.
    scale : float
        Standard deviation of ``random`` (the course's 0.01).
    rng, seed : random generator or seed.
    dtype : float32 or float64.

    Returns
    -------
    W : ndarray, shape ``shape``, dtype ``dtype``
    """
    check_choice(method, "method", INITIALIZERS)
    dtype = _check_dtype(dtype)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must be non-negative, got {shape}")
    if method == "zeros":
        return np.zeros(shape, dtype=dtype)
    rng = as_rng(rng, seed)
    if fan_in is None:
        fan_in = shape[1] if len(shape) >= 2 else shape[0]
    if fan_out is None:
        fan_out = shape[0]
    fan_in = check_scalar(fan_in, "fan_in", low=1, integer=True)
    fan_out = check_scalar(fan_out, "fan_out", low=1, integer=True)
    if method == "random":
        std = check_scalar(scale, "scale", low=0.0)
    elif method == "xavier":
        std = np.sqrt(1.0 / fan_in)
    elif method == "glorot":
        std = np.sqrt(2.0 / (fan_in + fan_out))
    else:
        std = np.sqrt(2.0 / fan_in)
    return (rng.standard_normal(shape) * std).astype(dtype, copy=False)


def initialize_parameters(layer_dims, method="he", *, scale=0.01, rng=None, seed=None,
                          dtype=np.float64):
    r"""Parameters ``W1, b1, ..., WL, bL`` of a dense network (course C2W1).

    .. math::

        W^{[l]} \in \mathbb{R}^{n^{[l]} \times n^{[l-1]}}, \qquad b^{[l]} = 0 \in \mathbb{R}^{n^{[l]} \times 1}

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    method : see :func:`initialize_weights`.
    scale : float, default 0.01
        Standard deviation of ``method="random"``.
    rng : numpy.random.Generator, optional
        Source of the random weights.
    seed : int, optional
        Seed of a new generator (when ``rng`` is not given).
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of the arrays.

    Returns
    -------
    parameters : dict
        ``W1 ... WL`` of shape ``(n_l, n_{l-1})`` and zero ``b1 ... bL`` of shape ``(n_l, 1)``.

    Examples
    --------
    >>> p = initialize_parameters([3, 4, 1], seed=0)
    >>> p["W1"].shape, p["b1"].shape, p["W2"].shape
    ((4, 3), (4, 1), (1, 4))
    """
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(f"layer_dims must list at least the input and output sizes, got {dims}")
    for i, d in enumerate(dims):
        check_scalar(d, f"layer_dims[{i}]", low=1, integer=True)
    rng = as_rng(rng, seed)
    dtype = _check_dtype(dtype)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = initialize_weights((dims[l], dims[l - 1]), method, scale=scale,
                                             rng=rng, dtype=dtype)
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return params
