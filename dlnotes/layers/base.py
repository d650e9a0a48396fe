r"""The layer protocol shared by every stateful building block.

A layer is an object with

``params``
    dict ``name -> ndarray`` of trainable parameters (may be empty);
``grads``
    dict with the same keys, filled by :meth:`Layer.backward`;
``forward(X, training=True)``
    returns the output and keeps what the backward pass needs (the
    functional API's ``cache``);
``backward(dY)``
    takes :math:`\partial J/\partial Y` and returns
    :math:`\partial J/\partial X`, storing :math:`\partial J/\partial \theta`
    in ``grads``.

Gradient convention: unlike the course's ``L_model_backward`` (whose
``dZ`` is per example and whose ``linear_backward`` divides by ``m``), layers
pass true derivatives of the cost: the loss's gradient already carries the
:math:`1/m` of the mean, and no layer divides by ``m`` again.

Layouts follow the notes: dense data ``(n, m)`` (examples in columns),
images ``(m, n_H, n_W, n_C)``, sequences ``(n_x, m, T_x)``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._threads import matmul
from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.nn import activations as _act

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential"]


class Layer:
    """Base class: no parameters, identity forward and backward."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True

    def forward(self, X, training=True):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dY):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, X, training=True):
        return self.forward(X, training=training)

    def zero_grads(self):
        for k, v in self.params.items():
            self.grads[k] = np.zeros_like(v)

    def parameter_count(self):
        return int(sum(v.size for v in self.params.values()))

    def layers(self):
        """The leaf layers (itself for a leaf; containers override)."""
        return [self]

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""Fully connected layer in the notes' column layout.

    .. math::

        Z = W A + b, \qquad W \in \mathbb{R}^{n_l \times n_{l-1}},\;
        b \in \mathbb{R}^{n_l \times 1},\; A \in \mathbb{R}^{n_{l-1} \times m}

    Backward (with :math:`dZ = \partial J/\partial Z`):
    :math:`dW = dZ\,A^T`, :math:`db = \sum_{\text{cols}} dZ`, :math:`dA = W^T dZ`.

    Parameters
    ----------
    n_in, n_out : int
    init : {"he", "xavier", "glorot", "random", "zeros"}
        See :func:`dlnotes.nn.initializers.initialize_weights`.
    rng, seed : reproducible initialization.
    dtype : float32 or float64.
    """

    def __init__(self, n_in, n_out, init="he", rng=None, seed=None, dtype=np.float64):
        super().__init__()
        from dlnotes.nn.initializers import initialize_weights

        n_in = check_scalar(n_in, "n_in", low=1, integer=True)
        n_out = check_scalar(n_out, "n_out", low=1, integer=True)
        rng = as_rng(rng, seed)
        self.params["W"] = initialize_weights((n_out, n_in), init, fan_in=n_in, fan_out=n_out,
                                              rng=rng, dtype=dtype)
        self.params["b"] = np.zeros((n_out, 1), dtype=dtype)
        self.zero_grads()
        self._A = None

    def forward(self, X, training=True):
        W = self.params["W"]
        X = check_float_array(X, "X", ndim=2, shape=(W.shape[1], None),
                              shape_names=("n_in", "m"), dtype=W.dtype)
        self._A = X
        Z = matmul(W, X)
        Z += self.params["b"]
        return Z

    def backward(self, dY):
        W = self.params["W"]
        dY = check_float_array(dY, "dY", ndim=2, shape=(W.shape[0], self._A.shape[1]),
                               shape_names=("n_out", "m"), dtype=W.dtype)
        self.grads["W"] = matmul(dY, self._A.T)
        self.grads["b"] = dY.sum(axis=1, keepdims=True)
        return matmul(W.T, dY)

    def __repr__(self):
        n_out, n_in = self.params["W"].shape
        return f"Dense({n_in}, {n_out})"


class Activation(Layer):
    """Element-wise activation layer (``"relu"``, ``"tanh"``, ``"sigmoid"``, ...).

    ``"softmax"`` normalises along axis 0 (examples in columns).
    """

    def __init__(self, name):
        super().__init__()
        if name not in _act.ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_act.ACTIVATIONS)}, "
                             f"got {name!r}")
        self.name = name
        self._Z = None

    def forward(self, X, training=True):
        self._Z = check_float_array(X, "X")
        return _act.activation_forward(self._Z, self.name)

    def backward(self, dY):
        return _act.activation_backward(dY, self._Z, self.name)

    def __repr__(self):
        return f"Activation({self.name!r})"


class Dropout(Layer):
    r"""Inverted dropout (training only; the identity at test time).

    .. math::

        D = (U < \text{keep\_prob}),\quad A \leftarrow \frac{A \odot D}{\text{keep\_prob}}
    """

    def __init__(self, keep_prob, rng=None, seed=None):
        super().__init__()
        self.keep_prob = check_scalar(keep_prob, "keep_prob", low=0.0, high=1.0,
                                      low_inclusive=False)
        self.rng = as_rng(rng, seed)
        self._D = None

    def forward(self, X, training=True):
        from dlnotes.nn.regularization import dropout_forward

        if not training or self.keep_prob == 1.0:
            self._D = None
            return check_float_array(X, "X")
        A, self._D = dropout_forward(X, self.keep_prob, rng=self.rng)
        return A

    def backward(self, dY):
        from dlnotes.nn.regularization import dropout_backward

        if self._D is None:
            return check_float_array(dY, "dY")
        return dropout_backward(dY, self._D, self.keep_prob)

    def __repr__(self):
        return f"Dropout(keep_prob={self.keep_prob})"


class Sequential(Layer):
    """A chain of layers; ``params``/``grads`` are namespaced ``"<index>.<name>"``."""

    def __init__(self, layers):
        super().__init__()
        self._layers = list(layers)
        for i, layer in enumerate(self._layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")
        self._sync()

    def _sync(self):
        self.params, self.grads = {}, {}
        for i, layer in enumerate(self._layers):
            for k, v in layer.params.items():
                self.params[f"{i}.{k}"] = v
            for k, v in layer.grads.items():
                self.grads[f"{i}.{k}"] = v

    def forward(self, X, training=True):
        for layer in self._layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dY):
        for layer in reversed(self._layers):
            dY = layer.backward(dY)
        self._sync()
        return dY

    def layers(self):
        out = []
        for layer in self._layers:
            out.extend(layer.layers())
        return out

    def __getitem__(self, i):
        return self._layers[i]

    def __len__(self):
        return len(self._layers)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self._layers)
        return f"Sequential([\n  {inner}\n])"
