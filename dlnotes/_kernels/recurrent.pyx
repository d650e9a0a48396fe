# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Time loops of the recurrent networks (private kernels).

The public functions in :mod:`dlnotes.rnn` validate, then lay the sequence out
*time-major, examples in rows* (the layout of PyTorch and cuDNN):

``HX``  shape ``(T+1, m, n_a + n_x)``: row ``HX[t, i]`` is the concatenation
        ``[a^{<t-1>}; x^{<t>}]`` of example ``i`` (``HX[t, :, :n_a]`` is the
        previous state, ``HX[t, :, n_a:]`` the input).  The loop writes the new
        state ``a^{<t>}`` into ``HX[t+1, :, :n_a]``.  Slot ``T`` only holds the
        final state.
``W``   the gate weights of the notes stacked row-wise, shape ``(G, n_a + n_x)``;
        ``W[:, :n_a]`` acts on the state, ``W[:, n_a:]`` on the input.
``Z``   shape ``(T, m, G)``: the input projections ``x W_x^T + b`` of all time
        steps, computed by ONE GEMM before the loop.  Each step adds its
        recurrent product ``a^{<t-1>} W_h^T`` with one BLAS call
        (``scipy.linalg.cython_blas``), then one fused pass applies the gate
        nonlinearities and the state update, overwriting ``Z[t]`` with the gate
        activations that the backward pass needs.

Backward loops receive ``dH`` (shape ``(T, m, n_a)``, the gradient arriving at
each state from the outputs) and accumulate the recurrent gradient into
``dH[t-1]`` with one BLAS call per step.  They leave the gate pre-activation
gradients in a ``(T, m, G)`` buffer so that the caller obtains all weight
gradients with one GEMM after the loop.

Threads: the examples of a batch are independent in the recurrence, so a loop
given ``n_threads > 1`` splits the batch into row blocks, one per OpenMP
thread, each running the whole time loop with its own BLAS calls (no
synchronisation inside the loop).  The caller holds BLAS single-threaded
meanwhile.  ``blas_local`` may carry the address of an
``int f(int)`` thread-count setter that each worker calls (OpenBLAS's
``openblas_set_num_threads_local`` in OpenMP builds); 0 disables it.

Every kernel trusts its inputs (C-contiguous, consistent shapes, one dtype)
and runs without the GIL.
"""
from cython.parallel cimport prange


from dlnotes._kernels._parallel cimport dl_omp_max_threads
from dlnotes._kernels._blas cimport gemm_rm
from dlnotes._kernels._types cimport real


ctypedef int (*set_threads_fn)(int) noexcept nogil

# The per-step gate passes, written in C so that the float32 versions
# vectorise: a branch-free exp (Cephes polynomial, about 1 ulp; exponent
# built from the bits), sigmoid and tanh derived from it, restrict-qualified
# row pointers, and clones for AVX-512 / AVX2 / baseline chosen at load time
# (GCC's target_clones).  The float64 versions keep libm's exp/tanh.
cdef extern from *:
    """
    #if defined(__GNUC__) && !defined(__clang__)
    /* Let GCC if-convert the float comparisons of the clamps so that the loops
     * vectorise on every target; restored by pop_options below. */
    #pragma GCC push_options
    #pragma GCC optimize ("no-trapping-math")
    #endif
    #include "dl_vecmath.h"
    #define DL_DEFINE_GATES(T, SFX, ATTR, ROWATTR, SIG, TANH)                                     \\
    ROWATTR static inline void dl_rnn_fwd_row_##SFX(int n, T* DL_RESTRICT z, T* DL_RESTRICT h) {  \\
        for (int j = 0; j < n; j++) { T v = TANH(z[j]); z[j] = v; h[j] = v; }                     \\
    }                                                                                             \\
    ROWATTR static inline void dl_rnn_bwd_row_##SFX(int n, T* DL_RESTRICT d,                      \\
                                                    const T* DL_RESTRICT h) {                     \\
        for (int j = 0; j < n; j++) d[j] = d[j] * (1 - h[j] * h[j]);                              \\
    }                                                                                             \\
    ROWATTR static inline void dl_lstm_fwd_row_##SFX(int n, T* DL_RESTRICT zi, T* DL_RESTRICT zf, \\
            T* DL_RESTRICT zc, T* DL_RESTRICT zo, const T* DL_RESTRICT cp, T* DL_RESTRICT cn,     \\
            T* DL_RESTRICT tc, T* DL_RESTRICT h) {                                                \\
        for (int j = 0; j < n; j++) {                                                             \\
            T gi = SIG(zi[j]), gf = SIG(zf[j]), gc = TANH(zc[j]), go = SIG(zo[j]);                \\
            T c = gf * cp[j] + gi * gc;                                                           \\
            T t = TANH(c);                                                                        \\
            zi[j] = gi; zf[j] = gf; zc[j] = gc; zo[j] = go;                                       \\
            cn[j] = c; tc[j] = t; h[j] = go * t;                                                  \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_lstm_bwd_row_##SFX(int n, const T* DL_RESTRICT zi,              \\
            const T* DL_RESTRICT zf, const T* DL_RESTRICT zc, const T* DL_RESTRICT zo,            \\
            const T* DL_RESTRICT cp, const T* DL_RESTRICT tc, const T* DL_RESTRICT dh,            \\
            T* DL_RESTRICT dc, T* DL_RESTRICT di, T* DL_RESTRICT df, T* DL_RESTRICT dg,           \\
            T* DL_RESTRICT dO) {                                                                  \\
        for (int j = 0; j < n; j++) {                                                             \\
            T gi = zi[j], gf = zf[j], gc = zc[j], go = zo[j], t = tc[j], d = dh[j];               \\
            T dct = dc[j] + d * go * (1 - t * t);                                                 \\
            di[j] = dct * gc * gi * (1 - gi);                                                     \\
            df[j] = dct * cp[j] * gf * (1 - gf);                                                  \\
            dg[j] = dct * gi * (1 - gc * gc);                                                     \\
            dO[j] = d * t * go * (1 - go);                                                        \\
            dc[j] = dct * gf;                                                                     \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_after_fwd_row_##SFX(int n, T* DL_RESTRICT zr,               \\
            T* DL_RESTRICT zu, T* DL_RESTRICT zc, const T* DL_RESTRICT sr,                        \\
            const T* DL_RESTRICT su, const T* DL_RESTRICT sc, const T* DL_RESTRICT bh,            \\
            T* DL_RESTRICT hn) {                                                                  \\
        for (int j = 0; j < n; j++) {                                                             \\
            T r = SIG(zr[j] + sr[j]), u = SIG(zu[j] + su[j]);                                     \\
            T q = sc[j] + bh[j];                                                                  \\
            T cc = TANH(zc[j] + r * q);                                                           \\
            zr[j] = r; zu[j] = u; zc[j] = cc; hn[j] = q;                                          \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_update_row_##SFX(int n, const T* DL_RESTRICT zu,            \\
            const T* DL_RESTRICT zc, const T* DL_RESTRICT p, T* DL_RESTRICT o) {                  \\
        for (int j = 0; j < n; j++) o[j] = zu[j] * zc[j] + (1 - zu[j]) * p[j];                    \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_after_bwd_row_##SFX(int n, const T* DL_RESTRICT zr,         \\
            const T* DL_RESTRICT zu, const T* DL_RESTRICT zc, const T* DL_RESTRICT hn,            \\
            const T* DL_RESTRICT p, const T* DL_RESTRICT d, T* DL_RESTRICT xr,                    \\
            T* DL_RESTRICT xu, T* DL_RESTRICT xc, T* DL_RESTRICT yr, T* DL_RESTRICT yu,           \\
            T* DL_RESTRICT yc, T* DL_RESTRICT dp) {                                               \\
        for (int j = 0; j < n; j++) {                                                             \\
            T r = zr[j], u = zu[j], cc = zc[j], g = d[j];                                         \\
            T dzc = g * u * (1 - cc * cc);                                                        \\
            T du = g * (cc - p[j]) * u * (1 - u);                                                 \\
            T dr = dzc * hn[j] * r * (1 - r);                                                     \\
            xr[j] = dr; xu[j] = du; xc[j] = dzc;                                                  \\
            yr[j] = dr; yu[j] = du; yc[j] = dzc * r;                                              \\
            dp[j] += g * (1 - u);                                                                 \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_before_fwd1_row_##SFX(int n, T* DL_RESTRICT zr,             \\
            T* DL_RESTRICT zu, const T* DL_RESTRICT p, T* DL_RESTRICT rh) {                       \\
        for (int j = 0; j < n; j++) {                                                             \\
            T r = SIG(zr[j]), u = SIG(zu[j]);                                                     \\
            zr[j] = r; zu[j] = u; rh[j] = r * p[j];                                               \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_before_fwd2_row_##SFX(int n, T* DL_RESTRICT zc) {           \\
        for (int j = 0; j < n; j++) zc[j] = TANH(zc[j]);                                          \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_before_bwd1_row_##SFX(int n, const T* DL_RESTRICT zu,       \\
            const T* DL_RESTRICT zc, const T* DL_RESTRICT p, const T* DL_RESTRICT d,              \\
            T* DL_RESTRICT ou, T* DL_RESTRICT oc, T* DL_RESTRICT dp) {                            \\
        for (int j = 0; j < n; j++) {                                                             \\
            T u = zu[j], cc = zc[j], g = d[j];                                                    \\
            oc[j] = g * u * (1 - cc * cc);                                                        \\
            ou[j] = g * (cc - p[j]) * u * (1 - u);                                                \\
            dp[j] += g * (1 - u);                                                                 \\
        }                                                                                         \\
    }                                                                                             \\
    ROWATTR static inline void dl_gru_before_bwd2_row_##SFX(int n, const T* DL_RESTRICT zr,       \\
            const T* DL_RESTRICT p, const T* DL_RESTRICT q, T* DL_RESTRICT o,                     \\
            T* DL_RESTRICT dp) {                                                                  \\
        for (int j = 0; j < n; j++) {                                                             \\
            T r = zr[j];                                                                          \\
            o[j] = q[j] * p[j] * r * (1 - r);                                                     \\
            dp[j] += q[j] * r;                                                                    \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_rnn_fwd_##SFX(int m, int n, T* z, T* h, int ldh) {                        \\
        for (int i = 0; i < m; i++)                                                               \\
            dl_rnn_fwd_row_##SFX(n, z + (size_t)i * n, h + (size_t)i * ldh);                      \\
    }                                                                                             \\
    ATTR static void dl_rnn_bwd_##SFX(int m, int n, T* dh, const T* h, int ldh) {                 \\
        for (int i = 0; i < m; i++)                                                               \\
            dl_rnn_bwd_row_##SFX(n, dh + (size_t)i * n, h + (size_t)i * ldh);                     \\
    }                                                                                             \\
    ATTR static void dl_lstm_fwd_##SFX(int m, int n, T* z, const T* cp, T* cn, T* tc, T* h,       \\
                                       int ldh) {                                                 \\
        for (int i = 0; i < m; i++) {                                                             \\
            T* zi = z + (size_t)i * 4 * n;                                                        \\
            size_t o = (size_t)i * n;                                                             \\
            dl_lstm_fwd_row_##SFX(n, zi, zi + n, zi + 2 * n, zi + 3 * n, cp + o, cn + o, tc + o,  \\
                                  h + (size_t)i * ldh);                                           \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_lstm_bwd_##SFX(int m, int n, const T* z, const T* cp, const T* tc,        \\
                                       const T* dh, T* dc, T* dz) {                               \\
        for (int i = 0; i < m; i++) {                                                             \\
            const T* zi = z + (size_t)i * 4 * n;                                                  \\
            T* di = dz + (size_t)i * 4 * n;                                                       \\
            size_t o = (size_t)i * n;                                                             \\
            dl_lstm_bwd_row_##SFX(n, zi, zi + n, zi + 2 * n, zi + 3 * n, cp + o, tc + o, dh + o,  \\
                                  dc + o, di, di + n, di + 2 * n, di + 3 * n);                    \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_after_fwd_##SFX(int m, int n, T* z, const T* s, const T* bhc,         \\
                                            T* hn) {                                              \\
        for (int i = 0; i < m; i++) {                                                             \\
            T* zi = z + (size_t)i * 3 * n;                                                        \\
            const T* si = s + (size_t)i * 3 * n;                                                  \\
            dl_gru_after_fwd_row_##SFX(n, zi, zi + n, zi + 2 * n, si, si + n, si + 2 * n, bhc,    \\
                                       hn + (size_t)i * n);                                       \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_update_##SFX(int m, int n, const T* z, const T* hp, T* hn, int ldh) { \\
        for (int i = 0; i < m; i++) {                                                             \\
            const T* zi = z + (size_t)i * 3 * n;                                                  \\
            dl_gru_update_row_##SFX(n, zi + n, zi + 2 * n, hp + (size_t)i * ldh,                  \\
                                    hn + (size_t)i * ldh);                                        \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_after_bwd_##SFX(int m, int n, const T* z, const T* hn, const T* hp,   \\
                                            int ldh, const T* dh, T* dzx, T* dzh, T* dprev) {     \\
        for (int i = 0; i < m; i++) {                                                             \\
            const T* zi = z + (size_t)i * 3 * n;                                                  \\
            T* x = dzx + (size_t)i * 3 * n;                                                       \\
            T* y = dzh + (size_t)i * 3 * n;                                                       \\
            size_t o = (size_t)i * n;                                                             \\
            dl_gru_after_bwd_row_##SFX(n, zi, zi + n, zi + 2 * n, hn + o, hp + (size_t)i * ldh,   \\
                                       dh + o, x, x + n, x + 2 * n, y, y + n, y + 2 * n,          \\
                                       dprev + o);                                                \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_before_fwd1_##SFX(int m, int n, T* z, const T* hp, int ldh, T* rh) {  \\
        for (int i = 0; i < m; i++) {                                                             \\
            T* zi = z + (size_t)i * 3 * n;                                                        \\
            dl_gru_before_fwd1_row_##SFX(n, zi, zi + n, hp + (size_t)i * ldh,                     \\
                                         rh + (size_t)i * n);                                     \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_before_fwd2_##SFX(int m, int n, T* z) {                               \\
        for (int i = 0; i < m; i++)                                                               \\
            dl_gru_before_fwd2_row_##SFX(n, z + (size_t)i * 3 * n + 2 * n);                       \\
    }                                                                                             \\
    ATTR static void dl_gru_before_bwd1_##SFX(int m, int n, const T* z, const T* hp, int ldh,     \\
                                              const T* dh, T* dz, T* dprev) {                     \\
        for (int i = 0; i < m; i++) {                                                             \\
            const T* zi = z + (size_t)i * 3 * n;                                                  \\
            T* oi = dz + (size_t)i * 3 * n;                                                       \\
            size_t o = (size_t)i * n;                                                             \\
            dl_gru_before_bwd1_row_##SFX(n, zi + n, zi + 2 * n, hp + (size_t)i * ldh, dh + o,     \\
                                         oi + n, oi + 2 * n, dprev + o);                          \\
        }                                                                                         \\
    }                                                                                             \\
    ATTR static void dl_gru_before_bwd2_##SFX(int m, int n, const T* z, const T* hp, int ldh,     \\
                                              const T* drh, T* dz, T* dprev) {                    \\
        for (int i = 0; i < m; i++) {                                                             \\
            size_t o = (size_t)i * n;                                                             \\
            dl_gru_before_bwd2_row_##SFX(n, z + (size_t)i * 3 * n, hp + (size_t)i * ldh, drh + o, \\
                                         dz + (size_t)i * 3 * n, dprev + o);                      \\
        }                                                                                         \\
    }


    DL_DEFINE_GATES(float, f, DL_CLONES, , dl_sigf, dl_tanhf)
    DL_DEFINE_GATES(double, d, , , dl_sigd, dl_tanhd)
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC pop_options
    #endif
    """
    void dl_rnn_fwd_f(int m, int n, float* z, float* h, int ldh) noexcept nogil
    void dl_rnn_fwd_d(int m, int n, double* z, double* h, int ldh) noexcept nogil
    void dl_rnn_bwd_f(int m, int n, float* dh, const float* h, int ldh) noexcept nogil
    void dl_rnn_bwd_d(int m, int n, double* dh, const double* h, int ldh) noexcept nogil
    void dl_lstm_fwd_f(int m, int n, float* z, const float* cp, float* cn, float* tc,
                       float* h, int ldh) noexcept nogil
    void dl_lstm_fwd_d(int m, int n, double* z, const double* cp, double* cn, double* tc,
                       double* h, int ldh) noexcept nogil
    void dl_lstm_bwd_f(int m, int n, const float* z, const float* cp, const float* tc,
                       const float* dh, float* dc, float* dz) noexcept nogil
    void dl_lstm_bwd_d(int m, int n, const double* z, const double* cp, const double* tc,
                       const double* dh, double* dc, double* dz) noexcept nogil
    void dl_gru_after_fwd_f(int m, int n, float* z, const float* s, const float* bhc,
                            float* hn) noexcept nogil
    void dl_gru_after_fwd_d(int m, int n, double* z, const double* s, const double* bhc,
                            double* hn) noexcept nogil
    void dl_gru_update_f(int m, int n, const float* z, const float* hp, float* hn,
                         int ldh) noexcept nogil
    void dl_gru_update_d(int m, int n, const double* z, const double* hp, double* hn,
                         int ldh) noexcept nogil
    void dl_gru_after_bwd_f(int m, int n, const float* z, const float* hn, const float* hp,
                            int ldh, const float* dh, float* dzx, float* dzh,
                            float* dprev) noexcept nogil
    void dl_gru_after_bwd_d(int m, int n, const double* z, const double* hn, const double* hp,
                            int ldh, const double* dh, double* dzx, double* dzh,
                            double* dprev) noexcept nogil
    void dl_gru_before_fwd1_f(int m, int n, float* z, const float* hp, int ldh,
                              float* rh) noexcept nogil
    void dl_gru_before_fwd1_d(int m, int n, double* z, const double* hp, int ldh,
                              double* rh) noexcept nogil
    void dl_gru_before_fwd2_f(int m, int n, float* z) noexcept nogil
    void dl_gru_before_fwd2_d(int m, int n, double* z) noexcept nogil
    void dl_gru_before_bwd1_f(int m, int n, const float* z, const float* hp, int ldh,
                              const float* dh, float* dz, float* dprev) noexcept nogil
    void dl_gru_before_bwd1_d(int m, int n, const double* z, const double* hp, int ldh,
                              const double* dh, double* dz, double* dprev) noexcept nogil
    void dl_gru_before_bwd2_f(int m, int n, const float* z, const float* hp, int ldh,
                              const float* drh, float* dz, float* dprev) noexcept nogil
    void dl_gru_before_bwd2_d(int m, int n, const double* z, const double* hp, int ldh,
                              const double* drh, double* dz, double* dprev) noexcept nogil


# Below this many examples per thread, the batch is not split across threads.
cdef enum:
    MIN_ROWS = 8


cdef inline int _n_chunks(int m, int n_threads) noexcept nogil:
    cdef int c = n_threads
    if c > dl_omp_max_threads():
        c = dl_omp_max_threads()
    if c > m // MIN_ROWS:
        c = m // MIN_ROWS
    return c if c > 0 else 1


cdef inline int _blas_one(set_threads_fn fn) noexcept nogil:
    """Make BLAS single-threaded for the calling thread (returns the old setting)."""
    if fn == NULL:
        return 0
    return fn(1)


cdef inline void _blas_restore(set_threads_fn fn, int old) noexcept nogil:
    if fn != NULL and old > 0:
        fn(old)


def max_threads():
    """Number of threads the batch can be split across (OpenMP's maximum)."""
    return dl_omp_max_threads()


# Every loop below processes the examples [i0, i1) of the batch for all time
# steps.  Examples are independent in the recurrence, so the batch splits
# across threads with no synchronisation inside the time loop; each thread
# runs single-threaded BLAS on its rows.

# --------------------------------------------------------------------------
# Basic RNN:  a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
# --------------------------------------------------------------------------

cdef void _rnn_fwd_rows(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                        int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = Z.shape[0], n_a = Z.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T):
        gemm_rm(c'N', c'T', m, n_a, n_a, <real>1, &HX[t, i0, 0], ld, &W[0, 0], ldw, <real>1,
                &Z[t, i0, 0], n_a)
        if real is float:
            dl_rnn_fwd_f(m, n_a, &Z[t, i0, 0], &HX[t + 1, i0, 0], ld)
        else:
            dl_rnn_fwd_d(m, n_a, &Z[t, i0, 0], &HX[t + 1, i0, 0], ld)
    _blas_restore(fn, old)


def rnn_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                     size_t blas_local=0, int n_threads=1):
    """Z[t] += a<t-1> W_aa^T; a<t> = tanh(Z[t]) -> HX[t+1, :, :n_a] and Z[t]."""
    cdef int m = Z.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _rnn_fwd_rows(W, Z, HX, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _rnn_fwd_rows(W, Z, HX, c * m // nch, (c + 1) * m // nch, fn)


cdef void _rnn_bwd_rows(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] HX,
                        real[:, ::1] da0, int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T - 1, -1, -1):
        if real is float:
            dl_rnn_bwd_f(m, n_a, &dH[t, i0, 0], &HX[t + 1, i0, 0], ld)
        else:
            dl_rnn_bwd_d(m, n_a, &dH[t, i0, 0], &HX[t + 1, i0, 0], ld)
        if t > 0:
            gemm_rm(c'N', c'N', m, n_a, n_a, <real>1, &dH[t, i0, 0], n_a, &W[0, 0], ldw, <real>1,
                    &dH[t - 1, i0, 0], n_a)
        else:
            gemm_rm(c'N', c'N', m, n_a, n_a, <real>1, &dH[0, i0, 0], n_a, &W[0, 0], ldw, <real>0,
                    &da0[i0, 0], n_a)
    _blas_restore(fn, old)


def rnn_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] HX,
                      real[:, ::1] da0, size_t blas_local=0, int n_threads=1):
    """In place: dH[t] becomes dz<t> = da<t> * (1 - a<t>^2), da<t> the total gradient.

    The recurrent part ``dz<t> W_aa`` is added into ``dH[t-1]`` (``da0`` at t=0).
    """
    cdef int m = dH.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _rnn_bwd_rows(W, dH, HX, da0, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _rnn_bwd_rows(W, dH, HX, da0, c * m // nch, (c + 1) * m // nch, fn)


# --------------------------------------------------------------------------
# LSTM, gate blocks of Z in the order  [i (update), f (forget), c~ (candidate), o]
# --------------------------------------------------------------------------

cdef void _lstm_fwd_rows(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                         real[:, :, ::1] C, real[:, :, ::1] TC, int i0, int i1,
                         set_threads_fn fn) noexcept nogil:
    cdef int T = Z.shape[0], G = Z.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int n_a = G // 4
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T):
        gemm_rm(c'N', c'T', m, G, n_a, <real>1, &HX[t, i0, 0], ld, &W[0, 0], ldw, <real>1,
                &Z[t, i0, 0], G)
        if real is float:
            dl_lstm_fwd_f(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &C[t + 1, i0, 0], &TC[t, i0, 0],
                          &HX[t + 1, i0, 0], ld)
        else:
            dl_lstm_fwd_d(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &C[t + 1, i0, 0], &TC[t, i0, 0],
                          &HX[t + 1, i0, 0], ld)
    _blas_restore(fn, old)


def lstm_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                      real[:, :, ::1] C, real[:, :, ::1] TC, size_t blas_local=0,
                      int n_threads=1):
    """One step per t: gates -> Z[t], c<t> -> C[t+1], tanh(c<t>) -> TC[t], a<t> -> HX[t+1]."""
    cdef int m = Z.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _lstm_fwd_rows(W, Z, HX, C, TC, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _lstm_fwd_rows(W, Z, HX, C, TC, c * m // nch, (c + 1) * m // nch, fn)


cdef void _lstm_bwd_rows(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                         const real[:, :, ::1] C, const real[:, :, ::1] TC,
                         real[:, :, ::1] dZ, real[:, ::1] dc, real[:, ::1] da0,
                         int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ldw = W.shape[1]
    cdef int G = 4 * n_a
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T - 1, -1, -1):
        if real is float:
            dl_lstm_bwd_f(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &TC[t, i0, 0], &dH[t, i0, 0],
                          &dc[i0, 0], &dZ[t, i0, 0])
        else:
            dl_lstm_bwd_d(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &TC[t, i0, 0], &dH[t, i0, 0],
                          &dc[i0, 0], &dZ[t, i0, 0])
        if t > 0:
            gemm_rm(c'N', c'N', m, n_a, G, <real>1, &dZ[t, i0, 0], G, &W[0, 0], ldw, <real>1,
                    &dH[t - 1, i0, 0], n_a)
        else:
            gemm_rm(c'N', c'N', m, n_a, G, <real>1, &dZ[0, i0, 0], G, &W[0, 0], ldw, <real>0,
                    &da0[i0, 0], n_a)
    _blas_restore(fn, old)


def lstm_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                       const real[:, :, ::1] C, const real[:, :, ::1] TC,
                       real[:, :, ::1] dZ, real[:, ::1] dc, real[:, ::1] da0,
                       size_t blas_local=0, int n_threads=1):
    """Gate pre-activation gradients -> dZ[t]; ``dc`` carries dc_next in and dc0 out."""
    cdef int m = dH.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _lstm_bwd_rows(W, dH, Z, C, TC, dZ, dc, da0, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _lstm_bwd_rows(W, dH, Z, C, TC, dZ, dc, da0, c * m // nch, (c + 1) * m // nch, fn)


# --------------------------------------------------------------------------
# GRU, gate blocks of Z in the order  [r (reset/relevance), u (update), c~]
#   c<t> = u * c~ + (1 - u) * c<t-1>
# --------------------------------------------------------------------------

cdef void _gru_after_fwd_rows(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                              real[:, :, ::1] HN, const real[::1] bhc, real[:, ::1] scratch,
                              int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = Z.shape[0], G = Z.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int n_a = G // 3
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T):
        gemm_rm(c'N', c'T', m, G, n_a, <real>1, &HX[t, i0, 0], ld, &W[0, 0], ldw, <real>0,
                &scratch[i0, 0], G)
        if real is float:
            dl_gru_after_fwd_f(m, n_a, &Z[t, i0, 0], &scratch[i0, 0], &bhc[0],
                               &HN[t, i0, 0])
            dl_gru_update_f(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)
        else:
            dl_gru_after_fwd_d(m, n_a, &Z[t, i0, 0], &scratch[i0, 0], &bhc[0],
                               &HN[t, i0, 0])
            dl_gru_update_d(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)
    _blas_restore(fn, old)


def gru_after_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                           real[:, :, ::1] HN, const real[::1] bhc, real[:, ::1] scratch,
                           size_t blas_local=0, int n_threads=1):
    """Reset applied after the recurrent product (PyTorch / cuDNN / Keras form).

    ``c~ = tanh(Z_c + r * (W_ch c<t-1> + bhc))``; ``HN[t]`` keeps
    ``W_ch c<t-1> + bhc``.  ``scratch`` has shape (m, G).
    """
    cdef int m = Z.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _gru_after_fwd_rows(W, Z, HX, HN, bhc, scratch, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_after_fwd_rows(W, Z, HX, HN, bhc, scratch, c * m // nch, (c + 1) * m // nch, fn)


cdef void _gru_after_bwd_rows(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                              const real[:, :, ::1] HX, const real[:, :, ::1] HN,
                              real[:, :, ::1] dZx, real[:, :, ::1] dZh, real[:, ::1] da0,
                              int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int G = 3 * n_a
    cdef int t, m = i1 - i0
    cdef real* dprev
    cdef int old = _blas_one(fn)
    for t in range(T - 1, -1, -1):
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        if real is float:
            dl_gru_after_bwd_f(m, n_a, &Z[t, i0, 0], &HN[t, i0, 0], &HX[t, i0, 0], ld,
                               &dH[t, i0, 0], &dZx[t, i0, 0], &dZh[t, i0, 0], dprev)
        else:
            dl_gru_after_bwd_d(m, n_a, &Z[t, i0, 0], &HN[t, i0, 0], &HX[t, i0, 0], ld,
                               &dH[t, i0, 0], &dZx[t, i0, 0], &dZh[t, i0, 0], dprev)
        gemm_rm(c'N', c'N', m, n_a, G, <real>1, &dZh[t, i0, 0], G, &W[0, 0], ldw, <real>1,
                dprev, n_a)
    _blas_restore(fn, old)


def gru_after_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                            const real[:, :, ::1] HX, const real[:, :, ::1] HN,
                            real[:, :, ::1] dZx, real[:, :, ::1] dZh, real[:, ::1] da0,
                            size_t blas_local=0, int n_threads=1):
    """dZx: gradients of the input-side pre-activations; dZh: of the state side."""
    cdef int m = dH.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _gru_after_bwd_rows(W, dH, Z, HX, HN, dZx, dZh, da0, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_after_bwd_rows(W, dH, Z, HX, HN, dZx, dZh, da0, c * m // nch,
                                (c + 1) * m // nch, fn)


cdef void _gru_before_fwd_rows(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                               real[:, :, ::1] RH, int i0, int i1,
                               set_threads_fn fn) noexcept nogil:
    cdef int T = Z.shape[0], G = Z.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int n_a = G // 3
    cdef int t, m = i1 - i0
    cdef int old = _blas_one(fn)
    for t in range(T):
        # gates r and u: Z[t, :, :2n_a] += c<t-1> W_{ru,h}^T
        gemm_rm(c'N', c'T', m, 2 * n_a, n_a, <real>1, &HX[t, i0, 0], ld, &W[0, 0], ldw, <real>1,
                &Z[t, i0, 0], G)
        if real is float:
            dl_gru_before_fwd1_f(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &RH[t, i0, 0])
        else:
            dl_gru_before_fwd1_d(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &RH[t, i0, 0])
        # candidate: Z[t, :, 2n_a:] += (r * c<t-1>) W_{c,h}^T
        gemm_rm(c'N', c'T', m, n_a, n_a, <real>1, &RH[t, i0, 0], n_a, &W[2 * n_a, 0], ldw, <real>1,
                &Z[t, i0, 2 * n_a], G)
        if real is float:
            dl_gru_before_fwd2_f(m, n_a, &Z[t, i0, 0])
            dl_gru_update_f(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)
        else:
            dl_gru_before_fwd2_d(m, n_a, &Z[t, i0, 0])
            dl_gru_update_d(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)
    _blas_restore(fn, old)


def gru_before_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                            real[:, :, ::1] RH, size_t blas_local=0, int n_threads=1):
    """Reset applied before the recurrent product (course / Cho et al. 2014 form).

    ``c~ = tanh(W_c [r * c<t-1>; x<t>] + b_c)``; ``RH[t]`` keeps ``r * c<t-1>``.
    """
    cdef int m = Z.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _gru_before_fwd_rows(W, Z, HX, RH, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_before_fwd_rows(W, Z, HX, RH, c * m // nch, (c + 1) * m // nch, fn)


cdef void _gru_before_bwd_rows(const real[:, ::1] W, real[:, :, ::1] dH,
                               const real[:, :, ::1] Z, const real[:, :, ::1] HX,
                               real[:, :, ::1] dZ, real[:, ::1] drh, real[:, ::1] da0,
                               int i0, int i1, set_threads_fn fn) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2], ldw = W.shape[1]
    cdef int G = 3 * n_a
    cdef int t, m = i1 - i0
    cdef real* dprev
    cdef int old = _blas_one(fn)
    for t in range(T - 1, -1, -1):
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        if real is float:
            dl_gru_before_bwd1_f(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &dH[t, i0, 0],
                                 &dZ[t, i0, 0], dprev)
        else:
            dl_gru_before_bwd1_d(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &dH[t, i0, 0],
                                 &dZ[t, i0, 0], dprev)
        # d(r * c<t-1>) = dc~_pre W_{c,h}
        gemm_rm(c'N', c'N', m, n_a, n_a, <real>1, &dZ[t, i0, 2 * n_a], G, &W[2 * n_a, 0], ldw,
                <real>0, &drh[i0, 0], n_a)
        if real is float:
            dl_gru_before_bwd2_f(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &drh[i0, 0],
                                 &dZ[t, i0, 0], dprev)
        else:
            dl_gru_before_bwd2_d(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &drh[i0, 0],
                                 &dZ[t, i0, 0], dprev)
        gemm_rm(c'N', c'N', m, n_a, 2 * n_a, <real>1, &dZ[t, i0, 0], G, &W[0, 0], ldw, <real>1,
                dprev, n_a)
    _blas_restore(fn, old)


def gru_before_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                             const real[:, :, ::1] HX, real[:, :, ::1] dZ,
                             real[:, ::1] drh, real[:, ::1] da0, size_t blas_local=0,
                             int n_threads=1):
    """dZ: pre-activation gradients [dr, du, dc~]; ``drh`` is (m, n_a) scratch."""
    cdef int m = dH.shape[1], c
    cdef int nch = _n_chunks(m, n_threads)
    cdef set_threads_fn fn = <set_threads_fn><void*>blas_local
    if nch == 1:
        with nogil:
            _gru_before_bwd_rows(W, dH, Z, HX, dZ, drh, da0, 0, m, fn)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_before_bwd_rows(W, dH, Z, HX, dZ, drh, da0, c * m // nch, (c + 1) * m // nch,
                                 fn)


# --------------------------------------------------------------------------
# Layout changes between the notes' (n, m, T) and the loops' (T, m, n)
# --------------------------------------------------------------------------

cdef enum:
    TILE = 16


def swap_axes02(const real[:, :, :] src, real[:, :, :] dst):
    """``dst[a, i, b] = src[b, i, a]`` (any strides), in 16 x 16 tiles per example.

    NumPy's strided copy of this permutation walks one side with a stride of
    ``m * n`` elements; tiling keeps both sides in cache.
    """
    cdef Py_ssize_t B = src.shape[0], m = src.shape[1], A = src.shape[2]
    cdef Py_ssize_t i, a0, b0, a, b, a1, b1
    with nogil:
        for i in range(m):
            b0 = 0
            while b0 < B:
                b1 = b0 + TILE if b0 + TILE < B else B
                a0 = 0
                while a0 < A:
                    a1 = a0 + TILE if a0 + TILE < A else A
                    for a in range(a0, a1):
                        for b in range(b0, b1):
                            dst[a, i, b] = src[b, i, a]
                    a0 = a1
                b0 = b1
