# cython: language_level=3
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

Every kernel trusts its inputs (C-contiguous, consistent shapes, one dtype)
and runs without the GIL.
"""
from libc.math cimport exp, expf, tanh, tanhf
from scipy.linalg.cython_blas cimport dgemm, sgemm

ctypedef fused real:
    float
    double


cdef inline void gemm_rm(bint trans_a, bint trans_b, int M, int N, int K, real alpha,
                         const real* A, int lda, const real* B, int ldb, real beta,
                         real* C, int ldc) noexcept nogil:
    """Row-major ``C = alpha op(A) op(B) + beta C``; C is (M, N).

    BLAS is column-major, and a row-major matrix is its transpose in column
    major, so we ask for ``C^T = op(B)^T op(A)^T``.
    """
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if M == 0 or N == 0:
        return
    if real is float:
        sgemm(&tb, &ta, &N, &M, &K, &alpha, <float*>B, &ldb, <float*>A, &lda, &beta,
              C, &ldc)
    else:
        dgemm(&tb, &ta, &N, &M, &K, &alpha, <double*>B, &ldb, <double*>A, &lda, &beta,
              C, &ldc)


cdef inline real _sigmoid(real z) noexcept nogil:
    cdef real e
    if real is float:
        if z >= 0:
            return 1.0 / (1.0 + expf(-z))
        e = expf(z)
        return e / (1.0 + e)
    else:
        if z >= 0:
            return 1.0 / (1.0 + exp(-z))
        e = exp(z)
        return e / (1.0 + e)


cdef inline real _tanh(real z) noexcept nogil:
    if real is float:
        return tanhf(z)
    else:
        return tanh(z)


# --------------------------------------------------------------------------
# Basic RNN:  a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
# --------------------------------------------------------------------------

def rnn_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX):
    """Z[t] += a<t-1> W_aa^T; a<t> = tanh(Z[t]) -> HX[t+1, :, :n_a] and Z[t]."""
    cdef int T = Z.shape[0], m = Z.shape[1], n_a = Z.shape[2]
    cdef int ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, i, j
    cdef real v
    with nogil:
        for t in range(T):
            gemm_rm(False, True, m, n_a, n_a, 1, &HX[t, 0, 0], ld, &W[0, 0], ldw, 1,
                    &Z[t, 0, 0], n_a)
            for i in range(m):
                for j in range(n_a):
                    v = _tanh(Z[t, i, j])
                    Z[t, i, j] = v
                    HX[t + 1, i, j] = v


def rnn_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] HX,
                      real[:, ::1] da0):
    """In place: dH[t] becomes dz<t> = (da<t>) * (1 - a<t>^2) (da<t> total).

    The recurrent part ``dz<t> W_aa`` is added into ``dH[t-1]`` (``da0`` at t=0).
    """
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2]
    cdef int ldw = W.shape[1]
    cdef int t, i, j
    cdef real h
    with nogil:
        for t in range(T - 1, -1, -1):
            for i in range(m):
                for j in range(n_a):
                    h = HX[t + 1, i, j]
                    dH[t, i, j] = dH[t, i, j] * (1 - h * h)
            if t > 0:
                gemm_rm(False, False, m, n_a, n_a, 1, &dH[t, 0, 0], n_a, &W[0, 0], ldw, 1,
                        &dH[t - 1, 0, 0], n_a)
            else:
                gemm_rm(False, False, m, n_a, n_a, 1, &dH[0, 0, 0], n_a, &W[0, 0], ldw, 0,
                        &da0[0, 0], n_a)


# --------------------------------------------------------------------------
# LSTM, gate blocks of Z in the order  [i (update), f (forget), c~ (candidate), o]
# --------------------------------------------------------------------------

def lstm_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                      real[:, :, ::1] C, real[:, :, ::1] TC):
    """One step per t: gates -> Z[t], c<t> -> C[t+1], tanh(c<t>) -> TC[t], a<t> -> HX[t+1]."""
    cdef int T = Z.shape[0], m = Z.shape[1], G = Z.shape[2]
    cdef int n_a = G // 4
    cdef int ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, i, j
    cdef real gi, gf, gc, go, c, tc
    cdef real* z
    with nogil:
        for t in range(T):
            gemm_rm(False, True, m, G, n_a, 1, &HX[t, 0, 0], ld, &W[0, 0], ldw, 1,
                    &Z[t, 0, 0], G)
            for i in range(m):
                z = &Z[t, i, 0]
                for j in range(n_a):
                    gi = _sigmoid(z[j])
                    gf = _sigmoid(z[n_a + j])
                    gc = _tanh(z[2 * n_a + j])
                    go = _sigmoid(z[3 * n_a + j])
                    z[j] = gi
                    z[n_a + j] = gf
                    z[2 * n_a + j] = gc
                    z[3 * n_a + j] = go
                    c = gf * C[t, i, j] + gi * gc
                    tc = _tanh(c)
                    C[t + 1, i, j] = c
                    TC[t, i, j] = tc
                    HX[t + 1, i, j] = go * tc


def lstm_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                       const real[:, :, ::1] C, const real[:, :, ::1] TC,
                       real[:, :, ::1] dZ, real[:, ::1] dc, real[:, ::1] da0):
    """Gate pre-activation gradients -> dZ[t]; ``dc`` carries dc_next in and dc0 out."""
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2]
    cdef int G = 4 * n_a
    cdef int ldw = W.shape[1]
    cdef int t, i, j
    cdef real gi, gf, gc, go, tc, dh, dct
    cdef const real* z
    cdef real* dz
    with nogil:
        for t in range(T - 1, -1, -1):
            for i in range(m):
                z = &Z[t, i, 0]
                dz = &dZ[t, i, 0]
                for j in range(n_a):
                    gi = z[j]
                    gf = z[n_a + j]
                    gc = z[2 * n_a + j]
                    go = z[3 * n_a + j]
                    tc = TC[t, i, j]
                    dh = dH[t, i, j]
                    dct = dc[i, j] + dh * go * (1 - tc * tc)
                    dz[j] = dct * gc * gi * (1 - gi)
                    dz[n_a + j] = dct * C[t, i, j] * gf * (1 - gf)
                    dz[2 * n_a + j] = dct * gi * (1 - gc * gc)
                    dz[3 * n_a + j] = dh * tc * go * (1 - go)
                    dc[i, j] = dct * gf
            if t > 0:
                gemm_rm(False, False, m, n_a, G, 1, &dZ[t, 0, 0], G, &W[0, 0], ldw, 1,
                        &dH[t - 1, 0, 0], n_a)
            else:
                gemm_rm(False, False, m, n_a, G, 1, &dZ[0, 0, 0], G, &W[0, 0], ldw, 0,
                        &da0[0, 0], n_a)


# --------------------------------------------------------------------------
# GRU, gate blocks of Z in the order  [r (reset/relevance), u (update), c~]
#   c<t> = u * c~ + (1 - u) * c<t-1>
# --------------------------------------------------------------------------

def gru_after_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                           real[:, :, ::1] HN, const real[::1] bhc, real[:, ::1] scratch):
    """Reset applied after the recurrent product (PyTorch / cuDNN / Keras form).

    ``c~ = tanh(Z_c + r * (W_ch c<t-1> + bhc))``; ``HN[t]`` keeps
    ``W_ch c<t-1> + bhc``.  ``scratch`` has shape (m, G).
    """
    cdef int T = Z.shape[0], m = Z.shape[1], G = Z.shape[2]
    cdef int n_a = G // 3
    cdef int ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, i, j
    cdef real r, u, hn, cc, hp
    cdef real* z
    cdef real* s
    with nogil:
        for t in range(T):
            gemm_rm(False, True, m, G, n_a, 1, &HX[t, 0, 0], ld, &W[0, 0], ldw, 0,
                    &scratch[0, 0], G)
            for i in range(m):
                z = &Z[t, i, 0]
                s = &scratch[i, 0]
                for j in range(n_a):
                    r = _sigmoid(z[j] + s[j])
                    u = _sigmoid(z[n_a + j] + s[n_a + j])
                    hn = s[2 * n_a + j] + bhc[j]
                    cc = _tanh(z[2 * n_a + j] + r * hn)
                    z[j] = r
                    z[n_a + j] = u
                    z[2 * n_a + j] = cc
                    HN[t, i, j] = hn
                    hp = HX[t, i, j]
                    HX[t + 1, i, j] = u * cc + (1 - u) * hp


def gru_after_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                            const real[:, :, ::1] HX, const real[:, :, ::1] HN,
                            real[:, :, ::1] dZx, real[:, :, ::1] dZh, real[:, ::1] da0):
    """dZx: gradients of the input-side pre-activations; dZh: of the state side."""
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2]
    cdef int G = 3 * n_a
    cdef int ldw = W.shape[1]
    cdef int t, i, j
    cdef real r, u, cc, hn, hp, dh, dzc, du, dr
    cdef const real* z
    cdef real* dx
    cdef real* dhh
    cdef real* dprev
    with nogil:
        for t in range(T - 1, -1, -1):
            for i in range(m):
                z = &Z[t, i, 0]
                dx = &dZx[t, i, 0]
                dhh = &dZh[t, i, 0]
                if t > 0:
                    dprev = &dH[t - 1, i, 0]
                else:
                    dprev = &da0[i, 0]
                for j in range(n_a):
                    r = z[j]
                    u = z[n_a + j]
                    cc = z[2 * n_a + j]
                    hn = HN[t, i, j]
                    hp = HX[t, i, j]
                    dh = dH[t, i, j]
                    dzc = dh * u * (1 - cc * cc)
                    du = dh * (cc - hp) * u * (1 - u)
                    dr = dzc * hn * r * (1 - r)
                    dx[j] = dr
                    dx[n_a + j] = du
                    dx[2 * n_a + j] = dzc
                    dhh[j] = dr
                    dhh[n_a + j] = du
                    dhh[2 * n_a + j] = dzc * r
                    if t > 0:
                        dprev[j] = dprev[j] + dh * (1 - u)
                    else:
                        dprev[j] = dh * (1 - u)
            if t > 0:
                gemm_rm(False, False, m, n_a, G, 1, &dZh[t, 0, 0], G, &W[0, 0], ldw, 1,
                        &dH[t - 1, 0, 0], n_a)
            else:
                gemm_rm(False, False, m, n_a, G, 1, &dZh[0, 0, 0], G, &W[0, 0], ldw, 1,
                        &da0[0, 0], n_a)


def gru_before_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                            real[:, :, ::1] RH):
    """Reset applied before the recurrent product (course / Cho et al. 2014 form).

    ``c~ = tanh(W_c [r * c<t-1>; x<t>] + b_c)``; ``RH[t]`` keeps ``r * c<t-1>``.
    """
    cdef int T = Z.shape[0], m = Z.shape[1], G = Z.shape[2]
    cdef int n_a = G // 3
    cdef int ld = HX.shape[2], ldw = W.shape[1]
    cdef int t, i, j
    cdef real r, u, cc, hp
    cdef real* z
    with nogil:
        for t in range(T):
            # gates r and u: Z[t, :, :2n_a] += c<t-1> W_{ru,h}^T
            gemm_rm(False, True, m, 2 * n_a, n_a, 1, &HX[t, 0, 0], ld, &W[0, 0], ldw, 1,
                    &Z[t, 0, 0], G)
            for i in range(m):
                z = &Z[t, i, 0]
                for j in range(n_a):
                    r = _sigmoid(z[j])
                    u = _sigmoid(z[n_a + j])
                    z[j] = r
                    z[n_a + j] = u
                    RH[t, i, j] = r * HX[t, i, j]
            # candidate: Z[t, :, 2n_a:] += (r * c<t-1>) W_{c,h}^T
            gemm_rm(False, True, m, n_a, n_a, 1, &RH[t, 0, 0], n_a, &W[2 * n_a, 0], ldw, 1,
                    &Z[t, 0, 2 * n_a], G)
            for i in range(m):
                z = &Z[t, i, 0]
                for j in range(n_a):
                    cc = _tanh(z[2 * n_a + j])
                    z[2 * n_a + j] = cc
                    u = z[n_a + j]
                    hp = HX[t, i, j]
                    HX[t + 1, i, j] = u * cc + (1 - u) * hp


def gru_before_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                             const real[:, :, ::1] HX, real[:, :, ::1] dZ,
                             real[:, ::1] drh, real[:, ::1] da0):
    """dZ: pre-activation gradients [dr, du, dc~]; ``drh`` is (m, n_a) scratch."""
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2]
    cdef int G = 3 * n_a
    cdef int ldw = W.shape[1]
    cdef int t, i, j
    cdef real r, u, cc, hp, dh
    cdef const real* z
    cdef real* dz
    cdef real* dprev
    with nogil:
        for t in range(T - 1, -1, -1):
            for i in range(m):
                z = &Z[t, i, 0]
                dz = &dZ[t, i, 0]
                if t > 0:
                    dprev = &dH[t - 1, i, 0]
                else:
                    dprev = &da0[i, 0]
                for j in range(n_a):
                    u = z[n_a + j]
                    cc = z[2 * n_a + j]
                    hp = HX[t, i, j]
                    dh = dH[t, i, j]
                    dz[2 * n_a + j] = dh * u * (1 - cc * cc)
                    dz[n_a + j] = dh * (cc - hp) * u * (1 - u)
                    if t > 0:
                        dprev[j] = dprev[j] + dh * (1 - u)
                    else:
                        dprev[j] = dh * (1 - u)
            # d(r * c<t-1>) = dc~_pre W_{c,h}
            gemm_rm(False, False, m, n_a, n_a, 1, &dZ[t, 0, 2 * n_a], G, &W[2 * n_a, 0], ldw,
                    0, &drh[0, 0], n_a)
            for i in range(m):
                z = &Z[t, i, 0]
                dz = &dZ[t, i, 0]
                if t > 0:
                    dprev = &dH[t - 1, i, 0]
                else:
                    dprev = &da0[i, 0]
                for j in range(n_a):
                    r = z[j]
                    hp = HX[t, i, j]
                    dz[j] = drh[i, j] * hp * r * (1 - r)
                    dprev[j] = dprev[j] + drh[i, j] * r
            if t > 0:
                gemm_rm(False, False, m, n_a, 2 * n_a, 1, &dZ[t, 0, 0], G, &W[0, 0], ldw, 1,
                        &dH[t - 1, 0, 0], n_a)
            else:
                gemm_rm(False, False, m, n_a, 2 * n_a, 1, &dZ[0, 0, 0], G, &W[0, 0], ldw, 1,
                        &da0[0, 0], n_a)
