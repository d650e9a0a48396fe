r"""Batch normalization (the notes' "Batch Norm" section), forward and backward.

For one feature (a unit of a dense layer, or a channel of an image, whose
statistics are taken over the examples *and* the pixels), over the
:math:`N` values :math:`z^{(i)}` of a mini-batch:

.. math::

    \mu = \frac{1}{N}\sum_i z^{(i)},\qquad
    \sigma^2 = \frac{1}{N}\sum_i \big(z^{(i)} - \mu\big)^2,\qquad
    z^{(i)}_{norm} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}},\qquad
    \tilde z^{(i)} = \gamma\, z^{(i)}_{norm} + \beta .

At test time :math:`\mu` and :math:`\sigma^2` are replaced by the
exponentially weighted averages kept during training (the notes'
:math:`v_t = \beta v_{t-1} + (1-\beta)\theta_t` with :math:`\beta` = ``momentum``).

Layouts: images ``(m, n_H, n_W, n_C)`` normalise each channel (``axis=-1``),
dense activations ``(n, m)`` each row (``axis=0``).  ``gamma`` and ``beta``
are 1-D, one entry per feature.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar

__all__ = ["batchnorm_forward", "batchnorm_backward"]


def _feature_axis(X, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -X.ndim <= axis < X.ndim:
        raise ValueError(f"axis={axis} is out of range for X with shape {X.shape}")
    return int(axis) % X.ndim


def _bshape(X, axis):
    """Broadcast shape of a per-feature vector along ``axis``."""
    shape = [1] * X.ndim
    shape[axis] = X.shape[axis]
    return tuple(shape)


def batchnorm_forward(X, gamma, beta, axis=-1, eps=1e-3, mean=None, var=None):
    r"""Normalise each feature of ``X``, then scale by ``gamma`` and shift by ``beta``.

    .. math::

        \tilde z = \gamma\,\frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta

    With ``mean`` and ``var`` left out, :math:`\mu` and :math:`\sigma^2` are
    the batch statistics (training mode, biased variance :math:`\frac1N\sum`);
    given, they are used as constants (inference mode, or frozen statistics).

    Parameters
    ----------
    X : ndarray
        ``(m, n_H, n_W, n_C)`` with ``axis=-1``, or ``(n, m)`` with ``axis=0``
        (any layout works: statistics are taken over every axis but ``axis``).
    gamma, beta : ndarray, shape (n_features,)
    axis : int
        The feature axis.
    eps : float > 0
    mean, var : ndarray, shape (n_features,), optional
        Running statistics for inference mode (both or neither).

    Returns
    -------
    Y : ndarray, shape of ``X``
    cache : tuple
        For :func:`batchnorm_backward`; its last two entries are the batch
        mean and (biased) variance in training mode.
    """
    X = check_float_array(X, "X", finite=False)
    if X.ndim < 1:
        raise ValueError("X must have at least one axis")
    ax = _feature_axis(X, axis)
    n = X.shape[ax]
    gamma = check_float_array(gamma, "gamma", ndim=1, shape=(n,), shape_names=("n_features",),
                              dtype=X.dtype)
    beta = check_float_array(beta, "beta", ndim=1, shape=(n,), shape_names=("n_features",),
                             dtype=X.dtype)
    eps = check_scalar(eps, "eps", low=0.0, low_inclusive=False)
    if (mean is None) != (var is None):
        raise ValueError("pass both mean and var (inference mode) or neither (training mode)")
    bs = _bshape(X, ax)
    N = X.size // max(n, 1)
    if mean is None:
        if N == 0:
            raise ValueError(f"batch statistics need at least one value per feature, got X "
                             f"with shape {X.shape}")
        others = tuple(i for i in range(X.ndim) if i != ax)
        mu = X.mean(axis=others)
        Xc = X - mu.reshape(bs)
        sq = np.square(Xc)
        v = sq.mean(axis=others)
        del sq
        batch = True
    else:
        mu = check_float_array(mean, "mean", ndim=1, shape=(n,), shape_names=("n_features",),
                               dtype=X.dtype)
        v = check_float_array(var, "var", ndim=1, shape=(n,), shape_names=("n_features",),
                              dtype=X.dtype)
        if np.any(v < 0):
            raise ValueError("var must be non-negative")
        Xc = X - mu.reshape(bs)
        batch = False
    inv_std = (1.0 / np.sqrt(v + eps)).astype(X.dtype)
    Xc *= inv_std.reshape(bs)          # now X_hat
    Y = Xc * gamma.reshape(bs)
    Y += beta.reshape(bs)
    return Y, (Xc, inv_std, gamma, ax, batch, mu, v)


def batchnorm_backward(dY, cache):
    r"""Gradients of :func:`batchnorm_forward` with respect to ``X``, ``gamma``, ``beta``.

    In training mode :math:`\mu` and :math:`\sigma^2` depend on every value
    of the batch, which gives (with :math:`\hat x` the normalised input and
    sums over the :math:`N` values of a feature):

    .. math::

        d\beta = \sum_i dy_i,\qquad d\gamma = \sum_i dy_i\,\hat x_i,\qquad
        dx_i = \frac{\gamma}{N\sqrt{\sigma^2+\varepsilon}}
        \Big(N\,dy_i - \sum_j dy_j - \hat x_i \sum_j dy_j\,\hat x_j\Big).

    In inference mode the statistics are constants and
    :math:`dx_i = \gamma\,dy_i / \sqrt{\sigma^2+\varepsilon}`.

    Parameters
    ----------
    dY : ndarray, shape of ``X``
        Gradient with respect to the output of :func:`batchnorm_forward`.
    cache : tuple
        The cache :func:`batchnorm_forward` returned.

    Returns
    -------
    dX : ndarray, shape of ``X``
    dgamma, dbeta : ndarray, shape (n_features,)
    """
    if not isinstance(cache, tuple) or len(cache) != 7:
        raise TypeError("cache must be the tuple returned by batchnorm_forward")
    X_hat, inv_std, gamma, ax, batch, _, _ = cache
    dY = check_float_array(dY, "dY", shape=X_hat.shape, dtype=X_hat.dtype)
    bs = _bshape(X_hat, ax)
    others = tuple(i for i in range(X_hat.ndim) if i != ax)
    dbeta = dY.sum(axis=others)
    dgamma = np.einsum(_einsum_spec(X_hat.ndim, ax), dY, X_hat)
    scale = (gamma * inv_std).reshape(bs)
    if not batch:
        return dY * scale, dgamma, dbeta
    N = X_hat.size // max(X_hat.shape[ax], 1)
    dX = X_hat * (dgamma / N).reshape(bs)
    np.subtract(dY, dX, out=dX)
    dX -= (dbeta / N).reshape(bs)
    dX *= scale
    return dX, dgamma, dbeta


def _einsum_spec(ndim, ax):
    letters = "abcdefghij"[:ndim]
    return f"{letters},{letters}->{letters[ax]}"
