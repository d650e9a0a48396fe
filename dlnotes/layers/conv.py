r"""Convolutional layers: Conv2D, MaxPool2D, AvgPool2D and Flatten.

They wrap the functional API of :mod:`dlnotes.cnn` into the layer protocol of
:mod:`dlnotes.layers.base` (``params``, ``grads``, ``forward``, ``backward``).
Images are ``(m, n_H, n_W, n_C)``; :class:`Flatten` turns them into the
notes' column layout ``(n_H n_W n_C, m)`` for the dense layers that follow.
As everywhere in the layers, gradients are true derivatives of the cost: the
loss's gradient carries the :math:`1/m`, so ``dW`` and ``db`` are plain sums
over the examples (as in the course's ``conv_backward``).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.cnn.conv import MAX_SIDE, conv_backward, conv_forward, resolve_padding
from dlnotes.cnn.pool import pool_backward, pool_forward
from dlnotes.layers.base import Layer, config_dim
from dlnotes.nn.initializers import initialize_weights

__all__ = ["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten"]


class Conv2D(Layer):
    r"""2-D convolution layer (cross-correlation, NHWC).

    .. math::

        Z[i, h, w, c] = \sum_{u, v, k} A_{pad}[i, hs + u, ws + v, k]\, W[u, v, k, c] + b[c]

    Parameters
    ----------
    n_C_prev, n_C : int
        Input and output channels.
    f : int
        Filter size (``W.shape == (f, f, n_C_prev, n_C)``).
    stride : int, default 1
    pad : int or {"same", "valid"}, default 0
    init : {"he", "xavier", "glorot", "random", "zeros"}
        Weight initialization; the fan-in of a conv layer is
        :math:`f \cdot f \cdot n_{C,prev}` (He et al. 2015).
    rng, seed : reproducible initialization.
    dtype : float32 or float64.
    input_grad : bool, default True
        False on a first layer: ``backward`` then skips :math:`dA_{prev}` (saves
        a GEMM and the col2im) and returns None.
    """

    def __init__(self, n_C_prev, n_C, f, stride=1, pad=0, init="he", rng=None, seed=None,
                 dtype=np.float64, input_grad=True):
        super().__init__()
        n_C_prev = check_scalar(n_C_prev, "n_C_prev", low=1, integer=True)
        n_C = check_scalar(n_C, "n_C", low=1, integer=True)
        f = check_scalar(f, "f", low=1, high=MAX_SIDE, integer=True)
        self.stride = check_scalar(stride, "stride", low=1, high=MAX_SIDE, integer=True)
        resolve_padding(pad, f, f)  # validate now, not at the first forward
        self.pad = pad
        rng = as_rng(rng, seed)
        self.params["W"] = initialize_weights((f, f, n_C_prev, n_C), init,
                                              fan_in=f * f * n_C_prev, fan_out=f * f * n_C,
                                              rng=rng, dtype=dtype)
        self.params["b"] = np.zeros((1, 1, 1, n_C), dtype=dtype)
        self.zero_grads()
        self._cache = None
        self.input_grad = bool(input_grad)

    @property
    def hparameters(self):
        return {"stride": self.stride, "pad": self.pad}

    def forward(self, X, training=True):
        W = self.params["W"]
        X = check_float_array(X, "X", ndim=4, dtype=W.dtype)
        Z, self._cache = conv_forward(X, W, self.params["b"], self.hparameters)
        return Z

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError("Conv2D.backward called before forward")
        dA, dW, db = conv_backward(dY, self._cache, need_dA_prev=self.input_grad)
        # write in place: optimizers and containers share these arrays
        self.grads["W"][...] = dW
        self.grads["b"][...] = db
        return dA

    def get_config(self):
        f, _, c_in, c_out = self.params["W"].shape
        return {"n_C_prev": int(c_in), "n_C": int(c_out), "f": int(f), "stride": self.stride,
                "pad": self.pad, "dtype": self.params["W"].dtype.name,
                "input_grad": self.input_grad}

    @classmethod
    def declared_size(cls, config):
        f, n_C = config_dim(config, "f"), config_dim(config, "n_C")
        return (f * f * config_dim(config, "n_C_prev") + 1) * n_C

    def __repr__(self):
        f, _, c_in, c_out = self.params["W"].shape
        return f"Conv2D({c_in}, {c_out}, f={f}, stride={self.stride}, pad={self.pad!r})"


class _Pool2D(Layer):
    """Shared by the pooling layers: ``f``, ``stride`` (default ``f``) and ``mode``."""

    mode = None

    def __init__(self, f, stride=None):
        super().__init__()
        self.f = check_scalar(f, "f", low=1, high=MAX_SIDE, integer=True)
        self.stride = self.f if stride is None else check_scalar(stride, "stride", low=1,
                                                                  high=MAX_SIDE, integer=True)
        self._cache = None

    def forward(self, X, training=True):
        A, self._cache = pool_forward(X, {"f": self.f, "stride": self.stride}, mode=self.mode)
        return A

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return pool_backward(dY, self._cache, mode=self.mode)

    def get_config(self):
        return {"f": self.f, "stride": self.stride}

    def __repr__(self):
        return f"{type(self).__name__}(f={self.f}, stride={self.stride})"


class MaxPool2D(_Pool2D):
    r"""Max pooling, :math:`A[i,h,w,c] = \max_{u,v<f} A_{prev}[i, hs+u, ws+v, c]`.

    The backward pass sends each gradient to the first maximum of its window
    (the argmax recorded in the forward pass), as PyTorch does; see
    :func:`dlnotes.cnn.pool.pool_backward`.  ``stride`` defaults to ``f``.
    """

    mode = "max"


class AvgPool2D(_Pool2D):
    r"""Average pooling, :math:`A[i,h,w,c] = \frac{1}{f^2}\sum_{u,v<f} A_{prev}[i, hs+u, ws+v, c]`.

    ``stride`` defaults to ``f``.
    """

    mode = "average"


class Flatten(Layer):
    r"""Images ``(m, n_H, n_W, n_C)`` to the notes' columns ``(n_H n_W n_C, m)``, and back.

    Column ``i`` of the output is example ``i`` flattened in C order
    (index :math:`(h\, n_W + w)\, n_C + c`).
    """

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, X, training=True):
        X = check_float_array(X, "X", ndim=4)
        self._shape = X.shape
        return np.ascontiguousarray(X.reshape(X.shape[0], -1).T)

    def backward(self, dY):
        if self._shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        m = self._shape[0]
        n = int(np.prod(self._shape[1:]))
        dY = check_float_array(dY, "dY", ndim=2, shape=(n, m), shape_names=("n", "m"))
        return np.ascontiguousarray(dY.T.reshape(self._shape))

    def get_config(self):
        return {}

    def __repr__(self):
        return "Flatten()"
