# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Gram matrices by one BLAS call (private kernels for dlnotes.vision.style).

The Gram matrix is GEMM-bound: :math:`2 n_C^2 N` flops on :math:`n_C N`
inputs.  Both layouts are served without a copy by choosing the transpose
flags of one ``?gemm`` (row-major trick: a C-contiguous ``(r, c)`` array is
the column-major ``(c, r)`` matrix).

* ``gram_rows(A)``:  A is ``(n_C, N)`` (the course's unrolled layout),
  ``G = A A^T``  ->  column-major ``gemm("T", "N")`` on the ``(N, n_C)`` view.
* ``gram_cols(X)``:  X is ``(N, n_C)`` (activations ``(n_H, n_W, n_C)``
  reshaped, no transpose), ``G = X^T X``  ->  ``gemm("N", "T")`` on the
  ``(n_C, N)`` view.

``G`` is symmetric, so its row-/column-major interpretations coincide.
``method="syrk"`` computes one triangle with ``?syrk`` (half the flops) and
mirrors it; on this machine's OpenBLAS it measured no faster than GEMM, so
GEMM is the default (see docs/performance/style.rst).
Inputs are trusted: C-contiguous, float32/float64, non-empty.
"""
from scipy.linalg.cython_blas cimport dgemm, dsyrk, sgemm, ssyrk

import numpy as np

ctypedef fused real:
    float
    double


cdef void _gemm(char *ta, char *tb, int n, int k, const real *a, int lda,
                real *c) noexcept nogil:
    cdef real one = 1.0
    cdef real zero = 0.0
    if real is float:
        sgemm(ta, tb, &n, &n, &k, &one, <float *> a, &lda, <float *> a, &lda, &zero, c, &n)
    else:
        dgemm(ta, tb, &n, &n, &k, &one, <double *> a, &lda, <double *> a, &lda, &zero, c, &n)


cdef void _syrk(char *trans, int n, int k, const real *a, int lda, real *c) noexcept nogil:
    cdef real one = 1.0
    cdef real zero = 0.0
    cdef char *uplo = b"U"
    cdef int i, j
    if real is float:
        ssyrk(uplo, trans, &n, &k, &one, <float *> a, &lda, &zero, c, &n)
    else:
        dsyrk(uplo, trans, &n, &k, &one, <double *> a, &lda, &zero, c, &n)
    # column-major upper triangle = row-major lower triangle: mirror it up
    for i in range(n):
        for j in range(i + 1, n):
            c[i * n + j] = c[j * n + i]


def gram_rows(const real[:, ::1] A, method="gemm"):
    """G = A @ A.T for A of shape (n_C, N), C-contiguous."""
    cdef int n = A.shape[0]
    cdef int k = A.shape[1]
    cdef bint use_syrk = method == "syrk"
    G = np.empty((n, n), dtype=np.float32 if real is float else np.float64)
    cdef real[:, ::1] g = G
    with nogil:
        if use_syrk:
            _syrk(b"T", n, k, &A[0, 0], k, &g[0, 0])
        else:
            _gemm(b"T", b"N", n, k, &A[0, 0], k, &g[0, 0])
    return G


def gram_cols(const real[:, ::1] X, method="gemm"):
    """G = X.T @ X for X of shape (N, n_C), C-contiguous."""
    cdef int n = X.shape[1]
    cdef int k = X.shape[0]
    cdef bint use_syrk = method == "syrk"
    G = np.empty((n, n), dtype=np.float32 if real is float else np.float64)
    cdef real[:, ::1] g = G
    with nogil:
        if use_syrk:
            _syrk(b"N", n, k, &X[0, 0], n, &g[0, 0])
        else:
            _gemm(b"N", b"T", n, k, &X[0, 0], n, &g[0, 0])
    return G
