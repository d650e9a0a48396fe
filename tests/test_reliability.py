"""Regressions of issue 10 outside the optimizers, the model file and the CLI (which have
theirs in test_optim.py, test_model.py and test_cli.py).  Calls that crashed the interpreter
run in a child process, so a regression fails one test instead of killing the run."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dlnotes.cnn import conv_forward, pool_backward, pool_forward, zero_pad
from dlnotes.nn.activations import leaky_relu, relu, relu_backward
from dlnotes.rnn import (gru_cell_backward, gru_cell_forward, lstm_cell_backward,
                         lstm_cell_forward, rnn_cell_backward, rnn_cell_forward)
from dlnotes.vision.style import gram_from_activations


def _in_child(code):
    """Run ``code`` in a fresh interpreter; return (returncode, stderr)."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=120)
    return r.returncode, r.stderr


def test_forged_pool_cache_is_refused_not_written_through():
    """Defect 1: argmax indices of 10**8 wrote outside dA_prev (SIGSEGV)."""
    rc, err = _in_child("""
        import numpy as np
        from dlnotes.cnn import pool_forward, pool_backward
        A = np.ones((1, 4, 4, 1)); o, c = pool_forward(A, {'f': 2, 'stride': 2})
        try:
            pool_backward(o, (A, c[1], np.full_like(c[2], 10**8)))
        except ValueError as e:
            print(e)
            raise SystemExit(3)
    """)
    assert rc == 3, err


@pytest.mark.parametrize("forge", ["range", "window", "other image", "negative", "dtype",
                                   "shape", "list"])
def test_pool_backward_validates_every_argmax(forge, rng):
    A = rng.standard_normal((2, 9, 9, 3))
    out, cache = pool_forward(A, {"f": 3, "stride": 2})
    arg = np.array(cache[2])
    if forge == "range":
        arg[0, 0, 0, 0] = 81
    elif forge == "window":
        arg[0, 0, 0, 0] = 80            # inside the image, outside window (0, 0)
    elif forge == "other image":       # same output shape (4x4) from an 10x10 image
        arg = np.array(pool_forward(rng.standard_normal((2, 10, 10, 3)),
                                    {"f": 3, "stride": 2})[1][2])
    elif forge == "negative":
        arg[1, 2, 3, 2] = -1
    elif forge == "dtype":
        arg = arg.astype(np.int64)
    elif forge == "shape":
        arg = arg[:, :3]
    else:
        arg = arg.tolist()
    with pytest.raises(ValueError, match=r"cache\[2\] \(argmax\)"):
        pool_backward(np.ones_like(out), (A, cache[1], arg))


def test_pool_backward_accepts_an_honest_copy_of_the_argmax(rng):
    """A plain copy of a valid argmax takes the full window check and passes."""
    A = rng.standard_normal((2, 7, 8, 3))
    out, cache = pool_forward(A, {"f": 2, "stride": 2})
    assert not cache[2].flags.writeable
    dA = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(pool_backward(dA, (A, cache[1], np.array(cache[2]))),
                                  pool_backward(dA, cache))
    np.testing.assert_array_equal(pool_backward(dA, (A, cache[1])), pool_backward(dA, cache))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_minus_infinity_is_zero(dtype):
    """Defect 5: relu(-inf) was 0 * -inf = NaN."""
    z = np.array([-np.inf, -1.0, 0.0, 2.0, np.inf, np.nan], dtype)
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 2, np.inf, np.nan])
    np.testing.assert_array_equal(relu_backward(np.full(6, np.inf, dtype), z),
                                  [0, 0, 0, np.inf, np.inf, 0])
    np.testing.assert_array_equal(leaky_relu(z, 0.1),
                                  np.array([-np.inf, -0.1, 0, 2, np.inf, np.nan], dtype))
    big = np.full(4099, -np.inf, dtype)          # the vectorised and the threaded paths too
    assert (relu(big) == 0).all()


@pytest.mark.parametrize("call", [
    lambda: conv_forward(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones((1, 1, 1, 1)),
                         {"stride": 2**63, "pad": 0}),
    lambda: pool_forward(np.ones((1, 4, 4, 1)), {"stride": 2**63, "f": 2}),
    lambda: pool_forward(np.ones((1, 4, 4, 1)), {"stride": 1, "f": 2**63}),
])
def test_huge_strides_are_refused_by_validation(call):
    """Defect 11: a stride of 2**63 passed validation and overflowed in the kernel call."""
    with pytest.raises(ValueError,
                       match=r"hparameters\['(stride|f)'\] must be in \[1, 2147483647\]"):
        call()


def test_huge_padding_is_refused_before_allocating():
    with pytest.raises(ValueError, match="pad=4611686018427387904"):
        conv_forward(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones((1, 1, 1, 1)),
                     {"stride": 1, "pad": 2**62})
    with pytest.raises(ValueError, match=r"A_prev padded by pad=\(100000, 100000\)"):
        conv_forward(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones((1, 1, 1, 1)),
                     {"stride": 1, "pad": 100000})
    with pytest.raises(ValueError, match="X padded by pad=1000000"):
        zero_pad(np.ones((1, 4, 4, 1)), 10**6)


def _cell(kind, rng):
    n_x, n_a, m = 3, 4, 5
    xt, a = rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m))
    if kind == "rnn":
        P = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
             "ba": np.zeros((n_a, 1))}
        an, _, cache = rnn_cell_forward(xt, a, P)
        return cache, lambda c: rnn_cell_backward(np.ones_like(an), c)
    P = {f"{w}{k}": rng.standard_normal((n_a, n_a + n_x)) if w == "W" else np.zeros((n_a, 1))
         for w in "Wb" for k in ("fico" if kind == "lstm" else "urc")}
    if kind == "lstm":
        an, cn, _, cache = lstm_cell_forward(xt, a, a, P)
        return cache, lambda c: lstm_cell_backward(np.ones_like(an), np.ones_like(cn), c)
    an, _, cache = gru_cell_forward(xt, a, P, reset="before")
    return cache, lambda c: gru_cell_backward(np.ones_like(an), c)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cell_backward_names_a_bad_cache(kind, rng):
    """Defect 12: ``rnn_cell_backward(da, (a,))`` said 'not enough values to unpack'."""
    cache, backward = _cell(kind, rng)
    assert all(np.isfinite(v).all() for v in backward(cache).values())
    a = rng.standard_normal((4, 5))
    with pytest.raises((TypeError, ValueError), match=rf"cache must be the cache returned by "
                                                      rf"{kind}_cell_forward"):
        backward((a,))
    with pytest.raises(TypeError, match="cache must be"):
        backward([a] if kind != "gru" else (a,))
    if kind == "gru":
        bad = dict(cache, xt=cache["xt"][:, :2])
        bad_p = dict(cache, parameters={k: v for k, v in cache["parameters"].items()
                                        if k != "Wr"})
    else:
        bad = cache[:-2] + (cache[-2][:, :2], cache[-1])
        bad_p = cache[:-1] + ({k: v for k, v in cache[-1].items() if not k.endswith("a")
                               and k not in ("Wo",)},)
    with pytest.raises(ValueError, match=r"cache 'xt' must have shape \(n_x, m=5\)"):
        backward(bad)
    with pytest.raises(ValueError, match="cache 'parameters' is missing"):
        backward(bad_p)


@pytest.mark.parametrize("method", ["matmul", "gemm", "syrk"])
@pytest.mark.parametrize("shape", [(4, 5, 0), (0, 5, 3), (1, 0, 2, 3)])
def test_gram_of_empty_activations(shape, method):
    """Defect 12: ``gram_from_activations(np.zeros((4, 5, 0)))`` said 'cannot reshape'."""
    G = gram_from_activations(np.zeros(shape), method=method)
    assert G.shape == (shape[-1], shape[-1]) and not G.any()
