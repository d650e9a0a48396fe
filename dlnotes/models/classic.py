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

The blocks live in :mod:`dlnotes.models.blocks` and the MNIST-5k pair in
:mod:`dlnotes.models.small_resnet`; both are re-exported here.  The blocks
are functions of a symbolic tensor, in the course's Keras style::

    X = Input((56, 56, 256))
    Y = identity_block(X, 3, [64, 64, 256], rng=rng)
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_scalar
from dlnotes.layers.conv import AvgPool2D, Flatten, MaxPool2D
from dlnotes.layers.graph import Input
from dlnotes.layers.merge import Concatenate
from dlnotes.layers.pooling import ZeroPadding2D
from dlnotes.models.blocks import (_build_doc, _Builder, _check_shape, _head, _model, _relu,
                                   convolutional_block, identity_block, inception_module)
from dlnotes.models.small_resnet import (plain_cnn, random_shifts, small_resnet,
                                         train_resnet)

__all__ = ["identity_block", "convolutional_block", "inception_module", "alexnet", "vgg16",
           "resnet50", "inception_v3", "small_resnet", "plain_cnn", "random_shifts", "train_resnet"]


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


alexnet.__doc__ += _build_doc()


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


vgg16.__doc__ += _build_doc(include_top=True)


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


resnet50.__doc__ += _build_doc(include_top=True)


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


inception_v3.__doc__ += _build_doc(include_top=True)
