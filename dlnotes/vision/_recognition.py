r"""The course's face-recognition API: :func:`img_to_encoding`, :func:`verify`,
:func:`who_is_it` and the distance they use (private: the public names are
:mod:`dlnotes.vision.face`'s, which re-exports them; the module docstring there
describes the conventions)."""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar


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
    norm = _norm(x, axis)
    if norm.size and np.any(norm == 0):
        raise ValueError("x contains a zero vector, which cannot be normalised")
    return x / norm


def _norm(x, axis):
    """Euclidean norms along ``axis`` (kept), scaled by the largest component first so that
    the squares neither overflow (float32 beyond ~1e19) nor underflow."""
    big = np.max(np.abs(x), axis=axis, keepdims=True) if x.size else np.ones_like(x)
    safe = np.where(big > 0, big, 1)
    return big * np.linalg.norm(x / safe, axis=axis, keepdims=True)


def embedding_distance(e1, e2):
    r"""Euclidean distance of two embedding vectors.

    .. math::

        d(e_1, e_2) = \lVert e_1 - e_2\rVert_2 = \sqrt{\textstyle\sum_k (e_{1k} - e_{2k})^2}

    Parameters
    ----------
    e1 : array_like of float
        An embedding (any shape, flattened), e.g. ``(128,)`` from :func:`img_to_encoding`.
    e2 : array_like of float
        Another embedding with as many values.

    Returns
    -------
    float
        :math:`d(e_1, e_2) \ge 0`.
    """
    a = check_float_array(e1, "e1", finite=True)
    b = check_float_array(e2, "e2", dtype=a.dtype, finite=True)
    if a.size != b.size:
        raise ValueError(f"the embeddings have different sizes {a.size} and {b.size}")
    return float(np.linalg.norm(a.ravel() - b.ravel()))


def _predict(model, x):
    """Run ``model`` on the batch ``x``: Keras-style ``predict_on_batch`` / ``predict``,
    a dlnotes layer's ``forward(x, training=False)``, or a plain callable."""
    for meth in ("predict_on_batch", "predict"):
        f = getattr(model, meth, None)
        if callable(f):
            return f(x)
    f = getattr(model, "forward", None)
    if callable(f):
        return f(x, training=False)
    if callable(model):
        return model(x)
    raise TypeError(f"model must have a predict_on_batch, predict or forward method, or be a "
                    f"callable batch -> embeddings, got {type(model).__name__}")


def img_to_encoding(image, model):
    r"""The course's ``img_to_encoding``: one image to its L2-normalised embedding.

    The image's pixels are scaled to [0, 1], given to ``model`` as a batch of
    one, and the embedding is normalised (as the course's FaceNet version does):

    .. math::

        x = \frac{\text{image}}{255},\qquad e = f(x),\qquad
        \hat e = \frac{e}{\lVert e\rVert_2}

    Parameters
    ----------
    image : ndarray, shape (n_H, n_W, n_C)
        Pixel values in [0, 255] (any real dtype; the course reads the file
        with Keras' ``load_img``: read it yourself, e.g. with
        ``skimage.io.imread``).
    model : object
        With ``predict_on_batch(x)`` or ``predict(x)`` (Keras), ``forward(x,
        training=False)`` (a dlnotes layer) or callable ``model(x)``, mapping
        ``x`` of shape ``(1, n_H, n_W, n_C)`` to embeddings ``(1, n_e)``.

    Returns
    -------
    ndarray, shape (1, n_e)
        Unit Euclidean norm.
    """
    img = np.asarray(image)
    if img.dtype.kind not in "uif":
        raise TypeError(f"image must be a real array of pixel values, got dtype {img.dtype}")
    img = check_float_array(img.astype(np.float64) if img.dtype.kind in "ui" else img,
                            "image", ndim=3, shape_names=("n_H", "n_W", "n_C"), finite=True)
    emb = check_float_array(_predict(model, (img / img.dtype.type(255))[None]),
                            "model output", finite=True)
    if emb.ndim != 2 or emb.shape[0] != 1:
        raise ValueError(f"model output must have shape (1, n_e), got {emb.shape}")
    return l2_normalize(emb)


def _check_database(database):
    if not isinstance(database, dict) or not database:
        raise TypeError("database must be a non-empty dict {name: embedding}")


def verify(image, identity, database, model, threshold=0.7, verbose=True):
    r"""Face verification (the course's ``verify``): is ``image`` the person ``identity``?

    .. math::

        d = \lVert \mathrm{img\_to\_encoding}(\text{image}) - \text{database}[\text{identity}]
            \rVert_2,
        \qquad \text{door\_open} \iff d < \text{threshold}

    Parameters
    ----------
    image : ndarray, shape (n_H, n_W, n_C)
        Pixels in [0, 255], encoded by :func:`img_to_encoding`.
    identity : hashable
        A key of ``database``.
    database : dict
        ``{name: encoding}`` (encodings of shape ``(1, n_e)`` or ``(n_e,)``).
    model : object
        As in :func:`img_to_encoding`.
    threshold : float > 0
        0.7 in the course.
    verbose : bool
        Print the course's message ("It's ..., welcome in!" or "It's not ...,
        please go away").

    Returns
    -------
    dist : float
    door_open : bool
    """
    _check_database(database)
    threshold = check_scalar(threshold, "threshold", low=0, low_inclusive=False)
    if identity not in database:
        raise KeyError(f"identity {identity!r} is not in the database")
    e = img_to_encoding(image, model)
    dist = embedding_distance(e, database[identity])
    door_open = bool(dist < threshold)
    if verbose:
        print(f"It's {identity}, welcome in!" if door_open
              else f"It's not {identity}, please go away")
    return dist, door_open


def who_is_it(image, database, model, threshold=0.7, verbose=True):
    r"""Face recognition (the course's ``who_is_it``): the closest identity in the database.

    .. math::

        \hat k = \arg\min_k \lVert \mathrm{img\_to\_encoding}(\text{image}) - f_k\rVert_2,
        \qquad \text{in the database} \iff \min_k d_k \le \text{threshold}

    Like the course, it returns the closest name even when that one is too far
    (``min_dist > threshold``) and then says "Not in the database."; compare
    ``min_dist`` with the threshold (or use ``verbose``) to tell.

    Parameters
    ----------
    image : ndarray, shape (n_H, n_W, n_C)
        Pixels in [0, 255].
    database : dict
        ``{name: encoding}``.
    model : object
        As in :func:`img_to_encoding`.
    threshold : float > 0
        0.7 in the course.
    verbose : bool
        Print the course's message: "Not in the database." or
        "it's <name>, the distance is <d>".

    Returns
    -------
    min_dist : float
    identity : hashable
        The closest name, also when ``min_dist > threshold``.
    """
    _check_database(database)
    threshold = check_scalar(threshold, "threshold", low=0, low_inclusive=False)
    e = img_to_encoding(image, model)
    best, who = np.inf, None
    for name, emb in database.items():
        d = embedding_distance(e, emb)
        if d < best:
            best, who = d, name
    if verbose:
        print("Not in the database." if best > threshold
              else f"it's {who}, the distance is {best}")
    return float(best), who
