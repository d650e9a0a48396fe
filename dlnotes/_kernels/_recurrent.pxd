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


cdef extern from "dl_recurrent.h" nogil:
    # dst[a, i, b] = src[b, i, a] with unit inner strides; s0, s1, d0, d1 are the outer
    # strides in elements (8 x 8 tiles, AVX2 registers for the full ones: dl_recurrent.h)
    void swap_rows "dl_swap_rows"(const void* src, Py_ssize_t s0, Py_ssize_t s1, void* dst,
                                  Py_ssize_t d0, Py_ssize_t d1, Py_ssize_t B, Py_ssize_t m,
                                  Py_ssize_t A)
