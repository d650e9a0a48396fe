r"""The :class:`BatchNorm` layer (wraps :mod:`dlnotes.nn.normalization`)."""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar
from dlnotes.layers.base import Layer
from dlnotes.layers.serialization import config_dim
from dlnotes.nn.normalization import batchnorm_backward, batchnorm_forward

__all__ = ["BatchNorm"]


class BatchNorm(Layer):
    r"""Batch normalization over the channels of images or the features of dense layers.

    .. math::

        \tilde z = \gamma\,\frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta,
        \qquad
        \mu_{run} \leftarrow \beta_m\,\mu_{run} + (1 - \beta_m)\,\mu_{batch}

    (and the same for :math:`\sigma^2_{run}`; :math:`\beta_m` is ``momentum``,
    the notes' exponentially weighted average).  Images ``(m, n_H, n_W, n_C)``
    are normalised per channel over examples and pixels, dense activations
    ``(n, m)`` per row over the examples; one layer serves both layouts.

    Modes: ``forward(X, training=True)`` uses the batch statistics and updates
    the running ones; ``training=False`` uses the running statistics.  With
    ``freeze_statistics=True`` (fine-tuning a pre-trained network) training
    also uses the running statistics and leaves them unchanged, while
    :math:`\gamma, \beta` still learn.  A frozen batch norm (``trainable = False``,
    e.g. inside a block frozen with :meth:`~dlnotes.layers.Layer.freeze` for transfer
    learning) keeps its statistics too and runs in inference mode, as in Keras.

    Conventions: ``momentum`` is the weight of the *old* average (Keras' 0.99;
    PyTorch's ``momentum=0.1`` is ``0.9`` here) and the running variance
    averages the biased batch variance :math:`\frac1N\sum(z-\mu)^2` (PyTorch
    averages the unbiased one).  ``eps`` defaults to Keras' 1e-3.

    Parameters
    ----------
    n_features : int
        Channels (images) or units (dense).
    momentum : float in [0, 1)
    eps : float > 0
    scale, center : bool, default True
        Learn :math:`\gamma` (else fixed at 1) and :math:`\beta` (else 0).
        Inception v3 uses ``scale=False`` (a ReLU follows).
    freeze_statistics : bool, default False
    dtype : float32 or float64.

    Attributes
    ----------
    params : ``gamma``, ``beta`` (those enabled), shape ``(n_features,)``
    named_buffers() : ``running_mean``, ``running_var`` (saved with the model,
        counted by :meth:`count_params` like Keras' non-trainable weights).
    """

    def __init__(self, n_features, momentum=0.99, eps=1e-3, scale=True, center=True,
                 freeze_statistics=False, dtype=np.float64):
        super().__init__()
        n = check_scalar(n_features, "n_features", low=1, integer=True)
        self.momentum = check_scalar(momentum, "momentum", low=0.0, high=1.0,
                                     high_inclusive=False)
        self.eps = check_scalar(eps, "eps", low=0.0, low_inclusive=False)
        self.scale, self.center = bool(scale), bool(center)
        self.freeze_statistics = bool(freeze_statistics)
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self._gamma = np.ones(n, dtype=dtype)
        self._beta = np.zeros(n, dtype=dtype)
        if self.scale:
            self.params["gamma"] = self._gamma
        if self.center:
            self.params["beta"] = self._beta
        self._buffers["running_mean"] = np.zeros(n, dtype=dtype)
        self._buffers["running_var"] = np.ones(n, dtype=dtype)
        self.zero_grads()
        self._cache = None

    @property
    def n_features(self):
        return self._gamma.shape[0]

    def _axis(self, X):
        if X.ndim == 4:
            return 3
        if X.ndim == 2:
            return 0
        raise ValueError(f"BatchNorm expects images (m, n_H, n_W, n_C) or dense columns (n, m), "
                         f"got X with shape {X.shape}")

    def forward(self, X, training=True):
        X = check_float_array(X, "X", dtype=self._gamma.dtype)
        ax = self._axis(X)
        if X.shape[ax] != self.n_features:
            want = (f"(m, n_H, n_W, {self.n_features})" if ax == 3
                    else f"({self.n_features}, m)")
            raise ValueError(f"X must have shape {want} for BatchNorm({self.n_features}), "
                             f"got {X.shape}")
        use_batch = training and self.trainable and not self.freeze_statistics
        if use_batch:
            Y, cache = batchnorm_forward(X, self._gamma, self._beta, ax, self.eps)
            mu, var = cache[5], cache[6]
            rm, rv = self._buffers["running_mean"], self._buffers["running_var"]
            rm *= self.momentum
            rm += (1.0 - self.momentum) * mu
            rv *= self.momentum
            rv += (1.0 - self.momentum) * var
        else:
            Y, cache = batchnorm_forward(X, self._gamma, self._beta, ax, self.eps,
                                         mean=self._buffers["running_mean"],
                                         var=self._buffers["running_var"])
        self._cache = cache
        return Y

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError("BatchNorm.backward called before forward")
        dX, dgamma, dbeta = batchnorm_backward(dY, self._cache)
        if self.scale:
            self.grads["gamma"] = dgamma
        if self.center:
            self.grads["beta"] = dbeta
        return dX

    def compute_output_shape(self, input_shape):
        ok = ((len(input_shape) == 4 and input_shape[3] == self.n_features)
              or (len(input_shape) == 2 and input_shape[0] == self.n_features))
        if not ok:
            raise ValueError(f"{self!r} expects (m, n_H, n_W, {self.n_features}) or "
                             f"({self.n_features}, m), got {tuple(input_shape)}")
        return tuple(input_shape)

    def get_config(self):
        cfg = {"n_features": int(self.n_features), "momentum": self.momentum, "eps": self.eps,
               "dtype": self._gamma.dtype.name}
        for k in ("scale", "center", "freeze_statistics"):
            if getattr(self, k) != (k != "freeze_statistics"):
                cfg[k] = getattr(self, k)
        return cfg

    @classmethod
    def declared_size(cls, config):
        n = config_dim(config, "n_features")
        return n * (int(config.get("scale", True) is not False)
                    + int(config.get("center", True) is not False))

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)}" for k in ("scale", "center")
                        if not getattr(self, k))
        if self.freeze_statistics:
            extra += ", freeze_statistics=True"
        return f"BatchNorm({self.n_features}{extra})"
