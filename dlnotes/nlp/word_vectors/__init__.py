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

from dlnotes._validation import check_choice, check_float_array, check_scalar
from dlnotes.nlp.word_vectors._common import _norm, _vec
from dlnotes.nlp.word_vectors._debias import bias_axis, equalize, neutralize
from dlnotes.nlp.word_vectors._toy import make_toy_embeddings

__all__ = ["cosine_similarity", "complete_analogy", "complete_analogies", "WordVectors",
           "evaluate_word_analogies", "evaluate_word_pairs", "neutralize", "equalize", "bias_axis",
           "make_toy_embeddings"]


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
    nu, nv = _norm(u), _norm(v)
    if nu == 0:
        raise ValueError("u is the zero vector: cosine similarity is undefined")
    if nv == 0:
        raise ValueError("v is the zero vector: cosine similarity is undefined")
    # the angle does not depend on the lengths: unit vectors keep u.v finite at any magnitude
    return float(np.clip(np.dot(u / nu, v / nv), -1.0, 1.0))


class WordVectors:
    r"""Word vectors as one matrix: the array form of a ``word_to_vec_map``.

    Row :math:`i` of ``vectors`` is :math:`e_{w_i}` for ``words[i]``.  Whole-vocabulary
    operations (analogies, nearest neighbours) become matrix products over this matrix,
    with the squared norms computed once:

    .. math::

        E = \begin{bmatrix} e_{w_1}^T \\ \vdots \\ e_{w_V}^T \end{bmatrix},
        \qquad s_i = \lVert e_{w_i}\rVert_2^2

    Parameters
    ----------
    words : sequence of str, length V
        Distinct words.  Their order is kept (frequency order for GloVe and word2vec),
        which ``restrict_vocab`` of :func:`evaluate_word_analogies` relies on.
    vectors : ndarray, shape (V, n)
        float32 or float64, finite.
    """

    def __init__(self, words, vectors):
        words = list(words)
        E = check_float_array(vectors, "vectors", ndim=2, shape_names=("V", "n"), finite=True)
        if E.shape[0] != len(words) or E.shape[0] == 0 or E.shape[1] == 0:
            raise ValueError(f"vectors must have shape (V, n) = ({len(words)}, n) with n >= 1 "
                             f"and V = len(words) >= 1, got {E.shape}")
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        if len(self.index) != len(words):
            raise ValueError("words must be distinct")
        self.vectors = E
        self.sq_norms = np.einsum("ij,ij->i", E, E, dtype=np.float64)

    @classmethod
    def from_dict(cls, word_to_vec_map):
        """Stack a ``word_to_vec_map`` (one pass over the dict).

        Parameters
        ----------
        word_to_vec_map : dict of str -> ndarray
            Vectors of one length ``n``.

        Returns
        -------
        WordVectors
        """
        if isinstance(word_to_vec_map, cls):
            return word_to_vec_map
        if not isinstance(word_to_vec_map, dict) or not word_to_vec_map:
            raise TypeError("word_to_vec_map must be a non-empty dict {word: vector} or a "
                            "WordVectors")
        words = list(word_to_vec_map)
        try:
            E = np.stack([np.asarray(word_to_vec_map[w]) for w in words])
        except ValueError:
            raise ValueError("the vectors in word_to_vec_map have different sizes") from None
        if E.ndim != 2:
            raise ValueError(f"word_to_vec_map values must be 1-d vectors, got shape "
                             f"{E.shape[1:]}")
        return cls(words, E)

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.vectors[self.index[word]]

    def unit(self):
        """The rows scaled to unit length (zero rows stay zero).

        Returns
        -------
        ndarray, shape (V, n)
            The unit rows.
        """
        n = np.sqrt(self.sq_norms).astype(self.vectors.dtype)
        n[n == 0] = 1
        return self.vectors / n[:, None]

    def to_dict(self):
        """``{word: row}`` (the course's ``word_to_vec_map``; the rows are views).

        Returns
        -------
        dict of str -> ndarray
            One view of shape ``(n,)`` per word.
        """
        return dict(zip(self.words, self.vectors))


def _triad_indices(triads, wv, lower=True):
    idx = np.empty((len(triads), 3), dtype=np.int64)
    for t, triad in enumerate(triads):
        if not isinstance(triad, (tuple, list)) or len(triad) != 3:
            raise TypeError(f"triads[{t}] must be three words (a, b, c), got {triad!r}")
        for j, (w, name) in enumerate(zip(triad, ("word_a", "word_b", "word_c"))):
            if not isinstance(w, str):
                raise TypeError(f"{name} must be a string, got {type(w).__name__}")
            key = w.lower() if lower else w
            if key not in wv.index:
                raise KeyError(f"{name} {key!r} is not in word_to_vec_map")
            idx[t, j] = wv.index[key]
    return idx


def complete_analogies(triads, word_to_vec_map, method="course", restrict_vocab=None,
                       block_rows=None):
    r"""Complete many analogies "a is to b as c is to ___" with one GEMM per vocabulary block.

    ``method="course"`` is the course's criterion (:func:`complete_analogy`):

    .. math::

        \hat w = \arg\max_{w \notin \{a, b, c\}}
            \frac{(e_b - e_a)\cdot(e_w - e_c)}{\lVert e_b - e_a\rVert\,\lVert e_w - e_c\rVert},
        \qquad
        \lVert e_w - e_c\rVert^2 = \lVert e_w\rVert^2 - 2\, e_w\cdot e_c + \lVert e_c\rVert^2

    so the matrix :math:`[\,e_b - e_a \mid e_c\,]^T` of all the analogies (shape
    :math:`(2B, n)`) times a block of vocabulary rows :math:`E^T` gives every numerator and
    denominator at once.
    ``method="3cosadd"`` is Mikolov et al.'s (and gensim's ``most_similar``) on unit vectors
    :math:`\hat e`:

    .. math::

        \hat w = \arg\max_{w \notin \{a, b, c\}} \hat e_w \cdot
            \frac{\hat e_b - \hat e_a + \hat e_c}{\lVert \hat e_b - \hat e_a + \hat e_c\rVert}

    Parameters
    ----------
    triads : sequence of (str, str, str)
        Lower-cased, as in the course.
    word_to_vec_map : dict or WordVectors
        A dict is stacked first (one pass); pass a :class:`WordVectors` to reuse the matrix.
    method : {"course", "3cosadd"}
    restrict_vocab : int, optional
        Search only the first ``restrict_vocab`` words (the most frequent, for GloVe and
        word2vec), as gensim's ``evaluate_word_analogies`` does.
    block_rows : int, optional
        Vocabulary rows per GEMM; by default about :math:`2^{22} / 2B` (32 MB of products
        in float64), the whole vocabulary for a few analogies.

    Returns
    -------
    list of str
    """
    check_choice(method, "method", ("course", "3cosadd"))
    wv = WordVectors.from_dict(word_to_vec_map)
    if isinstance(triads, (str, bytes)) or not hasattr(triads, "__len__"):
        raise TypeError("triads must be a sequence of (word_a, word_b, word_c)")
    V = len(wv) if restrict_vocab is None else min(
        check_scalar(restrict_vocab, "restrict_vocab", low=1, integer=True), len(wv))
    idx = _triad_indices(triads, wv)
    B = idx.shape[0]
    if B == 0:
        return []
    if block_rows is None:
        block_rows = max(1024, (1 << 22) // (2 * B))
    block_rows = check_scalar(block_rows, "block_rows", low=1, integer=True)
    E = wv.vectors
    if method == "course":
        ea, eb, ec = (E[idx[:, j]].astype(np.float64) for j in range(3))
        D = eb - ea                                                   # (B, n)
        dn = np.linalg.norm(D, axis=1)
        if np.any(dn == 0):
            t = int(np.flatnonzero(dn == 0)[0])
            raise ValueError(f"triads[{t}]: word_a and word_b have the same vector: the "
                             "analogy is undefined")
        Q = np.concatenate([D, ec], axis=0).astype(E.dtype)          # (2B, n)
        dc = np.einsum("bn,bn->b", D, ec)
        nc = np.einsum("bn,bn->b", ec, ec)
    else:
        U = wv.unit()
        T = U[idx[:, 1]] - U[idx[:, 0]] + U[idx[:, 2]]
        tn = np.linalg.norm(T, axis=1, keepdims=True)
        tn[tn == 0] = 1
        Q = T / tn                                                    # (B, n)
        E = U
    best = np.full(B, -np.inf)
    arg = np.full(B, -1, dtype=np.int64)
    cols = np.arange(B)
    for lo in range(0, V, block_rows):
        hi = min(lo + block_rows, V)
        P = Q @ E[lo:hi].T                                            # the GEMM, (2B, rows)
        if method == "course":
            num = P[:B] - dc[:, None]
            sq = wv.sq_norms[None, lo:hi] - 2.0 * P[B:] + nc[:, None]
            den = np.sqrt(np.maximum(sq, 0.0)) * dn[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                S = np.where(den > 0, num / den, -np.inf)
        else:
            S = P.astype(np.float64)
        for j in range(3):                                            # exclude a, b, c
            inside = (idx[:, j] >= lo) & (idx[:, j] < hi)
            S[cols[inside], idx[inside, j] - lo] = -np.inf
        k = np.argmax(S, axis=1)
        v = S[cols, k]
        better = v > best
        best[better] = v[better]
        arg[better] = k[better] + lo
    if np.any(arg < 0):
        raise ValueError("word_to_vec_map has no candidate besides the input words")
    return [wv.words[i] for i in arg]


def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
    r"""Complete "a is to b as c is to ___" (the course's ``complete_analogy``).

    .. math::

        \hat w = \arg\max_{w \notin \{a, b, c\}}
            \text{CosineSimilarity}(e_b - e_a,\; e_w - e_c)

    Words are lower-cased as in the course.  The course loops over the vocabulary in
    Python; here the whole vocabulary is one matrix product (:func:`complete_analogies`
    with a single triad).  Candidates with :math:`e_w = e_c` are skipped.

    Parameters
    ----------
    word_a, word_b, word_c : str
    word_to_vec_map : dict or WordVectors
        Pass a :class:`WordVectors` to avoid stacking a large dict on every call.

    Returns
    -------
    str
    """
    return complete_analogies([(word_a, word_b, word_c)], word_to_vec_map)[0]


def evaluate_word_analogies(word_vectors, questions, restrict_vocab=300000):
    r"""Accuracy on analogy questions "a is to b as c is to d" (gensim's protocol).

    Only the first ``restrict_vocab`` words are searched, and questions with a word outside
    them are skipped; each remaining question counts as correct when the
    ``method="3cosadd"`` answer of :func:`complete_analogies` is ``d``:

    .. math::

        \text{accuracy} = \frac{1}{|Q|}\sum_{(a,b,c,d)\in Q}
            \mathbb 1\Big[d = \arg\max_{w \notin \{a,b,c\}} \hat e_w\cdot
            (\hat e_b - \hat e_a + \hat e_c)\Big]

    Parameters
    ----------
    word_vectors : WordVectors or dict
        Words in frequency order, so that ``restrict_vocab`` keeps the most frequent.
    questions : sequence of (a, b, c, d) or (section, a, b, c, d)
        Lower-cased words, e.g. :func:`dlnotes.datasets.wiki.load_questions_words`.
    restrict_vocab : int

    Returns
    -------
    accuracy : float
        ``nan`` when no question is in the vocabulary.
    n_correct, n_asked : int
    """
    wv = WordVectors.from_dict(word_vectors)
    restrict_vocab = min(check_scalar(restrict_vocab, "restrict_vocab", low=1, integer=True),
                         len(wv))
    asked = []
    for q in questions:
        if not isinstance(q, (tuple, list)) or len(q) not in (4, 5):
            raise TypeError(f"each question must be (a, b, c, d) or (section, a, b, c, d), "
                            f"got {q!r}")
        q = tuple(q[-4:])
        if all(wv.index.get(w, restrict_vocab) < restrict_vocab for w in q):
            asked.append(q)
    if not asked:
        return float("nan"), 0, 0
    got = complete_analogies([q[:3] for q in asked], wv, method="3cosadd",
                             restrict_vocab=restrict_vocab)
    n_correct = sum(g == q[3] for g, q in zip(got, asked))
    return n_correct / len(asked), n_correct, len(asked)


def evaluate_word_pairs(word_vectors, pairs):
    r"""Spearman rank correlation between cosine similarities and human scores.

    .. math::

        \rho = \text{corr}\big(\operatorname{rank}(\cos(e_{w_1}, e_{w_2})),\;
            \operatorname{rank}(\text{score})\big)

    over the pairs whose two words are in the vocabulary (the others are skipped, as gensim's
    ``evaluate_word_pairs`` does), e.g. WordSimilarity-353
    (:func:`dlnotes.datasets.wiki.load_wordsim353`).

    Parameters
    ----------
    word_vectors : WordVectors or dict
    pairs : sequence of (str, str, float)

    Returns
    -------
    rho : float
    n_used : int
    """
    from scipy.stats import spearmanr

    wv = WordVectors.from_dict(word_vectors)
    sims, scores = [], []
    for p in pairs:
        if not isinstance(p, (tuple, list)) or len(p) != 3:
            raise TypeError(f"each pair must be (word1, word2, score), got {p!r}")
        a, b, score = p
        if a in wv.index and b in wv.index:
            u, v = wv[a], wv[b]
            nu, nv = np.linalg.norm(u), np.linalg.norm(v)
            sims.append(float(u @ v) / (nu * nv) if nu > 0 and nv > 0 else 0.0)
            scores.append(float(score))
    if len(sims) < 2:
        return float("nan"), len(sims)
    return float(spearmanr(sims, scores)[0]), len(sims)
