r"""Colour augmentation (the notes' family 4): channel shifts, brightness and contrast,
AlexNet's PCA colour.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array
from dlnotes.cnn.augment._common import _check_clip, _check_images, _colour, _per_image


def _per_channel(value, name, m, C):
    """A scalar, (C,) or (m, C) array broadcast to (m, C) float64."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] != C) or (arr.ndim == 2
                                                                  and arr.shape[0] != m):
        raise ValueError(f"{name} must be a scalar or have shape (n_C,) = ({C},) or "
                         f"(m, n_C) = ({m}, {C}), got {arr.shape}")
    arr = np.broadcast_to(arr.astype(np.float64), (m, C))
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def channel_shift(X, offsets, clip=None):
    r"""Add an offset to each colour channel (the notes' augmentation 4, "colour shifting").

    .. math::

        X'[i, y, x, c] = X[i, y, x, c] + o_{i,c}

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    offsets : float or array_like, shape (n_C,) or (m, n_C)
        :math:`o`: one per channel, optionally one per image and channel.
    clip : (float, float), optional
        Clip the result to ``[low, high]`` (e.g. ``(0, 1)``).

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    o = _per_channel(offsets, "offsets", m, C)
    return _colour(X, np.ones((m, C)), o, _check_clip(clip))


def brightness_contrast(X, brightness=0.0, contrast=1.0, clip=None):
    r"""Change the brightness and contrast of each image (colour augmentation, family 4).

    Contrast scales the deviations from the image's mean :math:`\mu_i` (over its pixels and
    channels), brightness adds a constant:

    .. math::

        X'[i, y, x, c] = \alpha_i \bigl(X[i, y, x, c] - \mu_i\bigr) + \mu_i + \beta_i, \qquad
        \mu_i = \frac{1}{n_H n_W n_C}\sum_{y, x, c} X[i, y, x, c]

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    brightness : float or ndarray, shape (m,)
        :math:`\beta` (0 leaves the image unchanged).
    contrast : float or ndarray, shape (m,)
        :math:`\alpha \ge 0` (1 leaves the image unchanged, 0 makes it flat grey).
    clip : (float, float), optional
        Clip the result to ``[low, high]``.

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
        A new batch; :math:`\mu_i` is computed in float64.
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    beta = _per_image(brightness, "brightness", m)
    alpha = _per_image(contrast, "contrast", m, low=0)
    mu = X.mean(axis=(1, 2, 3), dtype=np.float64)
    gain = np.repeat(alpha[:, None], C, axis=1)
    offset = np.repeat(((1 - alpha) * mu + beta)[:, None], C, axis=1)
    return _colour(X, gain, offset, _check_clip(clip))


def pca_colour_basis(X):
    r"""Eigen-decomposition of the channel covariance of a training set (AlexNet's PCA colour).

    Every pixel of every image is one sample of an :math:`n_C`-vector:

    .. math::

        \Sigma = \frac{1}{N}\sum_{i, y, x} (X_{i y x} - \bar X)(X_{i y x} - \bar X)^\top
               = P \Lambda P^\top, \qquad N = m\, n_H n_W

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
        The training images (``n_C >= 1``; 3 for RGB).

    Returns
    -------
    eigenvalues : ndarray, shape (n_C,)
        :math:`\lambda_1 \ge \dots \ge \lambda_{n_C} \ge 0`, float64.
    eigenvectors : ndarray, shape (n_C, n_C)
        :math:`P`, column :math:`k` the unit eigenvector of :math:`\lambda_k`.
    """
    X = _check_images(X)
    if X.shape[0] * X.shape[1] * X.shape[2] < 2 or X.shape[3] == 0:
        raise ValueError(f"X must hold at least 2 pixels and 1 channel, got shape {X.shape}")
    P = X.reshape(-1, X.shape[3]).astype(np.float64, copy=False)
    mean = P.mean(axis=0)
    cov = (P - mean).T @ (P - mean) / P.shape[0]
    lam, vec = np.linalg.eigh(cov)
    order = np.argsort(lam)[::-1]
    return np.clip(lam[order], 0.0, None), vec[:, order]


def _pca_offsets(alphas, eigenvalues, eigenvectors):
    return (alphas * eigenvalues) @ eigenvectors.T


def pca_colour(X, alphas, eigenvalues, eigenvectors, clip=None):
    r"""Add AlexNet's PCA colour offset to every pixel (Krizhevsky et al., 2012; family 4).

    Each image gets one offset along the principal components of the training set's colours
    (:func:`pca_colour_basis`), weighted by the eigenvalues:

    .. math::

        X'[i, y, x, :] = X[i, y, x, :] + P\,
        \bigl(\alpha_{i1}\lambda_1, \dots, \alpha_{i n_C}\lambda_{n_C}\bigr)^\top,
        \qquad \alpha_{ik} \sim \mathcal N(0, 0.1^2) \text{ in the paper}

    The offset is in the units of the images: the eigenvalues of images scaled to [0, 1]
    are about :math:`255^2` times smaller than those of 8-bit values.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    alphas : array_like, shape (m, n_C) or (n_C,)
        :math:`\alpha` (draw them with :class:`PCAColour` for the random augmentation).
    eigenvalues : array_like, shape (n_C,)
    eigenvectors : array_like, shape (n_C, n_C)
    clip : (float, float), optional

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    lam, vec = _check_basis(eigenvalues, eigenvectors, C)
    a = _per_channel(alphas, "alphas", m, C)
    return _colour(X, np.ones((m, C)), _pca_offsets(a, lam, vec), _check_clip(clip))


def _check_basis(eigenvalues, eigenvectors, C=None):
    lam = check_float_array(eigenvalues, "eigenvalues", ndim=1, finite=True).astype(np.float64)
    n = lam.shape[0] if C is None else C
    if lam.shape != (n,):
        raise ValueError(f"eigenvalues must have shape (n_C,) = ({n},), got {lam.shape}")
    vec = check_float_array(eigenvectors, "eigenvectors", ndim=2, shape=(n, n),
                            shape_names=("n_C", "n_C"), finite=True).astype(np.float64)
    if (lam < 0).any():
        raise ValueError("eigenvalues must be >= 0 (variances)")
    return lam, vec
