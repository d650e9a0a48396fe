/* Per-row loops of the pooling kernels (pool.pyx).
 *
 * One call per output row, channels innermost (contiguous, so the compiler
 * vectorises the per-channel compare / add / select), compiled for AVX-512,
 * AVX2 and baseline x86-64 with GCC's target_clones (chosen at load time);
 * plain C elsewhere.  Each macro is instantiated for float (_f32) and double
 * (_f64).
 */
#ifndef DL_POOL_H
#define DL_POOL_H

#include <stddef.h>
#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif
#include "dl_clones.h"
#define DL_POOL_CLONES DL_TARGET_CLONES
/* One output row of max pooling.  a: the input at (i, y0, 0, 0), rows of Wd*C;
   o, g: the row's Wo*C outputs and flat indices y*Wd + x.  Windows are scanned
   in row-major order with branch-free selects (the channel loop vectorises): a
   NaN always wins (propagates), like PyTorch's `val > max || isnan(val)`; ties
   keep the earlier index. */
#define DL_MAX_ROW(NAME, T)                                                        \
DL_POOL_CLONES static void NAME(T *restrict o, int *restrict g,                    \
                                const T *restrict a, ptrdiff_t Wo, ptrdiff_t C,     \
                                ptrdiff_t f, ptrdiff_t s, ptrdiff_t Wd, ptrdiff_t y0) \
{                                                                                  \
    for (ptrdiff_t w = 0; w < Wo; ++w)                                             \
        for (ptrdiff_t c = 0; c < C; ++c) {                                        \
            o[w * C + c] = a[w * s * C + c];                                       \
            g[w * C + c] = (int)(y0 * Wd + w * s);                                 \
        }                                                                          \
    for (ptrdiff_t u = 0; u < f; ++u)                                              \
        for (ptrdiff_t v = 0; v < f; ++v) {                                        \
            if (u == 0 && v == 0) continue;                                        \
            const T *ar = a + (u * Wd + v) * C;                                    \
            for (ptrdiff_t w = 0; w < Wo; ++w) {                                   \
                const T *aw = ar + w * s * C;                                      \
                T *ow = o + w * C;                                                 \
                int *gw = g + w * C;                                               \
                int idx = (int)((y0 + u) * Wd + w * s + v);                        \
                for (ptrdiff_t c = 0; c < C; ++c) {                                \
                    T x = aw[c];                                                   \
                    int up = (x > ow[c]) | (x != x);                               \
                    ow[c] = up ? x : ow[c];                                        \
                    gw[c] = up ? idx : gw[c];                                      \
                }                                                                  \
            }                                                                      \
        }                                                                          \
}
DL_MAX_ROW(dl_max_row_f32, float)
DL_MAX_ROW(dl_max_row_f64, double)
/* One output row of average pooling (sum in window order, then the scale). */
#define DL_AVG_ROW(NAME, T)                                                        \
DL_POOL_CLONES static void NAME(T *restrict o, const T *restrict a, ptrdiff_t Wo,   \
                                ptrdiff_t C, ptrdiff_t f, ptrdiff_t s, ptrdiff_t Wd, \
                                T scale)                                            \
{                                                                                  \
    for (ptrdiff_t j = 0; j < Wo * C; ++j) o[j] = 0;                               \
    for (ptrdiff_t u = 0; u < f; ++u)                                              \
        for (ptrdiff_t v = 0; v < f; ++v) {                                        \
            const T *ar = a + (u * Wd + v) * C;                                    \
            for (ptrdiff_t w = 0; w < Wo; ++w) {                                   \
                const T *aw = ar + w * s * C;                                      \
                T *ow = o + w * C;                                                 \
                for (ptrdiff_t c = 0; c < C; ++c) ow[c] += aw[c];                  \
            }                                                                      \
        }                                                                          \
    for (ptrdiff_t j = 0; j < Wo * C; ++j) o[j] = o[j] * scale;                    \
}
DL_AVG_ROW(dl_avg_row_f32, float)
DL_AVG_ROW(dl_avg_row_f64, double)
/* Backward of one output row over its window positions, d at (i, y0, 0, 0):
   DL_AVG_ADD  d += g / f^2 (overlapping windows add up);
   DL_AVG_SET  d  = g / f^2 (the windows tile the band: each position once);
   DL_MAX_SET  d  = g if the position is the recorded argmax, else 0 (disjoint
               windows: a vectorised select instead of zero-fill + scatter;
               nothing is written outside the windows, whatever g_ix holds). */
enum { DL_AVG_ADD = 0, DL_AVG_SET = 1, DL_MAX_SET = 2 };
#define DL_BACK_ROW(NAME, T)                                                       \
DL_POOL_CLONES static void NAME(T *restrict d, const T *restrict gr,               \
                                const int *restrict g_ix, ptrdiff_t Wo, ptrdiff_t C, \
                                ptrdiff_t f, ptrdiff_t s, ptrdiff_t Wd, ptrdiff_t y0, \
                                T scale, int how)                                   \
{                                                                                  \
    for (ptrdiff_t u = 0; u < f; ++u)                                              \
        for (ptrdiff_t v = 0; v < f; ++v) {                                        \
            T *dr = d + (u * Wd + v) * C;                                          \
            for (ptrdiff_t w = 0; w < Wo; ++w) {                                   \
                T *dw = dr + w * s * C;                                            \
                const T *gw = gr + w * C;                                          \
                if (how == DL_MAX_SET) {                                           \
                    const int *iw = g_ix + w * C;                                  \
                    int idx = (int)((y0 + u) * Wd + w * s + v);                    \
                    for (ptrdiff_t c = 0; c < C; ++c)                              \
                        dw[c] = iw[c] == idx ? gw[c] : (T)0;                       \
                } else if (how == DL_AVG_SET) {                                    \
                    for (ptrdiff_t c = 0; c < C; ++c) dw[c] = gw[c] * scale;       \
                } else {                                                           \
                    for (ptrdiff_t c = 0; c < C; ++c) dw[c] += gw[c] * scale;      \
                }                                                                  \
            }                                                                      \
        }                                                                          \
}
DL_BACK_ROW(dl_back_row_f32, float)
DL_BACK_ROW(dl_back_row_f64, double)

/* One name for both precisions, chosen by the element type of the first array (C11
 * _Generic), so that the fused Cython code in pool.pyx calls one name. */
#define DL_POOL_FUSED(name, p) _Generic(*(p) + 0, float: name##_f32, double: name##_f64)
#define dl_max_row(o, ...) DL_POOL_FUSED(dl_max_row, o)(o, __VA_ARGS__)
#define dl_avg_row(o, ...) DL_POOL_FUSED(dl_avg_row, o)(o, __VA_ARGS__)
#define dl_back_row(d, ...) DL_POOL_FUSED(dl_back_row, d)(d, __VA_ARGS__)

#endif  /* DL_POOL_H */
