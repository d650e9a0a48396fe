r"""A small embedding with a known geometry (:func:`make_toy_embeddings`), so that the docs and
the tests need no downloaded vectors.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_scalar


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
