"""The paths of the compiled convolution: the implicit GEMM (forward, weight gradient
and, at stride 1, the input gradient as a correlation of ``dZ`` with the flipped
filters) and the col2im input gradient (strides > 1, fewer than
``IMPLICIT_DA_MIN_C`` input channels, padding beyond ``f - 1``).

Every path, on both sides of each dispatch boundary and on one and two threads,
is checked against the plain-NumPy loops of the notes (``canonical_conv_backward``),
PyTorch, the other input-gradient path on the same input, and a float64 gradient
check.  The shapes exercise the register tile's edges: output widths that are not
multiples of 6, channel counts that are not multiples of the 16-float (8-double)
panel, several panels, a single channel, rectangular images, and both tiles of the
weight gradient (output channels x taps, or taps x output channels, with one output
row or several per block of the packed ``dZ``).
"""
import numpy as np
import pytest

import dlnotes.cnn.conv as cnn_conv
from dlnotes.cnn import conv_backward, conv_forward
from dlnotes.nn.gradcheck import gradient_check_n
from ops_cnn import canonical_conv_backward, torch_conv

EDGE = cnn_conv.IMPLICIT_DA_MIN_C
# (m, H, W, C_in, f, stride, pad)
GEOMETRIES = {
    "same3": (3, 9, 7, EDGE, 3, 1, 1),
    "f5s2p2": (2, 11, 8, EDGE + 1, 5, 2, 2),        # stride 2: col2im
    "1x1": (2, 6, 5, EDGE + 3, 1, 1, 0),
    "c1-f5": (1, 7, 13, 1, 5, 1, 0),                # one input channel: col2im
    "below-edge": (2, 8, 9, EDGE - 1, 3, 1, 1),     # col2im
    "pad-beyond-f": (2, 5, 6, EDGE, 3, 1, 3),       # p > f - 1: col2im
    "rect-f": (2, 9, 11, 20, 3, 1, 2),              # p = f - 1: dZ not padded at all
    "wide": (2, 3, 263, 3, 3, 1, 1),                # rows wider than a dW block (256)
}


def _case(rng, dtype, geometry, n_C):
    m, H, W, C, f, s, p = geometry
    A = rng.standard_normal((m, H, W, C)).astype(dtype)
    Wt = rng.standard_normal((f, f, C, n_C)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, n_C)).astype(dtype)
    return A, Wt, b, {"stride": s, "pad": p}


def _two_threads(monkeypatch):
    """Split every call across two OpenMP threads (row chunks, private dW accumulators)."""
    monkeypatch.setattr(cnn_conv, "kernel_threads", lambda: 2)
    monkeypatch.setattr(cnn_conv, "PARALLEL_MIN_MACS", 0)
    monkeypatch.setattr(cnn_conv, "WORKSPACE_BYTES", 1)


# 32 and 40: the weight gradient's tap tile (dl_ig_dw_kf: filters a multiple of the
# panel, 16 floats / 8 doubles, and at least two panels); the others its channel tile
@pytest.mark.parametrize("n_C", [1, 7, 17, 32, 40], ids=["one", "7", "17", "32", "40"])
@pytest.mark.parametrize("geometry", list(GEOMETRIES.values()), ids=list(GEOMETRIES))
@pytest.mark.parametrize("threads", [1, 2])
def test_every_path_matches_numpy_and_torch(n_C, geometry, threads, rng, torch, monkeypatch):
    if threads == 2:
        _two_threads(monkeypatch)
    A, Wt, b, hp = _case(rng, np.float64, geometry, n_C)
    Z, cache = conv_forward(A, Wt, b, hp)
    G = rng.standard_normal(Z.shape)
    got = conv_backward(G, cache)
    for x, y in zip(got, canonical_conv_backward(G, A, Wt, hp)):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    A32, W32, b32 = (x.astype(np.float32) for x in (A, Wt, b))
    Z32, cache32 = conv_forward(A32, W32, b32, hp)
    got32 = conv_backward(G.astype(np.float32), cache32)
    z_want = torch_conv(torch, A32, W32, b32, hp)
    np.testing.assert_allclose(Z32, z_want, rtol=2e-4, atol=2e-4 * float(np.abs(z_want).max()))
    want = torch_conv(torch, A32, W32, b32, hp, G.astype(np.float32))
    for x, y in zip(got32, want):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, y, rtol=2e-4, atol=2e-4 * float(np.abs(y).max()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_implicit_and_col2im_input_gradients_agree(dtype, threads, rng, monkeypatch):
    if threads == 2:
        _two_threads(monkeypatch)
    A, Wt, b, hp = _case(rng, dtype, (4, 10, 9, 3, 5, 1, 2), 6)
    Z, cache = conv_forward(A, Wt, b, hp)
    G = rng.standard_normal(Z.shape).astype(dtype)
    calls = []
    for name in ("conv2d_ig_forward", "conv2d_backward_col2im"):
        kernel = getattr(cnn_conv._k, name)
        monkeypatch.setattr(cnn_conv._k, name,
                            lambda *a, kernel=kernel, name=name: calls.append(name) or kernel(*a))
    monkeypatch.setattr(cnn_conv, "IMPLICIT_DA_MIN_C", 0)
    implicit = conv_backward(G, cache)
    assert calls == ["conv2d_ig_forward"]
    monkeypatch.setattr(cnn_conv, "IMPLICIT_DA_MIN_C", 10**9)
    col2im = conv_backward(G, cache)
    assert calls == ["conv2d_ig_forward", "conv2d_backward_col2im"]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for x, y in zip(implicit, col2im):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol * float(np.abs(y).max()))


def test_weight_gradient_bits_do_not_depend_on_the_run(rng, monkeypatch):
    """Thread t sums a fixed block of rows and the blocks are added in thread order."""
    _two_threads(monkeypatch)
    A, Wt, b, hp = _case(rng, np.float32, (6, 12, 12, 5, 3, 1, 1), 20)
    _, cache = conv_forward(A, Wt, b, hp)
    G = rng.standard_normal((6, 12, 12, 20)).astype(np.float32)
    first = conv_backward(G, cache)
    for _ in range(5):
        for x, y in zip(first, conv_backward(G, cache)):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("implicit", [True, False], ids=["implicit", "col2im"])
@pytest.mark.parametrize("stride", [1, 2])
def test_float64_gradient_check_of_every_path(implicit, stride, rng, monkeypatch):
    monkeypatch.setattr(cnn_conv, "IMPLICIT_DA_MIN_C", 0 if implicit else 10**9)
    A, Wt, b, hp = _case(rng, np.float64, (2, 5, 6, 2, 3, stride, 1), 3)
    G = rng.standard_normal(conv_forward(A, Wt, b, hp)[0].shape)
    _, cache = conv_forward(A, Wt, b, hp)
    dA, dW, db = conv_backward(G, cache)

    def cost(p):
        return float(np.sum(G * conv_forward(p["A"], p["W"], p["b"], hp)[0]))

    diff = gradient_check_n(cost, {"A": A, "W": Wt, "b": b}, {"dA": dA, "dW": dW, "db": db})
    assert float(diff) < 1e-7
