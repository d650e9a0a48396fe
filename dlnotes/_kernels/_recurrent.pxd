# The C side of the recurrent kernels, shared by recurrent.pyx (the time loops) and
# seqpipe.pyx (the LSTM passes pipelined over two threads).
from dlnotes._kernels._types cimport real

# Type-generic gate passes (float* or double* arrays; see dl_recurrent.h).  ``m``
# examples of ``n`` units; ``ldh`` is the row stride of the states in HX.
cdef extern from "dl_recurrent.h" nogil:
    void dl_rnn_fwd(int m, int n, void* z, void* h, int ldh)
    void dl_rnn_bwd(int m, int n, void* dh, const void* h, int ldh)
    void dl_lstm_fwd(int m, int n, void* z, const void* cp, void* cn, void* tc, void* h, int ldh)
    void dl_lstm_bwd(int m, int n, const void* z, const void* cp, const void* tc,
                     const void* dh, void* dc, void* dz)
    void dl_gru_after_fwd(int m, int n, void* z, const void* s, const void* bhc, void* hn)
    void dl_gru_update(int m, int n, const void* z, const void* hp, void* hn, int ldh)
    void dl_gru_after_bwd(int m, int n, const void* z, const void* hn, const void* hp, int ldh,
                          const void* dh, void* dzx, void* dzh, void* dprev)
    void dl_gru_before_fwd1(int m, int n, void* z, const void* hp, int ldh, void* rh)
    void dl_gru_before_fwd2(int m, int n, void* z)
    void dl_gru_before_bwd1(int m, int n, const void* z, const void* hp, int ldh,
                            const void* dh, void* dz, void* dprev)
    void dl_gru_before_bwd2(int m, int n, const void* z, const void* hp, int ldh,
                            const void* drh, void* dz, void* dprev)
    # The per-step product against weights packed once (dl_recurrent_gemm_impl.h):
    # C (M x N) = A (M x K) B (+ C when beta), B packed from W^T (pack_bt) or W (pack_b).
    size_t dl_pk_size(int K, int N)
    void dl_pk_pack_bt(int K, int N, const void* w, int ldw, void* bp)
    void dl_pk_pack_b(int K, int N, const void* w, int ldw, void* bp)
    void dl_pk_gemm(int M, int N, int K, const void* a, int lda, const void* bp, void* c, int ldc,
                    int beta)
    # the same plus a row bias added to every row (NULL: none)
    void dl_pk_gemm_bias(int M, int N, int K, const void* a, int lda, const void* bp,
                         const void* bias, void* c, int ldc, int beta)

    # Ordering between the two threads of a pipeline (seqpipe.pyx): the producer publishes
    # its progress with a release store after writing its outputs, the consumer reads it
    # with an acquire load before reading them.
    void dl_store_release(int* p, int v)
    int dl_load_acquire(const int* p)
    int dl_claim_below(int* next, int limit)
    void dl_cpu_relax(int* rounds)


cdef enum:
    # 8 x 8 tiles when both inner axes are contiguous: each row of a tile is one 32-byte
    # run on both sides, and the 8 rows of a side fit one L1 set even when they lie a
    # multiple of 4 KiB apart (HX's state rows: m (n_a + n_x) floats, often 24 KiB).
    FAST_TILE = 8


cdef inline void swap_rows(const real* src, Py_ssize_t s0, Py_ssize_t s1, real* dst,
                           Py_ssize_t d0, Py_ssize_t d1, Py_ssize_t B, Py_ssize_t m,
                           Py_ssize_t A) noexcept nogil:
    """``dst[a, i, b] = src[b, i, a]`` with unit inner strides; ``s0, s1, d0, d1`` are the
    outer strides in elements."""
    cdef Py_ssize_t i, a0, b0, a, b, a1, b1
    cdef const real* sp
    cdef real* dp
    # Strides that are multiples of 1 KiB put the rows of a tile in few L1 sets (measured:
    # 0.17 ms -> 0.48 ms for (128, 32, 50) float32 when the written rows lie 16 KiB apart);
    # keep such a side on the contiguous runs.
    cdef bint read_rows = (s0 * <Py_ssize_t>sizeof(real)) % 1024 == 0
    for i in range(m):
        b0 = 0
        while b0 < B:
            b1 = b0 + FAST_TILE if b0 + FAST_TILE < B else B
            a0 = 0
            while a0 < A:
                a1 = a0 + FAST_TILE if a0 + FAST_TILE < A else A
                if read_rows:    # runs of the source, dst rows apart
                    for b in range(b0, b1):
                        sp = src + b * s0 + i * s1
                        dp = dst + i * d1 + b
                        for a in range(a0, a1):
                            dp[a * d0] = sp[a]
                else:            # runs of the destination, source rows apart
                    for a in range(a0, a1):
                        sp = src + i * s1 + a
                        dp = dst + a * d0 + i * d1
                        for b in range(b0, b1):
                            dp[b] = sp[b * s0]
                a0 = a1
            b0 = b1
