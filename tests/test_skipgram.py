"""The streaming, multi-threaded skip-gram trainer (dlnotes.nlp.word2vec.train_skipgram)
and its kernel (dlnotes._kernels.word2vec.sg_train_batch)."""
import numpy as np
import pytest

from dlnotes.nlp import word2vec as w2v
from dlnotes.nlp import word_vectors as wv

kw2v = pytest.importorskip("dlnotes._kernels.word2vec")

ALWAYS = 1 << 32


def _sig_table(x):
    """The kernel's sigmoid: 1000 cells on [-6, 6], value at the cell's midpoint."""
    if x >= 6:
        return 1.0
    if x <= -6:
        return 0.0
    i = int((x + 6) * (1000 / 12.0))
    return 1 / (1 + np.exp(-(-6 + (i + 0.5) / (1000 / 12.0))))


def _ref_batch(W_in, W_out, sents, neg_word, negative, alphas, job_starts):
    """NumPy transcription of word2vec.c's skip-gram update with window 1 (b = 0 always),
    no subsampling and every negative equal to ``neg_word`` (skipped when it is the centre)."""
    loss = 0.0
    for jb in range(len(job_starts) - 1):
        alpha = alphas[jb]
        for s in sents[job_starts[jb]:job_starts[jb + 1]]:
            for pos, word in enumerate(s):
                for c in (pos - 1, pos + 1):
                    if c < 0 or c >= len(s):
                        continue
                    v = W_in[s[c]]
                    neu1e = np.zeros_like(v)
                    targets = [(word, 1.0)] + [(neg_word, 0.0)] * negative
                    for k, (t, label) in enumerate(targets):
                        if k > 0 and t == word:
                            continue
                        x = float(W_out[t] @ v)
                        loss -= np.log(1 / (1 + np.exp(-x))) if label else np.log(
                            1 / (1 + np.exp(x)))
                        g = (label - _sig_table(x)) * alpha
                        neu1e += g * W_out[t]
                        W_out[t] += g * v
                    v += neu1e
    return loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_matches_numpy_transcription(rng, dtype):
    V, d, K = 9, 6, 3
    sents = [list(rng.integers(0, V, n)) for n in (5, 1, 7, 2, 6)]
    W_in = (rng.standard_normal((V, d)) * 0.5).astype(dtype)
    W_out = (rng.standard_normal((V, d)) * 0.5).astype(dtype)
    A_in, A_out = W_in.astype(np.float64), W_out.astype(np.float64)
    job_starts = [0, 2, 5]
    alphas = [0.1, 0.05]
    ref = _ref_batch(A_in, A_out, sents, 4, K, alphas, job_starts)
    tok = np.concatenate(sents).astype(np.int32)
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sents])]).astype(np.int64)
    prob = np.zeros(V, np.uint64)                       # alias table that always draws word 4
    prob[4] = ALWAYS
    alias = np.full(V, 4, np.int32)
    loss, eff = np.zeros(2), np.zeros(2, np.int64)
    kw2v.sg_train_batch(W_in, W_out, tok, starts, np.array(job_starts, np.int64),
                        np.array(alphas), np.full(V, ALWAYS, np.uint64), prob, alias, 1, K, 7,
                        1, np.zeros((1, d), dtype), np.zeros((1, 7), np.int32), True, loss, eff)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(W_in, A_in, rtol=tol, atol=tol)
    np.testing.assert_allclose(W_out, A_out, rtol=tol, atol=tol)
    assert loss.sum() == pytest.approx(ref, rel=tol)
    assert eff.tolist() == [6, 15]                      # no subsampling: every word counts


def test_alias_table_samples_unigram_power(rng):
    counts = np.array([1000, 300, 50, 5, 5, 1, 0, 2000])
    prob, alias = w2v.negative_table(counts)
    p = w2v.negative_sampling_distribution(counts)
    n = 400_000
    out = np.empty(n, np.int32)
    kw2v.sample_alias(prob, alias, out, 12345)
    freq = np.bincount(out, minlength=counts.size) / n
    assert freq[6] == 0                                 # a zero count is never drawn
    np.testing.assert_allclose(freq, p, atol=5 * np.sqrt(p * (1 - p) / n).max())
    # exactness of the table itself: column masses add up to P(w)
    V = counts.size
    mass = prob / 2.0 ** 32 / V
    np.add.at(mass, alias, (1 - prob / 2.0 ** 32) / V)
    np.testing.assert_allclose(mass, p, atol=1e-9)


def test_subsampling_keeps_word2vec_c_fraction(rng):
    counts = np.array([50_000, 5_000, 500, 50, 5])
    keep = w2v._keep_thresholds(counts, 1e-3) / 2.0 ** 32
    t = 1e-3 * counts.sum()
    np.testing.assert_allclose(keep, np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1),
                               rtol=1e-9)
    assert keep[-1] == 1.0 and keep[0] < 0.1
    # the kernel drops words at that rate (window 1, one long sentence)
    tok = np.repeat(np.arange(5, dtype=np.int32), counts)
    rng.shuffle(tok)
    thr = w2v._keep_thresholds(counts, 1e-3)
    W = np.zeros((5, 4), np.float32)
    prob, alias = w2v.negative_table(counts)
    loss, eff = np.zeros(1), np.zeros(1, np.int64)
    kw2v.sg_train_batch(W, W.copy(), tok, np.array([0, tok.size], np.int64),
                        np.array([0, 1], np.int64), np.array([0.0]), thr, prob, alias, 1, 1,
                        3, 1, np.zeros((1, 4), np.float32), np.zeros((1, tok.size), np.int32),
                        False, loss, eff)
    expected = float(np.sum(counts * keep))
    assert abs(eff[0] - expected) < 5 * np.sqrt(expected)


def _topic_corpus(rng, n_sent=400):
    topics = [[f"{t}{i}" for i in range(6)] for t in "abcd"]
    return topics, [[t[j] for j in rng.integers(0, 6, 10)]
                    for t in (topics[rng.integers(4)] for _ in range(n_sent))]


class _Stream:
    """A corpus read lazily, like a file: __iter__ starts over."""

    def __init__(self, sents):
        self.sents = sents

    def __iter__(self):
        return (list(s) for s in self.sents)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_skipgram_learns_topics(rng, workers, dtype):
    topics, sents = _topic_corpus(rng)
    m = w2v.train_skipgram(sents, vector_size=16, window=3, min_count=1, sample=0, epochs=8,
                           workers=workers, seed=3, dtype=dtype, compute_loss=True,
                           batch_words=300)
    assert m.W_in.dtype == dtype and len(m.words) == 24
    assert m.losses[-1] < m.losses[0]
    assert m.effective_words == [4000] * 8
    E = m.word_to_vec_map
    within = np.mean([wv.cosine_similarity(E[a], E[b]) for t in topics for a in t for b in t
                      if a != b])
    across = np.mean([wv.cosine_similarity(E[a], E[b]) for t in topics for u in topics
                      if u is not t for a in t for b in u])
    assert within > across + 0.3
    assert all(w[0] == "a" for w, _ in m.most_similar("a0", topn=3))


def test_skipgram_streaming_and_determinism(rng):
    _, sents = _topic_corpus(rng, 100)
    kw = dict(vector_size=8, min_count=2, epochs=2, workers=1, seed=5, batch_words=50)
    a = w2v.train_skipgram(sents, **kw)
    b = w2v.train_skipgram(_Stream(sents), **kw)
    np.testing.assert_array_equal(a.W_in, b.W_in)
    np.testing.assert_array_equal(a.W_out, b.W_out)
    c = w2v.train_skipgram(sents, **dict(kw, seed=6))
    assert not np.array_equal(a.W_in, c.W_in)


def test_skipgram_errors(rng):
    _, sents = _topic_corpus(rng, 30)
    with pytest.raises(TypeError, match="re-iterable"):
        w2v.train_skipgram(s for s in sents)
    with pytest.raises(TypeError, match=r"sentences\[1\]\[0\] must be a string token"):
        w2v.train_skipgram([["a", "b"], [("a",), "b"]])
    with pytest.raises(ValueError, match="min_alpha must be"):
        w2v.train_skipgram(sents, alpha=0.01, min_alpha=0.1)
    with pytest.raises(ValueError, match="no word occurs at least min_count=50"):
        w2v.train_skipgram(sents, min_count=50)
    with pytest.raises(FloatingPointError, match=r"diverged .*lower alpha \(got 1e\+30\)"):
        w2v.train_skipgram(sents, alpha=1e30, min_alpha=1e29, min_count=1)


def test_tokenize_wiki_markup():
    from dlnotes.datasets.wiki import tokenize_wiki

    text = ("'''Anarchism''' is a [[political philosophy|philosophy]] {{Infobox|x={{y}}}} "
            "<ref>Cite me</ref> that [[File:a.png|thumb|pic]] rejects &amp; A [[hierarchy]] "
            "<!-- hidden --> x 1999 averyveryverylongword")
    assert tokenize_wiki(text) == ["anarchism", "is", "philosophy", "that", "rejects",
                                   "hierarchy"]


def test_wiki_extract_loads():
    pytest.importorskip("gensim", reason="the Wikipedia extract ships in gensim's wheel")
    from dlnotes.datasets.wiki import load_wiki_sentences

    sents = load_wiki_sentences()
    assert sum(map(len, sents)) == 460344 and len(sents) == 216
    assert max(map(len, sents)) <= 10000
    assert any(s[:2] == ["anarchism", "is"] for s in sents[:5])     # the first article
    assert sum(map(len, load_wiki_sentences(max_len=1000))) == 460344
