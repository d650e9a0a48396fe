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


class SkipgramStream:
    """The streaming skip-gram kernel (``sg_train_batch``): one batch of 20,000 words in
    sentences of 20 (Zipf-distributed word indices, V = 10,000, d = 100, window 5, K = 5,
    subsampling 1e-3), on 1 and 2 OpenMP threads sharing the weights (Hogwild)."""

    params = [DTYPES, [1, 2]]
    param_names = ["dtype", "threads"]

    def setup(self, dtype, threads):
        self.kernel = require("dlnotes._kernels.word2vec")
        w2v = require("dlnotes.nlp.word2vec")
        if not hasattr(self.kernel, "sg_train_batch"):
            raise NotImplementedError
        V, d, n, L = 10000, 100, 20000, 20
        r = np.random.default_rng(7)
        counts = np.maximum(1, (1e6 / np.arange(1, V + 1))).astype(np.int64)   # Zipf
        p = counts / counts.sum()
        self.tok = r.choice(V, n, p=p).astype(np.int32)
        self.starts = np.arange(0, n + 1, L, dtype=np.int64)
        n_jobs = 8
        self.jobs = np.linspace(0, n // L, n_jobs + 1).astype(np.int64)
        self.alpha = np.full(n_jobs, 0.025)
        self.keep = w2v._keep_thresholds(counts, 1e-3)
        self.prob, self.alias = w2v.negative_table(counts)
        self.W_in = randn((V, d), dtype, seed=1, scale=0.5 / d)
        self.W_out = randn((V, d), dtype, seed=2, scale=0.1)
        self.work = np.zeros((threads, d), dtype=dtype)
        self.buf = np.zeros((threads, L), dtype=np.int32)
        self.loss = np.zeros(n_jobs)
        self.eff = np.zeros(n_jobs, dtype=np.int64)

    def time_sg_train_batch(self, dtype, threads):
        self.kernel.sg_train_batch(self.W_in, self.W_out, self.tok, self.starts, self.jobs,
                                   self.alpha, self.keep, self.prob, self.alias, 5, 5, 11,
                                   threads, self.work, self.buf, False, self.loss, self.eff)
