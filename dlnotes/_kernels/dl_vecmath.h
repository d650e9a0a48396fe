/* Vectorisable math shared by the kernels (included from verbatim C blocks).
 *
 * dl_expf: float32 exp, Cephes range reduction and polynomial (about 1 ulp), branch-free,
 * 2^n built from the bits, so loops calling it vectorise; float32 sigmoid and tanh from it.
 * dl_tanhd: float64 tanh (within 0.62 ulp), branch-free too; dl_expd_neg: float64 exp of
 * x <= 0 (within 1 ulp), behind the float64 sigmoid dl_sigd.
 * DL_CLONES: GCC target_clones (dl_clones.h), picked at load time, so one portable build
 * uses the widest vectors the machine has.
 */
#ifndef DL_VECMATH_H
#define DL_VECMATH_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "dl_clones.h"
#define DL_CLONES DL_TARGET_CLONES
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
/* (exp(r) - 1 - r) / r^2 on |r| <= ln2 / 2: minimax, degree 10, relative error 5e-18 (the
 * float64 exp of dl_expd_neg and of dl_tanhd). */
static inline double dl_expm1r_d(double r) {
    double q = 0x1.1f72fc730b4ffp-29;
    q = q * r + 0x1.af4ddd84882fep-26;
    q = q * r + 0x1.27e4db67b4303p-22;
    q = q * r + 0x1.71de02375656cp-19;
    q = q * r + 0x1.a01a01a6d7808p-16;
    q = q * r + 0x1.a01a01abe62ddp-13;
    q = q * r + 0x1.6c16c16c162d6p-10;
    q = q * r + 0x1.11111111100dfp-7;
    q = q * r + 0x1.5555555555556p-5;
    q = q * r + 0x1.5555555555557p-3;
    return q * r + 0.5;
}
/* 2^n for an integer-valued double n in [-1022, 1023], from the bits: n + 1023 sits in the
 * low bits of n + (1.5 2^52 + 1023), and the shift keeps exactly those 11 bits. */
static inline double dl_pow2i_d(double n) {
    double t = n + (0x1.8p52 + 1023.0), s;
    uint64_t k;
    memcpy(&k, &t, sizeof k);
    k <<= 52;
    memcpy(&s, &k, sizeof s);
    return s;
}
/* exp(x) for x <= 0 (NaN passes), branch-free so that loops calling it vectorise (libm's exp
 * does not: the float64 sigmoid took 16 ns per element with it, 2^20 elements, one thread).
 * n = round(x / ln2) from the bits, r = x - n ln2 in two parts (Cody-Waite: the high part of
 * ln2 has 32 significant bits, so n ln2_hi is exact for |n| <= 2^21), exp(r) = 1 + r +
 * r^2 q(r), then 2^n applied as two factors 2^n1 2^(n - n1), n1 = round(n / 2), each a
 * normal number down to n = -1075, so results in the subnormal range round once, at the last
 * product.  Below -745.2 (exp underflows to 0) x is clamped: the result is then 0.
 * Within 1 ulp (tests/test_kernel_sources.py, against mpmath). */
static inline double dl_expd_neg(double x) {
    double t, fn, fn1, r, e;
    x = x < -745.2 ? -745.2 : x;
    t = x * 0x1.71547652b82fep+0 + 0x1.8p52;
    fn = t - 0x1.8p52;
    r = x - fn * 0x1.62e42fee00000p-1;
    r = r - fn * 0x1.a39ef35793c76p-33;
    e = 1.0 + (r + (r * r) * dl_expm1r_d(r));
    fn1 = (fn * 0.5 + 0x1.8p52) - 0x1.8p52;
    return (e * dl_pow2i_d(fn1)) * dl_pow2i_d(fn - fn1);
}
/* float64 sigmoid: exp only of -|x| (never overflows), then a select instead of
 * a branch (random signs mispredict half the time: 2.3 ms -> see the commit). */
static inline double dl_sigd(double x) {
    double e = dl_expd_neg(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0 ? r : e * r;
}
/* float64 tanh, branch-free and vectorisable (the package's one float64 tanh: activations,
 * the course's cells and the recurrent gates), within 0.62 ulp of the true value (measured:
 * tests/test_kernel_sources.py against mpmath).  With a = |x| (clamped to 20, where
 * tanh = 1 in double; NaN passes the clamp) both branches are computed and one is selected:
 *
 * a < 3/8: tanh a = a + a s P(s), s = a^2, P the minimax fit of (tanh a - a) / a^3 on
 *   [0, 9/64] (degree 8, relative error 1.2e-17).  The correction is under 5 % of the
 *   result, so its rounding errors weigh little; tiny a give a itself.
 * a >= 3/8: tanh a = 1 - q, q = 2e / (1 + e), e = exp(-2a) = 2^n exp(r), |r| <= ln2 / 2.
 *   1 - q cancels up to 2 bits, so q is carried beyond double precision: r = rh + rl
 *   (Cody-Waite with a 40-bit ln2, the reduction error kept), exp(r) = Eh + El (minimax
 *   (exp r - 1 - r) / r^2, degree 10, relative error 5e-18, two error-free sums), then the
 *   division corrected once: qt = the quotient rounded to a multiple of 2^-26 (26 bits),
 *   the denominator's high part split into 26 + 27 bits, so qt * D1 and qt * D2 are exact
 *   and R = N - qt D is the true remainder; q = qt + R / D, and 1 - qt is exact, so the
 *   result is rounded once.
 *
 * Only sums and products of exact halves are error-free steps here, so an FMA that the
 * compiler may contract (the AVX-512 clone) keeps every step exact; roundings to a grid are
 * done by adding and subtracting a power of two.  The sign is copied back last (-0 -> -0). */
static inline double dl_tanhd(double x) {
    double a = fabs(x), s, p, y1, v, t, fn, sc, w, c, rh, rl, qe, Eh, El, y, Dh, Dl, rD;
    double Nh, Nl, qt, D1, R;
    uint64_t k;
    a = a > 20.0 ? 20.0 : a;
    /* a < 3/8 */
    s = a * a;
    p = -0x1.861c26fe060b5p-13;
    p = p * s + 0x1.2e5b26b41cac6p-11;
    p = p * s - 0x1.7d273f7e2f224p-10;
    p = p * s + 0x1.d6cebe48bbf20p-9;
    p = p * s - 0x1.226e25b3b82e6p-7;
    p = p * s + 0x1.664f484c3912dp-6;
    p = p * s - 0x1.ba1ba1b9bc59dp-5;
    p = p * s + 0x1.1111111110f0fp-3;
    p = p * s - 0x1.5555555555555p-2;
    y1 = a + (a * s) * p;
    /* a >= 3/8: n = round(-2a / ln2) from the bits of t, 2^n = sc */
    v = -2.0 * a;
    t = v * 0x1.71547652b82fep+0 + 0x1.8p52;
    fn = t - 0x1.8p52;
    memcpy(&k, &t, sizeof k);
    k = (k - 0x4338000000000000ULL + 1023) << 52;
    memcpy(&sc, &k, sizeof sc);
    w = v - fn * 0x1.62e42fefa2000p-1;     /* exact: 40-bit ln2 high part, |n| <= 58 */
    c = fn * 0x1.9ef35793c7673p-41;
    rh = w - c;
    rl = (w - rh) - c;                      /* r = rh + rl */
    qe = dl_expm1r_d(rh);
    Eh = 1.0 + rh;                          /* exp(r) = Eh + El */
    El = ((1.0 - Eh) + rh) + (rl + rl * rh + (rh * rh) * qe);
    y = Eh + El;
    El = (Eh - y) + El;
    Eh = y;
    y = sc * Eh;                            /* D = 1 + e = Dh + Dl, N = 2e = Nh + Nl */
    Dh = 1.0 + y;
    Dl = ((1.0 - Dh) + y) + sc * El;
    Nh = 2.0 * y;
    Nl = 2.0 * (sc * El);
    rD = 1.0 / Dh;
    qt = (Nh * rD + 0x1p26) - 0x1p26;
    D1 = (Dh + 0x1p27) - 0x1p27;
    R = ((Nh - qt * D1) - qt * (Dh - D1)) + (Nl - qt * Dl);
    return copysign(a < 0.375 ? y1 : (1.0 - qt) - R * rD, x);
}
#endif  /* DL_VECMATH_H */
