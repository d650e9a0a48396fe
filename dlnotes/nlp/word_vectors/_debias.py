r"""Debiasing of :mod:`dlnotes.nlp.word_vectors` (notes, "Debiasing word vectors"): the bias
axis, neutralize and equalize.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_choice
from dlnotes.nlp.word_vectors._common import _lookup, _norm, _vec


def _projection(e, g):
    r"""Projection of ``e`` on ``g``, :math:`\frac{e\cdot g}{g\cdot g}g`, computed as
    :math:`(e\cdot\hat g)\hat g` with a scale-safe :math:`\hat g`, so that it holds at any
    finite magnitude (the plain form overflows float32 from about 1e19)."""
    g_hat = g / _norm(g)
    return np.dot(e, g_hat) * g_hat


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
        n = _norm(out)
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
        raise ValueError(f"the vectors of pair[0] ({pair[0]!r}) and pair[1] ({pair[1]!r}) in "
                         f"word_to_vec_map must have the same shape, got {e1.shape} and "
                         f"{e2.shape}")
    g = _bias_vec(bias_axis, e1.shape[0], e1.dtype)
    if variant == "paper":
        n1, n2 = _norm(e1), _norm(e2)
        if n1 == 0 or n2 == 0:
            raise ValueError("a word vector is zero and cannot be normalised")
        e1, e2 = e1 / n1, e2 / n2
        g = g / _norm(g)
    mu = (e1 + e2) / 2
    mu_B = _projection(mu, g)
    nu = mu - mu_B
    e1B, e2B = _projection(e1, g), _projection(e2, g)
    if variant == "paper":
        d1, d2 = e1B - mu_B, e2B - mu_B
        n = _norm(d1)
        if n == 0:
            raise ValueError(f"{pair[0]!r} and {pair[1]!r} have the same bias component: "
                             f"there is no direction to equalise along")
        scale = e1.dtype.type(np.sqrt(max(1.0 - float(np.dot(nu, nu)), 0.0)))
        return nu + scale * d1 / n, nu + scale * d2 / _norm(d2)
    # |nu|^2 in float64: it overflows float32 for entries from ~1e19, the result need not
    nu64 = nu.astype(np.float64)
    scale = e1.dtype.type(np.sqrt(abs(1.0 - float(np.dot(nu64, nu64)))))
    den1 = _norm((e1 - nu) - mu_B)
    den2 = _norm((e2 - nu) - mu_B)
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
