r"""Recurrent layers: basic RNN, GRU, LSTM, a bidirectional wrapper and a
time-distributed dense output, on the functional API of :mod:`dlnotes.rnn`.

Sequences keep the notes' layout ``(n_x, m, T_x)``.  As everywhere in
:mod:`dlnotes.layers`, ``backward`` receives the true derivative of the cost
(the loss already carries its :math:`1/m`) and no layer divides by ``m``.

Initial states: ``forward(X, training, initial_state=None)`` accepts the
initial state (``a0``; for the LSTM ``(a0, c0)``), zeros by default; after
``backward`` its gradient is in ``d_initial_state``.
"""
from __future__ import annotations

import copy

import numpy as np

from dlnotes.rnn import basic as _rnn, gru as _gru, lstm as _lstm
from dlnotes.rnn._common import check_sequence
from dlnotes._threads import matmul
from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.layers.base import Layer
from dlnotes.layers.serialization import config_dim, deserialize_layer, serialize_layer
from dlnotes.nn.activations import softmax, softmax_backward

__all__ = ["Recurrent", "RNN", "GRU", "LSTM", "Bidirectional", "TimeDistributedDense"]


def _uniform(rng, shape, bound, dtype):
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Recurrent(Layer):
    """Base class of the recurrent layers: parameters, output selection, initial states.

    Subclasses (:class:`RNN`, :class:`GRU`, :class:`LSTM`) define
    ``reset_parameters`` and the functional calls ``_run`` / ``_run_backward``;
    ``forward`` and ``backward`` (checks, initial states, output selection,
    gradients) are shared.

    Parameters
    ----------
    n_x, n_a, return_sequences, rng, seed, dtype : as for :class:`RNN`
    """

    _gates = 1  # weight blocks (n_a, n_a + n_x) + bias (n_a, 1): 3 for the GRU, 4 for the LSTM
    _state_names = ("a0",)

    def __init__(self, n_x, n_a, return_sequences=True, rng=None, seed=None, dtype=np.float64):
        super().__init__()
        self.n_x = check_scalar(n_x, "n_x", low=1, integer=True)
        self.n_a = check_scalar(n_a, "n_a", low=1, integer=True)
        if not isinstance(return_sequences, bool):
            raise TypeError(f"return_sequences must be a bool, got {return_sequences!r}")
        self.return_sequences = return_sequences
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.dtype = dtype
        self.reset_parameters(as_rng(rng, seed))
        self.zero_grads()
        self._caches = None
        self.d_initial_state = None

    def reset_parameters(self, rng):
        """Draw new weights, :math:`U(-1/\\sqrt{n_a}, 1/\\sqrt{n_a})` (PyTorch's default).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the weights.
        """
        raise NotImplementedError

    def _initial(self, initial_state, m):
        names = self._state_names
        if initial_state is None:
            return [np.zeros((self.n_a, m), self.dtype) for _ in names]
        states = initial_state if isinstance(initial_state, (tuple, list)) else (initial_state,)
        if len(states) != len(names):
            raise ValueError(f"initial_state must hold {len(names)} array(s) "
                             f"({', '.join(names)}), got {len(states)}")
        return [check_float_array(s, n, ndim=2, shape=(self.n_a, m), shape_names=("n_a", "m"),
                                  dtype=self.dtype) for s, n in zip(states, names)]

    def _check_input(self, X):
        return check_sequence(X, "X", n_x=self.n_x, dtype=self.dtype)

    def _select(self, a):
        self._T = a.shape[2]
        return a if self.return_sequences else np.ascontiguousarray(a[:, :, -1])

    def _check_upstream(self, dY, rows=None, rows_name="n_a"):
        """``dY`` of shape ``(rows, m, T_x)``, or ``(rows, m)`` without ``return_sequences``
        (``rows`` is ``n_a``; a :class:`Bidirectional` checks its ``2 n_a`` rows at once)."""
        if self._caches is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        rows = self.n_a if rows is None else rows
        shape, names = (rows, self._m, self._T), (rows_name, "m", "T_x")
        if not self.return_sequences:
            shape, names = shape[:2], names[:2]
        return check_float_array(dY, "dY", ndim=len(shape), shape=shape, shape_names=names,
                                 dtype=self.dtype)

    # The layer checks its input, initial states and upstream gradient once, here, and owns
    # its parameters; it then calls the unchecked internals of dlnotes.rnn (which its public
    # functions call after their own checks).

    def _run(self, X, states):
        """The unchecked functional forward: ``(a, cache)`` (subclasses)."""
        raise NotImplementedError

    def _run_backward(self, da, cache):
        """The unchecked functional backward: its gradients dict (subclasses)."""
        raise NotImplementedError

    def forward(self, X, training=True, initial_state=None):
        X = self._check_input(X)
        return self._forward(X, self._initial(initial_state, X.shape[1]))

    def _forward(self, X, states):
        """:meth:`forward` for a checked input and initial states."""
        self._m = X.shape[1]
        a, self._caches = self._run(X, states)
        return self._select(a)

    def backward(self, dY):
        return self._backward(self._check_upstream(dY))

    def _backward(self, dY):
        """:meth:`backward` for a checked ``dY``."""
        if self.return_sequences:
            da = dY
        else:
            da = np.zeros((self.n_a, self._m, self._T), self.dtype)
            da[:, :, -1] = dY
        g = self._run_backward(da, self._caches)
        for k in self.params:
            self.grads[k] = g["d" + k]
        states = tuple(g["d" + n] for n in self._state_names)
        self.d_initial_state = states if len(states) > 1 else states[0]
        return g["dx"]

    def get_config(self):
        """Constructor arguments (JSON-able), for
        :func:`~dlnotes.layers.serialization.serialize_layer`.

        Returns
        -------
        dict
        """
        return {"n_x": self.n_x, "n_a": self.n_a, "return_sequences": self.return_sequences,
                "dtype": self.dtype.name}

    @classmethod
    def declared_size(cls, config):
        n_a = config_dim(config, "n_a")
        return cls._gates * (n_a * (n_a + config_dim(config, "n_x")) + n_a)

    def __repr__(self):
        extra = "" if self.return_sequences else ", return_sequences=False"
        return f"{type(self).__name__}({self.n_x}, {self.n_a}{extra})"


class RNN(Recurrent):
    r"""Basic RNN layer: :math:`a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle}
    + W_{ax} x^{\langle t \rangle} + b_a)`.

    Parameters are ``Wax`` (n_a, n_x), ``Waa`` (n_a, n_a), ``ba`` (n_a, 1)
    (see :func:`dlnotes.rnn.basic.rnn_forward`).

    Parameters
    ----------
    n_x, n_a : int
        Input features and hidden units.
    return_sequences : bool, default True
        Output every state ``(n_a, m, T_x)`` or only the last ``(n_a, m)``.
    rng, seed : numpy.random.Generator or int, optional
        Source of the initial weights, or the seed of a new generator.
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of the parameters and the states.
    """

    def reset_parameters(self, rng):
        s = 1 / np.sqrt(self.n_a)
        self.params["Wax"] = _uniform(rng, (self.n_a, self.n_x), s, self.dtype)
        self.params["Waa"] = _uniform(rng, (self.n_a, self.n_a), s, self.dtype)
        self.params["ba"] = np.zeros((self.n_a, 1), self.dtype)

    def _run(self, X, states):
        a, _, (cache, _) = _rnn._rnn_forward(X, states[0], self.params)
        return a, cache

    def _run_backward(self, da, cache):
        return _rnn._rnn_backward(da, cache)


class GRU(Recurrent):
    r"""GRU layer (:func:`dlnotes.rnn.gru.gru_forward`), reset before or after the recurrent product.

    Parameters are ``Wu``, ``Wr``, ``Wc`` (n_a, n_a + n_x), ``bu``, ``br``, ``bc`` (n_a, 1)
    and, for ``reset="after"``, ``bhc`` (n_a, 1).

    Parameters
    ----------
    n_x, n_a : int
    reset : {"after", "before"}, default "after"
        ``"after"`` is the PyTorch/cuDNN/Keras form (one BLAS call per step, the
        faster one); ``"before"`` the course's and Cho et al.'s.
    return_sequences, rng, seed, dtype : as for :class:`RNN`
    """

    _gates = 3

    def __init__(self, n_x, n_a, reset="after", return_sequences=True, rng=None, seed=None,
                 dtype=np.float64):
        self.reset = check_choice(reset, "reset", ("before", "after"))
        super().__init__(n_x, n_a, return_sequences, rng, seed, dtype)

    def get_config(self):
        return dict(super().get_config(), reset=self.reset)

    @classmethod
    def declared_size(cls, config):
        bhc = config_dim(config, "n_a") if config.get("reset", "after") == "after" else 0
        return super().declared_size(config) + bhc

    def reset_parameters(self, rng):
        s = 1 / np.sqrt(self.n_a)
        for k in "urc":
            self.params["W" + k] = _uniform(rng, (self.n_a, self.n_a + self.n_x), s, self.dtype)
            self.params["b" + k] = np.zeros((self.n_a, 1), self.dtype)
        if self.reset == "after":
            self.params["bhc"] = np.zeros((self.n_a, 1), self.dtype)

    def _run(self, X, states):
        a, _, (cache, _) = _gru._gru_forward(X, states[0], self.params, self.reset)
        return a, cache

    def _run_backward(self, da, cache):
        return _gru._gru_backward(da, cache)


class LSTM(Recurrent):
    r"""LSTM layer (:func:`dlnotes.rnn.lstm.lstm_forward`).

    The initial state is the pair ``(a0, c0)``.  Parameters are
    ``Wf``, ``Wi``, ``Wc``, ``Wo`` (n_a, n_a + n_x) and ``bf``, ``bi``, ``bc``, ``bo`` (n_a, 1).

    Parameters
    ----------
    n_x, n_a : int
    forget_bias : float, default 1.0
        Initial value of :math:`b_f` (Gers et al. 2000; Keras' ``unit_forget_bias``).
    return_sequences, rng, seed, dtype : as for :class:`RNN`
    """

    _state_names = ("a0", "c0")
    _gates = 4

    def __init__(self, n_x, n_a, forget_bias=1.0, return_sequences=True, rng=None, seed=None,
                 dtype=np.float64):
        self.forget_bias = check_scalar(forget_bias, "forget_bias")
        super().__init__(n_x, n_a, return_sequences, rng, seed, dtype)

    def get_config(self):
        return dict(super().get_config(), forget_bias=self.forget_bias)

    def reset_parameters(self, rng):
        s = 1 / np.sqrt(self.n_a)
        for k in "fico":
            self.params["W" + k] = _uniform(rng, (self.n_a, self.n_a + self.n_x), s, self.dtype)
            self.params["b" + k] = np.zeros((self.n_a, 1), self.dtype)
        self.params["bf"][:] = self.forget_bias

    def _run(self, X, states):
        a, _, _, (cache, _) = _lstm._lstm_forward(X, states[0], states[1], self.params)
        return a, cache

    def _run_backward(self, da, cache):
        return _lstm._lstm_backward(da, cache)


class Bidirectional(Layer):
    r"""Run one recurrent layer forwards and a twin backwards in time; concatenate.

    .. math::

        a^{\langle t \rangle} = [\overrightarrow{a}^{\langle t \rangle};
        \overleftarrow{a}^{\langle t \rangle}]

    With ``return_sequences=False`` the output is the forward layer's last state
    stacked on the backward layer's last state (which has read the whole
    sequence from the end).

    The two layers are the children ``"fwd"`` and ``"bwd"``: parameters are
    named ``"fwd.<name>"`` and ``"bwd.<name>"``.

    Parameters
    ----------
    layer : RNN, GRU or LSTM
        The forward-direction layer.
    backward_layer : same type, optional
        The backward-direction layer; by default a copy of ``layer`` with
        freshly drawn weights.
    rng, seed : numpy.random.Generator or int, optional
        Source of the copy's weights, or the seed of a new generator.
    """

    def __init__(self, layer, backward_layer=None, rng=None, seed=None):
        super().__init__()
        if not isinstance(layer, Recurrent):
            raise TypeError(f"layer must be an RNN, GRU or LSTM layer, got {type(layer).__name__}")
        if backward_layer is None:
            backward_layer = copy.deepcopy(layer)
            backward_layer.reset_parameters(as_rng(rng, seed))
            backward_layer.zero_grads()
        elif type(backward_layer) is not type(layer) or backward_layer.n_a != layer.n_a \
                or backward_layer.n_x != layer.n_x \
                or backward_layer.return_sequences != layer.return_sequences:
            raise ValueError("backward_layer must be the same kind of layer as layer, with the "
                             "same n_x, n_a and return_sequences")
        self.fwd, self.bwd = layer, backward_layer
        self.return_sequences = layer.return_sequences

    def named_children(self):
        return iter((("fwd", self.fwd), ("bwd", self.bwd)))

    # X and dY are checked once, here, for both directions (same n_x, n_a and dtype).

    def forward(self, X, training=True):
        X = self.fwd._check_input(X)
        m = X.shape[1]
        a_f = self.fwd._forward(X, self.fwd._initial(None, m))
        a_b = self.bwd._forward(X[:, :, ::-1], self.bwd._initial(None, m))
        if self.return_sequences:
            a_b = a_b[:, :, ::-1]
        return np.concatenate([a_f, a_b], axis=0)

    def backward(self, dY):
        n_a = self.fwd.n_a
        dY = self.fwd._check_upstream(dY, rows=2 * n_a, rows_name="2 n_a")
        dX = self.fwd._backward(dY[:n_a])
        d_b = dY[n_a:]
        if self.return_sequences:
            d_b = d_b[:, :, ::-1]
        dX = dX + self.bwd._backward(d_b)[:, :, ::-1]
        return dX

    def get_config(self):
        """The two wrapped layers' descriptions (JSON-able).

        Returns
        -------
        dict
            ``layer`` and ``backward_layer``, each a :func:`~dlnotes.layers.serialization.serialize_layer` description.
        """
        return {"layer": serialize_layer(self.fwd), "backward_layer": serialize_layer(self.bwd)}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config` output.

        Parameters
        ----------
        config : dict
            The ``layer`` and ``backward_layer`` descriptions that :meth:`get_config` wrote.

        Returns
        -------
        Bidirectional
        """
        return cls(deserialize_layer(config["layer"]),
                   deserialize_layer(config["backward_layer"]))

    def __repr__(self):
        return f"Bidirectional({self.fwd!r})"


class TimeDistributedDense(Layer):
    r"""The same dense layer at every time step (optionally followed by a softmax over units).

    .. math::

        z^{\langle t \rangle} = W a^{\langle t \rangle} + b, \qquad
        \hat y^{\langle t \rangle} = \operatorname{softmax}(z^{\langle t \rangle})
        \;\;(\texttt{activation="softmax"})

    computed for all steps at once as one GEMM on the ``(n_in, m T_x)`` view.

    Parameters
    ----------
    n_in, n_out : int
    activation : {None, "softmax"}
        ``None`` returns the logits (pair them with a softmax cross-entropy loss
        on logits, which is the stable choice).
    rng, seed, dtype : initialization.
    """

    def __init__(self, n_in, n_out, activation=None, rng=None, seed=None, dtype=np.float64):
        super().__init__()
        self.n_in = check_scalar(n_in, "n_in", low=1, integer=True)
        self.n_out = check_scalar(n_out, "n_out", low=1, integer=True)
        self.activation = check_choice(activation, "activation", (None, "softmax"))
        self.dtype = np.dtype(dtype)
        rng = as_rng(rng, seed)
        bound = np.sqrt(6.0 / (self.n_in + self.n_out))  # Glorot uniform
        self.params["W"] = _uniform(rng, (self.n_out, self.n_in), bound, self.dtype)
        self.params["b"] = np.zeros((self.n_out, 1), self.dtype)
        self.zero_grads()
        self._A = None
        self._Z = None

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": self.activation,
                "dtype": self.dtype.name}

    @classmethod
    def declared_size(cls, config):
        return (config_dim(config, "n_in") + 1) * config_dim(config, "n_out")

    def forward(self, X, training=True):
        X = check_float_array(X, "X", ndim=3, shape=(self.n_in, None, None),
                              shape_names=("n_in", "m", "T_x"), dtype=self.dtype)
        n, m, T = X.shape
        self._A = X
        Z = matmul(self.params["W"], X.reshape(n, m * T))
        Z += self.params["b"]
        Z = Z.reshape(self.n_out, m, T)
        self._Z = Z
        if self.activation == "softmax":
            return softmax(Z, axis=0)
        return Z

    def backward(self, dY):
        n, m, T = self._A.shape
        dY = check_float_array(dY, "dY", ndim=3, shape=(self.n_out, m, T),
                               shape_names=("n_out", "m", "T_x"), dtype=self.dtype)
        if self.activation == "softmax":
            dY = softmax_backward(dY, self._Z, axis=0)
        dZ = dY.reshape(self.n_out, m * T)
        self.grads["W"] = matmul(dZ, self._A.reshape(n, m * T).T)
        self.grads["b"] = dZ.sum(axis=1, keepdims=True)
        return matmul(self.params["W"].T, dZ).reshape(n, m, T)

    def __repr__(self):
        act = "" if self.activation is None else f", activation={self.activation!r}"
        return f"TimeDistributedDense({self.n_in}, {self.n_out}{act})"
