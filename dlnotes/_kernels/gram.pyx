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
GEMM is the default (see docs/performance/vision.rst).
Inputs are trusted: C-contiguous, float32/float64, non-empty.
"""
from dlnotes._kernels._blas cimport gemm_rm, syrk
from dlnotes._kernels._types cimport real

import numpy as np


cdef void _syrk(char *trans, int n, int k, const real *a, int lda, real *c) noexcept nogil:
    cdef int i, j
    syrk(b"U", trans, n, k, <real>1, a, lda, <real>0, c, n)
    # column-major upper triangle = row-major lower triangle: mirror it up
    for i in range(n):
        for j in range(i + 1, n):
            c[i * n + j] = c[j * n + i]


cdef object _gram(const real[:, ::1] A, int rows, bint use_syrk):
    """G = A @ A.T (``rows``) or A.T @ A, by one BLAS call on the row-major buffer."""
    cdef int n = A.shape[0] if rows else A.shape[1]
    cdef int k = A.shape[1] if rows else A.shape[0]
    cdef int lda = A.shape[1]
    cdef char *trans = b"T" if rows else b"N"
    cdef char ta = c'N' if rows else c'T'
    cdef char tb = c'T' if rows else c'N'
    G = np.empty((n, n), dtype=np.float32 if real is float else np.float64)
    cdef real[:, ::1] g = G
    with nogil:
        if use_syrk:
            _syrk(trans, n, k, &A[0, 0], lda, &g[0, 0])
        else:
            gemm_rm(ta, tb, n, n, k, <real>1, &A[0, 0], lda, &A[0, 0], lda, <real>0,
                    &g[0, 0], n)
    return G


def gram_rows(const real[:, ::1] A, method="gemm"):
    """G = A @ A.T for A of shape (n_C, N), C-contiguous."""
    cdef bint use_syrk = method == "syrk"
    return _gram(A, 1, use_syrk)


def gram_cols(const real[:, ::1] X, method="gemm"):
    """G = X.T @ X for X of shape (N, n_C), C-contiguous."""
    cdef bint use_syrk = method == "syrk"
    return _gram(X, 0, use_syrk)
