"""Word2vec skip-gram with negative sampling: the compiled per-pair SGD loop
(``dlnotes._kernels.word2vec``) against the NumPy mini-batch loop
(``dlnotes.nlp.word2vec``), and the vectorised loss + gradient.

Sizes: vocabulary V, embedding size d, 20,000 (centre, context) pairs, K = 5.
"""
import numpy as np

from .common import DTYPES, randn, require

SIZES = ["1000x50", "10000x100"]
PAIRS = 20000
K = 5


class SGNS:
    params = [DTYPES, SIZES]
    param_names = ["dtype", "size"]

    def setup(self, dtype, size):
        self.kernel = require("dlnotes._kernels.word2vec")
        self.w2v = require("dlnotes.nlp.word2vec")
        V, d = (int(s) for s in size.split("x"))
        rng = np.random.default_rng(5)
        self.W_in = randn((V, d), dtype, seed=1, scale=0.5 / d)
        self.W_out = randn((V, d), dtype, seed=2, scale=0.5 / d)
        self.c = rng.integers(0, V, PAIRS)
        self.o = rng.integers(0, V, PAIRS)
        self.n = rng.integers(0, V, (PAIRS, K))
        self.work = np.zeros(d, dtype=dtype)

    def time_compiled_sgd_pairs(self, dtype, size):
        self.kernel.sgns_sgd_pairs(self.W_in, self.W_out, self.c, self.o, self.n, 1e-3,
                                   self.work)

    def time_numpy_loss_and_grad(self, dtype, size):
        self.w2v.sgns_loss(self.W_in, self.W_out, self.c, self.o, self.n)

    def peakmem_numpy_loss_and_grad(self, dtype, size):
        self.w2v.sgns_loss(self.W_in, self.W_out, self.c, self.o, self.n)
