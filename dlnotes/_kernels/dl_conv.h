/* Compiled loops of the convolution kernels (conv.pyx), each for float (_f32) and
 * double (_f64): the col2im vector add and the bias-gradient column sums.  Compiled for AVX-512, AVX2 and
 * baseline x86-64 with GCC's target_clones (chosen at load time); plain C elsewhere.
 */
#ifndef DL_CONV_H
#define DL_CONV_H

#include <stddef.h>
#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif
#include "dl_clones.h"
#define DL_CLONES DL_TARGET_CLONES
/* dst[j] += src[j] for j < n. */
DL_CLONES static void dl_add_f32(float *restrict dst, const float *restrict src, ptrdiff_t n)
{ for (ptrdiff_t j = 0; j < n; ++j) dst[j] += src[j]; }
DL_CLONES static void dl_add_f64(double *restrict dst, const double *restrict src, ptrdiff_t n)
{ for (ptrdiff_t j = 0; j < n; ++j) dst[j] += src[j]; }
/* db: acc[c] += sum_q z[q * F + c], eight columns at a time in double registers (a
   plain loop over acc[c] waits on a store-to-load round trip per value). */
#define DL_COLSUM(T, SFX) \
DL_CLONES static void dl_colsum_##SFX(double *restrict acc, const T *restrict z, ptrdiff_t nq, \
                                      ptrdiff_t F) \
{ for (ptrdiff_t c0 = 0; c0 < F; c0 += 8) { \
      double s[8] = {0, 0, 0, 0, 0, 0, 0, 0}; \
      const ptrdiff_t nc = F - c0 < 8 ? F - c0 : 8; \
      if (nc == 8) { for (ptrdiff_t q = 0; q < nq; ++q) for (int j = 0; j < 8; ++j) \
                         s[j] += z[q * F + c0 + j]; } \
      else { for (ptrdiff_t q = 0; q < nq; ++q) for (int j = 0; j < nc; ++j) \
                 s[j] += z[q * F + c0 + j]; } \
      for (int j = 0; j < nc; ++j) acc[c0 + j] += s[j]; } }
DL_COLSUM(float, f32)
DL_COLSUM(double, f64)

/* One name for both precisions, chosen by the element type of an array argument (C11
 * _Generic), so that the fused Cython code in conv.pyx calls one name. */
#define DL_CONV_FUSED(name, p) _Generic(*(p) + 0, float: name##_f32, double: name##_f64)
#define dl_add(dst, ...) DL_CONV_FUSED(dl_add, dst)(dst, __VA_ARGS__)
#define dl_colsum(acc, z, ...) DL_CONV_FUSED(dl_colsum, z)(acc, z, __VA_ARGS__)

#endif /* DL_CONV_H */
