r"""Shape and parameter arithmetic of convolutional networks (notes, "Model Examples Summary").

.. math::

    n_{\text{out}} = \Big\lfloor \frac{n + 2p - f}{s} \Big\rfloor + 1,\qquad
    \#\text{params}(\text{conv}) = (f_H f_W\, n_{C,\text{prev}} + 1)\, n_C

Output shapes, parameter and multiplication counts, and the
:class:`ShapeTracker` that follows a shape through a network to build an
:class:`Architecture` table; :mod:`dlnotes.cnn.architectures` builds the
classic networks with them (and re-exports every name here).
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from dlnotes._validation import check_choice, check_scalar
from dlnotes.cnn.conv import conv_output_size, resolve_padding

__all__ = ["tf_same_padding", "conv_output_shape", "pool_output_shape", "conv_params",
           "conv_multiplications", "Architecture", "ShapeTracker"]


def _int(v, name, low):
    return check_scalar(v, name, low=low, integer=True)


def _pair(v, name, low):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair (H, W), got {v!r}")
        return _int(v[0], name, low), _int(v[1], name, low)
    v = _int(v, name, low)
    return v, v


def tf_same_padding(n, f, stride=1):
    r"""TensorFlow's ``padding="SAME"`` for any stride (errata 2.1).

    .. math::

        n_{\text{out}} = \lceil n / s\rceil,\qquad
        p_{\text{tot}} = \max((n_{\text{out}} - 1)s + f - n, 0)

    split :math:`\lfloor p_{\text{tot}}/2\rfloor` before and the rest after.

    Parameters
    ----------
    n : int
        Input size along one axis.
    f : int
        Filter size.
    stride : int, default 1
        :math:`s`.

    Returns
    -------
    n_out, pad_before, pad_after : int
    """
    n = _int(n, "n", 1)
    f = _int(f, "f", 1)
    stride = _int(stride, "stride", 1)
    n_out = -(-n // stride)
    p = max((n_out - 1) * stride + f - n, 0)
    return n_out, p // 2, p - p // 2


def conv_output_shape(input_shape, f, n_filters=None, stride=1, pad=0):
    r"""Output shape ``(n_H, n_W, n_C)`` of a convolution (or pooling if ``n_filters`` is None).

    .. math::

        n_H = \Big\lfloor \frac{n_{H,\text{prev}} + 2p - f}{s} \Big\rfloor + 1,\quad
        n_W = \Big\lfloor \frac{n_{W,\text{prev}} + 2p - f}{s} \Big\rfloor + 1,\quad
        n_C = \text{number of filters}

    Parameters
    ----------
    input_shape : (n_H_prev, n_W_prev, n_C_prev)
    f : int or (f_H, f_W)
    n_filters : int, optional
        Number of filters; None keeps ``n_C_prev`` (pooling).
    stride : int
    pad : int or {"same", "valid"}
        ``"same"`` is :func:`same_padding` (odd filters, stride 1 keeps the size).

    Returns
    -------
    tuple of int
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (n_H, n_W, n_C), got {input_shape!r}")
    fh, fw = _pair(f, "f", 1)
    n_C = input_shape[2] if n_filters is None else _int(n_filters, "n_filters", 1)
    ph, pw = resolve_padding(pad, fh, fw)
    return (conv_output_size(input_shape[0], fh, ph, stride),
            conv_output_size(input_shape[1], fw, pw, stride), _int(n_C, "n_C", 1))


def pool_output_shape(input_shape, f, stride=None, pad=0):
    r"""Output shape of a pooling layer (same number of channels).

    .. math::

        n_{\text{out}} = \Big\lfloor \frac{n + 2p - f}{s} \Big\rfloor + 1

    ``stride`` defaults to ``f`` (non-overlapping windows).

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_H_prev, n_W_prev, n_C)``.
    f : int or (int, int)
        Window size.
    stride : int, optional
        Defaults to ``f``.
    pad : int or {"same", "valid"}, default 0
        Padding, as in :func:`conv_output_shape`.

    Returns
    -------
    tuple of int
        ``(n_H, n_W, n_C)``.
    """
    return conv_output_shape(input_shape, f, None, f if stride is None else stride, pad)


def conv_params(f, n_C_prev, n_C, bias=True):
    r"""Parameters of a convolution layer.

    .. math::

        \#\text{params} = (f_H f_W\, n_{C,\text{prev}} + [\text{bias}])\, n_C

    Parameters
    ----------
    f : int or (int, int)
        Filter size ``f`` or ``(f_H, f_W)``.
    n_C_prev : int
        Input channels.
    n_C : int
        Number of filters.
    bias : bool, default True
        Count one bias per filter.

    Returns
    -------
    int
        The number of parameters.
    """
    fh, fw = _pair(f, "f", 1)
    return (fh * fw * _int(n_C_prev, "n_C_prev", 1) + int(bool(bias))) * _int(n_C, "n_C", 1)


def conv_multiplications(output_shape, f, n_C_prev):
    r"""Multiplications of a convolution (the Inception lecture's cost).

    .. math::

        n_H\, n_W\, n_C \cdot f_H f_W\, n_{C,\text{prev}}

    one multiplication per filter weight per output value.

    Parameters
    ----------
    output_shape : tuple of int
        ``(n_H, n_W, n_C)`` of the convolution's output.
    f : int or (int, int)
        Filter size.
    n_C_prev : int
        Input channels.

    Returns
    -------
    int
        The number of multiplications.
    """
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 3:
        raise ValueError(f"output_shape must be (n_H, n_W, n_C), got {output_shape!r}")
    fh, fw = _pair(f, "f", 1)
    n_H, n_W, n_C = (_int(v, "output_shape", 1) for v in output_shape)
    return n_H * n_W * n_C * fh * fw * _int(n_C_prev, "n_C_prev", 1)


@dataclasses.dataclass
class Architecture:
    r"""Summary of a network: one row per layer ``(name, output_shape, params)``.

    .. math::

        \text{total\_params} = \sum_{\text{layers } l} \#\text{params}^{[l]}

    Parameters
    ----------
    name : str
        Name of the network.
    input_shape : tuple of int
        ``(n_H, n_W, n_C)`` of the input.
    layers : list of (str, tuple, int)
        One row per layer: name, output shape, number of parameters.
    """

    name: str
    input_shape: tuple
    layers: list

    @property
    def total_params(self):
        """Total number of parameters (Keras' "Total params")."""
        return int(sum(p for _, _, p in self.layers))

    @property
    def output_shape(self):
        return self.layers[-1][1] if self.layers else self.input_shape

    def shapes(self, kind=None):
        """Output shapes in order, optionally only of layers whose name starts with ``kind``.

        Parameters
        ----------
        kind : str, optional
            Keep the layers whose name starts with it (e.g. ``"conv"``).

        Returns
        -------
        list of tuple
            The output shapes, in order.
        """
        return [s for n, s, _ in self.layers if kind is None or n.startswith(kind)]

    def summary(self):
        """A printable table like Keras' ``model.summary()``.

        Returns
        -------
        str
            One line per layer: name, output shape, parameters; then the total.
        """
        lines = [f"{self.name}: input {self.input_shape}"]
        for n, s, p in self.layers:
            lines.append(f"  {n:<28s} {str(s):<20s} {p:>12,d}")
        lines.append(f"  total params: {self.total_params:,d}")
        return "\n".join(lines)


class ShapeTracker:
    r"""Follows a shape ``(n_H, n_W, n_C)`` (or ``(n,)``) through layers, counting parameters.

    .. math::

        n_{\text{out}} = \Big\lfloor \frac{n + 2p - f}{s} \Big\rfloor + 1,\qquad
        \#\text{params}(\text{conv}) = (f_H f_W n_{C,\text{prev}} + 1) n_C

    Branching networks use :meth:`fork`, then :meth:`add` (residual) or
    :meth:`concat` (Inception) to merge.

    Parameters
    ----------
    shape : tuple of int
        The input shape ``(n_H, n_W, n_C)`` (or ``(n,)``).
    layers : list, optional
        The layer list to append to (shared by :meth:`fork`); a new one by default.
    """

    def __init__(self, shape, layers=None):
        self.shape = tuple(int(s) for s in shape)
        self.layers = [] if layers is None else layers

    def _log(self, name, params=0):
        self.layers.append((name, self.shape, int(params)))
        return self

    def fork(self):
        """A tracker at the same shape writing into the same layer list.

        Returns
        -------
        ShapeTracker
            A branch starting at the current shape.
        """
        return ShapeTracker(self.shape, self.layers)

    def conv(self, n_C, f, stride=1, pad=0, bias=True, name="conv"):
        p = conv_params(f, self.shape[2], n_C, bias)
        self.shape = conv_output_shape(self.shape, f, n_C, stride, pad)
        fh, fw = _pair(f, "f", 1)
        return self._log(f"{name} {fh if fh == fw else f'{fh}x{fw}'}/{stride}", p)

    def pool(self, f, stride=None, pad=0, kind="max"):
        kind = _pooling_name(kind, "kind")
        self.shape = pool_output_shape(self.shape, f, stride, pad)
        label = "avg" if kind == "average" else kind
        return self._log(f"{label}pool {f}/{f if stride is None else stride}")

    def zero_pad(self, p):
        h, w, c = self.shape
        self.shape = (h + 2 * p, w + 2 * p, c)
        return self._log(f"zeropad {p}")

    def batch_norm(self, per_channel=4):
        """Keras counts gamma, beta, moving mean, moving variance (3 with ``scale=False``).

        Parameters
        ----------
        per_channel : int, default 4
            Numbers stored per channel.

        Returns
        -------
        ShapeTracker
            ``self``, for chaining.
        """
        return self._log("batchnorm", per_channel * self.shape[-1])

    def global_avg_pool(self):
        self.shape = (self.shape[-1],)
        return self._log("global avgpool")

    def flatten(self):
        self.shape = (int(np.prod(self.shape)),)
        return self._log("flatten")

    def dense(self, n, name="fc"):
        if len(self.shape) != 1:
            raise ValueError(f"dense needs a flat input, got shape {self.shape}")
        p = (self.shape[0] + 1) * n
        self.shape = (int(n),)
        return self._log(f"{name} {n}", p)

    def add(self, other):
        if other.shape != self.shape:
            raise ValueError(f"residual add needs equal shapes, got {self.shape} and "
                             f"{other.shape}")
        return self._log("add")

    def concat(self, others):
        shapes = [self.shape] + [o.shape for o in others]
        if len({s[:2] for s in shapes}) != 1:
            raise ValueError(f"concatenation needs equal spatial sizes, got {shapes}")
        self.shape = shapes[0][:2] + (sum(s[2] for s in shapes),)
        return self._log("concat")


def _pooling_name(pooling, name):
    """``"max"`` or ``"average"`` (the course's ``pool_forward`` modes); ``"avg"`` is deprecated."""
    if pooling == "avg":
        warnings.warn(f'{name}="avg" is deprecated: use "average" (the name of '
                      "dlnotes.cnn.pool.pool_forward's mode)", DeprecationWarning, stacklevel=3)
        return "average"
    return check_choice(pooling, name, ("max", "average"))
