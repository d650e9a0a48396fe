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

from dlnotes._docstrings import fill_doc
from dlnotes._threads import matmul
from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.nn import activations as _act
from dlnotes.layers.serialization import (MAX_DEPTH, config_dim, deserialize_layer,  # noqa: F401
                                          layer_class, register_layer, serialize_layer)
from dlnotes.nn.initializers import initialize_weights

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_CONFIG = """
Parameters
----------
config : dict
    What :meth:`get_config` returned.

Returns
-------
"""
_NAMED = """
Parameters
----------
prefix : str
    Prepended to every name.
trainable_only : bool
    Skip layers (and whole sub-trees) with ``trainable = False``.

Yields
------
name : str
"""

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential"]

class _OwnOrNamed:
    """``layer.params`` / ``layer.grads``: a leaf's own dict (assignable), or for a
    container a fresh dict of every entry under its dotted name."""

    def __init__(self, own, named):
        self.own, self.named = own, named

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        if layer._is_leaf():
            return getattr(layer, self.own)
        return dict(getattr(layer, self.named)())

    def __set__(self, layer, value):
        setattr(layer, self.own, dict(value))


class Layer:
    """Base class: parameters, gradients, names, configuration (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_layer(cls)

    def __init__(self):
        self._params = {}
        self._grads = {}
        self._buffers = {}
        self.training = True
        self.trainable = True

    # -- parameters and their names ---------------------------------------------------
    def _is_leaf(self):
        return next(iter(self.named_children()), None) is None

    params = _OwnOrNamed("_params", "named_parameters")
    grads = _OwnOrNamed("_grads", "named_gradients")

    def named_children(self):
        """``(name, layer)`` of the direct sub-layers (none for a leaf; containers override).

        Returns
        -------
        iterator of (str, Layer)
            Empty for a leaf.
        """
        return iter(())

    @fill_doc(NAMED=_NAMED)
    def named_parameters(self, prefix="", trainable_only=False):
        """``(dotted name, array)`` of every parameter: own ones first, then each child's.

        %(NAMED)s
            The dotted name, e.g. ``"0.W"``.
        array : ndarray
            The parameter itself (not a copy).
        """
        if trainable_only and not self.trainable:
            return
        yield from ((prefix + k, v) for k, v in self._params.items())
        for name, child in self.named_children():
            yield from child.named_parameters(f"{prefix}{name}.", trainable_only)

    @fill_doc(NAMED=_NAMED)
    def named_gradients(self, prefix="", trainable_only=False):
        """``(dotted name, gradient)`` with the names of :meth:`named_parameters`.

        %(NAMED)s
            The dotted name of the parameter.
        gradient : ndarray
            Its gradient, of the parameter's shape.

        Raises
        ------
        ValueError
            If a parameter has no gradient yet (``backward`` has not run).
        """
        if trainable_only and not self.trainable:
            return
        for k in self._params:
            if k not in self._grads:
                raise ValueError(f"{self!r} has no gradient for parameter {prefix + k!r}; run "
                                 "backward() first")
            yield prefix + k, self._grads[k]
        for name, child in self.named_children():
            yield from child.named_gradients(f"{prefix}{name}.", trainable_only)

    def named_buffers(self, prefix=""):
        """``(dotted name, array)`` of the state that is not learned by gradient descent
        (batch norm's running mean and variance), named like :meth:`named_parameters`.

        Parameters
        ----------
        prefix : str
            Prepended to every name.

        Yields
        ------
        name : str
            The dotted name.
        array : ndarray
            The buffer itself.
        """
        yield from ((prefix + k, v) for k, v in getattr(self, "_buffers", {}).items())
        for name, child in self.named_children():
            yield from child.named_buffers(f"{prefix}{name}.")

    def count_params(self):
        """Parameters plus buffers, Keras' "Total params" (its batch-norm moving statistics
        are non-trainable weights).

        Returns
        -------
        int
        """
        return self.parameter_count() + int(sum(v.size for _, v in self.named_buffers()))

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape (``None`` for the batch size); used by
        :mod:`dlnotes.layers.graph` to build a graph without running it.

        Parameters
        ----------
        input_shape : tuple or list of tuple
            Shape of the input (with ``None`` for the batch size), a list of them for a layer with
            several inputs.

        Returns
        -------
        tuple
            The output's shape, ``None`` for the batch size.
        """
        raise NotImplementedError(f"{type(self).__name__} defines no compute_output_shape(), "
                                  "so it cannot be called on a symbolic tensor")

    def freeze(self):
        """Set ``trainable = False`` on this layer and every layer under it; returns ``self``.

        The optimizers then neither update these parameters nor keep state for
        them (:meth:`~dlnotes.optim.optimizers.Optimizer.step_layers`); the
        gradient still flows through the layers to the ones below.

        Returns
        -------
        Layer
            ``self``.
        """
        return self._set_trainable(False)

    def unfreeze(self):
        """Set ``trainable = True`` on this layer and every layer under it; returns ``self``.

        Returns
        -------
        Layer
            ``self``.
        """
        return self._set_trainable(True)

    def _set_trainable(self, flag):
        self.trainable = flag
        for _, child in self.named_children():
            child._set_trainable(flag)
        return self

    def zero_grads(self):
        for k, v in self._params.items():
            # np.zeros (calloc): pages are mapped when backward first writes them, so
            # building VGG-16 does not touch 550 MB of gradients (zeros_like writes them)
            self._grads[k] = np.zeros(v.shape, dtype=v.dtype)
        for _, child in self.named_children():
            child.zero_grads()

    def parameter_count(self):
        return int(sum(v.size for _, v in self.named_parameters()))

    def layers(self):
        """The leaf layers, depth first (itself for a leaf).

        Returns
        -------
        list of Layer
        """
        if self._is_leaf():
            return [self]
        children = [c for _, c in self.named_children()]
        out = [self] if self._params else []
        for child in children:
            out.extend(child.layers())
        return out

    # -- forward / backward -------------------------------------------------------------
    def forward(self, X, training=True):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dY):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, X, training=True):
        """``forward(X)`` on arrays; on symbolic tensors of :mod:`dlnotes.layers.graph`
        (Keras' functional style), a new node of the graph.

        Parameters
        ----------
        X : ndarray, SymbolicTensor or list of them
            The input(s).
        training : bool, default True
            Training mode (dropout on, batch statistics), passed to :meth:`forward`.

        Returns
        -------
        ndarray or SymbolicTensor
            The output (a new graph tensor for symbolic inputs).
        """
        first = X[0] if isinstance(X, (list, tuple)) and X else X
        if getattr(first, "_dlnotes_symbolic", False):
            return first.call_layer(self, X)  # the graph module, without importing it here
        return self.forward(X, training=training)

    # -- configuration ------------------------------------------------------------------
    def get_config(self):
        """Constructor arguments as a JSON-able dict (``type(self)(**config)`` rebuilds it)."""
        raise NotImplementedError(f"{type(self).__name__} has no get_config(); define it to "
                                  "save this layer")

    @fill_doc(CONFIG=_CONFIG)
    @classmethod
    def from_config(cls, config):
        """A new layer from :meth:`get_config` output (freshly initialised parameters).

        %(CONFIG)s
        Layer
        """
        return cls(**config)

    @fill_doc(CONFIG=_CONFIG)
    @classmethod
    def declared_size(cls, config):
        """Number of parameters a layer built from ``config`` holds, without building it.

        0 for layers without parameters of their own (a container's children
        are counted as they are rebuilt).
        :func:`~dlnotes.layers.serialization.deserialize_layer` checks it against
        the parameters a file stores before allocating anything.

        %(CONFIG)s
        int
        """
        return 0

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
