# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Skip-gram negative-sampling SGD loop (private kernel for dlnotes.nlp.word2vec).

gensim-style: for every (centre, context) pair in order, with ``v = W_in[c]``
and the pair's K negatives::

    neu1e = 0
    for target, label in [(o, 1), (n_1, 0), ..., (n_K, 0)]:
        f = sigmoid(W_out[target] . v)
        g = (label - f) * lr
        neu1e += g * W_out[target]          # axpy
        W_out[target] += g * v              # axpy
    W_in[c] += neu1e                        # axpy

i.e. plain per-pair SGD on L = -log s(u_o.v) - sum_k log s(-u_k.v); the
output vectors are updated before the next target is scored, as in
word2vec.c and gensim.  Dot products and updates are BLAS level-1
(``?dot``, ``?axpy`` from scipy.linalg.cython_blas) inside ``nogil``.  The loop
is sequential (deterministic); inputs are trusted (C-contiguous, in range).
"""
from libc.math cimport exp, log
from scipy.linalg.cython_blas cimport daxpy, ddot, saxpy, sdot
from dlnotes._kernels._types cimport real



cdef inline double _dot(int n, real *x, real *y) noexcept nogil:
    cdef int one = 1
    if real is float:
        return sdot(&n, x, &one, y, &one)
    else:
        return ddot(&n, x, &one, y, &one)


cdef inline void _axpy(int n, real a, real *x, real *y) noexcept nogil:
    cdef int one = 1
    if real is float:
        saxpy(&n, &a, x, &one, y, &one)
    else:
        daxpy(&n, &a, x, &one, y, &one)


cdef inline double _log_sigmoid(double x) noexcept nogil:
    if x >= 0:
        return -log(1.0 + exp(-x))
    return x - log(1.0 + exp(x))


cdef inline double _sigmoid(double x) noexcept nogil:
    cdef double e
    if x >= 0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)
    return e / (1.0 + e)


def sgns_sgd_pairs(real[:, ::1] W_in, real[:, ::1] W_out, const long long[::1] centers,
                   const long long[::1] contexts, const long long[:, ::1] negatives,
                   double lr, real[::1] work):
    """Run one SGD step per pair, in order; return the summed loss (before each step).

    ``work`` is scratch of length d (the neu1e accumulator).
    """
    cdef Py_ssize_t B = centers.shape[0]
    cdef Py_ssize_t K = negatives.shape[1]
    cdef int d = <int> W_in.shape[1]
    cdef Py_ssize_t b, k, j
    cdef long long c, target
    cdef double s, f, g, total = 0.0
    cdef real *v
    cdef real *u
    with nogil:
        for b in range(B):
            c = centers[b]
            v = &W_in[c, 0]
            for j in range(d):
                work[j] = 0
            for k in range(K + 1):
                if k == 0:
                    target = contexts[b]
                else:
                    target = negatives[b, k - 1]
                u = &W_out[target, 0]
                s = _dot(d, u, v)
                f = _sigmoid(s)
                if k == 0:
                    total -= _log_sigmoid(s)
                    g = (1.0 - f) * lr
                else:
                    total -= _log_sigmoid(-s)
                    g = -f * lr
                _axpy(d, <real> g, u, &work[0])
                _axpy(d, <real> g, v, u)
            _axpy(d, <real> 1.0, &work[0], v)
    return total
