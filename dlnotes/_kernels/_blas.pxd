# Row-major GEMM on scipy's BLAS (callable without the GIL), shared by the kernels.
from scipy.linalg.cython_blas cimport dgemm, dgemv, sgemm, sgemv

from dlnotes._kernels._types cimport real


cdef inline void gemm_rm(char ta, char tb, int M, int N, int K, real alpha,
                         const real *A, int lda, const real *B, int ldb, real beta,
                         real *C, int ldc) noexcept nogil:
    """Row-major ``C = alpha op(A) op(B) + beta C``; C is (M, N), ``lda`` etc. are row strides.

    BLAS is column-major and a row-major matrix is its transpose in column
    major, so this asks for ``C^T = op(B)^T op(A)^T`` (operands swapped, flags
    kept).  A single row of an untransposed A (M == 1, the inference case) is
    a matrix-vector product.
    """
    cdef int one = 1
    if M == 0 or N == 0:
        return
    if M == 1 and ta == b'N':
        if tb == b'T':   # c (N) = B (N, K) a: the column-major view of B is (K, N) -> 'T'
            if real is float:
                sgemv(&tb, &K, &N, &alpha, <float*>B, &ldb, <float*>A, &one, &beta, C, &one)
            else:
                dgemv(&tb, &K, &N, &alpha, <double*>B, &ldb, <double*>A, &one, &beta, C, &one)
        else:            # c (N) = B^T a with B (K, N): column-major view (N, K) -> 'N'
            if real is float:
                sgemv(&tb, &N, &K, &alpha, <float*>B, &ldb, <float*>A, &one, &beta, C, &one)
            else:
                dgemv(&tb, &N, &K, &alpha, <double*>B, &ldb, <double*>A, &one, &beta, C, &one)
        return
    if real is float:
        sgemm(&tb, &ta, &N, &M, &K, &alpha, <float*>B, &ldb, <float*>A, &lda, &beta, C, &ldc)
    else:
        dgemm(&tb, &ta, &N, &M, &K, &alpha, <double*>B, &ldb, <double*>A, &lda, &beta, C, &ldc)
