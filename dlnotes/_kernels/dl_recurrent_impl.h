/* One source of the per-step gate passes of the recurrent kernels, written
 * with T (the element type), DL_FN(name) (the name with the type's suffix),
 * SIG and TANH (the type's sigmoid and tanh) and DL_ATTR (function attributes).
 * dl_recurrent.h includes it once for float and once for double; do not
 * include it elsewhere.
 *
 * Row passes (dl_*_row) work on one example's n units; the batch passes
 * (dl_rnn_fwd, ...) loop over the m examples of a step, whose rows in the
 * Z / dZ buffers hold the gate blocks side by side (G = 3n or 4n per row)
 * and whose states sit in HX rows of stride ldh.
 */
#if !defined(T) || !defined(DL_FN)
#error "dl_recurrent_impl.h is meant to be included by dl_recurrent.h only"
#endif
/* The row passes are always inlined into the batch passes, so that each target_clones
 * clone of a batch pass vectorises them for its own target (left to GCC's heuristics,
 * seqpipe.c kept one baseline copy of dl_lstm_fwd_row: its forward loop took 9.2 ms
 * against recurrent.c's 7.2). */
#ifndef DL_ROW
#define DL_ROW static inline __attribute__((always_inline))
#endif
DL_ROW void DL_FN(dl_rnn_fwd_row)(int n, T* DL_RESTRICT z, T* DL_RESTRICT h) {
    for (int j = 0; j < n; j++) { T v = TANH(z[j]); z[j] = v; h[j] = v; }
}
DL_ROW void DL_FN(dl_rnn_bwd_row)(int n, T* DL_RESTRICT d,
                                                const T* DL_RESTRICT h) {
    for (int j = 0; j < n; j++) d[j] = d[j] * (1 - h[j] * h[j]);
}
DL_ROW void DL_FN(dl_lstm_fwd_row)(int n, T* DL_RESTRICT zi, T* DL_RESTRICT zf,
        T* DL_RESTRICT zc, T* DL_RESTRICT zo, const T* DL_RESTRICT cp, T* DL_RESTRICT cn,
        T* DL_RESTRICT tc, T* DL_RESTRICT h) {
    for (int j = 0; j < n; j++) {
        T gi = SIG(zi[j]), gf = SIG(zf[j]), gc = TANH(zc[j]), go = SIG(zo[j]);
        T c = gf * cp[j] + gi * gc;
        T t = TANH(c);
        zi[j] = gi; zf[j] = gf; zc[j] = gc; zo[j] = go;
        cn[j] = c; tc[j] = t; h[j] = go * t;
    }
}
DL_ROW void DL_FN(dl_lstm_bwd_row)(int n, const T* DL_RESTRICT zi,
        const T* DL_RESTRICT zf, const T* DL_RESTRICT zc, const T* DL_RESTRICT zo,
        const T* DL_RESTRICT cp, const T* DL_RESTRICT tc, const T* DL_RESTRICT dh,
        T* DL_RESTRICT dc, T* DL_RESTRICT di, T* DL_RESTRICT df, T* DL_RESTRICT dg,
        T* DL_RESTRICT dO) {
    for (int j = 0; j < n; j++) {
        T gi = zi[j], gf = zf[j], gc = zc[j], go = zo[j], t = tc[j], d = dh[j];
        T dct = dc[j] + d * go * (1 - t * t);
        di[j] = dct * gc * gi * (1 - gi);
        df[j] = dct * cp[j] * gf * (1 - gf);
        dg[j] = dct * gi * (1 - gc * gc);
        dO[j] = d * t * go * (1 - go);
        dc[j] = dct * gf;
    }
}
DL_ROW void DL_FN(dl_gru_after_fwd_row)(int n, T* DL_RESTRICT zr,
        T* DL_RESTRICT zu, T* DL_RESTRICT zc, const T* DL_RESTRICT sr,
        const T* DL_RESTRICT su, const T* DL_RESTRICT sc, const T* DL_RESTRICT bh,
        T* DL_RESTRICT hn) {
    for (int j = 0; j < n; j++) {
        T r = SIG(zr[j] + sr[j]), u = SIG(zu[j] + su[j]);
        T q = sc[j] + bh[j];
        T cc = TANH(zc[j] + r * q);
        zr[j] = r; zu[j] = u; zc[j] = cc; hn[j] = q;
    }
}
DL_ROW void DL_FN(dl_gru_update_row)(int n, const T* DL_RESTRICT zu,
        const T* DL_RESTRICT zc, const T* DL_RESTRICT p, T* DL_RESTRICT o) {
    for (int j = 0; j < n; j++) o[j] = zu[j] * zc[j] + (1 - zu[j]) * p[j];
}
DL_ROW void DL_FN(dl_gru_after_bwd_row)(int n, const T* DL_RESTRICT zr,
        const T* DL_RESTRICT zu, const T* DL_RESTRICT zc, const T* DL_RESTRICT hn,
        const T* DL_RESTRICT p, const T* DL_RESTRICT d, T* DL_RESTRICT xr,
        T* DL_RESTRICT xu, T* DL_RESTRICT xc, T* DL_RESTRICT yr, T* DL_RESTRICT yu,
        T* DL_RESTRICT yc, T* DL_RESTRICT dp) {
    for (int j = 0; j < n; j++) {
        T r = zr[j], u = zu[j], cc = zc[j], g = d[j];
        T dzc = g * u * (1 - cc * cc);
        T du = g * (cc - p[j]) * u * (1 - u);
        T dr = dzc * hn[j] * r * (1 - r);
        xr[j] = dr; xu[j] = du; xc[j] = dzc;
        yr[j] = dr; yu[j] = du; yc[j] = dzc * r;
        dp[j] += g * (1 - u);
    }
}
DL_ROW void DL_FN(dl_gru_before_fwd1_row)(int n, T* DL_RESTRICT zr,
        T* DL_RESTRICT zu, const T* DL_RESTRICT p, T* DL_RESTRICT rh) {
    for (int j = 0; j < n; j++) {
        T r = SIG(zr[j]), u = SIG(zu[j]);
        zr[j] = r; zu[j] = u; rh[j] = r * p[j];
    }
}
DL_ROW void DL_FN(dl_gru_before_fwd2_row)(int n, T* DL_RESTRICT zc) {
    for (int j = 0; j < n; j++) zc[j] = TANH(zc[j]);
}
DL_ROW void DL_FN(dl_gru_before_bwd1_row)(int n, const T* DL_RESTRICT zu,
        const T* DL_RESTRICT zc, const T* DL_RESTRICT p, const T* DL_RESTRICT d,
        T* DL_RESTRICT ou, T* DL_RESTRICT oc, T* DL_RESTRICT dp) {
    for (int j = 0; j < n; j++) {
        T u = zu[j], cc = zc[j], g = d[j];
        oc[j] = g * u * (1 - cc * cc);
        ou[j] = g * (cc - p[j]) * u * (1 - u);
        dp[j] += g * (1 - u);
    }
}
DL_ROW void DL_FN(dl_gru_before_bwd2_row)(int n, const T* DL_RESTRICT zr,
        const T* DL_RESTRICT p, const T* DL_RESTRICT q, T* DL_RESTRICT o,
        T* DL_RESTRICT dp) {
    for (int j = 0; j < n; j++) {
        T r = zr[j];
        o[j] = q[j] * p[j] * r * (1 - r);
        dp[j] += q[j] * r;
    }
}
DL_ATTR static void DL_FN(dl_rnn_fwd)(int m, int n, T* z, T* h, int ldh) {
    for (int i = 0; i < m; i++)
        DL_FN(dl_rnn_fwd_row)(n, z + (size_t)i * n, h + (size_t)i * ldh);
}
DL_ATTR static void DL_FN(dl_rnn_bwd)(int m, int n, T* dh, const T* h, int ldh) {
    for (int i = 0; i < m; i++)
        DL_FN(dl_rnn_bwd_row)(n, dh + (size_t)i * n, h + (size_t)i * ldh);
}
DL_ATTR static void DL_FN(dl_lstm_fwd)(int m, int n, T* z, const T* cp, T* cn, T* tc, T* h,
                                   int ldh) {
    for (int i = 0; i < m; i++) {
        T* zi = z + (size_t)i * 4 * n;
        size_t o = (size_t)i * n;
        DL_FN(dl_lstm_fwd_row)(n, zi, zi + n, zi + 2 * n, zi + 3 * n, cp + o, cn + o, tc + o,
                              h + (size_t)i * ldh);
    }
}
DL_ATTR static void DL_FN(dl_lstm_bwd)(int m, int n, const T* z, const T* cp, const T* tc,
                                   const T* dh, T* dc, T* dz) {
    for (int i = 0; i < m; i++) {
        const T* zi = z + (size_t)i * 4 * n;
        T* di = dz + (size_t)i * 4 * n;
        size_t o = (size_t)i * n;
        DL_FN(dl_lstm_bwd_row)(n, zi, zi + n, zi + 2 * n, zi + 3 * n, cp + o, tc + o, dh + o,
                              dc + o, di, di + n, di + 2 * n, di + 3 * n);
    }
}
DL_ATTR static void DL_FN(dl_gru_after_fwd)(int m, int n, T* z, const T* s, const T* bhc,
                                        T* hn) {
    for (int i = 0; i < m; i++) {
        T* zi = z + (size_t)i * 3 * n;
        const T* si = s + (size_t)i * 3 * n;
        DL_FN(dl_gru_after_fwd_row)(n, zi, zi + n, zi + 2 * n, si, si + n, si + 2 * n, bhc,
                                   hn + (size_t)i * n);
    }
}
DL_ATTR static void DL_FN(dl_gru_update)(int m, int n, const T* z, const T* hp, T* hn, int ldh) {
    for (int i = 0; i < m; i++) {
        const T* zi = z + (size_t)i * 3 * n;
        DL_FN(dl_gru_update_row)(n, zi + n, zi + 2 * n, hp + (size_t)i * ldh,
                                hn + (size_t)i * ldh);
    }
}
DL_ATTR static void DL_FN(dl_gru_after_bwd)(int m, int n, const T* z, const T* hn, const T* hp,
                                        int ldh, const T* dh, T* dzx, T* dzh, T* dprev) {
    for (int i = 0; i < m; i++) {
        const T* zi = z + (size_t)i * 3 * n;
        T* x = dzx + (size_t)i * 3 * n;
        T* y = dzh + (size_t)i * 3 * n;
        size_t o = (size_t)i * n;
        DL_FN(dl_gru_after_bwd_row)(n, zi, zi + n, zi + 2 * n, hn + o, hp + (size_t)i * ldh,
                                   dh + o, x, x + n, x + 2 * n, y, y + n, y + 2 * n,
                                   dprev + o);
    }
}
DL_ATTR static void DL_FN(dl_gru_before_fwd1)(int m, int n, T* z, const T* hp, int ldh, T* rh) {
    for (int i = 0; i < m; i++) {
        T* zi = z + (size_t)i * 3 * n;
        DL_FN(dl_gru_before_fwd1_row)(n, zi, zi + n, hp + (size_t)i * ldh,
                                     rh + (size_t)i * n);
    }
}
DL_ATTR static void DL_FN(dl_gru_before_fwd2)(int m, int n, T* z) {
    for (int i = 0; i < m; i++)
        DL_FN(dl_gru_before_fwd2_row)(n, z + (size_t)i * 3 * n + 2 * n);
}
DL_ATTR static void DL_FN(dl_gru_before_bwd1)(int m, int n, const T* z, const T* hp, int ldh,
                                          const T* dh, T* dz, T* dprev) {
    for (int i = 0; i < m; i++) {
        const T* zi = z + (size_t)i * 3 * n;
        T* oi = dz + (size_t)i * 3 * n;
        size_t o = (size_t)i * n;
        DL_FN(dl_gru_before_bwd1_row)(n, zi + n, zi + 2 * n, hp + (size_t)i * ldh, dh + o,
                                     oi + n, oi + 2 * n, dprev + o);
    }
}
DL_ATTR static void DL_FN(dl_gru_before_bwd2)(int m, int n, const T* z, const T* hp, int ldh,
                                          const T* drh, T* dz, T* dprev) {
    for (int i = 0; i < m; i++) {
        size_t o = (size_t)i * n;
        DL_FN(dl_gru_before_bwd2_row)(n, z + (size_t)i * 3 * n, hp + (size_t)i * ldh, drh + o,
                                     dz + (size_t)i * 3 * n, dprev + o);
    }
}

/* The per-step recurrent product against weights packed once per sequence. */
#include "dl_recurrent_gemm_impl.h"
