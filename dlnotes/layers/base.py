r"""The layer protocol shared by every stateful building block.

A layer is an object with

``params``
    dict ``name -> ndarray`` of the layer's own parameters (may be empty);
    for a container, all parameters under their dotted names;
``grads``
    dict with the same keys, filled by :meth:`Layer.backward`;
``forward(X, training=True)``
    returns the output and keeps what the backward pass needs (the
    functional API's ``cache``);
``backward(dY)``
    takes :math:`\partial J/\partial Y` and returns
    :math:`\partial J/\partial X`, storing :math:`\partial J/\partial \theta`
    in ``grads``;
``named_parameters()`` / ``named_gradients()``
    ``(name, array)`` pairs under one naming scheme, PyTorch's: a parameter's
    name is the path of child names down to it, joined by dots (``"0.W"`` for
    the first layer of a :class:`Sequential`, ``"1.fwd.Wf"`` for the forward
    LSTM of a bidirectional layer in second place).  The names depend only on
    the network's structure, so optimizer state and saved files do not depend
    on how the network is trained;
``trainable``
    ``True`` by default; the parameters of a layer (or of a whole container)
    with ``trainable = False`` are left out of ``named_parameters(trainable_only=True)``,
    which is what the optimizers update; :meth:`Layer.freeze` / :meth:`Layer.unfreeze`
    set the flag on a layer and everything under it;
``get_config()`` / ``from_config(config)``
    the constructor arguments as a JSON-able dict, and back
    (:mod:`dlnotes.layers.serialization`).

Every subclass of :class:`Layer` is registered under ``"<module>.<qualname>"``
when it is defined, which is how :func:`~dlnotes.layers.serialization.deserialize_layer`
finds it (:mod:`dlnotes.layers.serialization`; its functions are re-exported here).

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
from dlnotes.layers._layer import Layer
from dlnotes.layers.serialization import (MAX_DEPTH, config_dim, deserialize_layer,  # noqa: F401
                                          layer_class, register_layer, serialize_layer)
from dlnotes.nn.initializers import initialize_weights

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential"]


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

    def get_config(self):
        n_out, n_in = self.params["W"].shape
        return {"n_in": int(n_in), "n_out": int(n_out), "dtype": self.params["W"].dtype.name}

    @classmethod
    def declared_size(cls, config):
        return (config_dim(config, "n_in") + 1) * config_dim(config, "n_out")

    def compute_output_shape(self, input_shape):
        n_out, n_in = self.params["W"].shape
        if len(input_shape) != 2 or input_shape[0] != n_in:
            raise ValueError(f"{self!r} expects columns of shape ({n_in}, m), got "
                             f"{tuple(input_shape)}")
        return (n_out, input_shape[1])

    def __repr__(self):
        n_out, n_in = self.params["W"].shape
        return f"Dense({n_in}, {n_out})"


class _Elementwise:
    """Mixin of the element-wise layers: the output has the input's shape, and the
    constructor's arguments are the attributes named in ``_config_keys``."""

    _config_keys = ()

    def get_config(self):
        return {k: getattr(self, k) for k in self._config_keys}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class Activation(_Elementwise, Layer):
    """Element-wise activation layer (``"relu"``, ``"tanh"``, ``"sigmoid"``, ...).

    ``"softmax"`` normalises along axis 0 (examples in columns).

    Parameters
    ----------
    name : str
        A key of :data:`dlnotes.nn.activations.ACTIVATIONS`.
    """

    _config_keys = ("name",)

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


class Dropout(_Elementwise, Layer):
    r"""Inverted dropout (training only; the identity at test time).

    .. math::

        D = (U < \text{keep\_prob}),\quad A \leftarrow \frac{A \odot D}{\text{keep\_prob}}

    Parameters
    ----------
    keep_prob : float in (0, 1]
        Probability of keeping a unit.
    rng, seed : reproducible masks.
    """

    _config_keys = ("keep_prob",)

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
    """A chain of layers; the ``i``-th layer's parameters are named ``"<i>.<name>"``.

    Parameters
    ----------
    layers : list of Layer
        Applied in order by ``forward``, in reverse by ``backward``.
    """

    def __init__(self, layers):
        super().__init__()
        self._layers = list(layers)
        for i, layer in enumerate(self._layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")

    def named_children(self):
        return ((str(i), layer) for i, layer in enumerate(self._layers))

    def forward(self, X, training=True):
        for layer in self._layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dY):
        for layer in reversed(self._layers):
            dY = layer.backward(dY)
        return dY

    def get_config(self):
        return {"layers": [serialize_layer(layer) for layer in self._layers]}

    @classmethod
    def from_config(cls, config):
        return cls([deserialize_layer(d) for d in config.get("layers", [])])

    def __getitem__(self, i):
        return self._layers[i]

    def __len__(self):
        return len(self._layers)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self._layers)
        return f"Sequential([\n  {inner}\n])"
