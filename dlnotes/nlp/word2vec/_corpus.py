"""Corpus side of :mod:`dlnotes.nlp.word2vec`: token checks, the vocabulary, (centre, context)
pairs, the unigram^0.75 negative-sampling distribution and its alias table, subsampling.
"""
from __future__ import annotations

import collections

import numpy as np

from dlnotes._validation import check_scalar


def _check_sentence(i, s):
    if isinstance(s, (str, bytes)) or not hasattr(s, "__iter__"):
        raise TypeError(f"sentences[{i}] must be a list of string tokens, got "
                        f"{type(s).__name__}")
    s = list(s)
    for j, tok in enumerate(s):
        if not isinstance(tok, str):
            raise TypeError(f"sentences[{i}][{j}] must be a string token, got "
                            f"{type(tok).__name__} {tok!r:.40}")
    return s


def _check_sentences(sentences):
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise TypeError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    return [_check_sentence(i, s) for i, s in enumerate(sentences)]


def build_vocab(sentences, min_count=1):
    r"""Vocabulary of a tokenised corpus, most frequent first.

    .. math::

        \text{count}(w) = \sum_{s}\sum_{i} \mathbb 1[s_i = w],
        \qquad \text{keep } w \iff \text{count}(w) \ge \text{min\_count}

    Parameters
    ----------
    sentences : list of list of str
        The tokenised corpus.
    min_count : int, default 1
        Words seen fewer times are dropped.

    Returns
    -------
    words : list of str
    word_to_index : dict
    counts : ndarray of int64, shape (V,)
    """
    sentences = _check_sentences(sentences)
    min_count = check_scalar(min_count, "min_count", low=1, integer=True)
    c = collections.Counter(w for s in sentences for w in s)
    words = sorted((w for w, n in c.items() if n >= min_count), key=lambda w: (-c[w], str(w)))
    if not words:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    return words, {w: i for i, w in enumerate(words)}, np.array([c[w] for w in words],
                                                                  dtype=np.int64)


def skipgram_pairs(sentences, word_to_index, window=2):
    r"""All (centre, context) index pairs within the window.

    .. math::

        \{(s_i, s_j) : 0 < |j - i| \le \text{window}\}

    Words missing from ``word_to_index`` are dropped first (as gensim does).

    Parameters
    ----------
    sentences : list of list of str
        The tokenised corpus.
    word_to_index : dict of str -> int
        The vocabulary (from :func:`build_vocab`).
    window : int, default 2
        Largest distance between centre and context, ``>= 1``.

    Returns
    -------
    centers, contexts : ndarray of int64, shape (n_pairs,)
    """
    sentences = _check_sentences(sentences)
    window = check_scalar(window, "window", low=1, integer=True)
    cs, os = [], []
    for s in sentences:
        idx = np.array([word_to_index[w] for w in s if w in word_to_index], dtype=np.int64)
        n = idx.size
        for d in range(1, window + 1):
            if n > d:
                cs += [idx[:-d], idx[d:]]
                os += [idx[d:], idx[:-d]]
    if not cs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(cs), np.concatenate(os)


def negative_sampling_distribution(counts, power=0.75):
    r"""The unigram distribution raised to 3/4 (Mikolov et al. 2013).

    .. math::

        P(w) = \frac{f(w)^{3/4}}{\sum_{w'} f(w')^{3/4}}

    Parameters
    ----------
    counts : array_like, shape (V,)
        Word counts :math:`f(w)`.
    power : float, default 0.75
        The exponent (3/4 in the paper).

    Returns
    -------
    ndarray of float64, shape (V,)
        :math:`P(w)`, summing to 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or counts.sum() == 0:
        raise ValueError("counts must be a non-empty 1-d array of non-negative counts, not all 0")
    power = check_scalar(power, "power", low=0)
    p = counts ** power
    return p / p.sum()


def _keep_thresholds(counts, sample):
    """word2vec.c's subsampling: keep probability per word, in units of 2^-32."""
    counts = counts.astype(np.float64)
    if sample <= 0:
        return np.full(counts.size, 1 << 32, dtype=np.uint64)
    t = sample * counts.sum()
    p = np.minimum((np.sqrt(counts / t) + 1.0) * t / counts, 1.0)
    return np.round(p * 2.0 ** 32).astype(np.uint64)


def negative_table(counts, power=0.75):
    r"""The unigram^0.75 distribution as a Walker alias table (O(1) draws, V entries).

    .. math::

        P(w) = \frac{\text{count}(w)^{3/4}}{\sum_{w'} \text{count}(w')^{3/4}}

    Vose's construction: with :math:`p_w = V P(w)`, every column :math:`i` holds a threshold
    :math:`q_i` and an alias :math:`a_i` such that drawing :math:`i` uniformly and keeping it
    with probability :math:`q_i` (else taking :math:`a_i`) samples :math:`P` exactly.
    word2vec.c fills a :math:`10^8`-entry table instead (400 MB: one cache miss per draw).

    Parameters
    ----------
    counts : ndarray of int, shape (V,)
        Word counts (> 0).
    power : float, default 0.75
        The exponent of the unigram counts.

    Returns
    -------
    prob : ndarray of uint64, shape (V,)
        :math:`q_i` in units of :math:`2^{-32}` (:math:`2^{32}` means always keep).
    alias : ndarray of int32, shape (V,)
    """
    p = negative_sampling_distribution(counts, power) * len(counts)
    V = p.size
    q = np.ones(V)
    alias = np.arange(V, dtype=np.int32)
    small = [i for i in range(V) if p[i] < 1.0]
    large = [i for i in range(V) if p[i] >= 1.0]
    p = p.tolist()
    while small and large:
        s, g = small.pop(), large.pop()
        q[s] = p[s]
        alias[s] = g
        p[g] = p[g] + p[s] - 1.0
        (small if p[g] < 1.0 else large).append(g)
    prob = np.minimum(np.round(q * 2.0 ** 32), 2.0 ** 32).astype(np.uint64)
    return prob, alias


def _vocab_stream(sentences, min_count):
    """One pass over a re-iterable corpus: counts of string tokens, checked as they come."""
    c = collections.Counter()
    n_sent = 0
    for i, s in enumerate(sentences):
        c.update(_check_sentence(i, s))
        n_sent += 1
    words = sorted((w for w, n in c.items() if n >= min_count), key=lambda w: (-c[w], w))
    if not words:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    return words, np.array([c[w] for w in words], dtype=np.int64), sum(c.values())
