r"""Word vectors: cosine similarity, analogies and debiasing (notes, "Word2Vec",
"Debiasing word vectors"; errata §7).

Embeddings are a plain dict ``{word: 1-d array}`` (the course's
``word_to_vec_map``).  No embedding is downloaded: :func:`make_toy_embeddings`
builds a small one with a known structure (a gender direction, a royalty
direction, ...) for the docs and the tests; load GloVe yourself to reproduce
the course with real vectors.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar

__all__ = ["cosine_similarity", "complete_analogy", "neutralize", "equalize", "bias_axis",
           "make_toy_embeddings"]


def _vec(x, name, dtype=None):
    v = check_float_array(x, name, ndim=1, dtype=dtype, finite=True)
    if v.size == 0:
        raise ValueError(f"{name} must not be empty")
    return v


def _lookup(word, word_to_vec_map, name="word"):
    if not isinstance(word_to_vec_map, dict) or not word_to_vec_map:
        raise TypeError("word_to_vec_map must be a non-empty dict {word: vector}")
    if word not in word_to_vec_map:
        raise KeyError(f"{name} {word!r} is not in word_to_vec_map")
    return _vec(word_to_vec_map[word], f"word_to_vec_map[{word!r}]")


def cosine_similarity(u, v):
    r"""Cosine of the angle between two vectors.

    .. math::

        \text{CosineSimilarity}(u, v) = \frac{u \cdot v}{\lVert u\rVert_2 \lVert v\rVert_2}
        = \cos\theta

    Parameters
    ----------
    u, v : ndarray, shape (n,)

    Returns
    -------
    float in [-1, 1]

    Raises
    ------
    ValueError
        If either vector is zero (the angle is undefined).
    """
    u = _vec(u, "u")
    v = _vec(v, "v", dtype=u.dtype)
    if v.shape != u.shape:
        raise ValueError(f"v must have the shape of u {u.shape}, got {v.shape}")
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0:
        raise ValueError("u is the zero vector: cosine similarity is undefined")
    if nv == 0:
        raise ValueError("v is the zero vector: cosine similarity is undefined")
    return float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))


def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
    r"""Complete "a is to b as c is to ___" (the course's ``complete_analogy``).

    .. math::

        \hat w = \arg\max_{w \notin \{a, b, c\}}
            \text{CosineSimilarity}(e_b - e_a,\; e_w - e_c)

    Words are lower-cased as in the course.  Zero difference vectors are
    skipped.

    Parameters
    ----------
    word_a, word_b, word_c : str
    word_to_vec_map : dict

    Returns
    -------
    str
    """
    words = [w.lower() if isinstance(w, str) else w for w in (word_a, word_b, word_c)]
    e_a, e_b, e_c = (_lookup(w, word_to_vec_map, n) for w, n in
                     zip(words, ("word_a", "word_b", "word_c")))
    d = e_b - e_a
    if not np.any(d):
        raise ValueError("word_a and word_b have the same vector: the analogy is undefined")
    others = [w for w in word_to_vec_map if w not in words]
    if not others:
        raise ValueError("word_to_vec_map has no candidate besides the three input words")
    M = np.stack([np.asarray(word_to_vec_map[w], dtype=np.float64) for w in others])
    if M.shape[1] != d.shape[0]:
        raise ValueError("the vectors in word_to_vec_map have different sizes")
    D = M - e_c
    norms = np.linalg.norm(D, axis=1)
    sims = np.full(len(others), -np.inf)
    ok = norms > 0
    sims[ok] = D[ok] @ d / (norms[ok] * np.linalg.norm(d))
    return others[int(np.argmax(sims))]


def _projection(e, g):
    return (np.dot(e, g) / np.dot(g, g)) * g


def _bias_vec(g, dim, dtype):
    g = _vec(g, "g", dtype=dtype)
    if g.shape != (dim,):
        raise ValueError(f"g must have shape ({dim},) like the word vectors, got {g.shape}")
    if not np.any(g):
        raise ValueError("g (the bias axis) must not be the zero vector")
    return g


def neutralize(word, g, word_to_vec_map, renormalize=False):
    r"""Remove the bias component of a word that should be neutral (course form).

    .. math::

        e^{\text{bias\_component}} = \frac{e \cdot g}{\lVert g\rVert_2^2}\, g,
        \qquad
        e^{\text{debiased}} = e - e^{\text{bias\_component}}

    Parameters
    ----------
    word : str
    g : ndarray, shape (n,)
        The bias axis (e.g. :math:`e_{woman} - e_{man}`, see :func:`bias_axis`).
    word_to_vec_map : dict
    renormalize : bool
        Bolukbasi et al. (2016) also rescale to unit length,
        :math:`w := (w - w_B)/\lVert w - w_B\rVert` (errata 7.2).  The course
        does not.

    Returns
    -------
    e_debiased : ndarray, shape (n,)
        Orthogonal to ``g``.
    """
    e = _lookup(word, word_to_vec_map)
    g = _bias_vec(g, e.shape[0], e.dtype)
    out = e - _projection(e, g)
    if renormalize:
        n = np.linalg.norm(out)
        if n == 0:
            raise ValueError(f"{word!r} lies on the bias axis: nothing left to renormalise")
        out = out / n
    return out


def equalize(pair, bias_axis, word_to_vec_map, variant="paper"):
    r"""Equalise a pair of gender-specific words about the bias axis.

    ``variant="paper"`` (Bolukbasi et al. 2016, §5; the canonical form, errata
    E10): with unit-length :math:`e_{w1}, e_{w2}` and
    :math:`\hat g = g/\lVert g\rVert`,

    .. math::

        \mu = \frac{e_{w1} + e_{w2}}{2},\quad
        \mu_B = (\mu\cdot\hat g)\,\hat g,\quad
        \nu = \mu - \mu_B,\quad
        e_{wiB} = (e_{wi}\cdot\hat g)\,\hat g

    .. math::

        e_i = \nu + \sqrt{1 - \lVert\nu\rVert_2^2}\;
              \frac{e_{wiB} - \mu_B}{\lVert e_{wiB} - \mu_B\rVert_2}

    The results have unit length, differ only along :math:`g`, and are
    equidistant from every neutralised word.

    ``variant="course"`` reproduces the course assignment (and the notes):
    no normalisation and

    .. math::

        e_{wiB}^{\text{corrected}} = \sqrt{\big|1 - \lVert\mu_\perp\rVert_2^2\big|}\;
            \frac{e_{wiB} - \mu_B}{\lVert (e_{wi} - \mu_\perp) - \mu_B\rVert_2}

    whose denominator includes the orthogonal part of :math:`e_{w1} - e_{w2}`,
    so the bias component shrinks and :math:`\lVert e_i\rVert \ne 1`.

    Parameters
    ----------
    pair : (str, str)
    bias_axis : ndarray, shape (n,)
    word_to_vec_map : dict
    variant : {"paper", "course"}

    Returns
    -------
    e1, e2 : ndarray, shape (n,)

    Examples
    --------
    The errata's worked example:

    >>> m = {"w1": np.array([0.6, 0.8, 0.0]), "w2": np.array([-0.6, 0.0, 0.8])}
    >>> e1, e2 = equalize(("w1", "w2"), np.array([1.0, 0, 0]), m)
    >>> np.round(e1, 7), np.round(e2, 7)
    (array([0.8246211, 0.4      , 0.4      ]), array([-0.8246211,  0.4      ,  0.4      ]))
    """
    check_choice(variant, "variant", ("paper", "course"))
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"pair must be two words, got {pair!r}")
    e1 = _lookup(pair[0], word_to_vec_map, "pair[0]")
    e2 = _lookup(pair[1], word_to_vec_map, "pair[1]")
    if e2.shape != e1.shape:
        raise ValueError("the two words' vectors have different sizes")
    g = _bias_vec(bias_axis, e1.shape[0], e1.dtype)
    if variant == "paper":
        n1, n2 = np.linalg.norm(e1), np.linalg.norm(e2)
        if n1 == 0 or n2 == 0:
            raise ValueError("a word vector is zero and cannot be normalised")
        e1, e2 = e1 / n1, e2 / n2
        g = g / np.linalg.norm(g)
    mu = (e1 + e2) / 2
    mu_B = _projection(mu, g)
    nu = mu - mu_B
    e1B, e2B = _projection(e1, g), _projection(e2, g)
    if variant == "paper":
        d1, d2 = e1B - mu_B, e2B - mu_B
        n = np.linalg.norm(d1)
        if n == 0:
            raise ValueError(f"{pair[0]!r} and {pair[1]!r} have the same bias component: "
                             f"there is no direction to equalise along")
        scale = e1.dtype.type(np.sqrt(max(1.0 - float(np.dot(nu, nu)), 0.0)))
        return nu + scale * d1 / n, nu + scale * d2 / np.linalg.norm(d2)
    scale = e1.dtype.type(np.sqrt(abs(1.0 - float(np.dot(nu, nu)))))
    den1 = np.linalg.norm((e1 - nu) - mu_B)
    den2 = np.linalg.norm((e2 - nu) - mu_B)
    if den1 == 0 or den2 == 0:
        raise ValueError(f"{pair[0]!r} and {pair[1]!r} have the same vector")
    return nu + scale * (e1B - mu_B) / den1, nu + scale * (e2B - mu_B) / den2


def bias_axis(word_to_vec_map, pairs=(("woman", "man"),), method="difference"):
    r"""The bias direction from definitional pairs (errata 7.4).

    ``method="difference"`` (the course, for one pair), averaged over the pairs:

    .. math::

        g = \frac{1}{P}\sum_{p=1}^{P} \big(e_{a_p} - e_{b_p}\big)
        \qquad (g = e_{\text{woman}} - e_{\text{man}} \text{ for one pair})

    ``method="pca"`` (Bolukbasi et al. 2016): the first principal component of
    the centred pair members :math:`e_a - \mu_p, e_b - \mu_p` with
    :math:`\mu_p = (e_a + e_b)/2`, as a unit vector, oriented like
    :math:`e_a - e_b` of the first pair.

    Parameters
    ----------
    word_to_vec_map : dict
    pairs : sequence of (str, str)
    method : {"difference", "pca"}

    Returns
    -------
    g : ndarray, shape (n,)
    """
    check_choice(method, "method", ("difference", "pca"))
    if not pairs:
        raise ValueError("pairs must hold at least one (word_a, word_b) pair")
    diffs, rows = [], []
    for a, b in pairs:
        ea, eb = _lookup(a, word_to_vec_map), _lookup(b, word_to_vec_map)
        diffs.append(ea - eb)
        mu = (ea + eb) / 2
        rows.extend([ea - mu, eb - mu])
    if method == "difference":
        return np.mean(diffs, axis=0)
    _, _, Vt = np.linalg.svd(np.stack(rows), full_matrices=False)
    g = Vt[0]
    return g if np.dot(g, diffs[0]) >= 0 else -g


def make_toy_embeddings(dim=50, noise=0.05, rng=None, seed=0):
    r"""A small embedding with a known geometry, for examples and tests.

    Each word is a sum of attribute directions (person, gender, royalty,
    family, country, capital, ...) plus a little noise, so that
    ``man : woman :: king : queen`` and ``france : paris :: italy : rome``
    hold, and occupation words carry a small gender component to debias:

    .. math::

        e_w = \sum_{a} c_{w,a}\, d_a + \sigma\varepsilon_w,\qquad
        d_a \text{ orthonormal},\ \varepsilon_w \sim \mathcal N(0, I)

    Parameters
    ----------
    dim : int >= 16
    noise : float
    rng, seed : numpy Generator or int

    Returns
    -------
    word_to_vec_map : dict of str -> ndarray of float64, shape (dim,)
    """
    dim = check_scalar(dim, "dim", low=16, integer=True)
    noise = check_scalar(noise, "noise", low=0)
    rng = as_rng(rng, seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, 12)))
    person, gender, royal, family, young, place, capital, job, it, fr, uk, jp = Q.T
    country = {"france": fr, "italy": it, "england": uk, "japan": jp}
    spec = {
        "man": person - gender, "woman": person + gender,
        "boy": person - gender + young, "girl": person + gender + young,
        "he": 0.8 * (person - gender), "she": 0.8 * (person + gender),
        "king": person - gender + royal, "queen": person + gender + royal,
        "prince": person - gender + royal + young, "princess": person + gender + royal + young,
        "father": person - gender + family, "mother": person + gender + family,
        "son": person - gender + family + young, "daughter": person + gender + family + young,
        "doctor": person + job + 0.3 * (-gender), "nurse": person + job + 0.4 * gender,
        "engineer": person + job - 0.35 * gender + 0.5 * place,
        "receptionist": person + job + 0.35 * gender - 0.5 * place,
        "teacher": person + job + 0.1 * gender + 0.5 * young,
    }
    for name, c in country.items():
        spec[name] = place + c
    for name, c in (("paris", fr), ("rome", it), ("london", uk), ("tokyo", jp)):
        spec[name] = place + capital + c
    return {w: v + noise * rng.standard_normal(dim) for w, v in spec.items()}
