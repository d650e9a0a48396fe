r"""Face verification and recognition with a triplet loss (notes, "Face recognition").

Embeddings are rows, as in the course: ``f(A)`` has shape ``(m, n_e)`` (the
course's FaceNet gives ``n_e = 128``).  No model or weights ship with dlnotes.
The course's signatures are kept: :func:`img_to_encoding` ``(image, model)``,
:func:`verify` ``(image, identity, database, model)`` returning
``(dist, door_open)`` and :func:`who_is_it` ``(image, database, model)``
returning ``(min_dist, identity)``; ``model`` is anything with a Keras-style
``predict`` / ``predict_on_batch``, a dlnotes layer (``forward``) or a callable
batch -> embeddings, and ``database`` a dict ``{name: encoding}``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar

# L2 normalisation and the course's verify / who_is_it API live in a private module of the
# same floor.
from dlnotes.vision._recognition import (  # noqa: F401  (re-exported)
    _norm,
    embedding_distance,
    img_to_encoding,
    l2_normalize,
    verify,
    who_is_it,
)

__all__ = ["l2_normalize", "triplet_loss", "triplet_loss_backward", "semi_hard_triplets",
           "batch_triplet_loss", "embedding_distance", "img_to_encoding", "verify", "who_is_it"]


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


def _check_batch(embeddings, labels):
    E = check_float_array(embeddings, "embeddings", ndim=2, shape_names=("m", "n_e"),
                          finite=True)
    y = np.asarray(labels)
    if y.dtype.kind not in "iub":
        raise TypeError(f"labels must be integer identities, got dtype {y.dtype}")
    if y.shape != (E.shape[0],):
        raise ValueError(f"labels must have shape (m,) = ({E.shape[0]},), got {y.shape}")
    return E, y


def semi_hard_triplets(embeddings, labels, alpha=0.2):
    r"""Online semi-hard triplet mining in a batch (FaceNet, Schroff et al. 2015, sec. 3.2).

    With squared distances :math:`D_{ij} = \lVert e_i - e_j\rVert_2^2` of the
    batch's embeddings (rows), every anchor-positive pair :math:`(a, p)`,
    :math:`a \ne p`, :math:`y_a = y_p`, gets the negative

    .. math::

        n(a, p) = \begin{cases}
          \arg\min_{n} \{D_{an} : y_n \ne y_a,\; D_{ap} < D_{an} < D_{ap} + \alpha\}
            & \text{if that set is not empty (semi-hard)}\\
          \arg\min_{n} \{D_{an} : y_n \ne y_a\} & \text{otherwise (hardest)}
        \end{cases}

    Semi-hard negatives lie farther than the positive but inside the margin:
    their hinge is active, yet they are not the hardest negatives, which
    FaceNet found to collapse the embedding early in training.  Among them
    the closest is taken; ties go to the lowest index.

    Parameters
    ----------
    embeddings : ndarray, shape (m, n_e)
        Rows; usually L2-normalised (:func:`batch_triplet_loss` mines on the
        normalised ones).
    labels : array_like of int, shape (m,)
        Identities.
    alpha : float >= 0
        The margin.

    Returns
    -------
    anchor, positive, negative : ndarray of int64, shape (t,) each
        Row indices of the ``t`` triplets, ordered by anchor then positive.
        Anchors without a positive, or without any negative, give no triplet.
    """
    E, y = _check_batch(embeddings, labels)
    alpha = check_scalar(alpha, "alpha", low=0)
    sq = np.sum(E * E, axis=1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2 * (E @ E.T), 0)
    same = y[:, None] == y[None, :]
    ia, ip = np.nonzero(same & ~np.eye(len(y), dtype=bool))
    neg = ~same[ia]                                     # (t, m): the candidates of each pair
    keep = neg.any(axis=1)
    ia, ip, neg = ia[keep], ip[keep], neg[keep]
    Dn, Dap = D[ia], D[ia, ip][:, None]
    band = neg & (Dn > Dap) & (Dn < Dap + alpha)
    semi = np.argmin(np.where(band, Dn, np.inf), axis=1)
    hardest = np.argmin(np.where(neg, Dn, np.inf), axis=1)
    inn = np.where(band.any(axis=1), semi, hardest)
    return ia.astype(np.int64), ip.astype(np.int64), inn.astype(np.int64)


def batch_triplet_loss(embeddings, labels, alpha=0.2, triplets=None, normalize=True):
    r"""Mean triplet loss of a batch with online semi-hard mining, and its gradient.

    The embeddings are L2-normalised (:math:`\hat e_i = e_i/\lVert e_i\rVert`,
    FaceNet's unit hypersphere), the triplets are mined on them with
    :func:`semi_hard_triplets`, and the notes' loss (:func:`triplet_loss`,
    squared distances, margin :math:`\alpha`) is averaged over the ``t``
    triplets:

    .. math::

        \mathcal J = \frac1t\sum_{(a,p,n)} \big[\lVert \hat e_a - \hat e_p\rVert_2^2
            - \lVert \hat e_a - \hat e_n\rVert_2^2 + \alpha\big]_+,
        \qquad
        \frac{\partial \mathcal J}{\partial e_i} = \frac{1}{\lVert e_i\rVert}
            \big(g_i - \hat e_i\,(\hat e_i^\top g_i)\big)

    where :math:`g_i = \partial\mathcal J/\partial \hat e_i` sums the rows of
    :func:`triplet_loss_backward` over every triplet that uses example ``i``.
    The selection is treated as fixed (it is piecewise constant in the
    embeddings), so the gradient is exact wherever no distance ties.

    Parameters
    ----------
    embeddings : ndarray, shape (m, n_e)
        The encoder's outputs, one row per example.
    labels : array_like of int, shape (m,)
    alpha : float >= 0
    triplets : (anchor, positive, negative) index arrays, optional
        Use these instead of mining (to check the gradient with the
        selection held fixed).
    normalize : bool, default True
        False: the embeddings are used as given (already on the sphere).

    Returns
    -------
    loss : float
    dE : ndarray, shape (m, n_e)
        :math:`\partial\mathcal J/\partial e`, the embeddings' dtype.
    triplets : (anchor, positive, negative)
        The index arrays used.

    Raises
    ------
    ValueError
        If the batch holds no triplet (it needs an identity with two examples
        and a second identity).
    """
    E, y = _check_batch(embeddings, labels)
    alpha = check_scalar(alpha, "alpha", low=0)
    Eh = l2_normalize(E) if normalize else E
    if triplets is None:
        triplets = semi_hard_triplets(Eh, y, alpha)
    elif not isinstance(triplets, (tuple, list)) or len(triplets) != 3:
        raise TypeError("triplets must be (anchor, positive, negative) index arrays")
    ia, ip, inn = (np.asarray(t, dtype=np.int64) for t in triplets)
    if not ia.shape == ip.shape == inn.shape or ia.ndim != 1:
        raise ValueError("triplets must be three 1-D index arrays of the same length")
    if ia.size == 0:
        raise ValueError("the batch holds no triplet: labels need an identity with at least "
                         "two examples and at least two identities")
    if min(t.min() for t in (ia, ip, inn)) < 0 or max(t.max() for t in (ia, ip, inn)) >= len(y):
        raise ValueError(f"triplet indices must be in [0, m) = [0, {len(y)})")
    t = ia.size
    trip = (Eh[ia], Eh[ip], Eh[inn])
    loss = triplet_loss(None, trip, alpha) / t
    dA, dP, dN = triplet_loss_backward(trip, alpha, 1.0 / t)
    G = np.zeros_like(Eh)
    np.add.at(G, ia, dA)
    np.add.at(G, ip, dP)
    np.add.at(G, inn, dN)
    if normalize:
        G = (G - Eh * np.sum(Eh * G, axis=1, keepdims=True)) / _norm(E, 1)
    return loss, G, (ia, ip, inn)
