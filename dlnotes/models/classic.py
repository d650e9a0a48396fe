r"""The classic CNNs of the notes as trainable graphs: the course's ResNet blocks
(:func:`identity_block`, :func:`convolutional_block`), an :func:`inception_module`,
:func:`alexnet`, :func:`vgg16`, :func:`resnet50`, :func:`inception_v3`, and the
small :func:`small_resnet` / :func:`plain_cnn` pair trained on MNIST-5k
(:func:`train_resnet`, ``dlnotes train --model resnet``).

Every builder returns a :class:`~dlnotes.models.model.Model` over a
:class:`~dlnotes.layers.graph.Graph` (images ``(m, n_H, n_W, n_C)`` in,
logits ``(n_y, m)`` out, ``batch_axis=0``).  Parameter counts with the
ImageNet head equal Keras applications' (batch-norm moving statistics
included, as Keras counts them): AlexNet 62,378,344, VGG-16 138,357,544,
ResNet-50 25,636,712, Inception v3 23,851,784.  The shape arithmetic of the
same networks, layer by layer, is worked out in
:mod:`dlnotes.cnn.architectures` (the docs' tables).

The blocks are functions of a symbolic tensor, in the course's Keras style::

    X = Input((56, 56, 256))
    Y = identity_block(X, 3, [64, 64, 256], rng=rng)
"""
from __future__ import annotations

import time

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_scalar
from dlnotes.layers.base import Activation, Dense
from dlnotes.layers.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from dlnotes.layers.graph import Graph, Input
from dlnotes.layers.merge import Add, Concatenate
from dlnotes.layers.normalization import BatchNorm
from dlnotes.layers.pooling import GlobalAveragePooling2D, ZeroPadding2D

__all__ = ["identity_block", "convolutional_block", "inception_module", "alexnet", "vgg16",
           "resnet50", "inception_v3", "small_resnet", "plain_cnn", "random_shifts", "train_resnet"]


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


_BUILD_DOC = """
    Parameters
    ----------
    input_shape : (n_H, n_W, n_C)
    num_classes : int
        Size of the output layer (logits; the loss adds the softmax).
    rng, seed : reproducible initialization.
    dtype : float32 or float64.
    init : initialization of the weights ("he", ..., or "zeros" to count or
        load parameters without drawing random numbers).
"""


def alexnet(input_shape=(227, 227, 3), num_classes=1000, rng=None, seed=None,
            dtype=np.float32, init="he"):
    r"""AlexNet (Krizhevsky et al. 2012) as the notes draw it, in one tower.

    227x227x3 -> conv 96 11x11/4 -> 55 -> max 3/2 -> 27 -> conv 256 5x5 same ->
    max 3/2 -> 13 -> conv 384, 384, 256 3x3 same -> max 3/2 -> 6x6x256 = 9216 ->
    FC 4096 -> FC 4096 -> softmax 1000, ReLU everywhere.  Like the course, no
    local response normalisation, no split over two GPUs and no dropout (add
    :class:`~dlnotes.layers.base.Dropout` layers to train it on real data).
    **62,378,344** parameters.
    """
    input_shape = _check_shape(input_shape, 67)
    b = _Builder(rng, seed, dtype, init)
    X = Input(input_shape, dtype=b.dtype)
    Y = MaxPool2D(3, 2)(_relu(b.conv(X, 96, 11, stride=4, input_grad=False)))
    Y = MaxPool2D(3, 2)(_relu(b.conv(Y, 256, 5, pad="same")))
    for n in (384, 384, 256):
        Y = _relu(b.conv(Y, n, 3, pad="same"))
    Y = Flatten()(MaxPool2D(3, 2)(Y))
    for _ in range(2):
        Y = _relu(b.dense(Y, 4096))
    return _model(X, b.dense(Y, check_scalar(num_classes, "num_classes", low=1, integer=True)),
                  "AlexNet")


alexnet.__doc__ += _BUILD_DOC


def vgg16(input_shape=(224, 224, 3), num_classes=1000, include_top=True, rng=None, seed=None,
          dtype=np.float32, init="he"):
    r"""VGG-16 (Simonyan & Zisserman 2015): 3x3 "same" convolutions and 2x2 max pools,
    the channels doubling as the size halves.

    224 -> [64, 64] -> 112 -> [128, 128] -> 56 -> [256 x3] -> 28 -> [512 x3] ->
    14 -> [512 x3] -> 7x7x512 -> FC 4096 -> FC 4096 -> 1000.  **138,357,544**
    parameters (Keras' ``VGG16``).  ``include_top=False`` ends at the last pool.
    """
    input_shape = _check_shape(input_shape, 32)
    b = _Builder(rng, seed, dtype, init)
    X = Input(input_shape, dtype=b.dtype)
    Y, first = X, True
    for n, reps in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(reps):
            Y = _relu(b.conv(Y, n, 3, pad="same", input_grad=not first))
            first = False
        Y = MaxPool2D(2, 2)(Y)
    if include_top:
        Y = Flatten()(Y)
        Y = _relu(b.dense(_relu(b.dense(Y, 4096)), 4096))
        Y = b.dense(Y, check_scalar(num_classes, "num_classes", low=1, integer=True))
    return _model(X, Y, "VGG-16")


vgg16.__doc__ += _BUILD_DOC + """    include_top : bool
"""


def resnet50(input_shape=(224, 224, 3), num_classes=1000, include_top=True, rng=None,
             seed=None, dtype=np.float32, init="he"):
    r"""ResNet-50 (He et al. 2016) from the course's blocks, as Keras' ``ResNet50``.

    ZeroPadding 3 -> conv 64 7x7/2 -> BN -> ReLU -> ZeroPadding 1 -> max 3/2
    (224 -> 112 -> 56), then four stages of one :func:`convolutional_block` and
    2, 3, 5, 2 :func:`identity_block` (filters [64, 64, 256] at 56 with stride 1,
    [128, 128, 512] at 28, [256, 256, 1024] at 14, [512, 512, 2048] at 7),
    global average pool, FC 1000.  **25,636,712** parameters (Keras' total:
    biased convolutions, batch-norm gamma, beta and moving statistics;
    25,583,592 trainable).  Batch norm uses Keras' ``eps=1.001e-5``.
    """
    input_shape = _check_shape(input_shape, 32)
    b = _Builder(rng, seed, dtype, init, bn_eps=1.001e-5)
    X = Input(input_shape, dtype=b.dtype)
    Y = ZeroPadding2D(3)(X)
    Y = _relu(b.bn(b.conv(Y, 64, 7, stride=2, input_grad=False)))
    Y = MaxPool2D(3, 2)(ZeroPadding2D(1)(Y))
    for F, blocks, s in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        filters = [F, F, 4 * F]
        Y = convolutional_block(Y, 3, filters, s=s, builder=b)
        for _ in range(blocks - 1):
            Y = identity_block(Y, 3, filters, builder=b)
    return _model(X, _head(b, Y, include_top, num_classes), "ResNet-50")


resnet50.__doc__ += _BUILD_DOC + """    include_top : bool
"""


def _cbn(b, X, n, fh, fw, stride=1, pad="same"):
    """Keras' conv2d_bn: convolution without bias, batch norm without scale, ReLU."""
    Y = b.conv(X, n, fh if fh == fw else (fh, fw), stride=stride, pad=pad, use_bias=False,
               input_grad=X.node is not None)
    return _relu(b.bn(Y, scale=False))


def inception_v3(input_shape=(299, 299, 3), num_classes=1000, include_top=True, rng=None,
                 seed=None, dtype=np.float32, init="he"):
    r"""Inception v3 (Szegedy et al. 2016), the version the notes link, as Keras'
    ``InceptionV3``.

    Stem (convolutions and max pools, 299 -> 35x35x192), three 35x35 modules
    (mixed0-2: 1x1 | 1x1->5x5 | 1x1->3x3->3x3 | avgpool->1x1), a grid reduction
    to 17x17x768, four 17x17 modules with factorised 1x7/7x1 convolutions, a
    reduction to 8x8x1280, two 8x8 modules with split 1x3/3x1 branches
    (8x8x2048), global average pool, FC.  Every convolution is Keras'
    ``conv2d_bn``: no bias, batch norm with ``scale=False``, ReLU.
    **23,851,784** parameters.  Average pools inside the modules count the
    zero padding (Keras divides by the real pixels only; the counts and
    shapes are unaffected).
    """
    input_shape = _check_shape(input_shape, 75)
    b = _Builder(rng, seed, dtype, init)
    X = Input(input_shape, dtype=b.dtype)

    def avg(Y):
        return AvgPool2D(3, stride=1, pad="same")(Y)

    Y = _cbn(b, X, 32, 3, 3, 2, "valid")
    Y = _cbn(b, Y, 32, 3, 3, 1, "valid")
    Y = MaxPool2D(3, 2)(_cbn(b, Y, 64, 3, 3))
    Y = _cbn(b, Y, 80, 1, 1, 1, "valid")
    Y = MaxPool2D(3, 2)(_cbn(b, Y, 192, 3, 3, 1, "valid"))
    for pool_ch in (32, 64, 64):                       # mixed0-2, 35x35
        b1 = _cbn(b, Y, 64, 1, 1)
        b5 = _cbn(b, _cbn(b, Y, 48, 1, 1), 64, 5, 5)
        b3 = _cbn(b, _cbn(b, _cbn(b, Y, 64, 1, 1), 96, 3, 3), 96, 3, 3)
        bp = _cbn(b, avg(Y), pool_ch, 1, 1)
        Y = Concatenate()([b1, b5, b3, bp])
    b3 = _cbn(b, Y, 384, 3, 3, 2, "valid")            # mixed3 -> 17x17
    bd = _cbn(b, _cbn(b, _cbn(b, Y, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, "valid")
    Y = Concatenate()([b3, bd, MaxPool2D(3, 2)(Y)])
    for c in (128, 160, 160, 192):                     # mixed4-7
        b1 = _cbn(b, Y, 192, 1, 1)
        b7 = _cbn(b, _cbn(b, _cbn(b, Y, c, 1, 1), c, 1, 7), 192, 7, 1)
        bd = Y
        for n, fh, fw in ((c, 1, 1), (c, 7, 1), (c, 1, 7), (c, 7, 1), (192, 1, 7)):
            bd = _cbn(b, bd, n, fh, fw)
        bp = _cbn(b, avg(Y), 192, 1, 1)
        Y = Concatenate()([b1, b7, bd, bp])
    b3 = _cbn(b, _cbn(b, Y, 192, 1, 1), 320, 3, 3, 2, "valid")   # mixed8 -> 8x8
    b7 = Y
    for n, fh, fw in ((192, 1, 1), (192, 1, 7), (192, 7, 1)):
        b7 = _cbn(b, b7, n, fh, fw)
    b7 = _cbn(b, b7, 192, 3, 3, 2, "valid")
    Y = Concatenate()([b3, b7, MaxPool2D(3, 2)(Y)])
    for _ in range(2):                                 # mixed9-10
        b1 = _cbn(b, Y, 320, 1, 1)
        s = _cbn(b, Y, 384, 1, 1)
        s = Concatenate()([_cbn(b, s, 384, 1, 3), _cbn(b, s, 384, 3, 1)])
        d = _cbn(b, _cbn(b, Y, 448, 1, 1), 384, 3, 3)
        d = Concatenate()([_cbn(b, d, 384, 1, 3), _cbn(b, d, 384, 3, 1)])
        bp = _cbn(b, avg(Y), 192, 1, 1)
        Y = Concatenate()([b1, s, d, bp])
    return _model(X, _head(b, Y, include_top, num_classes), "Inception-v3")


inception_v3.__doc__ += _BUILD_DOC + """    include_top : bool
"""


# ----------------------------------------------------------------------------------------
# the small pair trained on MNIST-5k
def _basic_block(b, X, n, stride, shortcut):
    """Two 3x3 conv-BN layers; ``shortcut`` adds the input (projected by a 1x1 conv+BN
    when the shape changes), as in He et al.'s CIFAR ResNets."""
    Y = _relu(b.bn(b.conv(X, n, 3, stride=stride, pad=1, use_bias=False)))
    Y = b.bn(b.conv(Y, n, 3, pad=1, use_bias=False))
    if not shortcut:
        return _relu(Y)
    S = X
    if stride != 1 or X.shape[-1] != n:
        S = b.bn(b.conv(X, n, 1, stride=stride, use_bias=False))
    return _relu(Add()([Y, S]))


def _small(shortcut, input_shape, num_classes, widths, blocks, rng, seed, dtype):
    input_shape = _check_shape(input_shape, 4)
    widths = [check_scalar(w, "widths[i]", low=1, integer=True) for w in widths]
    blocks = check_scalar(blocks, "blocks", low=1, integer=True)
    b = _Builder(rng, seed, dtype, "he", bn_momentum=0.9)
    X = Input(input_shape, dtype=b.dtype)
    Y = _relu(b.bn(b.conv(X, widths[0], 3, pad=1, use_bias=False, input_grad=False)))
    Y = MaxPool2D(2)(Y)
    for i, n in enumerate(widths):
        for j in range(blocks):
            Y = _basic_block(b, Y, n, 2 if (i > 0 and j == 0) else 1, shortcut)
    return _model(X, _head(b, Y, True, num_classes),
                  "small ResNet" if shortcut else "plain CNN")


def small_resnet(input_shape=(28, 28, 1), num_classes=10, widths=(16, 32, 64), blocks=1,
                 rng=None, seed=None, dtype=np.float32):
    r"""A small ResNet for 28x28 digits (He et al.'s CIFAR design, scaled down).

    conv 3x3 (``widths[0]``) -> BN -> ReLU -> max pool 2x2, then per width
    ``blocks`` basic residual blocks (two 3x3 conv-BN, the first of a new width
    with stride 2 and a 1x1 projection shortcut), global average pool, FC
    ``num_classes``:

    .. math::

        a^{[l+2]} = \operatorname{ReLU}\big(\mathrm{BN}(W_2 *
        \operatorname{ReLU}(\mathrm{BN}(W_1 * a^{[l]}))) + a^{[l]}\big)

    With the defaults: 28 -> 14 -> 7 -> 4, 7 convolution layers + FC, 78,426
    parameters (672 of them batch-norm running statistics, whose momentum is
    0.9 here: a short training run must not leave them at their initial values).
    :func:`plain_cnn` is the same network without the shortcuts.
    """
    return _small(True, input_shape, num_classes, widths, blocks, rng, seed, dtype)


def plain_cnn(input_shape=(28, 28, 1), num_classes=10, widths=(16, 32, 64), blocks=1,
              rng=None, seed=None, dtype=np.float32):
    """:func:`small_resnet` without its shortcuts (and without the 1x1 projections):
    the "plain network" the notes compare a ResNet with."""
    return _small(False, input_shape, num_classes, widths, blocks, rng, seed, dtype)


def random_shifts(X, max_shift=2, rng=None):
    r"""Data augmentation: shift each image by a random whole number of pixels,
    :math:`\Delta y, \Delta x \in \{-s, \dots, s\}`, filling with zeros.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    max_shift : int >= 0
    rng : numpy.random.Generator, optional

    Returns
    -------
    ndarray, shape of ``X``
    """
    from dlnotes._validation import check_float_array

    X = check_float_array(X, "X", ndim=4)
    s = check_scalar(max_shift, "max_shift", low=0, integer=True)
    rng = as_rng(rng)
    if s == 0:
        return X.copy()
    m, h, w, _ = X.shape
    P = np.pad(X, ((0, 0), (s, s), (s, s), (0, 0)))
    dy = rng.integers(0, 2 * s + 1, m)
    dx = rng.integers(0, 2 * s + 1, m)
    out = np.empty_like(X)
    for a in range(2 * s + 1):
        for b in range(2 * s + 1):
            sel = np.flatnonzero((dy == a) & (dx == b))
            if sel.size:
                out[sel] = P[sel, a:a + h, b:b + w]
    return out


def train_resnet(model="resnet", epochs=10, batch_size=64, lr=2e-3, n_train=None, seed=0,
                 widths=(16, 32, 64), blocks=1, max_shift=2, test_size=0.2, dtype=np.float32,
                 progress=False, callback=None):
    r"""Train :func:`small_resnet` (or :func:`plain_cnn`) on MNIST-5k with Adam.

    4,000 training / 1,000 test digits (28x28, scaled to [0, 1]; the seeded
    split of ``dlnotes.models.lenet.load_lenet_data``).  Every epoch sees
    the training digits shifted by up to ``max_shift`` pixels
    (:func:`random_shifts`); the learning rate decays as
    :math:`\alpha_0 / (1 + 0.2\, t)` per epoch.

    Parameters
    ----------
    model : {"resnet", "plain"}
    epochs, batch_size : int
    lr : float
        Adam's initial learning rate.
    n_train : int, optional
        Train on the first ``n_train`` training digits only (quick runs).
    seed : int
    widths, blocks : see :func:`small_resnet`.
    max_shift : int
        0 turns the augmentation off.
    test_size : float
        Fraction of the 5,000 digits held out (the split is seeded by 0, as LeNet's).
    callback : callable, optional
        ``callback(epoch, logs)`` after each epoch (``logs`` also has ``seconds``).

    Returns
    -------
    dict
        ``model``, ``history`` (per-epoch ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``, ``lr``, ``seconds``), ``test_accuracy`` (percent),
        ``seconds``.
    """
    from dlnotes.datasets.digits import train_test_split
    from dlnotes.datasets.mnist import load_mnist_5k
    from dlnotes.optim import Adam
    from dlnotes.optim.schedules import InverseTimeDecay

    check_choice(model, "model", ("resnet", "plain"))
    epochs = check_scalar(epochs, "epochs", low=1, integer=True)
    X, y = load_mnist_5k(pad_to=28, dtype=dtype)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size, seed=0, batch_axis=0)
    if n_train is not None:
        n_train = check_scalar(n_train, "n_train", low=1, high=len(Xtr), integer=True)
        Xtr, ytr = Xtr[:n_train], ytr[:n_train]
    build = small_resnet if model == "resnet" else plain_cnn
    net = build(input_shape=Xtr.shape[1:], widths=widths, blocks=blocks, seed=seed,
                dtype=dtype)
    Ytr, Yte = np.eye(10, dtype=dtype)[:, ytr], np.eye(10, dtype=dtype)[:, yte]
    opt = Adam(InverseTimeDecay(lr, 0.2))
    rng = np.random.default_rng(seed)
    history = {}
    t0 = time.perf_counter()
    for e in range(epochs):
        t1 = time.perf_counter()
        h = net.fit(random_shifts(Xtr, max_shift, rng), Ytr, epochs=1, batch_size=batch_size,
                    optimizer=opt, validation_data=(Xte, Yte), seed=seed + e,
                    progress=progress)
        logs = {k: v[-1] for k, v in h.items()}
        logs["seconds"] = time.perf_counter() - t1
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if not np.isfinite(logs["loss"]):
            raise FloatingPointError(f"the cost became {logs['loss']} at epoch {e + 1}")
        if callback is not None:
            callback(e + 1, logs)
    seconds = time.perf_counter() - t0
    return {"model": net, "history": history, "seconds": seconds,
            "test_accuracy": 100.0 * history["val_accuracy"][-1]}
