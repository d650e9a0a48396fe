/* Per-step gate passes of the recurrent kernels (recurrent.pyx).
 *
 * Written in C so that the float32 versions vectorise: a branch-free exp
 * (dl_vecmath.h: Cephes polynomial, about 1 ulp; exponent built from the
 * bits), sigmoid and tanh derived from it, restrict-qualified row pointers,
 * and clones for AVX-512 / AVX2 / baseline chosen at load time (GCC's
 * target_clones).  The float64 versions use libm's exp (sigmoid) and dl_vecmath.h's tanh.
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

#endif  /* DL_RECURRENT_H */
