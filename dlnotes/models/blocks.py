r"""The course's building blocks of the classic CNNs, as functions of a symbolic tensor
(the course's Keras style): :func:`identity_block` and :func:`convolutional_block`
(ResNet-50's bottleneck blocks) and :func:`inception_module`, plus the shared
construction options (one Generator, one dtype, one initialization) that the
network builders of :mod:`dlnotes.models.classic` and :mod:`dlnotes.models.small_resnet`
pass down::

    X = Input((56, 56, 256))
    Y = identity_block(X, 3, [64, 64, 256], rng=rng)

The public names are re-exported by :mod:`dlnotes.models.classic`.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_scalar
from dlnotes.layers.base import Activation, Dense
from dlnotes.layers.conv import Conv2D, MaxPool2D
from dlnotes.layers.graph import Graph
from dlnotes.layers.merge import Add, Concatenate
from dlnotes.layers.normalization import BatchNorm
from dlnotes.layers.pooling import GlobalAveragePooling2D

__all__ = ["identity_block", "convolutional_block", "inception_module"]


class _Builder:
    """Shared construction options: one Generator, one dtype, one init scheme."""

    def __init__(self, rng=None, seed=None, dtype=np.float64, init="he", bn_eps=1e-3,
                 bn_momentum=0.99):
        self.rng = as_rng(rng, seed)
        self.dtype = np.dtype(dtype)
        self.init = init
        self.bn_eps = bn_eps
        self.bn_momentum = bn_momentum

    def conv(self, X, n_C, f, stride=1, pad=0, use_bias=True, input_grad=True):
        return Conv2D(X.shape[-1], n_C, f, stride=stride, pad=pad, init=self.init, rng=self.rng,
                      dtype=self.dtype, use_bias=use_bias, input_grad=input_grad)(X)

    def bn(self, X, scale=True):
        return BatchNorm(X.shape[-1], momentum=self.bn_momentum, eps=self.bn_eps, scale=scale,
                         dtype=self.dtype)(X)

    def dense(self, X, n):
        return Dense(X.shape[0], n, init=self.init, rng=self.rng, dtype=self.dtype)(X)


def _builder(X, rng, builder):
    if builder is not None:
        return builder
    return _Builder(rng=rng, dtype=X.dtype)


def _relu(X):
    return Activation("relu")(X)


def _filters(filters, n=3):
    if not isinstance(filters, (list, tuple)) or len(filters) != n:
        raise ValueError(f"filters must be a list of {n} channel counts, got {filters!r}")
    return [check_scalar(F, f"filters[{i}]", low=1, integer=True) for i, F in enumerate(filters)]


def identity_block(X, f, filters, rng=None, builder=None):
    r"""ResNet-50's identity block (the course's ``identity_block``): the shortcut is
    the input itself, so input and output have the same shape.

    .. math::

        a^{[l+3]} = \operatorname{ReLU}\big(\mathrm{BN}(W_3 * \operatorname{ReLU}(\mathrm{BN}(
        W_2 * \operatorname{ReLU}(\mathrm{BN}(W_1 * a^{[l]})))) + a^{[l]}\big)

    with :math:`W_1` 1x1 (``F1`` channels), :math:`W_2` ``f`` x ``f`` "same"
    (``F2``), :math:`W_3` 1x1 (``F3``, which must equal the input's channels).

    Parameters
    ----------
    X : SymbolicTensor, shape (None, n_H, n_W, F3)
    f : int
        Size of the middle convolution's window.
    filters : [F1, F2, F3]
    rng : numpy.random.Generator, optional
    builder : private; the network builders pass their options.

    Returns
    -------
    SymbolicTensor, shape (None, n_H, n_W, F3)
    """
    F1, F2, F3 = _filters(filters)
    f = check_scalar(f, "f", low=1, integer=True)
    if X.shape[-1] != F3:
        raise ValueError(f"identity_block adds its input to the main path: the input's "
                         f"{X.shape[-1]} channels must equal F3 = {F3}")
    b = _builder(X, rng, builder)
    Y = _relu(b.bn(b.conv(X, F1, 1)))
    Y = _relu(b.bn(b.conv(Y, F2, f, pad="same")))
    Y = b.bn(b.conv(Y, F3, 1))
    return _relu(Add()([Y, X]))


def convolutional_block(X, f, filters, s=2, rng=None, builder=None):
    r"""ResNet-50's convolutional block (the course's ``convolutional_block``): the
    shortcut is a strided 1x1 convolution with batch norm, so the block can change
    the size and the number of channels.

    .. math::

        a^{[l+3]} = \operatorname{ReLU}\big(\text{main}(a^{[l]})
        + \mathrm{BN}(W_s * a^{[l]})\big)

    Main path as in :func:`identity_block`, its first 1x1 convolution with stride ``s``.

    Parameters
    ----------
    X : SymbolicTensor, shape (None, n_H, n_W, n_C)
    f : int
    filters : [F1, F2, F3]
    s : int, default 2
        Stride of the first convolution and of the shortcut.
    rng : numpy.random.Generator, optional
        Source of the random initial weights.
    builder : private; the network builders pass their options.

    Returns
    -------
    SymbolicTensor, shape (None, ceil(n_H / s), ceil(n_W / s), F3)
    """
    F1, F2, F3 = _filters(filters)
    f = check_scalar(f, "f", low=1, integer=True)
    s = check_scalar(s, "s", low=1, integer=True)
    b = _builder(X, rng, builder)
    shortcut = b.bn(b.conv(X, F3, 1, stride=s))
    Y = _relu(b.bn(b.conv(X, F1, 1, stride=s)))
    Y = _relu(b.bn(b.conv(Y, F2, f, pad="same")))
    Y = b.bn(b.conv(Y, F3, 1))
    return _relu(Add()([Y, shortcut]))


def inception_module(X, n_1x1=64, n_3x3_reduce=96, n_3x3=128, n_5x5_reduce=16, n_5x5=32,
                     n_pool_proj=32, rng=None, builder=None):
    r"""The inception module as the notes draw it (GoogLeNet's): four branches at the
    input's spatial size, concatenated on channels.

    .. math::

        \big[\, \text{1x1}(X) \;\big|\; \text{3x3}(\text{1x1}(X)) \;\big|\;
        \text{5x5}(\text{1x1}(X)) \;\big|\; \text{1x1}(\text{maxpool}_{3\times3,\,s=1}(X))
        \,\big]

    every convolution "same" and followed by a ReLU.  The defaults are the
    lecture's 28x28x192 -> 28x28x256 module; the 1x1 "bottleneck" in front of
    the 5x5 divides its multiplications by about 10
    (:func:`dlnotes.cnn.architectures.bottleneck_cost`).

    Parameters
    ----------
    X : SymbolicTensor, shape (None, n_H, n_W, n_C)
        The module's input.
    n_1x1 : int
        Channels of the 1x1 branch.
    n_3x3_reduce, n_3x3 : int
        Channels of the 1x1 reduction and of the 3x3 convolution of the second branch.
    n_5x5_reduce, n_5x5 : int
        Channels of the 1x1 reduction and of the 5x5 convolution of the third branch.
    n_pool_proj : int
        Channels of the 1x1 projection after the 3x3 max pool.
    rng : numpy.random.Generator, optional
        Source of the random initial weights.
    builder : private; the network builders pass their options.

    Returns
    -------
    SymbolicTensor, shape (None, n_H, n_W, n_1x1 + n_3x3 + n_5x5 + n_pool_proj)
    """
    b = _builder(X, rng, builder)
    b1 = _relu(b.conv(X, n_1x1, 1))
    b3 = _relu(b.conv(_relu(b.conv(X, n_3x3_reduce, 1)), n_3x3, 3, pad="same"))
    b5 = _relu(b.conv(_relu(b.conv(X, n_5x5_reduce, 1)), n_5x5, 5, pad="same"))
    bp = _relu(b.conv(MaxPool2D(3, stride=1, pad="same")(X), n_pool_proj, 1))
    return Concatenate()([b1, b3, b5, bp])


def _model(X, Y, name):
    from dlnotes.models.model import Model

    return Model(Graph(X, Y, name=name), loss="softmax_cross_entropy", batch_axis=0)


def _check_shape(input_shape, minimum):
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
            or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in input_shape)):
        raise ValueError(f"input_shape must be (n_H, n_W, n_C) of positive ints, got "
                         f"{input_shape!r}")
    if min(input_shape[:2]) < minimum:
        raise ValueError(f"input_shape {tuple(input_shape)} is too small: this network needs "
                         f"at least {minimum}x{minimum} pixels")
    return tuple(int(v) for v in input_shape)


def _head(b, Y, include_top, num_classes):
    if include_top:
        num_classes = check_scalar(num_classes, "num_classes", low=1, integer=True)
        return b.dense(GlobalAveragePooling2D()(Y), num_classes)
    return Y


def _build_doc(include_top=False):
    """The Parameters and Returns sections shared by the ImageNet model builders."""
    top = ("    include_top : bool, default True\n"
           "        False ends the network at its last convolutional stage (no classifier head),\n"
           "        the feature extractor of transfer learning.\n") if include_top else ""
    return ("""
    Parameters
    ----------
    input_shape : (n_H, n_W, n_C)
        Shape of one image (batch axis first in the model's input).
    num_classes : int
        Size of the output layer (logits; the loss adds the softmax).
""" + top + """    rng, seed : numpy.random.Generator or int, optional
        Source of the random initial weights.
    dtype : float32 or float64
        Element type of the parameters.
    init : str
        Initialization of the weights ("he", ..., or "zeros" to count or load
        parameters without drawing random numbers).

    Returns
    -------
    Model
        A graph model (batch axis 0) with the softmax cross-entropy loss.
""")
