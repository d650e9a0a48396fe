"""The LSTM backward pass pipelined over two threads (``dlnotes._kernels.seqpipe``): the time
loop on one thread, the chunks of ``dW = sum_t dZ[t]^T HX[t]`` and ``dx[t] = dZ[t] W_x`` on the
other.  Forced on small shapes (the package takes it only for large enough calls), it must
give the serial path's gradients, the plain-NumPy BPTT's, pass a float64 gradient check, give
the same bits on every run and with a team of one thread, for every chunk size."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dlnotes import rnn
from dlnotes.nn.gradcheck import gradient_check_n
from dlnotes.rnn import _common
from dlnotes.rnn import lstm as lstm_mod
from ops_rnn import _mk_lstm, np_lstm_bptt, lstm_grads

KEYS = ["dx", "da0", "dc0"] + [p + k for k in "fico" for p in ("dW", "db")]
# (n_x, n_a, m, T): one step, one example, panels that do not fill (n_a + n_x and n_x not
# multiples of 16 floats / 8 doubles), the benchmark's widths on a short sequence
SHAPES = [(5, 6, 3, 1), (7, 4, 1, 9), (3, 17, 5, 13), (64, 128, 4, 6)]


def _grads(rng, n_x, n_a, m, T, dtype, chunk=None, pipelined=True, monkeypatch=None):
    x = rng.standard_normal((n_x, m, T)).astype(dtype)
    a0 = (0.5 * rng.standard_normal((n_a, m))).astype(dtype)
    P = _mk_lstm(rng, n_x, n_a, dtype)
    da = rng.standard_normal((n_a, m, T)).astype(dtype)
    dc = rng.standard_normal((n_a, m)).astype(dtype)
    monkeypatch.setattr(lstm_mod, "pipelined", lambda *size: pipelined)
    if chunk is not None:
        monkeypatch.setattr(lstm_mod, "pipeline_chunk", lambda T: chunk)
    _, _, _, caches = rnn.lstm_forward(x, a0, P)
    return rnn.lstm_backward(da, caches, dc=dc)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x{}a{}m{}T{}".format(*s))
@pytest.mark.parametrize("chunk", [None, 1, 2, 100], ids=["auto", "S1", "S2", "S>T"])
def test_pipelined_matches_the_serial_path(dtype, shape, chunk, monkeypatch):
    got = _grads(np.random.default_rng(3), *shape, dtype, chunk, True, monkeypatch)
    want = _grads(np.random.default_rng(3), *shape, dtype, chunk, False, monkeypatch)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for k in KEYS:
        assert got[k].dtype == dtype and got[k].shape == want[k].shape, k
        np.testing.assert_allclose(got[k], want[k], rtol=tol,
                                   atol=tol * float(np.abs(want[k]).max()), err_msg=k)


def test_pipelined_matches_the_numpy_bptt(rng, monkeypatch):
    monkeypatch.setattr(lstm_mod, "pipelined", lambda *size: True)
    x = rng.standard_normal((7, 3, 11))
    a0 = 0.5 * rng.standard_normal((9, 3))
    P = _mk_lstm(rng, 7, 9, np.float64)
    for got, want in zip(lstm_grads(x, a0, P), np_lstm_bptt(x, a0, P)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float64_gradient_check_of_the_pipelined_pass(rng, monkeypatch):
    monkeypatch.setattr(lstm_mod, "pipelined", lambda *size: True)
    monkeypatch.setattr(lstm_mod, "pipeline_chunk", lambda T: 2)
    n_x, n_a, m, T = 3, 5, 2, 5
    params = {k: v for k, v in _mk_lstm(rng, n_x, n_a, np.float64).items()
              if k not in ("Wy", "by")}
    params["x"] = rng.standard_normal((n_x, m, T))
    params["a0"] = 0.5 * rng.standard_normal((n_a, m))
    G = rng.standard_normal((n_a, m, T))

    def cost(p):
        return float(np.sum(G * rnn.lstm_forward(p["x"], p["a0"], p)[0]))

    caches = rnn.lstm_forward(params["x"], params["a0"], params)[-1]
    grads = rnn.lstm_backward(G, caches)
    grads = {k: grads[k] for k in ["dx", "da0"] + [p + k for k in "fico" for p in ("dW", "db")]}
    assert float(gradient_check_n(cost, params, grads)) < 1e-7


def test_same_bits_on_every_run(monkeypatch):
    first = _grads(np.random.default_rng(5), 64, 128, 4, 6, np.float32, 1, True, monkeypatch)
    for _ in range(5):
        again = _grads(np.random.default_rng(5), 64, 128, 4, 6, np.float32, 1, True, monkeypatch)
        for k in KEYS:
            assert np.array_equal(first[k], again[k]), k


_CHILD = textwrap.dedent("""
    import numpy as np, sys
    from dlnotes import rnn
    from dlnotes.rnn import lstm as lstm_mod
    lstm_mod.pipelined = lambda *size: True
    lstm_mod.pipeline_chunk = lambda T: 2
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 3, 7)).astype(np.float32)
    a0 = rng.standard_normal((10, 3)).astype(np.float32)
    P = {k: (0.3 * rng.standard_normal((10, 16) if k[0] == "W" else (10, 1))).astype(np.float32)
         for k in ["Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"]}
    da = rng.standard_normal((10, 3, 7)).astype(np.float32)
    g = rnn.lstm_backward(da, rnn.lstm_forward(x, a0, P)[-1])
    np.savez(sys.argv[1], **g)
""")


def test_a_team_of_one_thread_gives_the_same_bits(tmp_path):
    """With OMP_THREAD_LIMIT=1 the region has one thread: the calling thread runs the loop,
    then every chunk, in the same order as the second thread would."""
    out = {}
    for limit in ("1", "2"):
        env = dict(os.environ, OMP_THREAD_LIMIT=limit)
        path = tmp_path / f"g{limit}.npz"
        subprocess.run([sys.executable, "-c", _CHILD, str(path)], env=env, check=True,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with np.load(path, allow_pickle=False) as f:
            out[limit] = {k: f[k] for k in f.files}
    assert set(out["1"]) == set(out["2"])
    for k in out["1"]:
        assert np.array_equal(out["1"][k], out["2"][k]), k


def test_the_package_pipelines_only_large_single_loop_calls(monkeypatch):
    monkeypatch.setattr(_common, "kernel_threads", lambda: 2)
    assert _common.pipelined(32, 50, 512, 128)          # the benchmark's LSTM
    assert not _common.pipelined(2, 5, 16, 4)           # too small to pay for a thread
    assert not _common.pipelined(256, 50, 512, 128)     # the batch is split instead
    monkeypatch.setattr(_common, "kernel_threads", lambda: 1)
    assert not _common.pipelined(32, 50, 512, 128)      # one thread allowed
    assert _common.pipeline_chunk(50) == 7 and _common.pipeline_chunk(1) == 1
