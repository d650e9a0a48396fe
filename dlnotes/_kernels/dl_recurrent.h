/* Per-step gate passes of the recurrent kernels (recurrent.pyx).
 *
 * Written in C so that the float32 versions vectorise: a branch-free exp
 * (dl_vecmath.h: Cephes polynomial, about 1 ulp; exponent built from the
 * bits), sigmoid and tanh derived from it, restrict-qualified row pointers,
 * and clones for AVX-512 / AVX2 / baseline chosen at load time (GCC's
 * target_clones).  The float64 versions keep libm's exp/tanh.
 *
 * dl_recurrent_impl.h is the one source, instantiated here for float (names
 * ending in _f) and double (_d).  The unsuffixed names (dl_rnn_fwd, ...) pick
 * the version from the element type of their first array argument (C11
 * _Generic), so the fused Cython code calls one name for both precisions and
 * the C compiler still checks every argument against the chosen prototype.
 */
#ifndef DL_RECURRENT_H
#define DL_RECURRENT_H

#if defined(__GNUC__) && !defined(__clang__)
/* Let GCC if-convert the float comparisons of the clamps so that the loops
 * vectorise on every target; restored by pop_options below. */
#pragma GCC push_options
#pragma GCC optimize ("no-trapping-math")
#endif
#include "dl_vecmath.h"

#define DL_CAT_(a, b) a##_##b
#define DL_CAT(a, b) DL_CAT_(a, b)
#define DL_FN(name) DL_CAT(name, DL_SFX)

#define T float
#define DL_SFX f
#define DL_ATTR DL_CLONES
#define SIG dl_sigf
#define TANH dl_tanhf
#include "dl_recurrent_impl.h"
#undef T
#undef DL_SFX
#undef DL_ATTR
#undef SIG
#undef TANH

#define T double
#define DL_SFX d
#define DL_ATTR
#define SIG dl_sigd
#define TANH dl_tanhd
#include "dl_recurrent_impl.h"
#undef T
#undef DL_SFX
#undef DL_ATTR
#undef SIG
#undef TANH

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#if defined(__GNUC__)
/* The Cython side declares these names with void* arguments, so the C compiler
 * is the one that checks them: an argument of the wrong type or precision is a
 * build error, not a warning (this applies to the rest of recurrent.c). */
#pragma GCC diagnostic error "-Wincompatible-pointer-types"
#if !defined(__clang__)
#pragma GCC diagnostic error "-Wdiscarded-qualifiers"
#endif
#endif
/* `*(p) + 0` is an rvalue of the element type, without the pointer's const. */
#define DL_FUSED(name, p) _Generic(*(p) + 0, float: name##_f, double: name##_d)
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

#endif  /* DL_RECURRENT_H */
