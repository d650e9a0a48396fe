r"""The streamed, multi-threaded skip-gram trainer :func:`train_skipgram` (word2vec.c's loop,
compiled in ``dlnotes._kernels.word2vec``).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_scalar
from dlnotes.nlp.word2vec._corpus import _keep_thresholds, _vocab_stream, negative_table
from dlnotes.nlp.word2vec._sgns import Word2Vec, _diverged, _kw2v


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
