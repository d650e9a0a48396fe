r"""The small ResNet and the plain CNN of the same depth, trained on MNIST-5k
(:func:`train_resnet`, ``dlnotes train --model resnet`` / ``--model plain-cnn``).

Re-exported by :mod:`dlnotes.models.classic`.
"""
from __future__ import annotations

import time

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.layers.base import Dropout
from dlnotes.layers.conv import MaxPool2D
from dlnotes.layers.graph import Input
from dlnotes.layers.merge import Add
from dlnotes.layers.pooling import GlobalAveragePooling2D
from dlnotes.models.blocks import _Builder, _check_shape, _head, _model, _relu

__all__ = ["small_resnet", "plain_cnn", "random_shifts", "train_resnet"]


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


def _small(shortcut, input_shape, num_classes, widths, blocks, dropout, rng, seed, dtype):
    input_shape = _check_shape(input_shape, 4)
    widths = [check_scalar(w, "widths[i]", low=1, integer=True) for w in widths]
    blocks = check_scalar(blocks, "blocks", low=1, integer=True)
    dropout = check_scalar(dropout, "dropout", low=0.0, high=1.0, high_inclusive=False)
    b = _Builder(rng, seed, dtype, "he", bn_momentum=0.9)
    X = Input(input_shape, dtype=b.dtype)
    Y = _relu(b.bn(b.conv(X, widths[0], 3, pad=1, use_bias=False, input_grad=False)))
    Y = MaxPool2D(2)(Y)
    for i, n in enumerate(widths):
        for j in range(blocks):
            Y = _basic_block(b, Y, n, 2 if (i > 0 and j == 0) else 1, shortcut)
    if dropout:
        Y = Dropout(1.0 - dropout, rng=b.rng)(GlobalAveragePooling2D()(Y))
        Y = b.dense(Y, check_scalar(num_classes, "num_classes", low=1, integer=True))
    else:
        Y = _head(b, Y, True, num_classes)
    return _model(X, Y, "small ResNet" if shortcut else "plain CNN")


_SMALL_NET = """
Parameters
----------
input_shape : (n_H, n_W, n_C)
    Shape of one image.
num_classes : int
    Outputs of the final fully connected layer (softmax logits).
widths : tuple of int
    Channels of each stage; every stage after the first halves the size.
blocks : int
    Basic blocks per stage.
dropout : float in [0, 1)
    Dropout rate on the pooled features before the final layer (0: no dropout layer).
rng, seed : numpy.random.Generator or int, optional
    Source of the random initial weights.
dtype : float32 or float64
    Element type of the parameters.

Returns
-------
Model
    A graph model with the softmax cross-entropy loss, batch axis 0.
"""


@fill_doc(SMALL_NET=_SMALL_NET)
def small_resnet(input_shape=(28, 28, 1), num_classes=10, widths=(16, 32, 64), blocks=1,
                 dropout=0.0, rng=None, seed=None, dtype=np.float32):
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

    %(SMALL_NET)s
    """
    return _small(True, input_shape, num_classes, widths, blocks, dropout, rng, seed,
                  dtype)


@fill_doc(SMALL_NET=_SMALL_NET)
def plain_cnn(input_shape=(28, 28, 1), num_classes=10, widths=(16, 32, 64), blocks=1,
              dropout=0.0, rng=None, seed=None, dtype=np.float32):
    """:func:`small_resnet` without its shortcuts (and without the 1x1 projections):
    the "plain network" the notes compare a ResNet with.

    %(SMALL_NET)s
    """
    return _small(False, input_shape, num_classes, widths, blocks, dropout, rng, seed,
                  dtype)


def random_shifts(X, max_shift=2, rng=None):
    r"""Data augmentation: shift each image by a random whole number of pixels,
    :math:`\Delta y, \Delta x \in \{-s, \dots, s\}`, filling with zeros.

    A random :func:`dlnotes.cnn.augment.crop` of the image padded by ``s``:

    .. math::

        X'[i, y, x, c] = X[i,\, y - \Delta y_i,\, x - \Delta x_i,\, c]
        \quad (0 \text{ outside the image})

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    max_shift : int >= 0
    rng : numpy.random.Generator, optional

    Returns
    -------
    ndarray, shape of ``X``
    """
    from dlnotes.cnn.augment import crop

    X = check_float_array(X, "X", ndim=4)
    s = check_scalar(max_shift, "max_shift", low=0, integer=True)
    rng = as_rng(rng)
    m, n_H, n_W, _ = X.shape
    top = rng.integers(0, 2 * s + 1, m)
    left = rng.integers(0, 2 * s + 1, m)
    return crop(X, top, left, (n_H, n_W), padding=s)


def _targets(y, n_classes, label_smoothing, dtype):
    """One-hot columns ``(n_classes, m)`` of the labels ``y``, smoothed by ``label_smoothing``."""
    Y = np.eye(n_classes, dtype=dtype)[:, y]
    if label_smoothing:
        Y = ((1.0 - label_smoothing) * Y + label_smoothing / n_classes).astype(dtype)
    return Y


def _augmentation(size, rotation, max_shift, scale, shear):
    """The training batches' random affine map (None when every range is 0)."""
    from dlnotes.cnn.augment import Compose, RandomAffine

    if not (max_shift or rotation or scale or shear):
        return None
    n_H, n_W = size
    return Compose([RandomAffine(rotation=rotation, shear=shear, scale=(1.0 - scale, 1.0 + scale),
                                 translate=(max_shift / n_W, max_shift / n_H))], clip=(0, 1))


def train_resnet(model="resnet", epochs=20, batch_size=64, lr=3e-3, n_train=None, seed=0,
                 widths=(24, 48, 96), blocks=1, max_shift=3, rotation=10.0, scale=0.1,
                 shear=10.0, dropout=0.0, label_smoothing=0.1, test_size=0.2, validation=0,
                 dtype=np.float32, progress=False, callback=None):
    r"""Train :func:`small_resnet` (or :func:`plain_cnn`) on MNIST-5k with Adam.

    4,000 training / 1,000 test digits (28x28, scaled to [0, 1]; the seeded
    split of ``dlnotes.models.lenet.load_lenet_data``).  Every training batch
    is augmented (``Model.fit(augment=...)``) by a random affine map: a rotation of up to
    ``rotation`` degrees, a shear of up to ``shear`` degrees, a zoom by
    :math:`1 \pm` ``scale`` and a shift of up to ``max_shift`` pixels
    (:class:`dlnotes.cnn.augment.RandomAffine`, bilinear, zero fill); the
    learning rate follows a cosine decay from ``lr`` to about zero over the
    epochs (:class:`~dlnotes.optim.schedules.CosineDecay`), and the training
    targets are label-smoothed.  The default recipe (widths 24/48/96, 20 epochs,
    shear 10, zoom 0.9-1.1, label smoothing 0.1) was chosen on a validation split of the
    training digits (``validation=500``), never on the test digits; the previous one
    is ``widths=(16, 32, 64), epochs=30, scale=0, shear=0, label_smoothing=0``.

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
    max_shift : float >= 0
        Largest shift, in pixels (0 with every other range 0: no augmentation).
    rotation : float >= 0
        Largest rotation, in degrees.
    scale : float in [0, 1)
        Zoom range: each image is scaled by a factor drawn from ``[1 - scale, 1 + scale]``.
    shear : float in [0, 90)
        Largest shear, in degrees.
    dropout : float in [0, 1)
        Dropout rate before the final layer (see :func:`small_resnet`).
    label_smoothing : float in [0, 1)
        :math:`\varepsilon`: the training targets are :math:`(1-\varepsilon)\,y +
        \varepsilon / K` (:math:`K = 10` classes) instead of one-hot :math:`y`, so the
        softmax cross-entropy stops rewarding ever more confident logits (Szegedy et al.,
        2016); the held-out digits are scored against their one-hot labels.
    test_size : float
        Fraction of the 5,000 digits held out (the split is seeded by 0, as LeNet's).
    validation : int >= 0
        Hold out the last ``validation`` training digits and evaluate on them instead of the
        test digits (for choosing hyperparameters; the test digits are then not touched).
    dtype : float32 or float64
        Element type of the images and parameters.
    progress : bool
        Print a progress bar per epoch.
    callback : callable, optional
        ``callback(epoch, logs)`` after each epoch (``logs`` also has ``seconds``).

    Returns
    -------
    dict
        ``model``, ``history`` (per-epoch ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` on the held-out digits, ``lr``, ``seconds``),
        ``test_accuracy`` (percent; ``None`` with ``validation``),
        ``validation_accuracy`` (percent; ``None`` without), ``seconds``.
    """
    from dlnotes.datasets.digits import train_test_split
    from dlnotes.datasets.mnist import load_mnist_5k
    from dlnotes.optim import Adam
    from dlnotes.optim.schedules import CosineDecay

    check_choice(model, "model", ("resnet", "plain"))
    epochs = check_scalar(epochs, "epochs", low=1, integer=True)
    max_shift = check_scalar(max_shift, "max_shift", low=0.0, high=14.0)
    rotation = check_scalar(rotation, "rotation", low=0.0, high=180.0)
    scale = check_scalar(scale, "scale", low=0.0, high=1.0, high_inclusive=False)
    shear = check_scalar(shear, "shear", low=0.0, high=90.0, high_inclusive=False)
    label_smoothing = check_scalar(label_smoothing, "label_smoothing", low=0.0, high=1.0,
                                   high_inclusive=False)
    X, y = load_mnist_5k(pad_to=28, dtype=dtype)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size, seed=0, batch_axis=0)
    validation = check_scalar(validation, "validation", low=0, high=len(Xtr) - 1, integer=True)
    if validation:
        Xtr, Xte, ytr, yte = Xtr[:-validation], Xtr[-validation:], ytr[:-validation], \
            ytr[-validation:]
    if n_train is not None:
        n_train = check_scalar(n_train, "n_train", low=1, high=len(Xtr), integer=True)
        Xtr, ytr = Xtr[:n_train], ytr[:n_train]
    build = small_resnet if model == "resnet" else plain_cnn
    net = build(input_shape=Xtr.shape[1:], widths=widths, blocks=blocks, dropout=dropout,
                seed=seed, dtype=dtype)
    Ytr, Yte = _targets(ytr, 10, label_smoothing, dtype), _targets(yte, 10, 0.0, dtype)
    opt = Adam(CosineDecay(lr, epochs))
    augment = _augmentation(Xtr.shape[1:3], rotation, max_shift, scale, shear)
    history = {}
    clock = [time.perf_counter()]

    def record(_, epoch, logs):
        now = time.perf_counter()
        logs = dict(logs, seconds=now - clock[0])
        clock[0] = now
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if callback is not None:
            callback(epoch, logs)

    t0 = time.perf_counter()
    net.fit(Xtr, Ytr, epochs=epochs, batch_size=batch_size, optimizer=opt,
            validation_data=(Xte, Yte), seed=seed, progress=progress, augment=augment,
            callbacks=[record])
    held_out = 100.0 * history["val_accuracy"][-1]
    return {"model": net, "history": history, "seconds": time.perf_counter() - t0,
            "test_accuracy": None if validation else held_out,
            "validation_accuracy": held_out if validation else None}
