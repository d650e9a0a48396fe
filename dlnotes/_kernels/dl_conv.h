/* Compiled loops of the convolution kernels (conv.pyx), each for float (_f32) and
 * double (_f64): the col2im vector add, the outer-product weight gradient for few
 * output channels and the bias-gradient column sums.  Compiled for AVX-512, AVX2 and
 * baseline x86-64 with GCC's target_clones (chosen at load time); plain C elsewhere.
 */
#ifndef DL_CONV_H
#define DL_CONV_H

#include <stddef.h>
#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) \
    && !defined(DLNOTES_NO_TARGET_CLONES)
#define DL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DL_CLONES
#endif
/* dst[j] += src[j] for j < n. */
DL_CLONES static void dl_add_f32(float *restrict dst, const float *restrict src, ptrdiff_t n)
{ for (ptrdiff_t j = 0; j < n; ++j) dst[j] += src[j]; }
DL_CLONES static void dl_add_f64(double *restrict dst, const double *restrict src, ptrdiff_t n)
{ for (ptrdiff_t j = 0; j < n; ++j) dst[j] += src[j]; }
/* Weight gradient for few output channels, as outer products (BLAS runs the skinny
   cols^T dZ product far below its peak, mostly packing cols):
       acc[c * K + k] += sum_p dz[p * F + c] cols[p * K + k]     (acc is dW^T, F x K)
   eight positions per pass, so each acc vector is loaded and stored once per eight
   multiply-adds; the k loop is contiguous and vectorises. */
#define DL_DW_OUTER(T, SFX) \
DL_CLONES static void dl_dw_outer_##SFX(T *restrict acc, const T *restrict cols, \
                                        const T *restrict dz, ptrdiff_t P, ptrdiff_t K, \
                                        ptrdiff_t F) \
{ ptrdiff_t p = 0; \
  for (; p + 8 <= P; p += 8) { \
      const T *restrict c0 = cols + p * K, *restrict c1 = c0 + K; \
      const T *restrict c2 = c1 + K, *restrict c3 = c2 + K, *restrict c4 = c3 + K; \
      const T *restrict c5 = c4 + K, *restrict c6 = c5 + K, *restrict c7 = c6 + K; \
      const T *restrict g = dz + p * F; \
      for (ptrdiff_t c = 0; c < F; ++c) { \
          const T d0 = g[c], d1 = g[F + c], d2 = g[2 * F + c], d3 = g[3 * F + c]; \
          const T d4 = g[4 * F + c], d5 = g[5 * F + c], d6 = g[6 * F + c]; \
          const T d7 = g[7 * F + c]; \
          T *restrict a = acc + c * K; \
          for (ptrdiff_t k = 0; k < K; ++k) \
              a[k] += ((d0 * c0[k] + d1 * c1[k]) + (d2 * c2[k] + d3 * c3[k])) \
                    + ((d4 * c4[k] + d5 * c5[k]) + (d6 * c6[k] + d7 * c7[k])); } } \
  for (; p < P; ++p) { \
      const T *restrict c0 = cols + p * K; \
      for (ptrdiff_t c = 0; c < F; ++c) { \
          const T d0 = dz[p * F + c]; T *restrict a = acc + c * K; \
          for (ptrdiff_t k = 0; k < K; ++k) a[k] += d0 * c0[k]; } } }
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
DL_DW_OUTER(float, f32)
DL_DW_OUTER(double, f64)
DL_COLSUM(float, f32)
DL_COLSUM(double, f64)

/* One name for both precisions, chosen by the element type of an array argument (C11
 * _Generic), so that the fused Cython code in conv.pyx calls one name. */
#define DL_CONV_FUSED(name, p) _Generic(*(p) + 0, float: name##_f32, double: name##_f64)
#define dl_add(dst, ...) DL_CONV_FUSED(dl_add, dst)(dst, __VA_ARGS__)
#define dl_dw_outer(acc, ...) DL_CONV_FUSED(dl_dw_outer, acc)(acc, __VA_ARGS__)
#define dl_colsum(acc, z, ...) DL_CONV_FUSED(dl_colsum, z)(acc, z, __VA_ARGS__)

#endif /* DL_CONV_H */
