"""Recurrent networks: what the OpInfo matrix (tests/ops_rnn.py) does not cover."""
import numpy as np
import pytest

from dlnotes import rnn
from dlnotes.nn.gradcheck import gradient_check_n
from ops_rnn import _mk_gru, _mk_lstm, _mk_rnn, np_gru_forward


def _data(rng, n_x=3, n_a=4, m=2, T=5, dtype=np.float64):
    return (rng.standard_normal((n_x, m, T)).astype(dtype),
            (rng.standard_normal((n_a, m)) * 0.5).astype(dtype))


def test_sequence_equals_loop_of_cells(rng):
    x, a0 = _data(rng)
    P = _mk_rnn(rng, 3, 4, np.float64)
    a, y, _ = rnn.rnn_forward(x, a0, P)
    a_t = a0
    for t in range(x.shape[2]):
        a_t, y_t, _ = rnn.rnn_cell_forward(x[:, :, t], a_t, P)
        np.testing.assert_allclose(a[:, :, t], a_t, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(y[:, :, t], y_t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reset", ["before", "after"])
def test_gru_bptt_equals_chained_cell_backward(rng, reset):
    x, a0 = _data(rng, T=4)
    P = _mk_gru(rng, 3, 4, np.float64, reset=reset)
    a, _, caches = rnn.gru_forward(x, a0, P, reset=reset)
    da = rng.standard_normal(a.shape)
    g = rnn.gru_backward(da, caches)
    cell_caches, a_t = [], a0
    for t in range(x.shape[2]):
        a_t, _, c = rnn.gru_cell_forward(x[:, :, t], a_t, P, reset=reset)
        cell_caches.append(c)
    acc, d_next = {}, np.zeros_like(a0)
    for t in reversed(range(x.shape[2])):
        gt = rnn.gru_cell_backward(da[:, :, t] + d_next, cell_caches[t])
        d_next = gt["da_prev"]
        np.testing.assert_allclose(g["dx"][:, :, t], gt["dxt"], rtol=1e-10, atol=1e-12)
        for k, v in gt.items():
            if k[:2] in ("dW", "db"):
                acc[k] = acc.get(k, 0) + v
    np.testing.assert_allclose(g["da0"], d_next, rtol=1e-10, atol=1e-12)
    assert set(acc) == {k for k in g if k[:2] in ("dW", "db")}
    for k, v in acc.items():
        np.testing.assert_allclose(g[k], v, rtol=1e-10, atol=1e-12, err_msg=k)


def test_lstm_final_states_and_all_gradients_match_torch(rng, torch):
    n_x, n_a, m, T = 5, 6, 3, 7
    x, a0 = _data(rng, n_x, n_a, m, T)
    c0 = rng.standard_normal((n_a, m))
    P = _mk_lstm(rng, n_x, n_a, np.float64)
    a, _, c, caches = rnn.lstm_forward(x, a0, P, c0=c0)
    da, dcT = rng.standard_normal(a.shape), rng.standard_normal((n_a, m))
    g = rnn.lstm_backward(da, caches, dc=dcT)

    mod = torch.nn.LSTM(n_x, n_a).double()
    W = np.vstack([P["Wi"], P["Wf"], P["Wc"], P["Wo"]])
    b = np.vstack([P["bi"], P["bf"], P["bc"], P["bo"]])[:, 0]
    bh = rng.standard_normal(4 * n_a)  # split the bias between torch's two vectors
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.tensor(W[:, n_a:]))
        mod.weight_hh_l0.copy_(torch.tensor(W[:, :n_a]))
        mod.bias_ih_l0.copy_(torch.tensor(b - bh))
        mod.bias_hh_l0.copy_(torch.tensor(bh))
    X = torch.tensor(x.transpose(2, 1, 0).copy(), requires_grad=True)
    H0 = torch.tensor(a0.T[None].copy(), requires_grad=True)
    C0 = torch.tensor(c0.T[None].copy(), requires_grad=True)
    out, (hn, cn) = mod(X, (H0, C0))
    np.testing.assert_allclose(hn.detach().numpy()[0].T, a[:, :, -1], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(cn.detach().numpy()[0].T, c[:, :, -1], rtol=1e-12, atol=1e-13)
    loss = (out * torch.tensor(da.transpose(2, 1, 0).copy())).sum() \
        + (cn[0] * torch.tensor(dcT.T.copy())).sum()
    loss.backward()
    np.testing.assert_allclose(g["dc0"], C0.grad.numpy()[0].T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["da0"], H0.grad.numpy()[0].T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["dx"], X.grad.numpy().transpose(2, 1, 0), rtol=1e-10, atol=1e-12)
    dW = np.vstack([g["dWi"], g["dWf"], g["dWc"], g["dWo"]])
    np.testing.assert_allclose(dW[:, n_a:], mod.weight_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW[:, :n_a], mod.weight_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    db = np.vstack([g["dbi"], g["dbf"], g["dbc"], g["dbo"]])[:, 0]
    np.testing.assert_allclose(db, mod.bias_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, mod.bias_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_lstm_gradcheck_with_initial_cell_and_final_cell_gradient(rng):
    n_x, n_a, m, T = 2, 3, 2, 3
    x, a0 = _data(rng, n_x, n_a, m, T)
    P = _mk_lstm(rng, n_x, n_a, np.float64)
    P = {k: v for k, v in P.items() if k not in ("Wy", "by")}
    params = dict(P, x=x, a0=a0, c0=rng.standard_normal((n_a, m)))
    Ga, Gc = rng.standard_normal((n_a, m, T)), rng.standard_normal((n_a, m))

    def cost(p):
        a, _, c, _ = rnn.lstm_forward(p["x"], p["a0"], p, c0=p["c0"])
        return float(np.sum(Ga * a) + np.sum(Gc * c[:, :, -1]))
    _, _, _, caches = rnn.lstm_forward(x, a0, P, c0=params["c0"])
    g = rnn.lstm_backward(Ga, caches, dc=Gc)
    assert float(gradient_check_n(cost, params, g)) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_update_gate_limits(rng, dtype):
    """Gamma_u == 1 gives c = c~; Gamma_u == 0 keeps c_prev (errata §6.3)."""
    x, a0 = _data(rng, dtype=dtype)
    P = _mk_gru(rng, 3, 4, dtype)
    P["Wu"] = np.zeros_like(P["Wu"])
    P["bu"] = np.full_like(P["bu"], 60.0)  # sigmoid(60) == 1 in float64
    a, _, caches = rnn.gru_forward(x, a0, P)
    c_prev, xt = a0.astype(np.float64), x[:, :, 0].astype(np.float64)
    gr = 1 / (1 + np.exp(-(P["Wr"] @ np.concatenate([c_prev, xt]) + P["br"])))
    cct = np.tanh(P["Wc"] @ np.concatenate([gr * c_prev, xt]) + P["bc"])
    np.testing.assert_allclose(a[:, :, 0], cct, rtol=1e-5, atol=1e-6)
    P["bu"] = np.full_like(P["bu"], -60.0)
    a, _, _ = rnn.gru_forward(x, a0, P, reset="after")
    for t in range(x.shape[2]):
        np.testing.assert_allclose(a[:, :, t], a0, rtol=1e-5, atol=1e-6)


def test_notes_gru_candidate_differs_from_canonical(rng):
    """Errata E1: the notes put tanh on c<t-1> inside the candidate; the canonical form does not."""
    x, a0 = _data(rng, T=1)
    a0 = a0 * 4
    P = _mk_gru(rng, 3, 4, np.float64)
    canonical, _ = np_gru_forward(x, a0, P)
    ours, _, _ = rnn.gru_forward(x, a0, P)
    np.testing.assert_allclose(ours, canonical, rtol=1e-12, atol=1e-13)
    gr = 1 / (1 + np.exp(-(P["Wr"] @ np.concatenate([a0, x[:, :, 0]]) + P["br"])))
    gu = 1 / (1 + np.exp(-(P["Wu"] @ np.concatenate([a0, x[:, :, 0]]) + P["bu"])))
    notes_cct = np.tanh(P["Wc"] @ np.concatenate([gr * np.tanh(a0), x[:, :, 0]]) + P["bc"])
    notes = gu * notes_cct + (1 - gu) * a0
    assert np.abs(notes - ours[:, :, 0]).max() > 1e-2


def test_gru_reset_forms_differ_and_agree_with_diagonal_free_case(rng):
    x, a0 = _data(rng)
    P = _mk_gru(rng, 3, 4, np.float64, reset="after")
    P["bhc"][:] = 0
    a_before, _, _ = rnn.gru_forward(x, a0, P, reset="before")
    a_after, _, _ = rnn.gru_forward(x, a0, P, reset="after")
    assert np.abs(a_before - a_after).max() > 1e-3
    # With W_c[:, :n_a] diagonal (and no hidden bias) the two placements coincide.
    P["Wc"][:, :4] = np.diag(rng.standard_normal(4))
    a_before, _, _ = rnn.gru_forward(x, a0, P, reset="before")
    a_after, _, _ = rnn.gru_forward(x, a0, P, reset="after")
    np.testing.assert_allclose(a_before, a_after, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_inputs_not_modified(rng, kind, dtype):
    x, a0 = _data(rng, dtype=dtype)
    mk = {"rnn": _mk_rnn, "lstm": _mk_lstm, "gru": _mk_gru}[kind]
    P = mk(rng, 3, 4, dtype)
    fwd = {"rnn": rnn.rnn_forward, "lstm": rnn.lstm_forward, "gru": rnn.gru_forward}[kind]
    bwd = {"rnn": rnn.rnn_backward, "lstm": rnn.lstm_backward, "gru": rnn.gru_backward}[kind]
    x_copy, a0_copy, P_copy = x.copy(), a0.copy(), {k: v.copy() for k, v in P.items()}
    out = fwd(x, a0, P)
    da = rng.standard_normal(out[0].shape).astype(dtype)
    da_copy = da.copy()
    g = bwd(da, out[-1])
    for o in out[:-1]:
        assert o.dtype == dtype
    for k, v in g.items():
        assert v.dtype == dtype, k
        assert v.flags.c_contiguous, k
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(a0, a0_copy)
    np.testing.assert_array_equal(da, da_copy)
    for k in P:
        np.testing.assert_array_equal(P[k], P_copy[k])


def test_output_layer_is_optional(rng):
    x, a0 = _data(rng)
    P = _mk_rnn(rng, 3, 4, np.float64)
    a_full, y, _ = rnn.rnn_forward(x, a0, P)
    a, y_none, _ = rnn.rnn_forward(x, a0, {k: P[k] for k in ("Wax", "Waa", "ba")})
    assert y_none is None and y.shape == (3, 2, 5)
    np.testing.assert_array_equal(a, a_full)
    np.testing.assert_allclose(y.sum(axis=0), 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match="both 'Wya' and 'by'"):
        rnn.rnn_forward(x, a0, {k: P[k] for k in ("Wax", "Waa", "ba", "Wya")})


def test_backward_rejects_wrong_caches_and_shapes(rng):
    x, a0 = _data(rng)
    a, _, caches = rnn.rnn_forward(x, a0, _mk_rnn(rng, 3, 4, np.float64))
    with pytest.raises(ValueError, match="from a 'rnn' forward pass"):
        rnn.lstm_backward(a, caches)
    with pytest.raises(TypeError, match="caches must be the caches returned by gru_forward"):
        rnn.gru_backward(a, [1, 2])
    with pytest.raises(ValueError, match=r"da must have shape \(n_a=4, m=2, T_x=5\)"):
        rnn.rnn_backward(a[:, :, :-1], caches)
    with pytest.raises(ValueError, match="reset must be one of"):
        rnn.gru_forward(x, a0, _mk_gru(rng, 3, 4, np.float64), reset="middle")


def test_clip_by_value_matches_course_and_torch(rng, torch):
    g = {"dWaa": rng.standard_normal((4, 4)) * 10, "dba": rng.standard_normal((4, 1)) * 10}
    out = rnn.clip(g, 5)
    for k in g:
        np.testing.assert_array_equal(out[k], np.clip(g[k], -5, 5))
        t = torch.tensor(g[k], requires_grad=True)
        t.grad = torch.tensor(g[k])
        torch.nn.utils.clip_grad_value_([t], 5)
        np.testing.assert_array_equal(out[k], t.grad.numpy())
    assert np.abs(g["dWaa"]).max() > 5  # not modified
    same = rnn.clip(g, 5, inplace=True)
    assert same is g and np.abs(g["dWaa"]).max() <= 5
    with pytest.raises(ValueError, match="maxValue must be in"):
        rnn.clip(g, -1)


def test_clip_by_global_norm(rng, torch):
    g = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal((5,)).astype(np.float32)}
    norm = np.sqrt(sum(np.sum(v.astype(np.float64) ** 2) for v in g.values()))
    out, n = rnn.clip_by_global_norm(g, 1.0)
    assert n == pytest.approx(norm, rel=1e-12)
    new = np.sqrt(sum(np.sum(v.astype(np.float64) ** 2) for v in out.values()))
    assert new == pytest.approx(1.0, rel=1e-6)
    assert out["b"].dtype == np.float32
    np.testing.assert_allclose(out["a"] / g["a"], 1.0 / norm, rtol=1e-12)
    ts = [torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)]
    ts[0].grad = torch.tensor(g["a"])
    torch.nn.utils.clip_grad_norm_(ts, 0.5)
    out, _ = rnn.clip_by_global_norm({"a": g["a"]}, 0.5)
    np.testing.assert_allclose(out["a"], ts[0].grad.numpy(), rtol=1e-5)
    unchanged, _ = rnn.clip_by_global_norm(g, 1e6)
    np.testing.assert_array_equal(unchanged["a"], g["a"])
    with pytest.raises(ValueError, match="not finite"):
        rnn.clip_by_global_norm({"a": np.array([np.inf])}, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_split_across_threads_gives_the_same_results(rng, dtype, monkeypatch):
    """Force the threaded path (batch split, single-threaded BLAS per thread) on a small case."""
    from dlnotes.rnn import _common

    n_x, n_a, m, T = 5, 6, 37, 4
    x, a0 = _data(rng, n_x, n_a, m, T, dtype)
    cases = [(rnn.rnn_forward, rnn.rnn_backward, _mk_rnn(rng, n_x, n_a, dtype), {}),
             (rnn.lstm_forward, rnn.lstm_backward, _mk_lstm(rng, n_x, n_a, dtype), {}),
             (rnn.gru_forward, rnn.gru_backward, _mk_gru(rng, n_x, n_a, dtype), {}),
             (rnn.gru_forward, rnn.gru_backward, _mk_gru(rng, n_x, n_a, dtype, reset="after"),
              {"reset": "after"})]
    da = rng.standard_normal((n_a, m, T)).astype(dtype)
    for fwd, bwd, P, kw in cases:
        monkeypatch.setattr(_common, "PARALLEL_MIN_MACS", 10**18)
        serial = fwd(x, a0, P, **kw)
        g_serial = bwd(da, serial[-1])
        monkeypatch.setattr(_common, "PARALLEL_MIN_MACS", 0)
        monkeypatch.setattr(_common, "SPLIT_MIN_ROWS", 8)
        assert _common.loop_threads(m, T, n_a, n_a) >= 1
        threaded = fwd(x, a0, P, **kw)
        g_threaded = bwd(da, threaded[-1])
        for o1, o2 in zip(serial[:-1], threaded[:-1]):
            np.testing.assert_array_equal(o1, o2)
        for k in g_serial:
            np.testing.assert_array_equal(g_serial[k], g_threaded[k], err_msg=k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_forward_paths_agree_bitwise(rng, dtype, monkeypatch):
    """The LSTM forward's three paths (one thread; the loop on one core with the states
    transposed on the other; the batch split by example blocks, each thread transposing its
    own states) give the same bits, and the default policy splits a 32-example batch of the
    benchmark's size when two threads are allowed."""
    from dlnotes.rnn import _common, lstm as lstm_mod

    n_x, n_a, m, T = 7, 20, 35, 9
    x, a0 = _data(rng, n_x, n_a, m, T, dtype)
    P = _mk_lstm(rng, n_x, n_a, dtype)
    monkeypatch.setattr(_common, "PARALLEL_MIN_MACS", 10**18)
    ref = rnn.lstm_forward(x, a0, P)
    monkeypatch.setattr(_common, "PARALLEL_MIN_MACS", 0)
    seen = []
    for min_rows in (10**6, 16):  # overlapped transposes, then the split
        monkeypatch.setattr(_common, "FORWARD_SPLIT_MIN_ROWS", min_rows)
        seen.append(_common.forward_threads(m, T, 4 * n_a, n_a))
        out = rnn.lstm_forward(x, a0, P)
        for r, o in zip(ref[:-1], out[:-1]):
            if r is not None:
                np.testing.assert_array_equal(r, o)
        g_ref = rnn.lstm_backward(np.ones_like(ref[0]), ref[-1])
        g = rnn.lstm_backward(np.ones_like(out[0]), out[-1])
        for k in g_ref:
            np.testing.assert_allclose(g[k], g_ref[k], rtol=1e-5 if dtype == np.float32
                                       else 1e-12, atol=1e-6, err_msg=k)
    assert seen[0] == 1
    assert seen[1] == min(2, _common.kernel_threads())
    # the kernel itself, split whatever the machine's load says
    from dlnotes._kernels import recurrent as _k
    W = (0.3 * rng.standard_normal((4 * n_a, n_a + n_x))).astype(dtype)
    b = rng.standard_normal(4 * n_a).astype(dtype)
    outs = []
    for n_threads in (1, 2):
        HX = np.zeros((T + 1, m, n_a + n_x), dtype)
        HX[:T, :, n_a:] = rng.standard_normal((T, m, n_x)) if not outs else outs[0][0][:T, :, n_a:]
        C = np.zeros((T + 1, m, n_a), dtype)
        bufs = (HX, np.empty((T, m, 4 * n_a), dtype), C, np.empty((T, m, n_a), dtype),
                np.empty((n_a, m, T), dtype), np.empty((n_a, m, T), dtype))
        _k.lstm_forward_loop(W, b, bufs[1], HX, C, bufs[3], bufs[4], bufs[5],
                             n_threads=n_threads)
        outs.append(bufs)
    for u, v in zip(*outs):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(outs[0][4], outs[0][0][1:, :, :n_a].transpose(2, 1, 0))
    np.testing.assert_array_equal(outs[0][5], outs[0][2][1:].transpose(2, 1, 0))
    monkeypatch.undo()
    assert _common.forward_threads(32, 50, 512, 128) == min(2, _common.kernel_threads())
    assert lstm_mod.forward_threads is _common.forward_threads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_swap_axes02_matches_numpy_for_every_layout(rng, dtype):
    """The layout kernel behind every sequence function: ``dst[a, i, b] = src[b, i, a]``,
    on the fast path (unit inner strides, odd sizes, strided rows as in HX) and the
    generic one (any strides)."""
    from dlnotes._kernels import recurrent as _k

    for B, m, A in [(1, 1, 1), (50, 3, 17), (9, 5, 8), (16, 2, 33)]:
        big = rng.standard_normal((B + 2, m + 1, A + 5)).astype(dtype)
        sources = [big[:B, :m, :A],                   # rows of stride A + 5 (like HX)
                   np.ascontiguousarray(big[:B, :m, :A]),
                   big[:B, :m, :A][::-1, ::-1],          # negative outer strides
                   big[:B, :m, 2 * A:0:-2][:, :, :A] if 2 * A < A + 5 else big[:B, :m, ::2]]
        for src in sources:
            want = np.transpose(src, (2, 1, 0))
            out = np.full(want.shape, np.nan, dtype)
            _k.swap_axes02(src, out)
            np.testing.assert_array_equal(out, want)
            wide = np.full((want.shape[0], want.shape[1], want.shape[2] + 3), np.nan, dtype)
            _k.swap_axes02(src, wide[:, :, 1:1 + want.shape[2]])   # strided destination
            np.testing.assert_array_equal(wide[:, :, 1:1 + want.shape[2]], want)
            assert np.isnan(wide[:, :, 0]).all() and np.isnan(wide[:, :, -2:]).all()
    # outer strides that are multiples of 1 KiB on either side: the kernel then orders
    # its 8 x 8 tiles by that side (dl_recurrent.h), full tiles and tails alike
    for shape in [(24, 2, 128), (128, 2, 24), (19, 3, 256), (256, 3, 19)]:
        src = rng.standard_normal(shape).astype(dtype)
        out = np.full(shape[::-1], np.nan, dtype)
        _k.swap_axes02(src, out)
        np.testing.assert_array_equal(out, np.transpose(src, (2, 1, 0)))
