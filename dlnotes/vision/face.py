r"""Face verification and recognition with a triplet loss (notes, "Face recognition").

Embeddings are rows, as in the course: ``f(A)`` has shape ``(m, n_e)`` (the
course's FaceNet gives ``n_e = 128``).  No model or weights ship with dlnotes:
:func:`verify` and :func:`who_is_it` take an ``encode`` callable that maps an
image (anything) to an embedding vector, and an explicit ``database`` dict
``{name: embedding}``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar

__all__ = ["l2_normalize", "triplet_loss", "triplet_loss_backward", "embedding_distance",
           "verify", "who_is_it"]


def l2_normalize(x, axis=-1):
    r"""Scale vectors to unit Euclidean length.

    .. math::

        \hat x = \frac{x}{\lVert x\rVert_2}

    FaceNet constrains embeddings to the unit hypersphere.

    Parameters
    ----------
    x : ndarray
    axis : int
        The axis holding the vector components (default: the last, i.e. rows).

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Raises
    ------
    ValueError
        If a vector has zero length (it has no direction).
    """
    if np.ndim(x) == 0:
        raise ValueError("x must have at least one dimension")
    x = check_float_array(x, "x", finite=True)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for x with {x.ndim} dimensions")
    norm = np.linalg.norm(x, axis=axis, keepdims=True)
    if norm.size and np.any(norm == 0):
        raise ValueError("x contains a zero vector, which cannot be normalised")
    return x / norm


def _triplets(y_pred):
    if not isinstance(y_pred, (tuple, list)) or len(y_pred) != 3:
        raise TypeError("y_pred must be a sequence (anchor, positive, negative) of arrays")
    A = check_float_array(y_pred[0], "anchor", ndim=2, shape_names=("m", "n_e"), finite=True)
    P = check_float_array(y_pred[1], "positive", ndim=2, dtype=A.dtype, finite=True)
    N = check_float_array(y_pred[2], "negative", ndim=2, dtype=A.dtype, finite=True)
    for name, arr in (("positive", P), ("negative", N)):
        if arr.shape != A.shape:
            raise ValueError(f"{name} must have the shape of anchor (m, n_e) = {A.shape}, "
                             f"got {arr.shape}")
    return A, P, N


def triplet_loss(y_true, y_pred, alpha=0.2):
    r"""Triplet loss of FaceNet (Schroff et al. 2015, eq. 3), summed over the batch.

    .. math::

        \mathcal J = \sum_{i=1}^{m}\Big[\lVert f(A^{(i)}) - f(P^{(i)})\rVert_2^2
                    - \lVert f(A^{(i)}) - f(N^{(i)})\rVert_2^2 + \alpha\Big]_+

    Parameters
    ----------
    y_true : ignored
        Present for the course's (Keras) signature ``triplet_loss(y_true, y_pred, alpha)``.
    y_pred : (anchor, positive, negative)
        Three arrays of shape ``(m, n_e)``: embeddings as rows.
    alpha : float >= 0
        The margin (0.2 in FaceNet and the course).

    Returns
    -------
    float
        The summed loss (the course sums; divide by ``m`` for a mean).

    See Also
    --------
    triplet_loss_backward
    """
    A, P, N = _triplets(y_pred)
    alpha = check_scalar(alpha, "alpha", low=0)
    pos = np.sum((A - P) ** 2, axis=-1)
    neg = np.sum((A - N) ** 2, axis=-1)
    return float(np.sum(np.maximum(pos - neg + alpha, 0)))


def triplet_loss_backward(y_pred, alpha=0.2, dJ=1.0):
    r"""Gradient of :func:`triplet_loss` with respect to the three embeddings.

    For an example whose hinge is active
    (:math:`\lVert a-p\rVert^2 - \lVert a-n\rVert^2 + \alpha > 0`):

    .. math::

        \frac{\partial\mathcal J}{\partial a} = 2(n - p),\qquad
        \frac{\partial\mathcal J}{\partial p} = 2(p - a),\qquad
        \frac{\partial\mathcal J}{\partial n} = 2(a - n)

    and zero otherwise (the subgradient 0 is used at the kink).

    Parameters
    ----------
    y_pred : (anchor, positive, negative), each (m, n_e)
    alpha : float
    dJ : float
        Upstream gradient of the scalar loss.

    Returns
    -------
    dA, dP, dN : ndarray, shape (m, n_e) each
    """
    A, P, N = _triplets(y_pred)
    alpha = check_scalar(alpha, "alpha", low=0)
    dJ = check_scalar(dJ, "dJ")
    pos = np.sum((A - P) ** 2, axis=-1)
    neg = np.sum((A - N) ** 2, axis=-1)
    active = ((pos - neg + alpha) > 0).astype(A.dtype)[:, None] * A.dtype.type(2 * dJ)
    return active * (N - P), active * (P - A), active * (A - N)


def embedding_distance(e1, e2):
    r"""Euclidean distance of two embedding vectors.

    .. math::

        d(e_1, e_2) = \lVert e_1 - e_2\rVert_2 = \sqrt{\textstyle\sum_k (e_{1k} - e_{2k})^2}
    """
    a = check_float_array(e1, "e1", finite=True)
    b = check_float_array(e2, "e2", dtype=a.dtype, finite=True)
    if a.size != b.size:
        raise ValueError(f"the embeddings have different sizes {a.size} and {b.size}")
    return float(np.linalg.norm(a.ravel() - b.ravel()))


def _encode(encode, image):
    if not callable(encode):
        raise TypeError(f"encode must be a callable image -> embedding, got "
                        f"{type(encode).__name__}")
    return check_float_array(encode(image), "encode(image)", finite=True).ravel()


def _check_database(database):
    if not isinstance(database, dict) or not database:
        raise TypeError("database must be a non-empty dict {name: embedding}")


def verify(image, identity, database, encode, threshold=0.7):
    r"""Face verification: is ``image`` the person ``identity``?

    .. math::

        d = \lVert f(\text{image}) - f_{\text{database}}(\text{identity})\rVert_2,
        \qquad \text{accept} \iff d < \text{threshold}

    Parameters
    ----------
    image : any
        Passed to ``encode``.
    identity : hashable
        A key of ``database``.
    database : dict
        ``{name: embedding}``.
    encode : callable
        ``encode(image)`` returns the embedding (the course's ``img_to_encoding``).
    threshold : float > 0
        0.7 in the course.

    Returns
    -------
    dist : float
    door_open : bool
    """
    _check_database(database)
    threshold = check_scalar(threshold, "threshold", low=0, low_inclusive=False)
    if identity not in database:
        raise KeyError(f"identity {identity!r} is not in the database")
    e = _encode(encode, image)
    dist = embedding_distance(e, database[identity])
    return dist, bool(dist < threshold)


def who_is_it(image, database, encode, threshold=0.7):
    r"""Face recognition: the closest identity in the database.

    .. math::

        \hat k = \arg\min_k \lVert f(\text{image}) - f_k\rVert_2

    Parameters
    ----------
    image : any
    database : dict
        ``{name: embedding}``.
    encode : callable
    threshold : float > 0
        Above it the person is "not in the database".

    Returns
    -------
    min_dist : float
    identity : hashable or None
        ``None`` when ``min_dist > threshold`` (the course prints
        "Not in the database" and still returns the closest name).
    """
    _check_database(database)
    threshold = check_scalar(threshold, "threshold", low=0, low_inclusive=False)
    e = _encode(encode, image)
    best, who = np.inf, None
    for name, emb in database.items():
        d = embedding_distance(e, emb)
        if d < best:
            best, who = d, name
    return float(best), (who if best <= threshold else None)
