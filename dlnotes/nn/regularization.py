r"""Regularization: L2 weight penalty and inverted dropout (notes, "Basic NN").
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_float_array, check_params, check_scalar

__all__ = ["l2_regularization_cost", "l2_regularization_gradient", "dropout_forward",
           "dropout_backward"]


def _weights(parameters):
    check_params(parameters)
    return {k: v for k, v in parameters.items() if k.startswith("W")}


def l2_regularization_cost(parameters, lambd, m):
    r"""The L2 penalty added to the cost (biases are not regularised).

    .. math::

        \frac{1}{m}\frac{\lambda}{2}\sum_l \sum_k \sum_j \big(W^{[l]}_{kj}\big)^2

    Parameters
    ----------
    parameters : dict
        Every entry whose name starts with ``"W"`` is penalised.
    lambd : float >= 0
    m : int >= 1, number of examples.

    Returns
    -------
    float
        The penalty (0 for ``lambd == 0``).
    """
    lambd = check_scalar(lambd, "lambd", low=0.0)
    m = check_scalar(m, "m", low=1, integer=True)
    total = 0.0
    for k, W in _weights(parameters).items():
        W = check_float_array(W, k)
        total += float(np.sum(np.square(W, dtype=np.float64)))
    return lambd / (2.0 * m) * total


def l2_regularization_gradient(W, lambd, m):
    r"""The L2 term added to :math:`dW^{[l]}`.

    .. math::

        dW^{[l]} \mathrel{+}= \frac{\lambda}{m} W^{[l]}

    Parameters
    ----------
    W : ndarray, shape (n_l, n_{l-1})
        The layer's weights.
    lambd : float
        :math:`\lambda \ge 0`.
    m : int
        Number of examples (>= 1).

    Returns
    -------
    ndarray, shape and dtype of ``W``
        :math:`\frac{\lambda}{m} W`.
    """
    lambd = check_scalar(lambd, "lambd", low=0.0)
    m = check_scalar(m, "m", low=1, integer=True)
    W = check_float_array(W, "W")
    return (lambd / m) * W


def dropout_forward(A, keep_prob, rng=None, seed=None):
    r"""Inverted dropout, forward.

    .. math::

        D = (U < \text{keep\_prob}),\; U \sim \mathcal{U}[0, 1)^{\text{shape}(A)},
        \qquad A \leftarrow \frac{A \odot D}{\text{keep\_prob}}

    The expected value of every unit is unchanged, so nothing is rescaled
    at test time (where no dropout is applied at all).

    Parameters
    ----------
    A : ndarray
    keep_prob : float in (0, 1]
    rng, seed : the random generator (explicit; never global state).

    Returns
    -------
    A_drop : ndarray, shape and dtype of ``A``
    D : ndarray of bool, the mask (the backward pass's cache)
    """
    keep_prob = check_scalar(keep_prob, "keep_prob", low=0.0, high=1.0, low_inclusive=False)
    A = check_float_array(A, "A")
    if keep_prob == 1.0:
        return A.copy(), np.ones(A.shape, dtype=bool)
    rng = as_rng(rng, seed)
    D = rng.random(A.shape) < keep_prob
    return A * D / A.dtype.type(keep_prob), D


def dropout_backward(dA, D, keep_prob):
    r"""Inverted dropout, backward: the same mask and scaling.

    .. math::

        dA \leftarrow \frac{dA \odot D}{\text{keep\_prob}}

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
        Gradient with respect to the layer's dropped-out output.
    D : ndarray of bool, shape of ``dA``
        The mask of the forward pass.
    keep_prob : float
        The forward pass's keep probability, in (0, 1].

    Returns
    -------
    dA : ndarray, shape and dtype of ``dA``
        Gradient with respect to the activations before dropout.
    """
    keep_prob = check_scalar(keep_prob, "keep_prob", low=0.0, high=1.0, low_inclusive=False)
    dA = check_float_array(dA, "dA")
    D = np.asarray(D)
    if D.shape != dA.shape:
        raise ValueError(f"D must have the shape of dA {dA.shape}, got {D.shape}")
    return dA * D / dA.dtype.type(keep_prob)
