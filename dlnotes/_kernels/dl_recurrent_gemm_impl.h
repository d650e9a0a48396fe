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
 * Kernel: 4 rows x 2 vectors of accumulators (8 FMA chains, enough to cover
 * the FMA latency), rows left over take a 1-row kernel; K is cut into blocks
 * of DL_KC so that a panel block stays in L1 while the row blocks pass over
 * it.  An AVX2+FMA version is chosen at run time when the CPU has it, the
 * baseline build (GCC vector extensions lowered to SSE2) otherwise.
 *
 * Included once per element type by dl_recurrent_impl.h (T, DL_FN).
 */
#ifndef DL_PK_ONCE
#define DL_PK_ONCE
#if defined(__GNUC__) && !defined(__clang__)
/* 32-byte vectors pass between the static inline helpers below; no ABI boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define DL_KC 256
#define DL_PK_PAD 16
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define DL_PK_HAVE_FAST 1
#define DL_PK_FAST __attribute__((target("avx2,fma")))
static int dl_pk_fast_ok(void) {
    static int ok = -1;
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return ok;
}
#else
#define DL_PK_HAVE_FAST 0
#endif
static inline size_t dl_pk_size(int K, int N) {
    return (size_t)((N + DL_PK_PAD - 1) / DL_PK_PAD) * DL_PK_PAD * (size_t)K;
}
#endif  /* DL_PK_ONCE */

#define DL_VL ((int)(32 / sizeof(T)))
#define DL_NR (2 * DL_VL)
typedef T DL_FN(dl_pkv) __attribute__((vector_size(32)));
#define V DL_FN(dl_pkv)

static inline V DL_FN(dl_pk_load)(const T* p) { V v; memcpy(&v, p, sizeof v); return v; }
static inline void DL_FN(dl_pk_store)(T* p, V v) { memcpy(p, &v, sizeof v); }

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

/* Store (acc) or add (acc + C) a row of two vectors into C, nc <= NR valid columns. */
static inline __attribute__((always_inline)) void DL_FN(dl_pk_put)(T* c, V v0, V v1, int add,
                                                                  int nc) {
    if (nc == DL_NR) {
        if (add) {
            v0 += DL_FN(dl_pk_load)(c);
            v1 += DL_FN(dl_pk_load)(c + DL_VL);
        }
        DL_FN(dl_pk_store)(c, v0);
        DL_FN(dl_pk_store)(c + DL_VL, v1);
    } else {
        T tmp[2 * 32 / sizeof(T)];
        DL_FN(dl_pk_store)(tmp, v0);
        DL_FN(dl_pk_store)(tmp + DL_VL, v1);
        for (int j = 0; j < nc; j++) c[j] = add ? c[j] + tmp[j] : tmp[j];
    }
}

static inline __attribute__((always_inline)) void DL_FN(dl_pk_k4)(int K, const T* a, int lda,
        const T* bp, T* c, int ldc, int add, int nc) {
    V c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
    const T *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
    for (int k = 0; k < K; k++) {
        V b0 = DL_FN(dl_pk_load)(bp + (size_t)k * DL_NR);
        V b1 = DL_FN(dl_pk_load)(bp + (size_t)k * DL_NR + DL_VL);
        T x;  /* a scalar times a vector: GCC broadcasts it (vbroadcastss) */
        x = a0[k]; c00 += x * b0; c01 += x * b1;
        x = a1[k]; c10 += x * b0; c11 += x * b1;
        x = a2[k]; c20 += x * b0; c21 += x * b1;
        x = a3[k]; c30 += x * b0; c31 += x * b1;
    }
    DL_FN(dl_pk_put)(c, c00, c01, add, nc);
    DL_FN(dl_pk_put)(c + ldc, c10, c11, add, nc);
    DL_FN(dl_pk_put)(c + 2 * (size_t)ldc, c20, c21, add, nc);
    DL_FN(dl_pk_put)(c + 3 * (size_t)ldc, c30, c31, add, nc);
}

/* One row.  It accumulates over k in the same single chain per vector as dl_pk_k4, so a
 * row's result does not depend on whether it falls in a block of four or in the tail: the
 * batch split across threads (and any batch size) gives the same bits as the serial loop. */
static inline __attribute__((always_inline)) void DL_FN(dl_pk_k1)(int K, const T* a,
        const T* bp, T* c, int add, int nc) {
    V s0 = {0}, s1 = {0};
    for (int k = 0; k < K; k++) {
        T x = a[k];
        s0 += x * DL_FN(dl_pk_load)(bp + (size_t)k * DL_NR);
        s1 += x * DL_FN(dl_pk_load)(bp + (size_t)k * DL_NR + DL_VL);
    }
    DL_FN(dl_pk_put)(c, s0, s1, add, nc);
}

/* C (M x N, row stride ldc) = A (M x K, row stride lda) Bp, plus C when beta != 0. */
#define DL_PK_BODY                                                                          \
    for (int k0 = 0; k0 < K; k0 += DL_KC) {                                                 \
        int kc = K - k0 < DL_KC ? K - k0 : DL_KC;                                           \
        int add = beta || k0 > 0;                                                           \
        for (int p = 0; p * DL_NR < N; p++) {                                               \
            const T* bp = Bp + (size_t)p * K * DL_NR + (size_t)k0 * DL_NR;                  \
            int nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;                         \
            T* cp = C + p * DL_NR;                                                          \
            int i = 0;                                                                      \
            for (; i + 4 <= M; i += 4)                                                      \
                DL_FN(dl_pk_k4)(kc, A + (size_t)i * lda + k0, lda, bp, cp + (size_t)i * ldc, \
                                ldc, add, nc);                                              \
            for (; i < M; i++)                                                              \
                DL_FN(dl_pk_k1)(kc, A + (size_t)i * lda + k0, bp, cp + (size_t)i * ldc, add, \
                                nc);                                                        \
        }                                                                                   \
    }

static void DL_FN(dl_pk_gemm_base)(int M, int N, int K, const T* A, int lda, const T* Bp, T* C,
                                   int ldc, int beta) {
    DL_PK_BODY
}
#if DL_PK_HAVE_FAST
DL_PK_FAST static void DL_FN(dl_pk_gemm_fast)(int M, int N, int K, const T* A, int lda,
                                              const T* Bp, T* C, int ldc, int beta) {
    DL_PK_BODY
}
#endif
static void DL_FN(dl_pk_gemm)(int M, int N, int K, const T* A, int lda, const T* Bp, T* C,
                              int ldc, int beta) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  /* empty sum */
        if (!beta)
            for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(T));
        return;
    }
#if DL_PK_HAVE_FAST
    if (dl_pk_fast_ok()) {
        DL_FN(dl_pk_gemm_fast)(M, N, K, A, lda, Bp, C, ldc, beta);
        return;
    }
#endif
    DL_FN(dl_pk_gemm_base)(M, N, K, A, lda, Bp, C, ldc, beta);
}
#undef DL_PK_BODY
#undef V
#undef DL_VL
#undef DL_NR
