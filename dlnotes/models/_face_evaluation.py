r"""Verification and identification measures of a face encoder (private: the public names
are :mod:`dlnotes.models.face_encoder`'s, which re-exports them)."""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.vision.face import l2_normalize, who_is_it


def verification_pairs(labels, n_pairs, rng=None, seed=None):
    """Random pairs of distinct examples, half of the same identity, half of two.

    Parameters
    ----------
    labels : ndarray of int, shape (m,)
        The identity of each example: two identities at least, one of them with two
        examples.
    n_pairs : int >= 2
        Number of pairs.
    rng, seed : numpy.random.Generator or int, optional
        Source of the random draws (``rng`` wins over ``seed``).

    Returns
    -------
    i, j : ndarray of int64, shape (n_pairs,)
    same : ndarray of bool, shape (n_pairs,)
        ``labels[i] == labels[j]``; the first ``n_pairs // 2`` pairs are "same".
    """
    y = np.asarray(labels)
    n_pairs = check_scalar(n_pairs, "n_pairs", low=2, integer=True)
    rng = as_rng(rng, seed)
    order = np.argsort(y, kind="stable")
    ids, start, counts = np.unique(y[order], return_index=True, return_counts=True)
    if len(ids) < 2 or counts.max() < 2:
        raise ValueError("labels need two identities and one identity with two examples")
    n_same = n_pairs // 2
    k = rng.choice(np.flatnonzero(counts >= 2), size=n_same)      # same: two distinct members
    r1 = rng.integers(0, counts[k])
    r2 = rng.integers(0, counts[k] - 1)
    r2 += r2 >= r1
    ka = rng.integers(0, len(ids), n_pairs - n_same)              # different: two identities
    kb = rng.integers(0, len(ids) - 1, n_pairs - n_same)
    kb += kb >= ka
    i = order[np.concatenate([start[k] + r1, start[ka] + rng.integers(0, counts[ka])])]
    j = order[np.concatenate([start[k] + r2, start[kb] + rng.integers(0, counts[kb])])]
    return i, j, y[i] == y[j]


def best_threshold(dist, same):
    r"""The distance threshold with the best verification accuracy on these pairs.

    .. math::

        \tau^\star = \arg\max_\tau \frac1n\sum_k \mathbb 1\big[(d_k < \tau) = s_k\big]

    The candidates are the midpoints between consecutive sorted distances
    (and the two ends), so the accuracy is exact; ties go to the smallest
    :math:`\tau`.

    Parameters
    ----------
    dist : ndarray, shape (n,)
        Finite distances of the pairs.
    same : ndarray of bool, shape (n,)
        Whether each pair shows one identity.

    Returns
    -------
    threshold, accuracy : float
    """
    d = check_float_array(dist, "dist", ndim=1, finite=True)
    s = np.asarray(same, dtype=bool)
    if s.shape != d.shape or d.size == 0:
        raise ValueError(f"same must have the shape of dist {d.shape} (non-empty), got {s.shape}")
    order = np.argsort(d, kind="stable")
    ds, ss = d[order], s[order]
    # accepting the k closest pairs: correct = same among them + different beyond them
    correct = np.concatenate([[0], np.cumsum(ss)]) + \
        np.concatenate([[np.sum(~ss)], np.sum(~ss) - np.cumsum(~ss)])
    cand = np.concatenate([[ds[0] - 1e-6], (ds[:-1] + ds[1:]) / 2, [ds[-1] + 1e-6]])
    valid = np.concatenate([[True], ds[:-1] < ds[1:], [True]])  # no cut between equal distances
    k = int(np.argmax(np.where(valid, correct, -1)))
    return float(cand[k]), float(correct[k] / d.size)


def roc_auc(scores, positive):
    r"""Area under the ROC curve, as the Mann-Whitney statistic (ties count one half).

    .. math::

        \mathrm{AUC} = \frac{1}{n_+ n_-}\sum_{i \in +}\sum_{j \in -}
            \Big(\mathbb 1[s_i > s_j] + \tfrac12\,\mathbb 1[s_i = s_j]\Big)
            = \frac{R_+ - n_+(n_+ + 1)/2}{n_+ n_-}

    with :math:`R_+` the sum of the positives' ranks (mid-ranks for ties).
    ``sklearn.metrics.roc_auc_score`` gives the same number (the tests compare);
    this one avoids importing scikit-learn's metrics, which takes seconds.

    Parameters
    ----------
    scores : ndarray, shape (n,)
        Higher means "positive" (for verification: minus the distance).
    positive : ndarray of bool, shape (n,)
        Both classes must occur.

    Returns
    -------
    float
    """
    s = check_float_array(scores, "scores", ndim=1, finite=True)
    pos = np.asarray(positive, dtype=bool)
    if pos.shape != s.shape:
        raise ValueError(f"positive must have the shape of scores {s.shape}, got {pos.shape}")
    n_pos = int(pos.sum())
    n_neg = pos.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("positive must hold both classes (True and False)")
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    midrank = np.cumsum(counts) - (counts - 1) / 2
    r_pos = float(np.sum(midrank[inv.ravel()][pos]))
    return (r_pos - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _pair_distances(E, i, j):
    return np.linalg.norm(E[i] - E[j], axis=1)


def evaluate_verification(encoder, dev, test, n_pairs=2000, seed=0):
    """Verification on pairs: threshold chosen on dev pairs, accuracy and ROC AUC on test pairs.

    Parameters
    ----------
    encoder : Encoder
    dev, test : (X, y)
        Held-out images (pixels in [0, 1]) and identities.
    n_pairs : int
        Pairs drawn from each split (half same identity).
    seed : int

    Returns
    -------
    dict
        ``threshold``, ``dev_accuracy``, ``test_accuracy``, ``roc_auc``
        (:func:`roc_auc` of :math:`-d` as the score of "same"), ``same_distances``,
        ``different_distances`` (test pairs).
    """
    rng = as_rng(seed=seed)
    out = {}
    for name, (X, y) in (("dev", dev), ("test", test)):
        i, j, same = verification_pairs(y, n_pairs, rng=rng)
        d = _pair_distances(encoder.encode(X), i, j)
        if name == "dev":
            out["threshold"], out["dev_accuracy"] = best_threshold(d, same)
        else:
            out["test_accuracy"] = float(np.mean((d < out["threshold"]) == same))
            out["roc_auc"] = roc_auc(-d, same)
            out["same_distances"], out["different_distances"] = d[same], d[~same]
    return out


def evaluate_identification(encoder, enroll, test, n_enroll=5, threshold=0.7, seed=0):
    """Identification with the course's :func:`~dlnotes.vision.face.who_is_it`.

    Each identity is enrolled as the L2-normalised mean encoding of
    ``n_enroll`` of its images from ``enroll``; every test image goes through
    ``who_is_it(image * 255, database, encoder)`` (the course's function takes
    pixels in [0, 255] and encodes the image itself).

    Parameters
    ----------
    encoder : Encoder
        The trained encoder.
    enroll : tuple (X, y)
        Images and identities the database is built from.
    test : tuple (X, y)
        Held-out images and their identities.
    n_enroll : int >= 1, default 5
        Images averaged per identity in the database.
    threshold : float, default 0.7
        ``who_is_it``'s distance beyond which nobody is recognised.
    seed : int
        Seed of the choice of enrolled images.

    Returns
    -------
    dict
        ``top1`` (closest identity correct), ``beyond_threshold`` (fraction
        whose closest distance exceeds ``threshold``: "Not in the database."),
        ``database``.
    """
    Xe, ye = enroll
    X, y = test
    n_enroll = check_scalar(n_enroll, "n_enroll", low=1, integer=True)
    rng = as_rng(seed=seed)
    database = {}
    for k in np.unique(ye):
        members = np.flatnonzero(ye == k)
        pick = rng.choice(members, size=min(n_enroll, len(members)), replace=False)
        database[int(k)] = l2_normalize(encoder.encode(Xe[pick]).mean(axis=0, keepdims=True))
    hits = far = 0
    for img, k in zip(X, y):
        d, who = who_is_it(img * 255, database, encoder, threshold=threshold, verbose=False)
        hits += who == k
        far += d > threshold
    return {"top1": hits / len(y), "beyond_threshold": far / len(y), "database": database}
