r"""Layers with several inputs: :class:`Add` (residual sum) and :class:`Concatenate`.

Their ``forward`` takes a list of arrays and their ``backward`` returns a list
of gradients, one per input.  They are used inside a graph
(:mod:`dlnotes.layers.graph`): ``Add()([x, shortcut])``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array
from dlnotes.layers.base import Layer

__all__ = ["Add", "Concatenate"]


def _check_inputs(layer, Xs, name="inputs"):
    if not isinstance(Xs, (list, tuple)) or len(Xs) < 2:
        raise TypeError(f"{layer!r} takes a list of at least two arrays, got "
                        f"{type(Xs).__name__}")
    out = [check_float_array(X, f"{name}[{i}]") for i, X in enumerate(Xs)]
    dtypes = {X.dtype for X in out}
    if len(dtypes) > 1:
        raise TypeError(f"{layer!r}: all inputs must share one dtype, got "
                        + ", ".join(f"{name}[{i}] {X.dtype}" for i, X in enumerate(out)))
    return out


def _shape_str(shape):
    return "(" + ", ".join("m" if d is None else str(d) for d in shape) + ")"


class Add(Layer):
    r"""Element-wise sum of equally shaped inputs, the residual connection
    :math:`a^{[l+2]} = g\big(z^{[l+2]} + a^{[l]}\big)` before its activation.

    .. math::

        Y = \sum_k X_k, \qquad \frac{\partial J}{\partial X_k} = \frac{\partial J}{\partial Y}

    Raises ``ValueError`` naming both inputs and their shapes when they differ.
    """

    def __init__(self):
        super().__init__()
        self._n = None

    @staticmethod
    def _check_shapes(layer, shapes):
        for i in range(1, len(shapes)):
            if tuple(shapes[i]) != tuple(shapes[0]):
                raise ValueError(f"{layer!r}: inputs[0] has shape {_shape_str(shapes[0])} but "
                                 f"inputs[{i}] has shape {_shape_str(shapes[i])}; a sum needs "
                                 "equal shapes")

    def forward(self, Xs, training=True):
        Xs = _check_inputs(self, Xs)
        self._check_shapes(self, [X.shape for X in Xs])
        self._n = len(Xs)
        Y = Xs[0] + Xs[1]
        for X in Xs[2:]:
            Y += X
        return Y

    def backward(self, dY):
        if self._n is None:
            raise RuntimeError("Add.backward called before forward")
        dY = check_float_array(dY, "dY")
        return [dY] + [dY.copy() for _ in range(self._n - 1)]

    def compute_output_shape(self, input_shapes):
        if not isinstance(input_shapes, list) or len(input_shapes) < 2:
            raise TypeError(f"{self!r} takes a list of at least two inputs")
        self._check_shapes(self, input_shapes)
        return tuple(input_shapes[0])

    def get_config(self):
        return {}

    def __repr__(self):
        return "Add()"


class Concatenate(Layer):
    r"""Join inputs along the feature axis: the channels of images (the inception
    module's output) or the rows of dense columns ``(n, m)``.

    .. math::

        Y = [X_1, X_2, \dots]_{\text{axis}},\qquad
        \frac{\partial J}{\partial X_k} = \Big(\frac{\partial J}{\partial Y}\Big)_{\text{slice } k}

    Parameters
    ----------
    axis : int, optional
        Default: the feature axis (3 for ``(m, n_H, n_W, n_C)``, 0 for ``(n, m)``).

    Raises
    ------
    ValueError
        Naming both inputs and their shapes, when they differ off the concatenation axis.
    """

    def __init__(self, axis=None):
        super().__init__()
        if axis is not None and (isinstance(axis, bool) or not isinstance(axis, int)):
            raise TypeError(f"axis must be None or an integer, got {axis!r}")
        self.axis = axis
        self._sizes = None

    def _ax(self, ndim):
        if self.axis is None:
            return 0 if ndim == 2 else ndim - 1
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"axis={self.axis} is out of range for inputs with {ndim} axes")
        return self.axis % ndim

    def _check_shapes(self, shapes):
        ndims = {len(s) for s in shapes}
        if len(ndims) > 1:
            i = next(i for i, s in enumerate(shapes) if len(s) != len(shapes[0]))
            raise ValueError(f"{self!r}: inputs[0] has shape {_shape_str(shapes[0])} but "
                             f"inputs[{i}] has shape {_shape_str(shapes[i])} (different "
                             "numbers of axes)")
        ax = self._ax(len(shapes[0]))
        ref = [d for j, d in enumerate(shapes[0]) if j != ax]
        for i, s in enumerate(shapes[1:], 1):
            if [d for j, d in enumerate(s) if j != ax] != ref:
                raise ValueError(f"{self!r}: inputs[0] has shape {_shape_str(shapes[0])} but "
                                 f"inputs[{i}] has shape {_shape_str(s)}; they may differ only "
                                 f"along axis {ax}")
        return ax

    def forward(self, Xs, training=True):
        Xs = _check_inputs(self, Xs)
        ax = self._check_shapes([X.shape for X in Xs])
        self._sizes = ([X.shape[ax] for X in Xs], ax)
        return np.concatenate(Xs, axis=ax)

    def backward(self, dY):
        if self._sizes is None:
            raise RuntimeError("Concatenate.backward called before forward")
        sizes, ax = self._sizes
        dY = check_float_array(dY, "dY")
        if dY.ndim <= ax or dY.shape[ax] != sum(sizes):
            raise ValueError(f"dY must have {sum(sizes)} entries along axis {ax}, got shape "
                             f"{dY.shape}")
        cuts = np.cumsum(sizes)[:-1]
        return [np.ascontiguousarray(d) for d in np.split(dY, cuts, axis=ax)]

    def compute_output_shape(self, input_shapes):
        if not isinstance(input_shapes, list) or len(input_shapes) < 2:
            raise TypeError(f"{self!r} takes a list of at least two inputs")
        ax = self._check_shapes(input_shapes)
        out = list(input_shapes[0])
        out[ax] = sum(s[ax] for s in input_shapes)
        return tuple(out)

    def get_config(self):
        return {} if self.axis is None else {"axis": self.axis}

    def __repr__(self):
        return "Concatenate()" if self.axis is None else f"Concatenate(axis={self.axis})"
