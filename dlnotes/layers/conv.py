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

from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.cnn import conv as _conv
from dlnotes.cnn import pool as _pool
from dlnotes.cnn.conv import MAX_SIDE, conv_output_size, resolve_padding
from dlnotes.layers.base import Layer
from dlnotes.layers.serialization import config_dim
from dlnotes.nn.initializers import initialize_weights

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_WINDOW = """
Parameters
----------
f : int
    Window size.
stride : int, optional
    Defaults to ``f``.
"""

__all__ = ["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten"]


class Conv2D(Layer):
    r"""2-D convolution layer (cross-correlation, NHWC).

    .. math::

        Z[i, h, w, c] = \sum_{u, v, k} A_{pad}[i, hs + u, ws + v, k]\, W[u, v, k, c] + b[c]

    Parameters
    ----------
    n_C_prev, n_C : int
        Input and output channels.
    f : int or (int, int)
        Filter size (``W.shape == (f, f, n_C_prev, n_C)``), or ``(f_h, f_w)``
        for a rectangular filter (Inception v3's 1x7 and 7x1).
    stride : int, default 1
        :math:`s`.
    pad : int or {"same", "valid"}, default 0
        Zero padding :math:`p` on each side.
    init : {"he", "xavier", "glorot", "random", "zeros"}
        Weight initialization; the fan-in of a conv layer is
        :math:`f \cdot f \cdot n_{C,prev}` (He et al. 2015).
    rng : numpy.random.Generator, optional
        Source of the initial weights (see :func:`~dlnotes.nn.initializers.initialize_weights`).
    seed : int, optional
        Seed of a new generator (when ``rng`` is not given).
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of the parameters.
    input_grad : bool, default True
        False on a first layer: ``backward`` then skips :math:`dA_{prev}` (saves
        a GEMM and the col2im) and returns None.
    use_bias : bool, default True
        False for a convolution followed by batch norm, whose :math:`\beta`
        makes ``b`` redundant (Inception v3); ``b`` is then not a parameter.

    Notes
    -----
    A frozen layer (``trainable = False``, see ``Layer.freeze()``) skips
    :math:`dW` and :math:`db` in ``backward`` (``conv_backward(...,
    need_dW=False)``: no im2col, one GEMM fewer); its ``grads`` keep their
    last values.
    """

    def __init__(self, n_C_prev, n_C, f, stride=1, pad=0, init="he", rng=None, seed=None,
                 dtype=np.float64, input_grad=True, use_bias=True):
        super().__init__()
        n_C_prev = check_scalar(n_C_prev, "n_C_prev", low=1, integer=True)
        n_C = check_scalar(n_C, "n_C", low=1, integer=True)
        f_h, f_w = _filter_size(f)
        self.stride = check_scalar(stride, "stride", low=1, high=MAX_SIDE, integer=True)
        self._p = resolve_padding(pad, f_h, f_w)  # validate now, not at the first forward
        self.pad = pad
        self.use_bias = bool(use_bias)
        rng = as_rng(rng, seed)
        self.params["W"] = initialize_weights((f_h, f_w, n_C_prev, n_C), init,
                                              fan_in=f_h * f_w * n_C_prev,
                                              fan_out=f_h * f_w * n_C, rng=rng, dtype=dtype)
        if self.use_bias:
            self.params["b"] = np.zeros((1, 1, 1, n_C), dtype=dtype)
        else:
            self._zero_b = np.zeros((1, 1, 1, n_C), dtype=dtype)
        self.zero_grads()
        self._cache = None
        self.input_grad = bool(input_grad)

    @property
    def hparameters(self):
        return {"stride": self.stride, "pad": self.pad}

    # The layer checks its input once, here, and owns W and b; the unchecked internals of
    # dlnotes.cnn.conv then run (the public conv_forward/conv_backward check the course's
    # arguments and cache themselves).

    def forward(self, X, training=True):
        W = self.params["W"]
        X = _check_images(X, "X", W.shape[2], W.dtype)
        geometry = _conv.conv_geometry(X.shape, W.shape, self.stride, *self._p, "X")
        b = self.params["b"] if self.use_bias else self._zero_b
        Z = _conv._conv_forward(X, W, b.reshape(-1), geometry)
        self._cache = (X, W, geometry)
        return Z

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError("Conv2D.backward called before forward")
        X, W, geometry = self._cache
        dY = _conv.check_dZ(dY, X, W, geometry)
        dA, dW, db = _conv._conv_backward(dY, X, W, geometry, need_dA_prev=self.input_grad,
                                          need_dW=self.trainable)
        if dW is None:
            return dA
        # write in place: optimizers and containers share these arrays
        self.grads["W"][...] = dW
        if self.use_bias:
            self.grads["b"][...] = db
        return dA

    def compute_output_shape(self, input_shape):
        f_h, f_w, c_in, c_out = self.params["W"].shape
        _check_image_shape(self, input_shape, c_in)
        p_h, p_w = resolve_padding(self.pad, f_h, f_w)
        return (input_shape[0], conv_output_size(input_shape[1], f_h, p_h, self.stride),
                conv_output_size(input_shape[2], f_w, p_w, self.stride), c_out)

    def _f(self):
        f_h, f_w = self.params["W"].shape[:2]
        return int(f_h) if f_h == f_w else [int(f_h), int(f_w)]

    def get_config(self):
        _, _, c_in, c_out = self.params["W"].shape
        cfg = {"n_C_prev": int(c_in), "n_C": int(c_out), "f": self._f(), "stride": self.stride,
               "pad": self.pad, "dtype": self.params["W"].dtype.name,
               "input_grad": self.input_grad}
        if not self.use_bias:
            cfg["use_bias"] = False
        return cfg

    @classmethod
    def declared_size(cls, config):
        f = config.get("f")
        if isinstance(f, list) and len(f) == 2:
            f_h, f_w = config_dim({"f": f[0]}, "f"), config_dim({"f": f[1]}, "f")
        else:
            f_h = f_w = config_dim(config, "f")
        n_C = config_dim(config, "n_C")
        bias = 1 if config.get("use_bias", True) else 0
        return (f_h * f_w * config_dim(config, "n_C_prev") + bias) * n_C

    def __repr__(self):
        _, _, c_in, c_out = self.params["W"].shape
        bias = "" if self.use_bias else ", use_bias=False"
        return (f"Conv2D({c_in}, {c_out}, f={self._f()}, stride={self.stride}, "
                f"pad={self.pad!r}{bias})")


def _filter_size(f):
    """``(f_h, f_w)`` from an int or a pair of ints."""
    if isinstance(f, (tuple, list)):
        if len(f) != 2:
            raise ValueError(f"f must be an int or a pair (f_h, f_w), got {f!r}")
        return (check_scalar(f[0], "f[0]", low=1, high=MAX_SIDE, integer=True),
                check_scalar(f[1], "f[1]", low=1, high=MAX_SIDE, integer=True))
    f = check_scalar(f, "f", low=1, high=MAX_SIDE, integer=True)
    return f, f


def _check_images(X, name, n_C=None, dtype=None):
    """Images ``(m, n_H, n_W, n_C)`` (C-contiguous, float32/float64, cast to ``dtype``)."""
    X = check_float_array(X, name, ndim=4, shape=(None,) * 4, dtype=dtype,
                          shape_names=("m", "n_H", "n_W", "n_C"))
    if n_C is not None and X.shape[3] != n_C:
        raise ValueError(f"{name} must have shape (m, n_H, n_W, n_C={n_C}), got {X.shape} "
                         f"(mismatched channels: the layer's W has {n_C} input channels)")
    return X


def _check_image_shape(layer, input_shape, n_C=None):
    """Refuse a symbolic input shape that is not ``(m, n_H, n_W, n_C)``."""
    if len(input_shape) != 4 or (n_C is not None and input_shape[3] != n_C):
        want = "(m, n_H, n_W, n_C)" if n_C is None else f"(m, n_H, n_W, {n_C})"
        raise ValueError(f"{layer!r} expects images of shape {want}, got {tuple(input_shape)}")


class _Pool2D(Layer):
    """Shared by the pooling layers: ``f``, ``stride`` (default ``f``), ``pad`` and ``mode``."""

    mode = None

    def __init__(self, f, stride=None, pad=0):
        super().__init__()
        self.f = check_scalar(f, "f", low=1, high=MAX_SIDE, integer=True)
        self.stride = self.f if stride is None else check_scalar(stride, "stride", low=1,
                                                                  high=MAX_SIDE, integer=True)
        self.pad = pad
        self._p = _pool._pool_hparameters(self.hparameters)[2]  # validate now
        self._cache = None

    @property
    def hparameters(self):
        hp = {"f": self.f, "stride": self.stride}
        if self.pad != 0:
            hp["pad"] = self.pad
        return hp

    def forward(self, X, training=True):
        X = _check_images(X, "X")
        geometry = _pool.pool_geometry(X.shape, self.f, self.stride, self._p, "X")
        A, argmax = _pool._pool_forward(X, geometry, self.mode)
        self._cache = (X.shape, X.dtype, geometry, argmax)  # X itself is not needed
        return A

    def compute_output_shape(self, input_shape):
        _check_image_shape(self, input_shape)
        m, h, w, c = input_shape
        return (m, conv_output_size(h, self.f, self._p, self.stride),
                conv_output_size(w, self.f, self._p, self.stride), c)

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        shape, dtype, geometry, argmax = self._cache
        dY = _pool.check_pool_upstream(dY, "dY", shape, geometry, dtype)
        return _pool._pool_backward(dY, argmax, shape, geometry, self.mode)

    def get_config(self):
        cfg = {"f": self.f, "stride": self.stride}
        if self.pad != 0:
            cfg["pad"] = self.pad
        return cfg

    def __repr__(self):
        pad = f", pad={self.pad!r}" if self.pad != 0 else ""
        return f"{type(self).__name__}(f={self.f}, stride={self.stride}{pad})"


@fill_doc(WINDOW=_WINDOW)
class MaxPool2D(_Pool2D):
    r"""Max pooling, :math:`A[i,h,w,c] = \max_{u,v<f} A_{prev}[i, hs+u, ws+v, c]`.

    The backward pass sends each gradient to the first maximum of its window
    (the argmax recorded in the forward pass), as PyTorch does; see
    :func:`dlnotes.cnn.pool.pool_backward`.  ``stride`` defaults to ``f``.

    %(WINDOW)s
    pad : int or {"same", "valid"}, default 0
        Padding (with :math:`-\infty`, so a padded position never wins).
    """

    mode = "max"


@fill_doc(WINDOW=_WINDOW)
class AvgPool2D(_Pool2D):
    r"""Average pooling, :math:`A[i,h,w,c] = \frac{1}{f^2}\sum_{u,v<f} A_{prev}[i, hs+u, ws+v, c]`.

    ``stride`` defaults to ``f``.

    %(WINDOW)s
    pad : int or {"same", "valid"}, default 0
        Zero padding, counted in the average.
    """

    mode = "average"


class _ImagesToColumns(Layer):
    """Base of the layers that turn images ``(m, n_H, n_W, n_C)`` into the notes' columns:
    they remember the input's shape for the backward pass and have no configuration."""

    def __init__(self):
        super().__init__()
        self._shape = None

    def _images(self, X):
        X = _check_images(X, "X")
        self._shape = X.shape
        return X

    def get_config(self):
        return {}

    def __repr__(self):
        return f"{type(self).__name__}()"


class Flatten(_ImagesToColumns):
    r"""Images ``(m, n_H, n_W, n_C)`` to the notes' columns ``(n_H n_W n_C, m)``, and back.

    Column ``i`` of the output is example ``i`` flattened in C order
    (index :math:`(h\, n_W + w)\, n_C + c`).
    """

    def forward(self, X, training=True):
        X = self._images(X)
        return np.ascontiguousarray(X.reshape(X.shape[0], -1).T)

    def backward(self, dY):
        if self._shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        m = self._shape[0]
        n = int(np.prod(self._shape[1:]))
        dY = check_float_array(dY, "dY", ndim=2, shape=(n, m), shape_names=("n", "m"))
        return np.ascontiguousarray(dY.T.reshape(self._shape))

    def compute_output_shape(self, input_shape):
        _check_image_shape(self, input_shape)
        return (int(np.prod(input_shape[1:])), input_shape[0])
