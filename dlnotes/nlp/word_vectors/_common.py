"""Argument checks shared by :mod:`dlnotes.nlp.word_vectors` and its debiasing functions."""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array


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


def _norm(x):
    """Euclidean norm without overflow or underflow (float32 squares overflow from ~1e19)."""
    s = np.max(np.abs(x)) if x.size else 0
    return x.dtype.type(s * np.linalg.norm(x / s)) if s > 0 else x.dtype.type(0)
