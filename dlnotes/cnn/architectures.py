r"""Classic CNN architectures as shape chains and parameter counts (notes, "Model Examples
Summary", errata 2.1, 2.3, 2.7-2.11).

Everything here follows from two formulas of the notes:

.. math::

    n_{\text{out}} = \Big\lfloor \frac{n + 2p - f}{s} \Big\rfloor + 1
    \qquad\text{(convolution and pooling, H and W separately)}

.. math::

    \#\text{params}(\text{conv}) = (f_H f_W n_{C,\text{prev}} + 1)\, n_C,\qquad
    \#\text{params}(\text{dense}) = (n_{\text{in}} + 1)\, n_{\text{out}}

The table builders (:func:`alexnet`, :func:`vgg16`, :func:`resnet50`,
:func:`inception_v3`) return an :class:`Architecture`: the layer table (name,
output shape, parameters), the shape chain and the total, by pure arithmetic.
They are deprecated: the one definition of each network is the runnable model
of :mod:`dlnotes.models.classic` (same counts; ``model.summary()`` prints the
table).  :class:`ShapeTracker` and the output-size helpers stay as the docs'
worked examples.

Also here: the 1x1-convolution ("bottleneck") cost of the Inception lecture
and the residual block :math:`a^{[l+2]} = g(z^{[l+2]} + a^{[l]})` with its
backward pass (dense layout ``(n, m)``).
"""
from __future__ import annotations

import numbers
import warnings

from dlnotes._docstrings import fill_doc
from dlnotes._validation import check_float_array
from dlnotes.cnn.conv import conv_output_size, resolve_padding, same_padding  # noqa: F401
from dlnotes.cnn.shapes import (Architecture, ShapeTracker,  # noqa: F401
                                conv_multiplications, conv_output_shape, conv_params,
                                pool_output_shape, tf_same_padding)
from dlnotes.nn.activations import relu, relu_backward

__all__ = ["conv_output_size", "conv_output_shape", "pool_output_shape", "same_padding",
           "tf_same_padding", "conv_params", "conv_multiplications", "bottleneck_cost",
           "Architecture", "ShapeTracker", "lenet5", "alexnet", "vgg16", "resnet50",
           "inception_v3", "residual_block_forward", "residual_block_backward"]


def bottleneck_cost(input_shape=(28, 28, 192), n_filters=32, f=5, n_bottleneck=16):
    r"""Cost of a same convolution with and without a 1x1 bottleneck (Inception lecture).

    .. math::

        \text{direct} = n_H n_W n_C \cdot f^2 n_{C,\text{prev}},\qquad
        \text{bottleneck} = n_H n_W n_b \cdot n_{C,\text{prev}} + n_H n_W n_C \cdot f^2 n_b

    The lecture's example (28x28x192 -> 5x5 conv, 32 filters, bottleneck 16):
    120,422,400 multiplications direct, 2,408,448 + 10,035,200 = 12,443,648
    with the bottleneck.

    Parameters
    ----------
    input_shape : tuple of int, default (28, 28, 192)
        ``(n_H, n_W, n_C_prev)``; the convolution is "same", so the output keeps ``n_H, n_W``.
    n_filters : int, default 32
        :math:`n_C`, output channels.
    f : int, default 5
        Filter size.
    n_bottleneck : int, default 16
        :math:`n_b`, channels of the 1x1 bottleneck.

    Returns
    -------
    dict
        ``direct``, ``bottleneck_1x1``, ``bottleneck_fxf``, ``bottleneck_total``.
    """
    n_H, n_W, n_C_prev = input_shape
    p = same_padding(f)
    out = conv_output_shape(input_shape, f, n_filters, 1, p)
    mid = conv_output_shape(input_shape, 1, n_bottleneck, 1, 0)
    direct = conv_multiplications(out, f, n_C_prev)
    c1 = conv_multiplications(mid, 1, n_C_prev)
    c2 = conv_multiplications(out, f, n_bottleneck)
    return {"direct": direct, "bottleneck_1x1": c1, "bottleneck_fxf": c2,
            "bottleneck_total": c1 + c2}


def _deprecated(name):
    warnings.warn(f"dlnotes.cnn.architectures.{name} is deprecated: build the network with "
                  f"dlnotes.models.classic.{name} (the same counts; .count_params() gives the "
                  "total and .summary() the table)", DeprecationWarning, stacklevel=3)


def _check_input(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or not all(
            isinstance(v, numbers.Integral) and v >= 1 for v in input_shape):
        raise ValueError(f"input_shape must be (n_H, n_W, n_C) of positive ints, got "
                         f"{input_shape!r}")
    return tuple(int(v) for v in input_shape)



def _table_sections(input_shape, include_top=True):
    """The Parameters and Returns sections of the deprecated architecture tables."""
    top = ["include_top : bool, default True", "    Include the fully connected classifier."]
    return "\n".join(["Parameters", "----------",
                      f"input_shape : tuple of int, default {input_shape}",
                      "    ``(n_H, n_W, n_C)`` of the input images."]
                     + (top if include_top else [])
                     + ["num_classes : int, default 1000", "    Units of the final classifier.", "",
                        "Returns", "-------", "Architecture",
                        "    The layer table: output shape and parameter count of every layer."])


_TABLE_227 = _table_sections("(227, 227, 3)", include_top=False)
_TABLE_224 = _table_sections("(224, 224, 3)")
_TABLE_299 = _table_sections("(299, 299, 3)")


def lenet5(input_shape=(32, 32, 1), pooling="average", num_classes=10):
    """Deprecated: the layer table of LeNet-5; use :func:`dlnotes.models.lenet.lenet5`.

    The runnable network (:func:`dlnotes.models.lenet.lenet5`) is the one
    LeNet-5 of the package; this table is kept for old code and warns.

    Parameters
    ----------
    input_shape : tuple of int, default (32, 32, 1)
        ``(n_H, n_W, n_C)`` of the input images.
    pooling : {"average", "max"}, default "average"
        The subsampling layers (the paper's are average pools).
    num_classes : int, default 10
        Units of the output layer.

    Returns
    -------
    Architecture
        The layer table: output shape and parameter count of every layer.
    """
    warnings.warn("dlnotes.cnn.architectures.lenet5 is deprecated: build the network with "
                  "dlnotes.models.lenet.lenet5 (same arguments; .parameter_count() gives the "
                  "total)", DeprecationWarning, stacklevel=2)
    input_shape = _check_input(input_shape)
    t = ShapeTracker(input_shape)
    t.conv(6, 5).pool(2, 2, kind=pooling).conv(16, 5).pool(2, 2, kind=pooling)
    t.flatten().dense(120).dense(84).dense(num_classes)
    return Architecture("LeNet-5", input_shape, t.layers)


@fill_doc(TABLE_227=_TABLE_227)
def alexnet(input_shape=(227, 227, 3), num_classes=1000):
    r"""AlexNet as in the course, one stream (errata 2.8).

    Deprecated: the network is :func:`dlnotes.models.classic.alexnet` (same count; it runs
    and trains); this table warns.

    .. math::

        227 \xrightarrow{[11,4]} 55 \xrightarrow{\max[3,2]} 27 \xrightarrow{\text{same}[5,1]} 27
        \xrightarrow{\max[3,2]} 13 \to 13 \to 13 \to 13 \xrightarrow{\max[3,2]} 6,\quad
        6 \cdot 6 \cdot 256 = 9216 \to 4096 \to 4096 \to 1000

    The paper's 224 does not fit: :math:`(224 - 11)/4 + 1 = 54.25`; 227 (or 224
    with padding 2) is consistent.  The notes omit the final FC-1000 + softmax.
    62,378,344 parameters (LRN, the 2-GPU split and dropout are left out, as in
    the course).

    %(TABLE_227)s
    """
    _deprecated("alexnet")
    input_shape = _check_input(input_shape)
    t = ShapeTracker(input_shape)
    t.conv(96, 11, 4).pool(3, 2).conv(256, 5, pad="same").pool(3, 2)
    t.conv(384, 3, pad="same").conv(384, 3, pad="same").conv(256, 3, pad="same").pool(3, 2)
    t.flatten().dense(4096).dense(4096).dense(num_classes)
    return Architecture("AlexNet", input_shape, t.layers)


@fill_doc(TABLE_224=_TABLE_224)
def vgg16(input_shape=(224, 224, 3), include_top=True, num_classes=1000):
    r"""VGG-16 (Simonyan & Zisserman 2015, configuration D; errata 2.9).

    Deprecated: the network is :func:`dlnotes.models.classic.vgg16` (same count; it runs
    and trains); this table warns.

    Blocks of 3x3 same convolutions (64, 64 | 128, 128 | 256 x3 | 512 x3 | 512 x3),
    each followed by a 2x2/2 max pool:

    .. math::

        224 \to 112 \to 56 \to 28 \to 14 \to 7,\quad 7 \cdot 7 \cdot 512 = 25088 \to 4096
        \to 4096 \to 1000

    **138,357,544** parameters with the top (Keras ``VGG16(include_top=True)``), 14,714,688 without.

    %(TABLE_224)s
    """
    _deprecated("vgg16")
    input_shape = _check_input(input_shape)
    t = ShapeTracker(input_shape)
    for n_C, reps in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(reps):
            t.conv(n_C, 3, pad="same")
        t.pool(2, 2)
    if include_top:
        t.flatten().dense(4096).dense(4096).dense(num_classes)
    return Architecture("VGG-16", input_shape, t.layers)


def _resnet_block(t, filters, stride, conv_shortcut):
    shortcut = t.fork()
    if conv_shortcut:
        shortcut.conv(4 * filters, 1, stride, name="shortcut conv").batch_norm()
    main = t.fork()
    main.conv(filters, 1, stride).batch_norm()
    main.conv(filters, 3, 1, "same").batch_norm()
    main.conv(4 * filters, 1).batch_norm()
    main.add(shortcut)
    t.shape = main.shape


@fill_doc(TABLE_224=_TABLE_224)
def resnet50(input_shape=(224, 224, 3), include_top=True, num_classes=1000):
    r"""ResNet-50 (He et al. 2016) as built by Keras ``applications.ResNet50``.

    Deprecated: the network is :func:`dlnotes.models.classic.resnet50` (same count; it runs
    and trains); this table warns.

    Bottleneck blocks 1x1 -> 3x3 -> 1x1 (x4 channels) with

    .. math::

        a^{[l+2]} = g\big(z^{[l+2]} + a^{[l]}\big)

    and a 1x1 projection shortcut
    :math:`W_s a^{[l]}` at the first block of each stage (3, 4, 6, 3 blocks).
    224 -> 112 (7x7/2) -> 56 (max 3/2) -> 56 -> 28 -> 14 -> 7 -> 2048 -> 1000.
    **25,636,712** parameters (Keras' total, batch-norm statistics included;
    23,587,712 without the top).

    %(TABLE_224)s
    """
    _deprecated("resnet50")
    input_shape = _check_input(input_shape)
    t = ShapeTracker(input_shape)
    t.zero_pad(3).conv(64, 7, 2).batch_norm().zero_pad(1).pool(3, 2)
    for filters, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        _resnet_block(t, filters, stride, True)
        for _ in range(blocks - 1):
            _resnet_block(t, filters, 1, False)
    if include_top:
        t.global_avg_pool().dense(num_classes)
    return Architecture("ResNet-50", input_shape, t.layers)


def _cbn(t, n_C, fh, fw, stride=1, pad="same"):
    """Keras inception_v3's conv2d_bn: conv without bias + batch norm with scale=False."""
    t.conv(n_C, (fh, fw), stride, pad, bias=False)
    return t.batch_norm(3)


@fill_doc(TABLE_299=_TABLE_299)
def inception_v3(input_shape=(299, 299, 3), include_top=True, num_classes=1000):
    r"""Inception v3 (Szegedy et al. 2016) as built by Keras ``applications.InceptionV3``.

    Deprecated: the network is :func:`dlnotes.models.classic.inception_v3` (same count; it runs
    and trains); this table warns.

    The notes link v3 while the lecture shows v1 (GoogLeNet); an Inception
    module runs parallel branches (1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 or factorised
    7x1/1x7 | pool -> 1x1) at the same spatial size and concatenates them on
    channels:

    .. math::

        299 \to 35 \times 35 \times \{256, 288, 288\} \to 17 \times 17 \times 768
        \to 8 \times 8 \times 1280 \to 8 \times 8 \times 2048

    **23,851,784** parameters (Keras' total; 21,802,784 without the top).

    %(TABLE_299)s
    """
    _deprecated("inception_v3")
    input_shape = _check_input(input_shape)
    t = ShapeTracker(input_shape)
    _cbn(t, 32, 3, 3, 2, "valid")
    _cbn(t, 32, 3, 3, 1, "valid")
    _cbn(t, 64, 3, 3)
    t.pool(3, 2)
    _cbn(t, 80, 1, 1, 1, "valid")
    _cbn(t, 192, 3, 3, 1, "valid")
    t.pool(3, 2)
    for pool_ch in (32, 64, 64):                       # mixed0-2, 35x35
        b1 = _cbn(t.fork(), 64, 1, 1)
        b5 = _cbn(_cbn(t.fork(), 48, 1, 1), 64, 5, 5)
        b3 = _cbn(_cbn(_cbn(t.fork(), 64, 1, 1), 96, 3, 3), 96, 3, 3)
        bp = _cbn(t.fork().pool(3, 1, 1, kind="average"), pool_ch, 1, 1)
        b1.concat([b5, b3, bp])
        t.shape = b1.shape
    b3 = _cbn(t.fork(), 384, 3, 3, 2, "valid")        # mixed3 -> 17x17
    bd = _cbn(_cbn(_cbn(t.fork(), 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, "valid")
    bp = t.fork().pool(3, 2)
    b3.concat([bd, bp])
    t.shape = b3.shape
    for c in (128, 160, 160, 192):                     # mixed4-7
        b1 = _cbn(t.fork(), 192, 1, 1)
        b7 = _cbn(_cbn(_cbn(t.fork(), c, 1, 1), c, 1, 7), 192, 7, 1)
        bd = t.fork()
        for n, fh, fw in ((c, 1, 1), (c, 7, 1), (c, 1, 7), (c, 7, 1), (192, 1, 7)):
            _cbn(bd, n, fh, fw)
        bp = _cbn(t.fork().pool(3, 1, 1, kind="average"), 192, 1, 1)
        b1.concat([b7, bd, bp])
        t.shape = b1.shape
    b3 = _cbn(_cbn(t.fork(), 192, 1, 1), 320, 3, 3, 2, "valid")   # mixed8 -> 8x8
    b7 = t.fork()
    for n, fh, fw in ((192, 1, 1), (192, 1, 7), (192, 7, 1)):
        _cbn(b7, n, fh, fw)
    _cbn(b7, 192, 3, 3, 2, "valid")
    bp = t.fork().pool(3, 2)
    b3.concat([b7, bp])
    t.shape = b3.shape
    for _ in range(2):                                 # mixed9-10
        b1 = _cbn(t.fork(), 320, 1, 1)
        s = _cbn(t.fork(), 384, 1, 1)
        s1 = _cbn(s.fork(), 384, 1, 3)
        s2 = _cbn(s.fork(), 384, 3, 1)
        s1.concat([s2])
        d = _cbn(_cbn(t.fork(), 448, 1, 1), 384, 3, 3)
        d1 = _cbn(d.fork(), 384, 1, 3)
        d2 = _cbn(d.fork(), 384, 3, 1)
        d1.concat([d2])
        bp = _cbn(t.fork().pool(3, 1, 1, kind="average"), 192, 1, 1)
        b1.concat([s1, d1, bp])
        t.shape = b1.shape
    if include_top:
        t.global_avg_pool().dense(num_classes)
    return Architecture("Inception-v3", input_shape, t.layers)


# ----------------------------------------------------------------------------- residual block
def residual_block_forward(a_prev, W1, b1, W2, b2, Ws=None):
    r"""A two-layer residual block (dense layout, examples in columns).

    .. math::

        z^{[l+1]} = W^{[l+1]} a^{[l]} + b^{[l+1]},\quad a^{[l+1]} = g(z^{[l+1]}),\quad
        z^{[l+2]} = W^{[l+2]} a^{[l+1]} + b^{[l+2]}

    .. math::

        a^{[l+2]} = g\big(z^{[l+2]} + a^{[l]}\big)
        \quad\text{or}\quad g\big(z^{[l+2]} + W_s a^{[l]}\big)

    with :math:`g` = ReLU and the projection :math:`W_s` when the sizes
    differ.  With :math:`W, b = 0` and :math:`a^{[l]} \ge 0` the block is the
    identity: "ResNets do not hurt".

    Parameters
    ----------
    a_prev : ndarray, shape (n_0, m)
    W1 : ndarray, shape (n_1, n_0)
    b1 : ndarray, shape (n_1, 1)
    W2 : ndarray, shape (n_2, n_1)
    b2 : ndarray, shape (n_2, 1)
    Ws : ndarray, shape (n_2, n_0), optional
        Required when ``n_2 != n_0``.

    Returns
    -------
    a : ndarray, shape (n_2, m)
    cache : tuple
    """
    a_prev = check_float_array(a_prev, "a_prev", ndim=2, shape_names=("n_0", "m"))
    n_0, m = a_prev.shape
    dt = a_prev.dtype
    W1 = check_float_array(W1, "W1", ndim=2, shape=(None, n_0), shape_names=("n_1", "n_0"),
                           dtype=dt)
    n_1 = W1.shape[0]
    b1 = check_float_array(b1, "b1", shape=(n_1, 1), shape_names=("n_1", "1"), dtype=dt)
    W2 = check_float_array(W2, "W2", ndim=2, shape=(None, n_1), shape_names=("n_2", "n_1"),
                           dtype=dt)
    n_2 = W2.shape[0]
    b2 = check_float_array(b2, "b2", shape=(n_2, 1), shape_names=("n_2", "1"), dtype=dt)
    if Ws is None:
        if n_2 != n_0:
            raise ValueError(f"the shortcut needs Ws of shape (n_2, n_0) = ({n_2}, {n_0}) "
                             f"because n_2 != n_0")
        shortcut = a_prev
    else:
        Ws = check_float_array(Ws, "Ws", shape=(n_2, n_0), shape_names=("n_2", "n_0"),
                               dtype=dt)
        shortcut = Ws @ a_prev
    z1 = W1 @ a_prev + b1
    a1 = relu(z1)
    z2 = W2 @ a1 + b2
    s = z2 + shortcut
    return relu(s), (a_prev, W1, W2, Ws, z1, a1, s)


def residual_block_backward(da, cache):
    r"""Backward pass of :func:`residual_block_forward`.

    .. math::

        ds = da \odot g'(s),\quad
        da^{[l]} = W^{[l+1]T}\big((W^{[l+2]T} ds) \odot g'(z^{[l+1]})\big)
                   + \underbrace{ds}_{\text{skip}} \;(\text{or } W_s^T ds)

    The skip path passes :math:`ds` through unchanged.

    Parameters
    ----------
    da : ndarray, shape (n_2, m)
        Gradient with respect to the block's output :math:`a^{[l+2]}`.
    cache : tuple
        The cache :func:`residual_block_forward` returned.

    Returns
    -------
    da_prev : ndarray, shape (n_0, m)
    grads : dict
        ``dW1, db1, dW2, db2`` (and ``dWs``).
    """
    a_prev, W1, W2, Ws, z1, a1, s = cache
    da = check_float_array(da, "da", shape=s.shape, dtype=s.dtype)
    ds = relu_backward(da, s)
    grads = {"dW2": ds @ a1.T, "db2": ds.sum(axis=1, keepdims=True)}
    dz1 = relu_backward(W2.T @ ds, z1)
    grads["dW1"] = dz1 @ a_prev.T
    grads["db1"] = dz1.sum(axis=1, keepdims=True)
    da_prev = W1.T @ dz1
    if Ws is None:
        da_prev = da_prev + ds
    else:
        grads["dWs"] = ds @ a_prev.T
        da_prev = da_prev + Ws.T @ ds
    return da_prev, grads
