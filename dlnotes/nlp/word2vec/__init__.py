r"""Word2vec: skip-gram with negative sampling (notes, "Word2Vec"; Mikolov et al. 2013).

For a centre word :math:`c` with input vector :math:`v_c` (a row of
``W_in``, the embedding :math:`E` of the course), a true context word
:math:`o` and :math:`K` negative words :math:`k` drawn from
:math:`P(w) \propto \text{count}(w)^{3/4}`, with output vectors :math:`u`
(rows of ``W_out``, the course's :math:`\theta`):

.. math::

    L(c, o) = -\log\sigma(u_o^T v_c) - \sum_{k=1}^{K}\log\sigma(-u_k^T v_c)

and the cost is the mean of :math:`L` over the (centre, context) pairs of a
mini-batch.  Each negative is a logistic regression "is this a context word?"
(the course's "Negative sampling" lecture), so training costs :math:`K+1`
dot products per pair instead of a softmax over the vocabulary.

Two training loops are offered: ``method="sgd"`` (default) is word2vec.c's and
gensim's per-pair SGD, compiled (``dlnotes._kernels.word2vec``: BLAS level-1
``?dot``/``?axpy`` from ``scipy.linalg.cython_blas`` without the GIL);
``method="minibatch"`` is mini-batch SGD in vectorised NumPy with sparse
updates (rows scattered with a one-hot ``scipy.sparse`` product).  After training, ``W_in`` rows are the word vectors;
:func:`train_word2vec` returns them as a ``word_to_vec_map`` that plugs into
:mod:`dlnotes.nlp.word_vectors`.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import scipy.sparse as _sparse

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar

try:  # compiled per-pair SGD loop (dlnotes/_kernels/word2vec.pyx)
    from dlnotes._kernels import word2vec as _kw2v
except ImportError:  # pragma: no cover - source checkout without a build
    _kw2v = None

__all__ = ["build_vocab", "skipgram_pairs", "negative_sampling_distribution", "sgns_loss",
           "Word2Vec", "train_word2vec", "negative_table", "train_skipgram"]


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


def _diverged(where, learning_rate, name="learning_rate"):
    return FloatingPointError(f"word2vec training diverged ({where}): the cost or the weights "
                              f"became NaN or infinite; lower {name} (got {learning_rate:g})")


def build_vocab(sentences, min_count=1):
    r"""Vocabulary of a tokenised corpus, most frequent first.

    .. math::

        \text{count}(w) = \sum_{s}\sum_{i} \mathbb 1[s_i = w],
        \qquad \text{keep } w \iff \text{count}(w) \ge \text{min\_count}

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
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or counts.sum() == 0:
        raise ValueError("counts must be a non-empty 1-d array of non-negative counts, not all 0")
    power = check_scalar(power, "power", low=0)
    p = counts ** power
    return p / p.sum()


def _log_sigmoid(x):
    return -np.logaddexp(0, -x)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def sgns_loss(W_in, W_out, centers, contexts, negatives):
    r"""Skip-gram negative-sampling cost of a mini-batch and its gradients.

    .. math::

        J = \frac{1}{B}\sum_{b=1}^{B}\Big[-\log\sigma(u_{o_b}^T v_{c_b})
             - \sum_{k=1}^{K}\log\sigma(-u_{n_{bk}}^T v_{c_b})\Big]

    .. math::

        \frac{\partial L}{\partial v_c} = (\sigma(u_o^Tv_c) - 1)\,u_o
            + \sum_k \sigma(u_k^Tv_c)\,u_k,\quad
        \frac{\partial L}{\partial u_o} = (\sigma(u_o^Tv_c) - 1)\,v_c,\quad
        \frac{\partial L}{\partial u_k} = \sigma(u_k^Tv_c)\,v_c

    summed into the rows of the dense gradient arrays (a word can appear several times).

    Parameters
    ----------
    W_in : ndarray, shape (V, d)
        Input (centre) vectors :math:`v`.
    W_out : ndarray, shape (V, d)
        Output (context) vectors :math:`u`.
    centers, contexts : ndarray of int, shape (B,)
    negatives : ndarray of int, shape (B, K)

    Returns
    -------
    cost : float
    grads : dict
        ``dW_in``, ``dW_out`` of shape (V, d).
    """
    W_in = check_float_array(W_in, "W_in", ndim=2, shape_names=("V", "d"))
    V, d = W_in.shape
    W_out = check_float_array(W_out, "W_out", shape=(V, d), shape_names=("V", "d"),
                              dtype=W_in.dtype)
    c, o, n = _check_indices(centers, contexts, negatives, V)
    return _sgns(W_in, W_out, c, o, n)


def _check_indices(centers, contexts, negatives, V):
    c = np.asarray(centers)
    o = np.asarray(contexts)
    n = np.asarray(negatives)
    for name, a in (("centers", c), ("contexts", o), ("negatives", n)):
        if a.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer word indices, got dtype {a.dtype}")
        if a.size and (a.min() < 0 or a.max() >= V):
            raise ValueError(f"{name} must hold indices in [0, {V}), got [{a.min()}, {a.max()}]")
    if c.ndim != 1 or o.shape != c.shape:
        raise ValueError(f"centers and contexts must have the same shape (B,), got {c.shape} "
                         f"and {o.shape}")
    if n.ndim != 2 or n.shape[0] != c.shape[0]:
        raise ValueError(f"negatives must have shape (B, K) = ({c.shape[0]}, K), got {n.shape}")
    if c.size == 0:
        raise ValueError("the mini-batch is empty")
    return c, o, n


def _sgns(W_in, W_out, c, o, n):
    B = c.shape[0]
    v = W_in[c]                                   # (B, d)
    u_o = W_out[o]                                # (B, d)
    u_n = W_out[n]                                # (B, K, d)
    s_pos = np.einsum("bd,bd->b", u_o, v)
    s_neg = np.einsum("bkd,bd->bk", u_n, v)
    cost = -(np.sum(_log_sigmoid(s_pos)) + np.sum(_log_sigmoid(-s_neg))) / B
    g_pos = (_sigmoid(s_pos) - 1) / B             # (B,)
    g_neg = _sigmoid(s_neg) / B                   # (B, K)
    dv = g_pos[:, None] * u_o + np.einsum("bk,bkd->bd", g_neg, u_n)
    V = W_in.shape[0]
    dW_in = _scatter_rows(V, c, dv)
    dW_out = _scatter_rows(V, np.concatenate([o, n.ravel()]),
                           np.concatenate([g_pos[:, None] * v,
                                           (g_neg[:, :, None] * v[:, None, :]).reshape(-1,
                                                                                      v.shape[1])]))
    return float(cost), {"dW_in": dW_in, "dW_out": dW_out}


def _scatter_rows(V, idx, rows):
    """Dense (V, d) array with ``rows[i]`` summed into row ``idx[i]``.

    A one-hot sparse (V, n) matrix times ``rows``: ~40x faster than ``np.add.at``
    (measured: 1.2 ms instead of 49 ms for 24,576 rows of 100 floats).
    """
    M = _sparse.csr_matrix((np.ones(idx.size, dtype=rows.dtype), (idx, np.arange(idx.size))),
                           shape=(V, idx.size))
    return np.ascontiguousarray(M @ rows)


@dataclasses.dataclass
class Word2Vec:
    r"""A trained skip-gram model; :meth:`most_similar` ranks by cosine similarity.

    .. math::

        \text{sim}(w, w') = \frac{v_w \cdot v_{w'}}{\lVert v_w\rVert\,\lVert v_{w'}\rVert}
    """

    words: list
    word_to_index: dict
    W_in: np.ndarray
    W_out: np.ndarray
    losses: list
    counts: np.ndarray = None
    effective_words: list = dataclasses.field(default_factory=list)

    @property
    def word_vectors(self):
        """The rows of ``W_in`` as :class:`~dlnotes.nlp.word_vectors.WordVectors`."""
        from dlnotes.nlp.word_vectors import WordVectors

        return WordVectors(self.words, self.W_in)

    @property
    def word_to_vec_map(self):
        """``{word: W_in row}``, for :mod:`dlnotes.nlp.word_vectors`."""
        return {w: self.W_in[i] for i, w in enumerate(self.words)}

    def most_similar(self, word, topn=5):
        """The ``topn`` words with the highest cosine similarity to ``word``."""
        if word not in self.word_to_index:
            raise KeyError(f"{word!r} is not in the vocabulary")
        E = self.W_in / np.linalg.norm(self.W_in, axis=1, keepdims=True)
        sims = E @ E[self.word_to_index[word]]
        order = [i for i in np.argsort(-sims) if self.words[i] != word][:topn]
        return [(self.words[i], float(sims[i])) for i in order]


def train_word2vec(sentences, dim=20, window=2, negative=5, epochs=5, learning_rate=0.05,
                   batch_size=256, min_count=1, dtype=np.float64, method="sgd", rng=None,
                   seed=None):
    r"""Train skip-gram with negative sampling by SGD.

    .. math::

        \min_{W_{\text{in}}, W_{\text{out}}} \sum_{(c, o)} \Big[-\log\sigma(u_o^T v_c)
            - \sum_{k=1}^{K}\log\sigma(-u_{n_k}^T v_c)\Big]

    Each epoch shuffles all (centre, context) pairs of :func:`skipgram_pairs`
    and draws ``negative`` words per pair from
    :func:`negative_sampling_distribution`.  ``method="sgd"`` then takes one
    step :math:`W \leftarrow W - \alpha\, \partial L/\partial W` per pair
    (compiled loop; the output vectors are updated target by target as in
    word2vec.c); ``method="minibatch"`` takes one step per mini-batch of
    ``batch_size`` pairs with the gradient of the summed loss (sparse: only
    the rows in the batch change).  ``W_in`` starts uniform in
    :math:`\pm 0.5/d` and ``W_out`` at zero, as in word2vec.c.

    Parameters
    ----------
    sentences : list of list of str
    dim : int
        Embedding size :math:`d`.
    window : int
    negative : int
        :math:`K` (5-20 for small data sets, 2-5 for large ones, per Mikolov et al.).
    epochs : int
    learning_rate : float
    batch_size : int
    min_count : int
    dtype : float32 or float64
    method : {"sgd", "minibatch"}
    rng, seed : numpy Generator or int

    Returns
    -------
    Word2Vec
        ``losses`` holds the mean cost of each epoch.

    Raises
    ------
    TypeError
        If a sentence is not a list of string tokens (naming ``sentences[i][j]``).
    FloatingPointError
        If training diverges (the cost or the weights become NaN or infinite), e.g. with a
        too large ``learning_rate``.
    """
    dim = check_scalar(dim, "dim", low=1, integer=True)
    negative = check_scalar(negative, "negative", low=1, integer=True)
    epochs = check_scalar(epochs, "epochs", low=0, integer=True)
    learning_rate = check_scalar(learning_rate, "learning_rate", low=0, low_inclusive=False)
    batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    check_choice(method, "method", ("sgd", "minibatch"))
    if method == "sgd" and _kw2v is None:
        raise RuntimeError("method='sgd' needs the compiled kernel dlnotes._kernels.word2vec; "
                           "build it or pass method='minibatch'")
    rng = as_rng(rng, seed)
    words, w2i, counts = build_vocab(sentences, min_count)
    centers, contexts = skipgram_pairs(sentences, w2i, window)
    if centers.size == 0:
        raise ValueError("the corpus has no (centre, context) pair: sentences are too short")
    V = len(words)
    W_in = ((rng.random((V, dim)) - 0.5) / dim).astype(dtype)
    W_out = np.zeros((V, dim), dtype=dtype)
    p = negative_sampling_distribution(counts)
    cdf = np.cumsum(p)
    losses = []
    lr = dtype.type(learning_rate)
    for epoch in range(epochs):
        perm = rng.permutation(centers.size)
        total, nb = 0.0, 0
        if method == "sgd":
            work = np.zeros(dim, dtype=dtype)
            for start in range(0, perm.size, 65536):
                sel = perm[start:start + 65536]
                n = np.minimum(np.searchsorted(cdf, rng.random((sel.size, negative))), V - 1)
                total += _kw2v.sgns_sgd_pairs(W_in, W_out, np.ascontiguousarray(centers[sel]),
                                              np.ascontiguousarray(contexts[sel]),
                                              np.ascontiguousarray(n, dtype=np.int64),
                                              float(learning_rate), work)
                if not np.isfinite(total):
                    raise _diverged(f"epoch {epoch + 1}", learning_rate)
            if not (np.isfinite(W_in).all() and np.isfinite(W_out).all()):
                raise _diverged(f"epoch {epoch + 1}", learning_rate)
            losses.append(total / perm.size)
            continue
        for start in range(0, perm.size, batch_size):
            sel = perm[start:start + batch_size]
            c, o = centers[sel], contexts[sel]
            n = np.minimum(np.searchsorted(cdf, rng.random((sel.size, negative))), V - 1)
            with np.errstate(all="ignore"):      # a diverging run is detected just below
                cost, g = _sgns(W_in, W_out, c, o, n)
                # the gradient is of the batch mean; scale by the batch size so the
                # step per pair matches per-pair SGD with this learning rate
                W_in -= (lr * sel.size) * g["dW_in"]
                W_out -= (lr * sel.size) * g["dW_out"]
            if not np.isfinite(cost):
                raise _diverged(f"epoch {epoch + 1}", learning_rate)
            total += cost * sel.size
            nb += sel.size
        if not (np.isfinite(W_in).all() and np.isfinite(W_out).all()):
            raise _diverged(f"epoch {epoch + 1}", learning_rate)
        losses.append(total / nb)
    return Word2Vec(words, w2i, W_in, W_out, losses)


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


def train_skipgram(sentences, vector_size=100, window=5, negative=5, sample=1e-3, min_count=5,
                   epochs=5, alpha=0.025, min_alpha=1e-4, workers=1, seed=1,
                   dtype=np.float32, compute_loss=False, batch_words=10000,
                   max_sentence_length=10000):
    r"""word2vec skip-gram with negative sampling, streamed and multi-threaded (word2vec.c).

    The cost of one (centre :math:`w_i`, context :math:`w_j`) pair, with
    :math:`v = ` ``W_in[w_j]``, :math:`u = ` rows of ``W_out``, and :math:`K` negatives
    :math:`n_k \sim P(w) \propto \text{count}(w)^{3/4}` (:func:`negative_table`):

    .. math::

        L = -\log\sigma(u_{w_i}^T v) - \sum_{k=1}^{K} \log\sigma(-u_{n_k}^T v)

    minimised by SGD pair by pair, as word2vec.c and gensim do:

    * frequent-word subsampling: each occurrence of :math:`w` is kept with probability
      :math:`\min\big(1, (\sqrt{f_w / (s N)} + 1)\, s N / f_w\big)` (``sample`` :math:`= s`,
      :math:`N` the corpus size), before the windows are formed;
    * dynamic window: for each centre, :math:`b \sim U\{0, \dots, \text{window}-1\}` and the
      contexts are the words within :math:`\text{window} - b` positions;
    * learning rate decaying linearly with the words processed,
      :math:`\alpha_t = \alpha_0 - (\alpha_0 - \alpha_{\min})\, t / (\text{epochs}\cdot N)`;
    * ``workers`` OpenMP threads train on different runs of sentences and update the shared
      weights without locks (Hogwild), so runs with ``workers > 1`` are not bit-reproducible;
    * :math:`\sigma` from a 1,000-entry table on :math:`[-6, 6]`, clamped outside.

    ``sentences`` is streamed: the corpus is iterated once to count the words and once per
    epoch, ``batch_words`` words at a time, so it need not fit in memory.

    Parameters
    ----------
    sentences : re-iterable of lists of str
        A list, or an object whose ``__iter__`` starts over (e.g. a class reading a file);
        a one-shot generator is refused.
    vector_size : int
    window : int
    negative : int
        :math:`K >= 1`.
    sample : float
        Subsampling threshold :math:`s` (0 disables it).
    min_count : int
    epochs : int
    alpha, min_alpha : float
        Start and end learning rates.
    workers : int
        Threads.
    seed : int
        Seeds the initial weights and the random streams.
    dtype : float32 or float64
    compute_loss : bool
        Accumulate :math:`L` per epoch in ``losses`` (a few percent slower).
    batch_words : int
        Words per job handed to a thread.
    max_sentence_length : int
        Longer sentences are cut into pieces.

    Returns
    -------
    Word2Vec
        ``W_in`` rows are the word vectors, most frequent word first; ``losses`` the mean
        cost per (centre, target) of each epoch (``compute_loss``), else empty.

    Raises
    ------
    FloatingPointError
        If the weights become NaN or infinite (e.g. ``alpha`` too large).
    """
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise TypeError("sentences must be a re-iterable of token lists, e.g. "
                        "[['the', 'cat'], ...]")
    if iter(sentences) is sentences:
        raise TypeError("sentences must be re-iterable (a list, or an object whose __iter__ "
                        "starts over): a generator can be read only once, and training reads "
                        "the corpus once per epoch plus once for the vocabulary")
    vector_size = check_scalar(vector_size, "vector_size", low=1, integer=True)
    window = check_scalar(window, "window", low=1, integer=True)
    negative = check_scalar(negative, "negative", low=1, integer=True)
    sample = check_scalar(sample, "sample", low=0, high=1)
    min_count = check_scalar(min_count, "min_count", low=1, integer=True)
    epochs = check_scalar(epochs, "epochs", low=0, integer=True)
    alpha = check_scalar(alpha, "alpha", low=0, low_inclusive=False)
    min_alpha = check_scalar(min_alpha, "min_alpha", low=0, high=alpha)
    workers = check_scalar(workers, "workers", low=1, high=1024, integer=True)
    seed = check_scalar(seed, "seed", low=0, high=2 ** 63 - 1, integer=True)
    batch_words = check_scalar(batch_words, "batch_words", low=1, integer=True)
    max_sentence_length = check_scalar(max_sentence_length, "max_sentence_length", low=1,
                                       integer=True)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    if _kw2v is None:  # pragma: no cover
        raise RuntimeError("train_skipgram needs the compiled kernel dlnotes._kernels.word2vec")
    from dlnotes._threads import single_threaded_blas

    words, counts, _ = _vocab_stream(sentences, min_count)
    V = len(words)
    w2i = {w: i for i, w in enumerate(words)}
    total = int(counts.sum())                      # in-vocabulary words per epoch
    keep = _keep_thresholds(counts, sample)
    alias_prob, alias_idx = negative_table(counts)
    rng = np.random.default_rng(seed)
    W_in = ((rng.random((V, vector_size)) - 0.5) / vector_size).astype(dtype)
    W_out = np.zeros((V, vector_size), dtype=dtype)
    n_threads = workers       # without OpenMP the jobs run in turn on one thread
    work = np.zeros((n_threads, vector_size), dtype=dtype)
    get = w2i.get
    jobs_per_call = 4 * n_threads
    losses, effective = [], []
    call = [0]

    def flush(ids, starts, job_starts, job_alpha, stats):
        tok = np.array(ids, dtype=np.int32)
        st = np.array(starts, dtype=np.int64)
        js = np.array(job_starts, dtype=np.int64)
        lens = np.diff(st)
        buf = np.empty((n_threads, max(1, int(lens.max()))), dtype=np.int32)
        n_jobs = js.size - 1
        jl = np.zeros(n_jobs)
        je = np.zeros(n_jobs, dtype=np.int64)
        call[0] += 1
        _kw2v.sg_train_batch(W_in, W_out, tok, st, js, np.array(job_alpha), keep, alias_prob,
                             alias_idx, window, negative, (seed * 1000003 + call[0] * 7919) % 2 ** 63,
                             n_threads, work, buf, compute_loss, jl, je)
        stats[0] += float(jl.sum())
        stats[1] += int(je.sum())

    with single_threaded_blas(n_threads > 1):
        for epoch in range(epochs):
            stats = [0.0, 0]
            done = 0
            ids, starts, job_starts, job_alpha = [], [0], [0], []
            job_words = 0
            for s in sentences:
                sent = [i for i in map(get, s) if i is not None]
                for lo in range(0, len(sent), max_sentence_length):
                    piece = sent[lo:lo + max_sentence_length]
                    if len(piece) < 2:
                        done += len(piece)
                        continue
                    if job_words == 0:
                        progress = (epoch * total + done) / (epochs * total)
                        job_alpha.append(max(min_alpha, alpha - (alpha - min_alpha) * progress))
                    ids.extend(piece)
                    starts.append(len(ids))
                    job_words += len(piece)
                    done += len(piece)
                    if job_words >= batch_words:
                        job_starts.append(len(starts) - 1)
                        job_words = 0
                        if len(job_alpha) == jobs_per_call:
                            flush(ids, starts, job_starts, job_alpha, stats)
                            ids, starts, job_starts, job_alpha = [], [0], [0], []
            if job_words:
                job_starts.append(len(starts) - 1)
            if len(job_starts) > 1:
                flush(ids, starts, job_starts, job_alpha, stats)
            if not (np.isfinite(W_in).all() and np.isfinite(W_out).all()):
                raise _diverged(f"epoch {epoch + 1}", alpha, "alpha")
            effective.append(stats[1])
            if compute_loss:
                losses.append(stats[0])
    return Word2Vec(words, w2i, W_in, W_out, losses, counts, effective)
