/* The recurrent product of every time step, C (M x N) (+)= A (M x K) B (K x N),
 * against a weight matrix B packed ONCE before the time loop.
 *
 * Why: each step's product is small (32 x 128 times 128 x 512 for the LSTM of
 * the benchmarks) and OpenBLAS packs both operands on every call; profiled
 * (py-spy --native, LSTM forward loop, 1 thread) its packing of the weights
 * took 20 % of the loop against 30 % for its compute kernel.  The weights do
 * not change during the loop, so they are packed here once per sequence and
 * each step runs only the register-blocked kernel.
 *
 * Packed layout: column panels of DL_NR columns (two 32-byte vectors: 16
 * floats or 8 doubles), panel p holding Bp[p][k][j] = B[k][p DL_NR + j],
 * zero-padded past N; dl_pk_pack_bt packs B = W^T (W is N x K, row stride
 * ldw), dl_pk_pack_b packs B = W (K x N).  Buffers of dl_pk_size(K, N) =
 * ceil(N / 16) 16 K elements fit both precisions.
 *
 * Kernel: the convolutions' 6 x 16 register tile (dl_igemm_impl.h, which
 * dl_recurrent.h includes first), with its AVX2+FMA / baseline dispatch.
 * It replaced a 4 x 16 tile of its own (8 FMA chains): the LSTM forward loop of
 * n_a=128, m=32, T=50 (one thread, runs alternating with the old build) took 7.4-8.5 ms
 * against 8.2-9.1; the backward loop was unchanged.
 *
 * Included once per element type by dl_recurrent_impl.h (T, DL_FN).
 */
#ifndef DL_PK_ONCE
#define DL_PK_ONCE
#define DL_KC 256
#define DL_PK_PAD 16
static inline size_t dl_pk_size(int K, int N) {
    return (size_t)((N + DL_PK_PAD - 1) / DL_PK_PAD) * DL_PK_PAD * (size_t)K;
}
#endif  /* DL_PK_ONCE */

#define DL_VL ((int)(32 / sizeof(T)))
#define DL_NR (2 * DL_VL)

/* B = W^T: Bp[p][k][j] = W[p NR + j][k]. */
static void DL_FN(dl_pk_pack_bt)(int K, int N, const T* W, int ldw, T* Bp) {
    for (int p = 0; p * DL_NR < N; p++) {
        T* o = Bp + (size_t)p * K * DL_NR;
        int nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < nc; j++) o[(size_t)k * DL_NR + j] = W[(size_t)(p * DL_NR + j) * ldw + k];
            for (int j = nc; j < DL_NR; j++) o[(size_t)k * DL_NR + j] = 0;
        }
    }
}
/* B = W: Bp[p][k][j] = W[k][p NR + j]. */
static void DL_FN(dl_pk_pack_b)(int K, int N, const T* W, int ldw, T* Bp) {
    for (int p = 0; p * DL_NR < N; p++) {
        T* o = Bp + (size_t)p * K * DL_NR;
        int nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;
        for (int k = 0; k < K; k++) {
            const T* w = W + (size_t)k * ldw + p * DL_NR;
            for (int j = 0; j < nc; j++) o[(size_t)k * DL_NR + j] = w[j];
            for (int j = nc; j < DL_NR; j++) o[(size_t)k * DL_NR + j] = 0;
        }
    }
}

/* C (M x N, row stride ldc) = A (M x K, row stride lda) Bp, plus C when beta != 0, plus
 * the row bias[0..N) when bias is not NULL: the implicit-GEMM register tile of the
 * convolutions (dl_igemm_impl.h, 6 rows x 2 vectors), K cut into blocks of DL_KC so that a
 * panel block stays in L1 while the row tiles pass over it.  Each row accumulates in its own
 * chains whatever tile it falls in, so a batch split across threads gives the serial loop's
 * bits. */
#define DL_PK_BODY                                                                          \
    for (int k0 = 0; k0 < K; k0 += DL_KC) {                                                 \
        const int kc = K - k0 < DL_KC ? K - k0 : DL_KC;                                     \
        const int add = beta || k0 > 0;                                                    \
        for (int p = 0; p * DL_NR < N; p++) {                                               \
            const T* bp = Bp + (size_t)p * K * DL_NR + (size_t)k0 * DL_NR;                  \
            const int nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;                   \
            const T* b0 = bias ? bias + p * DL_NR : NULL;                                   \
            for (int i = 0; i < M; i += DL_IG_MR) {                                         \
                const int mr = M - i < DL_IG_MR ? M - i : DL_IG_MR;                         \
                const T* ap = A + (size_t)i * lda + k0;                                     \
                T* cp = C + (size_t)i * ldc + p * DL_NR;                                    \
                DL_FN(dl_ig_tile)(mr, 1, &ap, 0, &bp, 0, kc, lda, 1, DL_NR,                 \
                                  add ? cp : b0, add ? ldc : 0, cp, ldc, nc);               \
            }                                                                               \
        }                                                                                   \
    }
#define DL_PK_ARGS int M, int N, int K, const T* A, int lda, const T* Bp, const T* bias, T* C, \
                   int ldc, int beta

static void DL_FN(dl_pk_gemm_base)(DL_PK_ARGS) { DL_PK_BODY }
#if DL_IG_HAVE_FAST
DL_IG_FAST static void DL_FN(dl_pk_gemm_fast)(DL_PK_ARGS) { DL_PK_BODY }
#endif
static void DL_FN(dl_pk_gemm_bias)(DL_PK_ARGS) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  /* empty sum */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(size_t)i * ldc + j] = (beta ? C[(size_t)i * ldc + j] : 0) + (bias ? bias[j] : 0);
        return;
    }
#if DL_IG_HAVE_FAST
    if (dl_ig_fast_ok()) {
        DL_FN(dl_pk_gemm_fast)(M, N, K, A, lda, Bp, bias, C, ldc, beta);
        return;
    }
#endif
    DL_FN(dl_pk_gemm_base)(M, N, K, A, lda, Bp, bias, C, ldc, beta);
}
static void DL_FN(dl_pk_gemm)(int M, int N, int K, const T* A, int lda, const T* Bp, T* C,
                              int ldc, int beta) {
    DL_FN(dl_pk_gemm_bias)(M, N, K, A, lda, Bp, NULL, C, ldc, beta);
}
#undef DL_PK_BODY
#undef DL_PK_ARGS
#undef DL_VL
#undef DL_NR
