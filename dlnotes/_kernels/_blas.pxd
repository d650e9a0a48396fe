# scipy's BLAS for the fused kernels (callable without the GIL): one name per routine for
# both precisions, so the kernels that call BLAS have no `if real is float` of their own.
from scipy.linalg.cython_blas cimport (daxpy, ddot, dgemm, dgemv, dsyrk, saxpy, sdot, sgemm,
                                       sgemv, ssyrk)

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


cdef inline double dot(int n, const real *x, const real *y) noexcept nogil:
    """``x . y`` over ``n`` contiguous elements (``?dot``; float32's sum comes back widened)."""
    cdef int one = 1
    if real is float:
        return sdot(&n, <float*>x, &one, <float*>y, &one)
    else:
        return ddot(&n, <double*>x, &one, <double*>y, &one)


cdef inline void axpy(int n, real a, const real *x, real *y) noexcept nogil:
    """``y += a x`` over ``n`` contiguous elements (``?axpy``)."""
    cdef int one = 1
    if real is float:
        saxpy(&n, &a, <float*>x, &one, y, &one)
    else:
        daxpy(&n, &a, <double*>x, &one, y, &one)


cdef inline void syrk(char *uplo, char *trans, int n, int k, real alpha, const real *a,
                      int lda, real beta, real *c, int ldc) noexcept nogil:
    """Column-major ``?syrk``: ``C = alpha op(A) op(A)^T + beta C``, one triangle."""
    if real is float:
        ssyrk(uplo, trans, &n, &k, &alpha, <float*>a, &lda, &beta, c, &ldc)
    else:
        dsyrk(uplo, trans, &n, &k, &alpha, <double*>a, &lda, &beta, c, &ldc)
