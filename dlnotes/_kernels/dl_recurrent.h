/* Per-step gate passes of the recurrent kernels (recurrent.pyx).
 *
 * Written in C so that the float32 versions vectorise: a branch-free exp
 * (dl_vecmath.h: Cephes polynomial, about 1 ulp; exponent built from the
 * bits), sigmoid and tanh derived from it, restrict-qualified row pointers,
 * and clones chosen at load time (GCC's target_clones, dl_clones.h).  The float64 versions
 * use libm's exp (sigmoid) and dl_vecmath.h's tanh.
 *
 * dl_recurrent_impl.h is the one source, instantiated for float (names ending
 * in _f) and double (_d) by dl_instantiate.h.  The unsuffixed names
 * (dl_rnn_fwd, ...) pick the version from the element type of their first
 * array argument (C11 _Generic), so the fused Cython code calls one name for
 * both precisions and the C compiler still checks every argument against the
 * chosen prototype.
 */
#ifndef DL_RECURRENT_H
#define DL_RECURRENT_H

#include "dl_igemm.h"  /* the register tile of the per-step products */
#define DL_IMPL "dl_recurrent_impl.h"
#define DL_ATTR_F DL_CLONES
/* float64 cloned too: with FMA in the x86-64-v3 clone (dl_clones.h), a float64 pass compiled
   for the baseline only would round tanh differently from dlnotes.nn.activations' tanh
   (tests/test_kernel_sources.py: one tanh per precision, same bits). */
#define DL_ATTR_D DL_CLONES
#include "dl_instantiate.h"

#define dl_rnn_fwd(m, n, z, ...) DL_FUSED(dl_rnn_fwd, z)(m, n, z, __VA_ARGS__)
#define dl_rnn_bwd(m, n, dh, ...) DL_FUSED(dl_rnn_bwd, dh)(m, n, dh, __VA_ARGS__)
#define dl_lstm_fwd(m, n, z, ...) DL_FUSED(dl_lstm_fwd, z)(m, n, z, __VA_ARGS__)
#define dl_lstm_bwd(m, n, z, ...) DL_FUSED(dl_lstm_bwd, z)(m, n, z, __VA_ARGS__)
#define dl_gru_after_fwd(m, n, z, ...) DL_FUSED(dl_gru_after_fwd, z)(m, n, z, __VA_ARGS__)
#define dl_gru_after_bwd(m, n, z, ...) DL_FUSED(dl_gru_after_bwd, z)(m, n, z, __VA_ARGS__)
#define dl_gru_update(m, n, z, ...) DL_FUSED(dl_gru_update, z)(m, n, z, __VA_ARGS__)
#define dl_gru_before_fwd1(m, n, z, ...) DL_FUSED(dl_gru_before_fwd1, z)(m, n, z, __VA_ARGS__)
#define dl_gru_before_fwd2(m, n, z) DL_FUSED(dl_gru_before_fwd2, z)(m, n, z)
#define dl_gru_before_bwd1(m, n, z, ...) DL_FUSED(dl_gru_before_bwd1, z)(m, n, z, __VA_ARGS__)
#define dl_gru_before_bwd2(m, n, z, ...) DL_FUSED(dl_gru_before_bwd2, z)(m, n, z, __VA_ARGS__)
#define dl_pk_pack_bt(K, N, w, ...) DL_FUSED(dl_pk_pack_bt, w)(K, N, w, __VA_ARGS__)
#define dl_pk_pack_b(K, N, w, ...) DL_FUSED(dl_pk_pack_b, w)(K, N, w, __VA_ARGS__)
#define dl_pk_gemm(M, N, K, a, ...) DL_FUSED(dl_pk_gemm, a)(M, N, K, a, __VA_ARGS__)
#define dl_pk_gemm_bias(M, N, K, a, ...) DL_FUSED(dl_pk_gemm_bias, a)(M, N, K, a, __VA_ARGS__)

/* Progress counters of a two-thread pipeline (seqpipe.pyx). */
static inline void dl_store_release(int* p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline int dl_load_acquire(const int* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
/* The next chunk index from *next, if it is below `limit`: *next is advanced by one
 * (compare-and-swap, so two threads never take the same chunk); -1 if none is left. */
static inline int dl_claim_below(int* next, int limit) {
    int j = __atomic_load_n(next, __ATOMIC_ACQUIRE);
    while (j < limit) {
        if (__atomic_compare_exchange_n(next, &j, j + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return j;
    }
    return -1;
}
/* One wait of a spin loop: `pause` for the first 1024 rounds (a chunk of steps is ~0.1-1 ms
 * away), then sched_yield, so that a waiting thread that shares its core with the one it
 * waits for (an oversubscribed machine, a scheduler that placed both on one CPU) gives the
 * core up instead of spinning against it.  *rounds counts the rounds of this wait. */
#include <sched.h>
static inline void dl_cpu_relax(int* rounds) {
    if (++*rounds > 1024) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The layout changes of the recurrent functions (notes' (n, m, T) <-> time-major
 * (T, m, n)): dst[a, i, b] = src[b, i, a] with unit inner strides on both sides; s0, s1
 * (d0, d1) are the outer strides of src (dst) in elements.  Per example i, 8 x 8 tiles:
 * the rows of a tile are 32-byte runs on both sides.  Full tiles are transposed in
 * AVX2 registers (8 row loads, 24 shuffles, 8 row stores; float64: four 4 x 4 blocks):
 * measured against the scalar tile loop (n_x = 64 / n_a = 128, m = 32, T = 50,
 * float32), see rnn.rst.  Partial tiles, and machines without AVX2, take the scalar
 * loop, which keeps the side whose outer stride is a multiple of 1 KiB on its
 * contiguous runs (rows 16 KiB apart otherwise crowd a few L1 sets: 0.17 -> 0.48 ms
 * for (128, 32, 50) float32). */
#define DL_SWAP_SCALAR(T)                                                                    \
    if (read_rows)                                                                           \
        for (ptrdiff_t b = b0; b < b1; b++) {                                                \
            const T* sp = src + b * s0 + i * s1;                                             \
            for (ptrdiff_t a = a0; a < a1; a++) dst[a * d0 + i * d1 + b] = sp[a];            \
        }                                                                                    \
    else                                                                                     \
        for (ptrdiff_t a = a0; a < a1; a++) {                                                \
            T* dp = dst + a * d0 + i * d1;                                                   \
            for (ptrdiff_t b = b0; b < b1; b++) dp[b] = src[b * s0 + i * s1 + a];            \
        }
#define DL_SWAP_TILE(T, TILE, HAVE_TILE)                                                     \
    const ptrdiff_t b1 = b0 + 8 < B ? b0 + 8 : B, a1 = a0 + 8 < A ? a0 + 8 : A;              \
    if (HAVE_TILE && b1 - b0 == 8 && a1 - a0 == 8)                                           \
        TILE(src + b0 * s0 + i * s1 + a0, s0, dst + a0 * d0 + i * d1 + b0, d0);              \
    else { DL_SWAP_SCALAR(T) }
/* The tiles of the side with the 1 KiB-multiple stride go first (all of its rows' lines
 * are then finished before they can be evicted). */
#define DL_SWAP_LOOP(T, TILE, HAVE_TILE)                                                     \
    const int read_rows = (s0 * (ptrdiff_t)sizeof(T)) % 1024 == 0;                           \
    for (ptrdiff_t i = 0; i < m; i++) {                                                      \
        if (read_rows)                                                                       \
            for (ptrdiff_t b0 = 0; b0 < B; b0 += 8)                                          \
                for (ptrdiff_t a0 = 0; a0 < A; a0 += 8) { DL_SWAP_TILE(T, TILE, HAVE_TILE) } \
        else                                                                                 \
            for (ptrdiff_t a0 = 0; a0 < A; a0 += 8)                                          \
                for (ptrdiff_t b0 = 0; b0 < B; b0 += 8) { DL_SWAP_TILE(T, TILE, HAVE_TILE) } \
    }
#define DL_SWAP_ARGS(T) const T* src, ptrdiff_t s0, ptrdiff_t s1, T* dst, ptrdiff_t d0,      \
                        ptrdiff_t d1, ptrdiff_t B, ptrdiff_t m, ptrdiff_t A
static inline void dl_tile_none_f(const float* s, ptrdiff_t ls, float* d, ptrdiff_t ld) {
    (void)s; (void)ls; (void)d; (void)ld; }
static inline void dl_tile_none_d(const double* s, ptrdiff_t ls, double* d, ptrdiff_t ld) {
    (void)s; (void)ls; (void)d; (void)ld; }
static void dl_swap_rows_base_f(DL_SWAP_ARGS(float)) { DL_SWAP_LOOP(float, dl_tile_none_f, 0) }
static void dl_swap_rows_base_d(DL_SWAP_ARGS(double)) { DL_SWAP_LOOP(double, dl_tile_none_d, 0) }
#if DL_IG_HAVE_FAST
#include <immintrin.h>
/* d[a * ld + b] = s[b * ls + a], a, b < 8 */
DL_IG_FAST static inline void dl_tile8_f(const float* s, ptrdiff_t ls, float* d, ptrdiff_t ld) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ls);
    __m256 r2 = _mm256_loadu_ps(s + 2 * ls), r3 = _mm256_loadu_ps(s + 3 * ls);
    __m256 r4 = _mm256_loadu_ps(s + 4 * ls), r5 = _mm256_loadu_ps(s + 5 * ls);
    __m256 r6 = _mm256_loadu_ps(s + 6 * ls), r7 = _mm256_loadu_ps(s + 7 * ls);
    /* pairs of rows interleaved, then quads, then the 128-bit halves exchanged */
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + ld, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + 2 * ld, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + 3 * ld, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + 4 * ld, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + 5 * ld, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + 6 * ld, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(d + 7 * ld, _mm256_permute2f128_ps(u3, u7, 0x31));
}
DL_IG_FAST static inline void dl_tile4_d(const double* s, ptrdiff_t ls, double* d, ptrdiff_t ld) {
    __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + ls);
    __m256d r2 = _mm256_loadu_pd(s + 2 * ls), r3 = _mm256_loadu_pd(s + 3 * ls);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(d + ld, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(d + 2 * ld, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(d + 3 * ld, _mm256_permute2f128_pd(t1, t3, 0x31));
}
DL_IG_FAST static inline void dl_tile8_d(const double* s, ptrdiff_t ls, double* d, ptrdiff_t ld) {
    dl_tile4_d(s, ls, d, ld);
    dl_tile4_d(s + 4, ls, d + 4 * ld, ld);
    dl_tile4_d(s + 4 * ls, ls, d + 4, ld);
    dl_tile4_d(s + 4 * ls + 4, ls, d + 4 * ld + 4, ld);
}
DL_IG_FAST static void dl_swap_rows_fast_f(DL_SWAP_ARGS(float)) { DL_SWAP_LOOP(float, dl_tile8_f, 1) }
DL_IG_FAST static void dl_swap_rows_fast_d(DL_SWAP_ARGS(double)) { DL_SWAP_LOOP(double, dl_tile8_d, 1) }
#endif
static void dl_swap_rows_f(DL_SWAP_ARGS(float)) {
#if DL_IG_HAVE_FAST
    if (dl_ig_fast_ok()) { dl_swap_rows_fast_f(src, s0, s1, dst, d0, d1, B, m, A); return; }
#endif
    dl_swap_rows_base_f(src, s0, s1, dst, d0, d1, B, m, A);
}
static void dl_swap_rows_d(DL_SWAP_ARGS(double)) {
#if DL_IG_HAVE_FAST
    if (dl_ig_fast_ok()) { dl_swap_rows_fast_d(src, s0, s1, dst, d0, d1, B, m, A); return; }
#endif
    dl_swap_rows_base_d(src, s0, s1, dst, d0, d1, B, m, A);
}
#define dl_swap_rows(src, ...) DL_FUSED(dl_swap_rows, src)(src, __VA_ARGS__)
#undef DL_SWAP_SCALAR
#undef DL_SWAP_LOOP
#undef DL_SWAP_TILE
#undef DL_SWAP_ARGS

#endif  /* DL_RECURRENT_H */
