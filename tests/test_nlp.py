"""Numeric tests of the errata (§7 word vectors, §8 attention) and word2vec training."""
import numpy as np
import pytest

from dlnotes.nlp import attention as att
from dlnotes.nlp import word2vec as w2v
from dlnotes.nlp import word_vectors as wv
from dlnotes.nn.gradcheck import gradient_check_n


@pytest.fixture(scope="module")
def emb():
    return wv.make_toy_embeddings(seed=3)


# ------------------------------------------------------------------ 7.1 cosine similarity
def test_cosine_similarity_properties(rng):
    u, v = rng.standard_normal((2, 50))
    assert wv.cosine_similarity(u, u) == pytest.approx(1.0, abs=1e-15)
    assert wv.cosine_similarity(u, -u) == pytest.approx(-1.0, abs=1e-15)
    assert wv.cosine_similarity(np.array([1.0, 0]), np.array([0, 2.0])) == 0.0
    assert wv.cosine_similarity(3 * u, 0.5 * v) == pytest.approx(wv.cosine_similarity(u, v),
                                                                 rel=1e-13)
    with pytest.raises(ValueError, match="zero vector"):
        wv.cosine_similarity(np.zeros(3), u[:3])


def test_complete_analogy(emb):
    assert wv.complete_analogy("man", "woman", "king", emb) == "queen"
    assert wv.complete_analogy("France", "Paris", "italy", emb) == "rome"
    assert wv.complete_analogy("father", "mother", "son", emb) == "daughter"
    with pytest.raises(KeyError, match="word_c 'zebra' is not in word_to_vec_map"):
        wv.complete_analogy("man", "woman", "zebra", emb)


# ------------------------------------------------------------------ 7.2 neutralize
def test_neutralize_errata_example():
    m = {"e": np.array([1.0, 2.0, 3.0])}
    np.testing.assert_allclose(wv.neutralize("e", np.array([1.0, 0.0, 1.0]), m), [-1, 2, 1])


def test_neutralize_properties(rng):
    m = {"w": rng.standard_normal(50)}
    g = rng.standard_normal(50)
    e = wv.neutralize("w", g, m)
    assert abs(e @ g) < 1e-13
    np.testing.assert_allclose(wv.neutralize("w", g, {"w": e}), e, atol=1e-15)   # idempotent
    bias = (m["w"] @ g) / (g @ g) * g
    np.testing.assert_allclose(e + bias, m["w"], atol=1e-14)
    r = wv.neutralize("w", g, m, renormalize=True)
    assert np.linalg.norm(r) == pytest.approx(1.0) and abs(r @ g) < 1e-13
    with pytest.raises(ValueError, match="zero vector"):
        wv.neutralize("w", np.zeros(50), m)


def test_neutralize_toy_occupations(emb):
    g = wv.bias_axis(emb)
    for w in ("doctor", "nurse", "receptionist", "engineer"):
        assert abs(wv.cosine_similarity(emb[w], g)) > 0.1
        assert abs(wv.cosine_similarity(wv.neutralize(w, g, emb), g)) < 1e-12


# ------------------------------------------------------------------ 7.3 equalize (E10)
W1, W2 = np.array([0.6, 0.8, 0.0]), np.array([-0.6, 0.0, 0.8])
G_HAT = np.array([1.0, 0.0, 0.0])
N_WORD = np.array([0.0, 0.3, -0.7])


def test_equalize_worked_example_both_variants():
    m = {"w1": W1, "w2": W2}
    e1, e2 = wv.equalize(("w1", "w2"), G_HAT, m, variant="paper")
    np.testing.assert_allclose(e1, [0.8246211251, 0.4, 0.4], atol=1e-9)
    np.testing.assert_allclose(e2, [-0.8246211251, 0.4, 0.4], atol=1e-9)
    assert np.linalg.norm(e1) == pytest.approx(1.0, abs=1e-15)
    assert np.linalg.norm(e1 - N_WORD) == pytest.approx(1.3784, abs=1e-4)
    assert np.linalg.norm(e2 - N_WORD) == pytest.approx(np.linalg.norm(e1 - N_WORD), abs=1e-15)
    c1, c2 = wv.equalize(("w1", "w2"), G_HAT, m, variant="course")
    np.testing.assert_allclose(c1, [0.6, 0.4, 0.4], atol=1e-15)
    np.testing.assert_allclose(c2, [-0.6, 0.4, 0.4], atol=1e-15)
    assert np.linalg.norm(c1) == pytest.approx(0.8246211, abs=1e-7)
    assert np.linalg.norm(c1 - N_WORD) == pytest.approx(1.2570, abs=1e-4)
    assert np.linalg.norm(c2 - N_WORD) == pytest.approx(np.linalg.norm(c1 - N_WORD), abs=1e-15)


@pytest.mark.parametrize("variant", ["paper", "course"])
def test_equalize_invariants(rng, variant):
    d = 50
    g = rng.standard_normal(d)
    a, b = rng.standard_normal((2, d))
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    e1, e2 = wv.equalize(("a", "b"), g, {"a": a, "b": b}, variant=variant)
    gh = g / np.linalg.norm(g)
    diff = e1 - e2
    assert np.linalg.norm(diff - (diff @ gh) * gh) < 1e-12               # e1 - e2 parallel g
    perp = lambda x: x - (x @ gh) * gh
    mu_perp = perp((a + b) / 2)
    np.testing.assert_allclose(perp(e1), mu_perp, atol=1e-13)
    np.testing.assert_allclose(perp(e2), mu_perp, atol=1e-13)
    assert e1 @ g == pytest.approx(-(e2 @ g), abs=1e-12)
    n = perp(rng.standard_normal(d))                                      # a neutralised word
    assert np.linalg.norm(e1 - n) == pytest.approx(np.linalg.norm(e2 - n), rel=1e-12)
    if variant == "paper":
        assert np.linalg.norm(e1) == pytest.approx(1.0, abs=1e-13)
        # debiaswe closed form: nu +- sqrt(1-|nu|^2) sign((a-b).g) g_hat
        nu = mu_perp
        z = np.sqrt(1 - nu @ nu) * np.sign((a - b) @ gh) * gh
        np.testing.assert_allclose(e1, nu + z, atol=1e-13)
        np.testing.assert_allclose(e2, nu - z, atol=1e-13)
    else:
        assert np.linalg.norm(e1) < 0.99                                 # course form shrinks


def test_equalize_errors():
    m = {"a": W1, "b": W1.copy()}
    with pytest.raises(ValueError, match="same bias component"):
        wv.equalize(("a", "b"), G_HAT, m)
    with pytest.raises(ValueError, match="variant must be one of"):
        wv.equalize(("a", "b"), G_HAT, m, variant="keras")
    with pytest.raises(TypeError, match="pair must be two words"):
        wv.equalize("ab", G_HAT, m)


# ------------------------------------------------------------------ 7.4 bias axis
def test_bias_axis(emb):
    g = wv.bias_axis(emb)
    np.testing.assert_allclose(g, emb["woman"] - emb["man"])
    pairs = [("woman", "man"), ("girl", "boy"), ("she", "he"), ("mother", "father")]
    gp = wv.bias_axis(emb, pairs, method="pca")
    assert np.linalg.norm(gp) == pytest.approx(1.0)
    assert wv.cosine_similarity(gp, g) > 0.9


# ------------------------------------------------------------------ 8 attention
def test_attention_weights_errata_values(rng):
    np.testing.assert_allclose(att.attention_weights(np.array([0.0, np.log(3.0)])),
                               [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(att.attention_weights(np.zeros((3, 4))), 0.25)
    e = rng.standard_normal((5, 7))
    a = att.attention_weights(e)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    assert np.all(a >= 0)
    np.testing.assert_allclose(att.attention_weights(e + rng.standard_normal((5, 1)) * 10), a,
                               rtol=1e-12)


def test_context_within_min_max(rng):
    a = rng.standard_normal((4, 3, 6))
    alpha = att.attention_weights(rng.standard_normal((3, 6)))
    c = att.context_vector(alpha, a)
    assert np.all(c >= a.min(axis=2) - 1e-15) and np.all(c <= a.max(axis=2) + 1e-15)


def test_one_step_attention_gradcheck_and_torch(rng, torch):
    n_a, n_s, n_e, m, T_x = 6, 4, 5, 3, 7
    a = rng.standard_normal((n_a, m, T_x))
    s = rng.standard_normal((n_s, m))
    W, U, v = (rng.standard_normal(sh) * 0.5 for sh in ((n_e, n_s), (n_e, n_a), (n_e, 1)))
    c, alpha, cache = att.one_step_attention(a, s, W, U, v)
    np.testing.assert_allclose(alpha.sum(1), 1.0)
    G = rng.standard_normal(c.shape)
    da, ds, g = att.one_step_attention_backward(G, cache)
    grads = dict(g, da=da, ds=ds)

    def cost(p):
        return float(np.sum(G * att.one_step_attention(p["a"], p["s"], p["W"], p["U"],
                                                       p["v"])[0]))
    assert float(gradient_check_n(cost, {"a": a, "s": s, "W": W, "U": U, "v": v}, grads)) < 1e-7
    T = {k: torch.tensor(x, requires_grad=True) for k, x in dict(a=a, s=s, W=W, U=U, v=v).items()}
    pre = (T["W"] @ T["s"])[:, :, None] + torch.einsum("en,nmt->emt", T["U"], T["a"])
    e = torch.einsum("e,emt->mt", T["v"][:, 0], torch.tanh(pre))
    al = torch.softmax(e, dim=1)
    ct = torch.einsum("mt,nmt->nm", al, T["a"])
    np.testing.assert_allclose(c, ct.detach().numpy(), rtol=1e-12)
    ct.backward(torch.from_numpy(G))
    for k, mine in (("a", da), ("s", ds), ("W", g["dW"]), ("U", g["dU"]), ("v", g["dv"])):
        np.testing.assert_allclose(mine, T[k].grad.numpy(), rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------ word2vec
def _topic_corpus(rng, n_sent=500):
    topics = [[f"{t}{i}" for i in range(6)] for t in "abcd"]
    sents = []
    for _ in range(n_sent):
        t = topics[rng.integers(len(topics))]
        sents.append([t[j] for j in rng.integers(0, 6, 8)])
    return topics, sents


def test_vocab_and_pairs():
    words, w2i, counts = w2v.build_vocab([["a", "b", "a"], ["c", "a"]])
    assert words == ["a", "b", "c"] and list(counts) == [3, 1, 1]
    c, o = w2v.skipgram_pairs([["a", "b", "c"]], w2i, window=1)
    assert sorted(zip(c.tolist(), o.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    p = w2v.negative_sampling_distribution([16, 1])
    np.testing.assert_allclose(p, np.array([8, 1]) / 9)


def _ref_sgd_pairs(W_in, W_out, c, o, n, lr):
    """NumPy transcription of word2vec.c's per-pair update (the compiled loop's oracle)."""
    total = 0.0
    for b in range(len(c)):
        v = W_in[c[b]]
        neu1e = np.zeros_like(v)
        for k, target in enumerate([o[b]] + list(n[b])):
            s = W_out[target] @ v
            f = 1 / (1 + np.exp(-s))
            label = 1.0 if k == 0 else 0.0
            total -= np.log(f) if k == 0 else np.log(1 - f)
            g = (label - f) * lr
            neu1e += g * W_out[target]
            W_out[target] += g * v
        W_in[c[b]] += neu1e
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_sgd_loop_matches_numpy(rng, dtype):
    from dlnotes._kernels import word2vec as kw2v
    V, d, B, K = 7, 5, 40, 3
    W_in = rng.standard_normal((V, d)).astype(dtype) * 0.3
    W_out = rng.standard_normal((V, d)).astype(dtype) * 0.3
    c, o = rng.integers(0, V, B), rng.integers(0, V, B)
    n = rng.integers(0, V, (B, K))
    A_in, A_out = W_in.astype(np.float64), W_out.astype(np.float64)
    ref = _ref_sgd_pairs(A_in, A_out, c, o, n, 0.1)
    tot = kw2v.sgns_sgd_pairs(W_in, W_out, c, o, n, 0.1, np.zeros(d, dtype))
    tol = 1e-4 if dtype == np.float32 else 1e-12
    assert tot == pytest.approx(ref, rel=tol)
    np.testing.assert_allclose(W_in, A_in, rtol=tol, atol=tol)
    np.testing.assert_allclose(W_out, A_out, rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_word2vec_similar_words_become_closer(rng, dtype, method):
    topics, sents = _topic_corpus(rng)
    model = w2v.train_word2vec(sents, dim=16, window=2, negative=5, epochs=4, seed=1,
                               dtype=dtype, method=method)
    assert model.W_in.dtype == dtype
    assert model.losses[-1] < model.losses[0]
    E = model.word_to_vec_map
    within = np.mean([wv.cosine_similarity(E[a], E[b])
                      for t in topics for a in t for b in t if a != b])
    across = np.mean([wv.cosine_similarity(E[a], E[b]) for t in topics for u in topics
                      if u is not t for a in t for b in u])
    assert within > across + 0.3
    nearest = [w for w, _ in model.most_similar("a0", topn=3)]
    assert all(w.startswith("a") for w in nearest)


def test_word2vec_errors():
    with pytest.raises(TypeError, match="list of token lists"):
        w2v.train_word2vec("the cat sat")
    with pytest.raises(ValueError, match="no .centre, context. pair"):
        w2v.train_word2vec([["a"], ["b"]])
    with pytest.raises(ValueError, match="method must be one of"):
        w2v.train_word2vec([["a", "b"]], method="cbow")


@pytest.mark.parametrize("bad, where", [
    ([[["a"], "b"]], r"sentences\[0\]\[0\] must be a string token, got list"),
    ([["a", "b"], ["c", 3]], r"sentences\[1\]\[1\] must be a string token, got int"),
    ([["a", "b"], "cd"], r"sentences\[1\] must be a list of string tokens"),
])
def test_word2vec_bad_tokens_name_the_argument(bad, where):
    # issue 10, defect 12: was "unhashable type: 'list'"
    with pytest.raises(TypeError, match=where):
        w2v.train_word2vec(bad)


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_word2vec_divergence_raises(rng, method):
    # issue 10, defect 13: learning_rate=1e30 returned all-NaN losses without an error
    _, sents = _topic_corpus(rng, n_sent=40)
    with pytest.raises(FloatingPointError,
                       match=r"diverged .*lower learning_rate \(got 1e\+30\)"):
        w2v.train_word2vec(sents, learning_rate=1e30, method=method)
