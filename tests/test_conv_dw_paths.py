"""The two weight-gradient paths of ``conv_backward``: outer products (few output
channels, ``n_C <= DW_OUTER_MAX_C``) and the ``cols^T dZ`` GEMM (more channels).

Both sides of the dispatch boundary are checked against the plain-NumPy loops of
the notes (``canonical_conv_backward``), PyTorch, each other (the same input
forced through either path), and a float64 gradient check.
"""
import numpy as np
import pytest

import dlnotes.cnn.conv as cnn_conv
from dlnotes.cnn import conv_backward, conv_forward
from dlnotes.nn.gradcheck import gradient_check_n
from ops_cnn import canonical_conv_backward, torch_conv

EDGE = cnn_conv.DW_OUTER_MAX_C
# (m, H, W, C_in, f, stride, pad): padding, stride, odd sizes, a 1x1 filter (no im2col)
GEOMETRIES = [(3, 9, 7, 3, 3, 1, 1), (2, 11, 8, 2, 5, 2, 2), (2, 6, 5, 3, 1, 1, 0),
              (1, 7, 7, 1, 5, 1, 0)]


def _case(rng, dtype, geometry, n_C):
    m, H, W, C, f, s, p = geometry
    A = rng.standard_normal((m, H, W, C)).astype(dtype)
    Wt = rng.standard_normal((f, f, C, n_C)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, n_C)).astype(dtype)
    return A, Wt, b, {"stride": s, "pad": p}


@pytest.mark.parametrize("n_C", [1, EDGE, EDGE + 1], ids=["one", "edge-outer", "edge-gemm"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=["same3", "f5s2p2", "1x1", "c1-f5"])
@pytest.mark.parametrize("threads", [1, 2])
def test_both_sides_of_the_boundary_match_numpy_and_torch(n_C, geometry, threads, rng, torch,
                                                          monkeypatch):
    if threads == 2:   # split the rows across two OpenMP threads (private dW accumulators)
        monkeypatch.setattr(cnn_conv, "kernel_threads", lambda: 2)
        monkeypatch.setattr(cnn_conv, "PARALLEL_MIN_MACS", 0)
        monkeypatch.setattr(cnn_conv, "WORKSPACE_BYTES", 1)
    A, Wt, b, hp = _case(rng, np.float64, geometry, n_C)
    Z, cache = conv_forward(A, Wt, b, hp)
    G = rng.standard_normal(Z.shape)
    got = conv_backward(G, cache)
    for x, y in zip(got, canonical_conv_backward(G, A, Wt, hp)):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    A32, W32, b32 = (x.astype(np.float32) for x in (A, Wt, b))
    Z32, cache32 = conv_forward(A32, W32, b32, hp)
    got32 = conv_backward(G.astype(np.float32), cache32)
    want = torch_conv(torch, A32, W32, b32, hp, G.astype(np.float32))
    for x, y in zip(got32, want):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, y, rtol=2e-4, atol=2e-4 * float(np.abs(y).max()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outer_and_gemm_paths_agree_on_the_same_input(dtype, rng, monkeypatch):
    A, Wt, b, hp = _case(rng, dtype, (4, 10, 9, 3, 5, 1, 0), 6)
    Z, cache = conv_forward(A, Wt, b, hp)
    G = rng.standard_normal(Z.shape).astype(dtype)
    monkeypatch.setattr(cnn_conv, "DW_OUTER_MAX_C", 10**9)
    outer = conv_backward(G, cache)
    monkeypatch.setattr(cnn_conv, "DW_OUTER_MAX_C", -1)
    gemm = conv_backward(G, cache)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for x, y in zip(outer, gemm):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol * float(np.abs(y).max()))


@pytest.mark.parametrize("n_C", [2, EDGE + 1], ids=["outer", "gemm"])
def test_float64_gradient_check_of_both_paths(n_C, rng):
    A, Wt, b, hp = _case(rng, np.float64, (2, 5, 6, 2, 3, 2, 1), n_C)
    G = rng.standard_normal(conv_forward(A, Wt, b, hp)[0].shape)
    _, cache = conv_forward(A, Wt, b, hp)
    dA, dW, db = conv_backward(G, cache)

    def cost(p):
        return float(np.sum(G * conv_forward(p["A"], p["W"], p["b"], hp)[0]))

    diff = gradient_check_n(cost, {"A": A, "W": Wt, "b": b}, {"dA": dA, "dW": dW, "db": db})
    assert float(diff) < 1e-7
