"""OpInfo descriptions of the NLP chapter (notes: "Word2Vec", debiasing, "Attention model")."""
import numpy as np

from dlnotes.nlp import attention as att
from dlnotes.nlp import word2vec as w2v
from dlnotes.nlp import word_vectors as wv
from dlnotes.nn.gradcheck import gradient_check_n
from opinfo import ErrorInput, OpInfo, SampleInput


# ----------------------------------------------------------------------------- cosine
def _cos_samples(rng, dtype):
    for n in (50, 1, 7):
        yield SampleInput((rng.standard_normal(n).astype(dtype),
                           rng.standard_normal(n).astype(dtype)), desc=f"n={n}")
    u = rng.standard_normal(5).astype(dtype)
    yield SampleInput((u, -3 * u), desc="antiparallel")


def _cos_errors():
    yield ErrorInput((np.zeros(3), np.ones(3)), match="u is the zero vector")
    yield ErrorInput((np.ones(3), np.zeros(3)), match="v is the zero vector")
    yield ErrorInput((np.ones(3), np.ones(4)), match=r"v must have the shape of u")
    yield ErrorInput((np.ones((2, 3)), np.ones(3)), match="u must be 1-dimensional")
    yield ErrorInput((np.ones(0), np.ones(0)), match="u must not be empty")


def _ref_cos(u, v):
    u = np.asarray(u, np.float64)
    v = np.asarray(v, np.float64)
    return float(u @ v / np.sqrt(u @ u) / np.sqrt(v @ v))


def _torch_cos(torch, u, v):
    return float(torch.nn.functional.cosine_similarity(torch.from_numpy(u)[None],
                                                       torch.from_numpy(v)[None], eps=0)[0])


# ----------------------------------------------------------------------------- attention
def _e_samples(rng, dtype):
    yield SampleInput((rng.standard_normal((4, 6)).astype(dtype),), desc="(T_y=4, T_x=6)")
    yield SampleInput((rng.standard_normal((1, 1)).astype(dtype),), desc="(1,1)")
    yield SampleInput((rng.standard_normal((2, 3, 5)).astype(dtype) * 20,), desc="(2,3,5) large")
    yield SampleInput((np.array([[1000.0, 1001.0, 1002.0]], dtype),), desc="no overflow")
    yield SampleInput((rng.standard_normal(7).astype(dtype),), desc="1-d")


def _e_errors():
    yield ErrorInput((np.array(1.0),), match="at least one dimension")
    yield ErrorInput((np.array([[0.0, np.inf]]),), match="NaN or infinity")
    yield ErrorInput((np.array([[1, 2]]),), exc=TypeError, match="e must be a floating")


def _ref_softmax_rows(e):
    e = np.asarray(e, np.float64)
    out = np.empty_like(e)
    for idx in np.ndindex(e.shape[:-1]):
        row = e[idx]
        ex = np.exp(row - row.max())
        out[idx] = ex / ex.sum()
    return out


def _e_gradcheck(sample, rng):
    e = np.asarray(sample.args[0], np.float64)
    if np.abs(e).max() > 50:
        return 0.0
    G = rng.standard_normal(e.shape)
    de = att.attention_weights_backward(G, att.attention_weights(e))
    return float(gradient_check_n(lambda p: float(np.sum(G * att.attention_weights(p["e"]))),
                                  {"e": e}, {"de": de}))


def _ctx_samples(rng, dtype):
    yield SampleInput((att.attention_weights(rng.standard_normal((3, 5))).astype(dtype),
                       rng.standard_normal((4, 3, 5)).astype(dtype)), desc="one step")
    yield SampleInput((att.attention_weights(rng.standard_normal((2, 6, 5))).astype(dtype),
                       rng.standard_normal((4, 2, 5)).astype(dtype)), desc="all T_y")
    yield SampleInput((np.ones((1, 1), dtype), rng.standard_normal((3, 1, 1)).astype(dtype)),
                      desc="T_x = 1")


def _ctx_errors():
    yield ErrorInput((np.ones((3, 4)), np.ones((2, 3, 5))), match=r"alpha must have shape")
    yield ErrorInput((np.ones((3, 5)), np.ones((3, 5))), match="a must be 3-dimensional")


def _ref_ctx(alpha, a):
    alpha = np.asarray(alpha, np.float64)
    a = np.asarray(a, np.float64)
    n_a, m, T_x = a.shape
    if alpha.ndim == 2:
        out = np.zeros((n_a, m))
        for t in range(T_x):
            out += alpha[:, t] * a[:, :, t]
        return out
    T_y = alpha.shape[1]
    out = np.zeros((n_a, m, T_y))
    for y in range(T_y):
        for t in range(T_x):
            out[:, :, y] += alpha[:, y, t] * a[:, :, t]
    return out


def _ctx_gradcheck(sample, rng):
    alpha, a = (np.asarray(x, np.float64) for x in sample.args)
    G = rng.standard_normal(att.context_vector(alpha, a).shape)
    dal, da = att.context_vector_backward(G, alpha, a)
    return float(gradient_check_n(
        lambda p: float(np.sum(G * att.context_vector(p["alpha"], p["a"]))),
        {"alpha": alpha, "a": a}, {"dalpha": dal, "da": da}))


def _score_params(rng, n_s, n_a, n_e, dtype, bias=False):
    p = [rng.standard_normal((n_e, n_s)).astype(dtype) * 0.5,
         rng.standard_normal((n_e, n_a)).astype(dtype) * 0.5,
         rng.standard_normal((n_e, 1)).astype(dtype)]
    if bias:
        p.append(rng.standard_normal((n_e, 1)).astype(dtype) * 0.1)
    return p


def _score_samples(rng, dtype):
    for (n_s, n_a, n_e, m, T_x), bias, relu in (((3, 4, 5, 2, 6), False, False),
                                                ((1, 1, 1, 1, 1), False, False),
                                                ((4, 6, 10, 3, 7), True, True)):
        s = rng.standard_normal((n_s, m)).astype(dtype)
        a = rng.standard_normal((n_a, m, T_x)).astype(dtype)
        yield SampleInput((s, a, *_score_params(rng, n_s, n_a, n_e, dtype, bias)),
                          dict(relu=relu), desc=f"m={m} T_x={T_x} bias={bias} relu={relu}")


def _score_errors():
    s, a = np.ones((3, 2)), np.ones((4, 2, 5))
    W, U, v = np.ones((5, 3)), np.ones((5, 4)), np.ones((5, 1))
    yield ErrorInput((np.ones((3, 3)), a, W, U, v), match=r"s_prev must have shape \(n_s, m=2\)")
    yield ErrorInput((s, a, W, np.ones((5, 3)), v), match=r"U must have shape \(n_e=5, n_a=4\)")
    yield ErrorInput((s, a, W, U, np.ones(5)), match=r"v must have shape")
    yield ErrorInput((s, a, np.ones((5, 2)), U, v), match=r"W must have shape \(n_e, n_s=3\)")


def _ref_score(s, a, W, U, v, b=None, relu=False):
    s, a, W, U, v = (np.asarray(x, np.float64) for x in (s, a, W, U, v))
    n_a, m, T_x = a.shape
    e = np.zeros((m, T_x))
    for i in range(m):
        for t in range(T_x):
            z = W @ s[:, i] + U @ a[:, i, t] + (0 if b is None else b[:, 0])
            e[i, t] = v[:, 0] @ np.tanh(z)
    return np.maximum(e, 0) if relu else e


def _score_gradcheck(sample, rng):
    args = [np.asarray(x, np.float64) for x in sample.args]
    relu = sample.kwargs.get("relu", False)
    names = ["s_prev", "a", "W", "U", "v", "b"][:len(args)]
    e = att.bahdanau_score(*args, relu=relu)
    if relu and np.min(np.abs(e)) < 1e-4:
        return 0.0
    G = rng.standard_normal(e.shape)
    ds, da, g = att.bahdanau_score_backward(G, *args, relu=relu)
    grads = dict(g, ds_prev=ds, da=da)
    return float(gradient_check_n(
        lambda p: float(np.sum(G * att.bahdanau_score(*[p[k] for k in names], relu=relu))),
        dict(zip(names, args)), grads))


def _torch_score(torch, s, a, W, U, v, b=None, relu=False):
    t = [torch.from_numpy(x) for x in (s, a, W, U, v)]
    pre = (t[2] @ t[0])[:, :, None] + torch.einsum("en,nmt->emt", t[3], t[1])
    if b is not None:
        pre = pre + torch.from_numpy(b)[:, :, None]
    e = torch.einsum("e,emt->mt", t[4][:, 0], torch.tanh(pre))
    return (torch.relu(e) if relu else e).numpy()


# ----------------------------------------------------------------------------- word2vec
def _sgns_samples(rng, dtype):
    for V, d, B, K in ((10, 4, 6, 3), (3, 1, 1, 1), (30, 8, 20, 5)):
        yield SampleInput((rng.standard_normal((V, d)).astype(dtype) * 0.5,
                           rng.standard_normal((V, d)).astype(dtype) * 0.5,
                           rng.integers(0, V, B), rng.integers(0, V, B),
                           rng.integers(0, V, (B, K))), desc=f"V={V} d={d} B={B} K={K}")


def _sgns_errors():
    W = np.ones((5, 2))
    i = np.array([0, 1])
    yield ErrorInput((W, np.ones((4, 2)), i, i, np.zeros((2, 3), int)), match="W_out must have")
    yield ErrorInput((W, W, i, np.array([0, 5]), np.zeros((2, 3), int)),
                     match=r"contexts must hold indices in \[0, 5\)")
    yield ErrorInput((W, W, i, i, np.zeros((3, 3), int)), match=r"negatives must have shape")
    yield ErrorInput((W, W, i.astype(float), i, np.zeros((2, 3), int)), exc=TypeError,
                     match="centers must hold integer")


def _ref_sgns(W_in, W_out, c, o, n):
    W_in = np.asarray(W_in, np.float64)
    W_out = np.asarray(W_out, np.float64)
    J = 0.0
    for b in range(len(c)):
        v = W_in[c[b]]
        J -= np.log(1 / (1 + np.exp(-W_out[o[b]] @ v)))
        for k in n[b]:
            J -= np.log(1 / (1 + np.exp(W_out[k] @ v)))
    return J / len(c)


def _sgns_gradcheck(sample, rng):
    W_in, W_out, c, o, n = sample.args
    W_in, W_out = W_in.astype(np.float64), W_out.astype(np.float64)
    _, g = w2v.sgns_loss(W_in, W_out, c, o, n)
    return float(gradient_check_n(lambda p: w2v.sgns_loss(p["W_in"], p["W_out"], c, o, n)[0],
                                  {"W_in": W_in, "W_out": W_out}, g))


def _torch_sgns(torch, W_in, W_out, c, o, n):
    F = torch.nn.functional
    vi, vo = torch.from_numpy(W_in), torch.from_numpy(W_out)
    v = vi[torch.from_numpy(c)]
    pos = F.logsigmoid((vo[torch.from_numpy(o)] * v).sum(-1))
    neg = F.logsigmoid(-(vo[torch.from_numpy(n)] * v[:, None, :]).sum(-1)).sum(-1)
    return float(-(pos + neg).mean())


# ----------------------------------------------------------------------------- debiasing
def _debias_samples(rng, dtype):
    for d in (50, 3, 8):
        a, b, w = (rng.standard_normal(d).astype(dtype) for _ in range(3))
        g = rng.standard_normal(d).astype(dtype)
        m = {"a": a / np.linalg.norm(a), "b": b / np.linalg.norm(b), "w": w}
        yield SampleInput(("w", g, m), desc=f"d={d}")


def _ref_neutralize(word, g, m, renormalize=False):
    e = np.asarray(m[word], np.float64)
    g = np.asarray(g, np.float64)
    out = e - (e @ g) / np.sum(g * g) * g          # the notes' two lines
    return out / np.linalg.norm(out) if renormalize else out


def _neutralize_samples(rng, dtype):
    for smp in _debias_samples(rng, dtype):
        yield smp
        yield SampleInput(smp.args, dict(renormalize=True), desc=smp.desc + " renormalize")


def _equalize_samples(rng, dtype):
    for smp in _debias_samples(rng, dtype):
        for variant in ("paper", "course"):
            yield SampleInput((("a", "b"), smp.args[1], smp.args[2]), dict(variant=variant),
                              desc=f"{smp.desc} {variant}")


def _ref_equalize(pair, g, m, variant="paper"):
    """The notes' equations (course) and Bolukbasi's closed form (paper), transcribed."""
    e1, e2 = (np.asarray(m[w], np.float64) for w in pair)
    g = np.asarray(g, np.float64)
    if variant == "course":
        mu = (e1 + e2) / 2
        mu_B = (mu @ g) / np.linalg.norm(g) ** 2 * g
        mu_perp = mu - mu_B
        e1B = (e1 @ g) / np.linalg.norm(g) ** 2 * g
        e2B = (e2 @ g) / np.linalg.norm(g) ** 2 * g
        k = np.sqrt(np.abs(1 - np.linalg.norm(mu_perp) ** 2))
        c1 = k * (e1B - mu_B) / np.linalg.norm((e1 - mu_perp) - mu_B)
        c2 = k * (e2B - mu_B) / np.linalg.norm((e2 - mu_perp) - mu_B)
        return c1 + mu_perp, c2 + mu_perp
    e1, e2 = e1 / np.linalg.norm(e1), e2 / np.linalg.norm(e2)
    gh = g / np.linalg.norm(g)
    nu = (e1 + e2) / 2 - ((e1 + e2) / 2 @ gh) * gh
    z = np.sqrt(1 - nu @ nu) * np.sign((e1 - e2) @ gh) * gh
    return nu + z, nu - z


def _neutralize_errors():
    m = {"w": np.ones(3)}
    yield ErrorInput(("x", np.ones(3), m), exc=KeyError, match="'x' is not in word_to_vec_map")
    yield ErrorInput(("w", np.ones(4), m), match=r"g must have shape \(3,\)")
    yield ErrorInput(("w", np.zeros(3), m), match="must not be the zero vector")
    yield ErrorInput(("w", np.ones(3), {}), exc=TypeError, match="non-empty dict")


def _equalize_errors():
    m = {"a": np.array([1.0, 0, 0]), "b": np.array([0.0, 1, 0])}
    yield ErrorInput((("a", "b"), np.ones(3), m), dict(variant="x"), match="variant must be")
    yield ErrorInput((("a", "c"), np.ones(3), m), exc=KeyError, match="pair\\[1\\] 'c'")
    yield ErrorInput((("a", "a"), np.ones(3), m), match="same bias component")


_TOL32 = {np.float32: 2e-5, np.float64: 1e-10}

OPS = [
    OpInfo("cosine_similarity", wv.cosine_similarity, _ref_cos, _cos_samples, _cos_errors,
           torch_reference=_torch_cos, float_args=(0, 1), rtol=dict(_TOL32),
           atol={np.float32: 1e-6, np.float64: 1e-12}),
    OpInfo("neutralize", wv.neutralize, _ref_neutralize, _neutralize_samples,
           _neutralize_errors, float_args=(1,), rtol={np.float32: 1e-4, np.float64: 1e-10},
           atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("equalize", wv.equalize, _ref_equalize, _equalize_samples, _equalize_errors,
           float_args=(1,), rtol={np.float32: 1e-4, np.float64: 1e-10},
           atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("attention_weights", att.attention_weights, _ref_softmax_rows, _e_samples, _e_errors,
           gradcheck=_e_gradcheck,
           torch_reference=lambda torch, e: torch.softmax(torch.from_numpy(e), dim=-1).numpy()),
    OpInfo("context_vector", att.context_vector, _ref_ctx, _ctx_samples, _ctx_errors,
           gradcheck=_ctx_gradcheck, float_args=(0, 1), rtol=dict(_TOL32)),
    OpInfo("bahdanau_score", att.bahdanau_score, _ref_score, _score_samples, _score_errors,
           gradcheck=_score_gradcheck, torch_reference=_torch_score, float_args=(0, 1, 2, 3),
           rtol=dict(_TOL32), atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("sgns_loss", lambda *a: w2v.sgns_loss(*a)[0], _ref_sgns, _sgns_samples,
           _sgns_errors, gradcheck=_sgns_gradcheck, torch_reference=_torch_sgns,
           float_args=(0, 1), rtol=dict(_TOL32)),
]
