/* Vectorisable math shared by the kernels (included from verbatim C blocks).
 *
 * dl_expf: float32 exp, Cephes range reduction and polynomial (about 1 ulp), branch-free,
 * 2^n built from the bits, so loops calling it vectorise; sigmoid and tanh from it.
 * DL_CLONES: GCC target_clones for AVX-512 / AVX2 / baseline, picked at load time,
 * so one portable build uses the widest vectors the machine has.
 */
#ifndef DL_VECMATH_H
#define DL_VECMATH_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && !defined(__INTEL_COMPILER)
#define DL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DL_CLONES
#endif
#if defined(_MSC_VER)
#define DL_RESTRICT __restrict
#else
#define DL_RESTRICT __restrict__
#endif

/* exp for float32: Cephes' range reduction and polynomial, 2^n from the bits. */
static inline float dl_expf(float x) {
    float t, fn, r, p, s;
    int32_t i;
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    t = x * 1.44269504088896341f + 12582912.0f;
    fn = t - 12582912.0f;
    memcpy(&i, &t, sizeof i);
    r = x - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    i = (i - 0x4B400000 + 127) << 23;
    memcpy(&s, &i, sizeof s);
    return p * s;
}

/* float32 sigmoid: exactly 0 below -87 (where dl_expf clamps; the true value is
 * below 1.7e-38 there), else 1 / (1 + exp(-x)). */
static inline float dl_sigf(float x) {
    return x < -87.0f ? 0.0f : 1.0f / (1.0f + dl_expf(-x));
}
/* float32 tanh, branch-free (the one formula of the package: activations and the
 * recurrent gates): the odd Taylor series to x^11 for |x| < 1/4 (truncation below
 * 1e-9 relative), else (1 - e)/(1 + e) with e = exp(-2|x|) <= 0.61, which has no
 * cancellation; the sign is restored. */
static inline float dl_tanhf(float x) {
    float ax = fabsf(x), x2 = x * x, e, t, p;
    p = x * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f
            + x2 * (62.0f / 2835.0f + x2 * (-1382.0f / 155925.0f))))));
    e = dl_expf(-2.0f * ax);
    t = copysignf((1.0f - e) / (1.0f + e), x);
    return ax < 0.25f ? p : t;
}
/* float64 sigmoid: exp only of -|x| (never overflows), then a select instead of
 * a branch (random signs mispredict half the time: 2.3 ms -> see the commit). */
static inline double dl_sigd(double x) {
    double e = exp(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0 ? r : e * r;
}
static inline double dl_tanhd(double x) { return tanh(x); }
#endif  /* DL_VECMATH_H */
