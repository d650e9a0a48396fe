"""Recurrent networks (``dlnotes.rnn``): a whole sequence, forward and backward.

For each cell type (basic RNN, GRU in both reset placements, LSTM), dtype and
size: ``*_forward`` alone, and ``*_forward`` + ``*_backward`` of a fixed
upstream gradient.  Sizes: the issue's ``n_x=64, n_a=128, m=32, T_x=50`` and
the inference-style batch of one.
"""
import numpy as np

from .common import DTYPES, randn, require

SIZES = ["64-128-32-50", "64-128-1-50"]  # n_x-n_a-m-T_x
CELLS = ["rnn", "gru-after", "gru-before", "lstm"]


def _params(cell, n_x, n_a, dtype):
    s = 1 / np.sqrt(n_a)
    if cell == "rnn":
        return {"Wax": randn((n_a, n_x), dtype, seed=1, scale=s),
                "Waa": randn((n_a, n_a), dtype, seed=2, scale=s),
                "ba": np.zeros((n_a, 1), dtype)}
    gates = "fico" if cell == "lstm" else "urc"
    P = {}
    for i, k in enumerate(gates):
        P["W" + k] = randn((n_a, n_a + n_x), dtype, seed=10 + i, scale=s)
        P["b" + k] = np.zeros((n_a, 1), dtype)
    return P


class RecurrentSequence:
    """Forward, and forward + backward (BPTT), of one sequence batch."""

    params = [CELLS, DTYPES, SIZES]
    param_names = ["cell", "dtype", "size"]
    timeout = 120

    def setup(self, cell, dtype, size):
        self.rnn = require("dlnotes.rnn")
        n_x, n_a, m, T = (int(v) for v in size.split("-"))
        self.x = randn((n_x, m, T), dtype, seed=3)
        self.a0 = randn((n_a, m), dtype, seed=4, scale=0.1)
        self.da = randn((n_a, m, T), dtype, seed=5)
        self.P = _params(cell, n_x, n_a, dtype)
        self.cell = cell

    def _forward(self):
        r = self.rnn
        if self.cell == "rnn":
            return r.rnn_forward(self.x, self.a0, self.P)[-1]
        if self.cell == "lstm":
            return r.lstm_forward(self.x, self.a0, self.P)[-1]
        return r.gru_forward(self.x, self.a0, self.P, reset=self.cell.split("-")[1])[-1]

    def _backward(self, caches):
        r = self.rnn
        back = {"rnn": r.rnn_backward, "lstm": r.lstm_backward}.get(self.cell, r.gru_backward)
        return back(self.da, caches)

    def time_forward(self, cell, dtype, size):
        self._forward()

    def time_forward_backward(self, cell, dtype, size):
        self._backward(self._forward())

    def peakmem_forward_backward(self, cell, dtype, size):
        self._backward(self._forward())


class LSTMBackwardPipeline:
    """``lstm_backward`` at the issue's size with its two paths forced: the time loop on one
    thread and the ``dW`` / ``dx`` products on the other (``dlnotes._kernels.seqpipe``), or
    the loop first and NumPy's GEMMs after it."""

    params = [["float32"], ["pipelined", "serial"]]
    param_names = ["dtype", "path"]

    def setup(self, dtype, path):
        self.rnn = require("dlnotes.rnn")
        self.lstm = require("dlnotes.rnn.lstm")
        self.saved = self.lstm.pipelined
        self.lstm.pipelined = lambda *size: path == "pipelined"
        n_x, n_a, m, T = 64, 128, 32, 50
        x = randn((n_x, m, T), dtype, seed=3)
        a0 = randn((n_a, m), dtype, seed=4, scale=0.1)
        self.da = randn((n_a, m, T), dtype, seed=5)
        self.caches = self.rnn.lstm_forward(x, a0, _params("lstm", n_x, n_a, dtype))[-1]

    def teardown(self, dtype, path):
        self.lstm.pipelined = self.saved

    def time_backward(self, dtype, path):
        self.rnn.lstm_backward(self.da, self.caches)


class LSTMForwardPaths:
    """``lstm_forward`` at the issue's size with each of its three paths forced: the batch
    split into one block of examples per thread (the default from 16 examples per thread),
    the loop on one core with the states transposed on the other, and one thread."""

    params = [["float32"], ["split", "overlapped", "one-thread"]]
    param_names = ["dtype", "path"]

    def setup(self, dtype, path):
        self.rnn = require("dlnotes.rnn")
        self.lstm = require("dlnotes.rnn.lstm")
        self.saved = self.lstm.forward_threads, self.lstm.pipelined
        self.lstm.forward_threads = lambda *size: 2 if path == "split" else 1
        self.lstm.pipelined = lambda *size: path == "overlapped"
        n_x, n_a, m, T = 64, 128, 32, 50
        self.x = randn((n_x, m, T), dtype, seed=3)
        self.a0 = randn((n_a, m), dtype, seed=4, scale=0.1)
        self.P = _params("lstm", n_x, n_a, dtype)

    def teardown(self, dtype, path):
        self.lstm.forward_threads, self.lstm.pipelined = self.saved

    def time_forward(self, dtype, path):
        self.rnn.lstm_forward(self.x, self.a0, self.P)


class CharLMStep:
    """One training iteration of the character-level language model (LSTM, n_a=64)."""

    params = [["lstm", "gru"]]
    param_names = ["cell"]

    def setup(self, cell):
        mod = require("dlnotes.models.char_lm")
        text = "\n".join(mod.synthetic_names(300, seed=0))
        self.model = mod.CharLanguageModel(sorted(set(text)), cell=cell, n_a=64, seed=0)
        ids = self.model.encode(text)
        starts = np.random.default_rng(0).integers(0, len(ids) - 26, size=32)
        window = ids[starts[:, None] + np.arange(26)]
        self.X, self.Y = window[:, :-1], window[:, 1:]

    def time_loss_and_grads(self, cell):
        self.model.loss_and_grads(self.X, self.Y)


class SequenceLayout:
    """The layout change behind every sequence function (``dlnotes._kernels.recurrent
    .swap_axes02``, 8 x 8 register tiles): the notes' ``(n, m, T)`` into the time-major
    rows of ``HX`` (pack) and the states back (unpack), at the issue's size."""

    params = [DTYPES, ["pack", "unpack"], [64, 128, 512]]
    param_names = ["dtype", "direction", "n"]

    def setup(self, dtype, direction, n):
        self.k = require("dlnotes._kernels.recurrent")
        m, T = 32, 50
        if direction == "pack":  # x (n_x = n, m, T) -> HX[:T, :, n_a:], n_a = 128
            HX = np.zeros((T + 1, m, 128 + n), dtype)
            self.src, self.dst = randn((n, m, T), dtype, seed=3), HX[:T, :, 128:]
        else:                    # HX[1:, :, :n_a] (n_a = n, n_x = 64) -> a (n, m, T)
            HX = randn((T + 1, m, n + 64), dtype, seed=3)
            self.src, self.dst = HX[1:, :, :n], np.empty((n, m, T), dtype)

    def time_swap_axes02(self, dtype, direction, n):
        self.k.swap_axes02(self.src, self.dst)
