"""The :class:`Layer` base class: parameters, gradients, buffers and their dotted names,
the trainable flag, configuration; documented with the protocol in :mod:`dlnotes.layers.base`,
which re-exports it."""
from __future__ import annotations

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes.layers.serialization import register_layer

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
