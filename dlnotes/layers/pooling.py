r"""Shape layers of the classic CNNs: :class:`ZeroPadding2D` and
:class:`GlobalAveragePooling2D` (the max/average pooling layers, with their
``pad`` option, are in :mod:`dlnotes.layers.conv`)."""
from __future__ import annotations

import numbers

import numpy as np

from dlnotes._validation import check_float_array
from dlnotes.cnn.conv import zero_pad
from dlnotes.layers.base import Layer
from dlnotes.layers.conv import _ImagesToColumns, _check_image_shape

__all__ = ["ZeroPadding2D", "GlobalAveragePooling2D"]


class ZeroPadding2D(Layer):
    r"""Pad images ``(m, n_H, n_W, n_C)`` with ``pad`` zeros on each side of both
    spatial axes (ResNet-50's stem: 224 -> 230 before the 7x7/2 convolution).

    .. math::

        n_H \to n_H + 2p,\qquad n_W \to n_W + 2p

    Forward is :func:`dlnotes.cnn.conv.zero_pad`; backward crops the border.

    Parameters
    ----------
    pad : int, default 1
        Zeros added on each side of both spatial axes, ``>= 0``.
    """

    def __init__(self, pad=1):
        super().__init__()
        if isinstance(pad, bool) or not isinstance(pad, numbers.Integral) or pad < 0:
            raise ValueError(f"pad must be a non-negative integer, got {pad!r}")
        self.pad = int(pad)
        self._shape = None

    def forward(self, X, training=True):
        if not self.pad:
            X = check_float_array(X, "X", ndim=4)
            self._shape = X.shape
            return X
        Y = zero_pad(X, self.pad)  # checks X (and the padded size) once
        m, h, w, c = Y.shape
        self._shape = (m, h - 2 * self.pad, w - 2 * self.pad, c)
        return Y

    def backward(self, dY):
        if self._shape is None:
            raise RuntimeError("ZeroPadding2D.backward called before forward")
        m, h, w, c = self._shape
        p = self.pad
        dY = check_float_array(dY, "dY", ndim=4, shape=(m, h + 2 * p, w + 2 * p, c),
                               shape_names=("m", "n_H + 2p", "n_W + 2p", "n_C"))
        return np.ascontiguousarray(dY[:, p:p + h, p:p + w, :])

    def compute_output_shape(self, input_shape):
        _check_image_shape(self, input_shape)
        m, h, w, c = input_shape
        return (m, h + 2 * self.pad, w + 2 * self.pad, c)

    def get_config(self):
        return {"pad": self.pad}

    def __repr__(self):
        return f"ZeroPadding2D({self.pad})"


class GlobalAveragePooling2D(_ImagesToColumns):
    r"""Average each channel over the image: ``(m, n_H, n_W, n_C)`` to the notes'
    columns ``(n_C, m)``, ready for a :class:`~dlnotes.layers.base.Dense` head.

    .. math::

        Y[c, i] = \frac{1}{n_H n_W}\sum_{h, w} X[i, h, w, c],\qquad
        \frac{\partial J}{\partial X[i,h,w,c]}
        = \frac{1}{n_H n_W}\,\frac{\partial J}{\partial Y[c,i]}
    """

    def forward(self, X, training=True):
        X = self._images(X)
        return np.ascontiguousarray(X.mean(axis=(1, 2)).T)

    def backward(self, dY):
        if self._shape is None:
            raise RuntimeError("GlobalAveragePooling2D.backward called before forward")
        m, h, w, c = self._shape
        dY = check_float_array(dY, "dY", ndim=2, shape=(c, m), shape_names=("n_C", "m"))
        g = dY.T / (h * w)
        return np.ascontiguousarray(np.broadcast_to(g[:, None, None, :], self._shape))

    def compute_output_shape(self, input_shape):
        _check_image_shape(self, input_shape)
        return (input_shape[3], input_shape[0])
