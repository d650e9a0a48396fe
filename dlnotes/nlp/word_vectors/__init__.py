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

__all__ = ["cosine_similarity", "complete_analogy", "complete_analogies", "WordVectors",
           "evaluate_word_analogies", "evaluate_word_pairs", "neutralize", "equalize", "bias_axis", "make_toy_embeddings"]


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
        """Stack a ``word_to_vec_map`` (one pass over the dict)."""
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
        """The rows scaled to unit length (zero rows stay zero)."""
        n = np.sqrt(self.sq_norms).astype(self.vectors.dtype)
        n[n == 0] = 1
        return self.vectors / n[:, None]

    def to_dict(self):
        """``{word: row}`` (the course's ``word_to_vec_map``; the rows are views)."""
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


def _norm(x):
    """Euclidean norm without overflow or underflow (float32 squares overflow from ~1e19)."""
    s = np.max(np.abs(x)) if x.size else 0
    return x.dtype.type(s * np.linalg.norm(x / s)) if s > 0 else x.dtype.type(0)


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
