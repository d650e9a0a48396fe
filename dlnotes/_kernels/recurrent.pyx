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
        recurrent product ``a^{<t-1>} W_h^T`` against the weights packed once
        before the loop (``dl_recurrent_gemm_impl.h``: OpenBLAS re-packed them
        on every call), then one fused pass applies the gate nonlinearities and
        the state update, overwriting ``Z[t]`` with the gate activations that
        the backward pass needs.

Backward loops receive ``dH`` (shape ``(T, m, n_a)``, the gradient arriving at
each state from the outputs) and accumulate the recurrent gradient into
``dH[t-1]`` with one packed product per step.  They leave the gate pre-activation
gradients in a ``(T, m, G)`` buffer so that the caller obtains all weight
gradients with one GEMM after the loop.

The fused gate passes are C (``dl_recurrent.h``): vectorised float32 math,
libm's exp for the float64 sigmoid, one type-generic name per pass.

Threads: the examples of a batch are independent in the recurrence, so a loop
given ``n_threads > 1`` splits the batch into row blocks, one per OpenMP
thread, each running the whole time loop on its rows against the shared
packed weights (no synchronisation inside the loop; the caller picks the
threads, ``dlnotes.rnn._common.run_loop``).

Every kernel trusts its inputs (C-contiguous, consistent shapes, one dtype)
and runs without the GIL.
"""
from cython.parallel cimport prange

import numpy as np

from dlnotes._kernels._parallel cimport dl_omp_max_threads
from dlnotes._kernels._recurrent cimport *
from dlnotes._kernels._types cimport real


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


cdef inline int _row(int c, int m, int nch) noexcept nogil:
    """First example of row block ``c`` of ``nch`` (block ``nch`` ends the batch)."""
    return c * m // nch


cdef real[::1] _pack(const real[:, ::1] W, int row0, int K, int N, bint transpose,
                     int col0=0):
    """The recurrent weights ``W[row0:, col0:]`` packed for ``dl_pk_gemm``: ``B = W^T`` (N x K
    of ``W``) when ``transpose``, else ``B = W`` (K x N of ``W``)."""
    cdef real[::1] bp = np.empty(dl_pk_size(K, N), dtype=np.asarray(W).dtype)
    with nogil:
        if transpose:
            dl_pk_pack_bt(K, N, &W[row0, col0], W.shape[1], &bp[0])
        else:
            dl_pk_pack_b(K, N, &W[row0, col0], W.shape[1], &bp[0])
    return bp


# Every ``_*_rows`` loop below processes the examples [i0, i1) of the batch for
# all time steps; its ``def`` wrapper runs the row blocks of the batch on
# ``_n_chunks`` OpenMP threads, or the whole batch on the calling thread when
# that is 1 (without an OpenMP region: entering one costs ~1-2 us, measured,
# against ~6 us for a one-step LSTM call).
# Examples are independent in the recurrence, so there is no synchronisation
# inside the time loop; each thread runs the packed products on its rows.

# --------------------------------------------------------------------------
# Basic RNN:  a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
# --------------------------------------------------------------------------

cdef void _rnn_fwd_rows(const real* Bp, const real* b, real[:, :, ::1] Z, real[:, :, ::1] HX,
                        int i0, int i1) noexcept nogil:
    cdef int T = Z.shape[0], n_a = Z.shape[2], ld = HX.shape[2]
    cdef int t, m = i1 - i0
    for t in range(T):
        dl_pk_gemm_bias(m, n_a, ld, &HX[t, i0, 0], ld, Bp, b, &Z[t, i0, 0], n_a, 0)
        dl_rnn_fwd(m, n_a, &Z[t, i0, 0], &HX[t + 1, i0, 0], ld)


def rnn_forward_loop(const real[:, ::1] W, const real[::1] b, real[:, :, ::1] Z,
                     real[:, :, ::1] HX, int n_threads=1):
    """Z[t] = [a<t-1>; x<t>] W^T + b; a<t> = tanh(Z[t]) -> HX[t+1, :, :n_a] and Z[t].

    As in :func:`lstm_forward_loop`, each step projects its own input ``x<t>`` (one
    product with K = n_a + n_x on top of the bias), so ``Z`` is written, never read
    first (measured, ``n_x=64, n_a=128, m=32, T=50``, float32, 1 thread: see rnn.rst)."""
    cdef int c, m = Z.shape[1], nch = _n_chunks(m, n_threads), n_a = Z.shape[2]
    cdef real[::1] Bp = _pack(W, 0, W.shape[1], n_a, True)
    if nch == 1:
        with nogil:
            _rnn_fwd_rows(&Bp[0], &b[0], Z, HX, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _rnn_fwd_rows(&Bp[0], &b[0], Z, HX, _row(c, m, nch), _row(c + 1, m, nch))


cdef void _rnn_bwd_rows(const real* Bp, real[:, :, ::1] dH, const real[:, :, ::1] HX,
                        real[:, ::1] da0, int i0, int i1) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2]
    cdef int t, m = i1 - i0
    cdef real* dprev
    for t in range(T - 1, -1, -1):
        dl_rnn_bwd(m, n_a, &dH[t, i0, 0], &HX[t + 1, i0, 0], ld)
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        # accumulate into dH[t-1]; overwrite da0
        dl_pk_gemm(m, n_a, n_a, &dH[t, i0, 0], n_a, Bp, dprev, n_a, t > 0)


def rnn_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] HX,
                      real[:, ::1] da0, int n_threads=1):
    """In place: dH[t] becomes dz<t> = da<t> * (1 - a<t>^2), da<t> the total gradient.

    The recurrent part ``dz<t> W_aa`` is added into ``dH[t-1]`` (``da0`` at t=0).
    """
    cdef int c, m = dH.shape[1], nch = _n_chunks(m, n_threads), n_a = dH.shape[2]
    cdef real[::1] Bp = _pack(W, 0, n_a, n_a, False)
    if nch == 1:
        with nogil:
            _rnn_bwd_rows(&Bp[0], dH, HX, da0, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _rnn_bwd_rows(&Bp[0], dH, HX, da0, _row(c, m, nch), _row(c + 1, m, nch))


# --------------------------------------------------------------------------
# LSTM, gate blocks of Z in the order  [i (update), f (forget), c~ (candidate), o]
# --------------------------------------------------------------------------

cdef void _lstm_fwd_rows(const real* Bp, const real* b, real[:, :, ::1] Z, real[:, :, ::1] HX,
                         real[:, :, ::1] C, real[:, :, ::1] TC, real[:, :, ::1] a,
                         real[:, :, ::1] c, int i0, int i1) noexcept nogil:
    cdef int T = Z.shape[0], m_all = Z.shape[1], G = Z.shape[2], ld = HX.shape[2]
    cdef int n_a = G // 4
    cdef int t, m = i1 - i0
    for t in range(T):
        # Z[t] = [a<t-1>; x<t>] W^T + b: the input projection inside the step's product
        dl_pk_gemm_bias(m, G, ld, &HX[t, i0, 0], ld, Bp, b, &Z[t, i0, 0], G, 0)
        dl_lstm_fwd(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &C[t + 1, i0, 0], &TC[t, i0, 0],
                    &HX[t + 1, i0, 0], ld)
    # this block's states to the course's (n_a, m, T)
    swap_rows(&HX[1, i0, 0], m_all * ld, ld, &a[0, i0, 0], m_all * T, T, T, m, n_a)
    swap_rows(&C[1, i0, 0], m_all * n_a, n_a, &c[0, i0, 0], m_all * T, T, T, m, n_a)


def lstm_forward_loop(const real[:, ::1] W, const real[::1] b, real[:, :, ::1] Z,
                      real[:, :, ::1] HX, real[:, :, ::1] C, real[:, :, ::1] TC,
                      real[:, :, ::1] a, real[:, :, ::1] c, int n_threads=1):
    """One step per t: gates -> Z[t], c<t> -> C[t+1], tanh(c<t>) -> TC[t], a<t> -> HX[t+1];
    then the states also to the ``(n_a, m, T)`` results ``a`` and ``c``.

    Unlike the other loops, the input projection is not computed before the loop: each
    step multiplies the whole row ``[a<t-1>; x<t>]`` by the packed ``W^T`` (K = n_a + n_x)
    on top of the bias, so ``Z`` is written, never read first (see rnn.rst: a (T, m, G)
    buffer filled before the loop has left the cache by the time its step comes, and
    OpenBLAS ran the K = n_x projection at half its rate).  Each thread transposes its own
    rows' states after its loop: the threads share nothing but the packed weights and meet
    once, at the end.  (Transposing chunk by chunk inside the loop, while the states are in
    cache, measured no faster: ``n_a=128, m=32, T=50``, 2 threads, medians of 40, chunks of
    7 / 8 / 16 / 50 steps 5.47 / 4.76 / 4.63 / 4.54 ms.)"""
    cdef int k, m = Z.shape[1], nch = _n_chunks(m, n_threads), G = Z.shape[2]
    cdef real[::1] Bp = _pack(W, 0, W.shape[1], G, True)
    if nch == 1:
        with nogil:
            _lstm_fwd_rows(&Bp[0], &b[0], Z, HX, C, TC, a, c, 0, m)
    else:
        for k in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _lstm_fwd_rows(&Bp[0], &b[0], Z, HX, C, TC, a, c, _row(k, m, nch),
                           _row(k + 1, m, nch))


cdef void _lstm_bwd_rows(const real* Bp, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                         const real[:, :, ::1] C, const real[:, :, ::1] TC,
                         real[:, :, ::1] dZ, real[:, ::1] dc, real[:, ::1] da0,
                         int i0, int i1) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2]
    cdef int G = 4 * n_a
    cdef int t, m = i1 - i0
    cdef real* dprev
    for t in range(T - 1, -1, -1):
        dl_lstm_bwd(m, n_a, &Z[t, i0, 0], &C[t, i0, 0], &TC[t, i0, 0], &dH[t, i0, 0],
                    &dc[i0, 0], &dZ[t, i0, 0])
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        # accumulate into dH[t-1]; overwrite da0
        dl_pk_gemm(m, n_a, G, &dZ[t, i0, 0], G, Bp, dprev, n_a, t > 0)


def lstm_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                       const real[:, :, ::1] C, const real[:, :, ::1] TC,
                       real[:, :, ::1] dZ, real[:, ::1] dc, real[:, ::1] da0, int n_threads=1):
    """Gate pre-activation gradients -> dZ[t]; ``dc`` carries dc_next in and dc0 out."""
    cdef int c, m = dH.shape[1], nch = _n_chunks(m, n_threads), n_a = dH.shape[2]
    cdef real[::1] Bp = _pack(W, 0, 4 * n_a, n_a, False)
    if nch == 1:
        with nogil:
            _lstm_bwd_rows(&Bp[0], dH, Z, C, TC, dZ, dc, da0, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _lstm_bwd_rows(&Bp[0], dH, Z, C, TC, dZ, dc, da0, _row(c, m, nch),
                           _row(c + 1, m, nch))


# --------------------------------------------------------------------------
# GRU, gate blocks of Z in the order  [r (reset/relevance), u (update), c~]
#   c<t> = u * c~ + (1 - u) * c<t-1>
# --------------------------------------------------------------------------

cdef void _gru_after_fwd_rows(const real* Bru, const real* Bcx, const real* Bch, const real* b,
                              real[:, :, ::1] Z, real[:, :, ::1] HX, real[:, :, ::1] HN,
                              const real[::1] bhc, real[:, ::1] scratch, int i0,
                              int i1) noexcept nogil:
    cdef int T = Z.shape[0], G = Z.shape[2], ld = HX.shape[2]
    cdef int n_a = G // 3
    cdef int t, m = i1 - i0
    for t in range(T):
        # gates r, u: [c<t-1>; x<t>] W_ru^T + b_ru (the input projection inside the step)
        dl_pk_gemm_bias(m, 2 * n_a, ld, &HX[t, i0, 0], ld, Bru, b, &Z[t, i0, 0], G, 0)
        # candidate, input side: x<t> W_cx^T + b_c
        dl_pk_gemm_bias(m, n_a, ld - n_a, &HX[t, i0, n_a], ld, Bcx, b + 2 * n_a,
                        &Z[t, i0, 2 * n_a], G, 0)
        # candidate, state side: c<t-1> W_ch^T (its r and u columns stay 0)
        dl_pk_gemm(m, n_a, n_a, &HX[t, i0, 0], ld, Bch, &scratch[i0, 2 * n_a], G, 0)
        dl_gru_after_fwd(m, n_a, &Z[t, i0, 0], &scratch[i0, 0], &bhc[0], &HN[t, i0, 0])
        dl_gru_update(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)


def gru_after_forward_loop(const real[:, ::1] W, const real[::1] b, real[:, :, ::1] Z,
                           real[:, :, ::1] HX, real[:, :, ::1] HN, const real[::1] bhc,
                           real[:, ::1] scratch, int n_threads=1):
    """Reset applied after the recurrent product (PyTorch / cuDNN / Keras form).

    ``c~ = tanh(Z_c + r * (W_ch c<t-1> + bhc))``; ``HN[t]`` keeps
    ``W_ch c<t-1> + bhc``.  ``scratch`` has shape (m, G).  As in
    :func:`lstm_forward_loop`, each step projects its own input: the gates r and u
    multiply the whole row ``[c<t-1>; x<t>]`` (K = n_a + n_x) on top of their biases, the
    candidate's two sides (which the reset gate keeps apart) are two products, so ``Z`` is
    written, never read first.
    """
    cdef int c, m = Z.shape[1], nch = _n_chunks(m, n_threads), G = Z.shape[2]
    cdef int n_a = G // 3, ld = HX.shape[2]
    cdef real[::1] Bru = _pack(W, 0, ld, 2 * n_a, True)
    cdef real[::1] Bcx = _pack(W, 2 * n_a, ld - n_a, n_a, True, n_a)
    cdef real[::1] Bch = _pack(W, 2 * n_a, n_a, n_a, True)
    np.asarray(scratch)[:, :2 * n_a] = 0
    if nch == 1:
        with nogil:
            _gru_after_fwd_rows(&Bru[0], &Bcx[0], &Bch[0], &b[0], Z, HX, HN, bhc, scratch, 0,
                                m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_after_fwd_rows(&Bru[0], &Bcx[0], &Bch[0], &b[0], Z, HX, HN, bhc, scratch,
                                _row(c, m, nch), _row(c + 1, m, nch))


cdef void _gru_after_bwd_rows(const real* Bp, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                              const real[:, :, ::1] HX, const real[:, :, ::1] HN,
                              real[:, :, ::1] dZx, real[:, :, ::1] dZh, real[:, ::1] da0,
                              int i0, int i1) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2]
    cdef int G = 3 * n_a
    cdef int t, m = i1 - i0
    cdef real* dprev
    for t in range(T - 1, -1, -1):
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        dl_gru_after_bwd(m, n_a, &Z[t, i0, 0], &HN[t, i0, 0], &HX[t, i0, 0], ld, &dH[t, i0, 0],
                         &dZx[t, i0, 0], &dZh[t, i0, 0], dprev)
        dl_pk_gemm(m, n_a, G, &dZh[t, i0, 0], G, Bp, dprev, n_a, 1)


def gru_after_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                            const real[:, :, ::1] HX, const real[:, :, ::1] HN,
                            real[:, :, ::1] dZx, real[:, :, ::1] dZh, real[:, ::1] da0,
                            int n_threads=1):
    """dZx: gradients of the input-side pre-activations; dZh: of the state side."""
    cdef int c, m = dH.shape[1], nch = _n_chunks(m, n_threads), n_a = dH.shape[2]
    cdef real[::1] Bp = _pack(W, 0, 3 * n_a, n_a, False)
    if nch == 1:
        with nogil:
            _gru_after_bwd_rows(&Bp[0], dH, Z, HX, HN, dZx, dZh, da0, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_after_bwd_rows(&Bp[0], dH, Z, HX, HN, dZx, dZh, da0, _row(c, m, nch),
                                _row(c + 1, m, nch))


cdef void _gru_before_fwd_rows(const real* Bru, const real* Bc, real[:, :, ::1] Z,
                               real[:, :, ::1] HX, real[:, :, ::1] RH, int i0,
                               int i1) noexcept nogil:
    cdef int T = Z.shape[0], G = Z.shape[2], ld = HX.shape[2]
    cdef int n_a = G // 3
    cdef int t, m = i1 - i0
    for t in range(T):
        # gates r and u: Z[t, :, :2n_a] += c<t-1> W_{ru,h}^T
        dl_pk_gemm(m, 2 * n_a, n_a, &HX[t, i0, 0], ld, Bru, &Z[t, i0, 0], G, 1)
        dl_gru_before_fwd1(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &RH[t, i0, 0])
        # candidate: Z[t, :, 2n_a:] += (r * c<t-1>) W_{c,h}^T
        dl_pk_gemm(m, n_a, n_a, &RH[t, i0, 0], n_a, Bc, &Z[t, i0, 2 * n_a], G, 1)
        dl_gru_before_fwd2(m, n_a, &Z[t, i0, 0])
        dl_gru_update(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], &HX[t + 1, i0, 0], ld)


def gru_before_forward_loop(const real[:, ::1] W, real[:, :, ::1] Z, real[:, :, ::1] HX,
                            real[:, :, ::1] RH, int n_threads=1):
    """Reset applied before the recurrent product (course / Cho et al. 2014 form).

    ``c~ = tanh(W_c [r * c<t-1>; x<t>] + b_c)``; ``RH[t]`` keeps ``r * c<t-1>``.
    """
    cdef int c, m = Z.shape[1], nch = _n_chunks(m, n_threads), n_a = Z.shape[2] // 3
    cdef real[::1] Bru = _pack(W, 0, n_a, 2 * n_a, True)
    cdef real[::1] Bc = _pack(W, 2 * n_a, n_a, n_a, True)
    if nch == 1:
        with nogil:
            _gru_before_fwd_rows(&Bru[0], &Bc[0], Z, HX, RH, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_before_fwd_rows(&Bru[0], &Bc[0], Z, HX, RH, _row(c, m, nch), _row(c + 1, m, nch))


cdef void _gru_before_bwd_rows(const real* Bru, const real* Bc, real[:, :, ::1] dH,
                               const real[:, :, ::1] Z, const real[:, :, ::1] HX,
                               real[:, :, ::1] dZ, real[:, ::1] drh, real[:, ::1] da0,
                               int i0, int i1) noexcept nogil:
    cdef int T = dH.shape[0], n_a = dH.shape[2], ld = HX.shape[2]
    cdef int G = 3 * n_a
    cdef int t, m = i1 - i0
    cdef real* dprev
    for t in range(T - 1, -1, -1):
        dprev = &dH[t - 1, i0, 0] if t > 0 else &da0[i0, 0]
        dl_gru_before_bwd1(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &dH[t, i0, 0],
                           &dZ[t, i0, 0], dprev)
        # d(r * c<t-1>) = dc~_pre W_{c,h}
        dl_pk_gemm(m, n_a, n_a, &dZ[t, i0, 2 * n_a], G, Bc, &drh[i0, 0], n_a, 0)
        dl_gru_before_bwd2(m, n_a, &Z[t, i0, 0], &HX[t, i0, 0], ld, &drh[i0, 0],
                           &dZ[t, i0, 0], dprev)
        dl_pk_gemm(m, n_a, 2 * n_a, &dZ[t, i0, 0], G, Bru, dprev, n_a, 1)


def gru_before_backward_loop(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                             const real[:, :, ::1] HX, real[:, :, ::1] dZ,
                             real[:, ::1] drh, real[:, ::1] da0, int n_threads=1):
    """dZ: pre-activation gradients [dr, du, dc~]; ``drh`` is (m, n_a) scratch."""
    cdef int c, m = dH.shape[1], nch = _n_chunks(m, n_threads), n_a = dH.shape[2]
    cdef real[::1] Bru = _pack(W, 0, 2 * n_a, n_a, False)
    cdef real[::1] Bc = _pack(W, 2 * n_a, n_a, n_a, False)
    if nch == 1:
        with nogil:
            _gru_before_bwd_rows(&Bru[0], &Bc[0], dH, Z, HX, dZ, drh, da0, 0, m)
    else:
        for c in prange(nch, nogil=True, schedule="static", num_threads=nch):
            _gru_before_bwd_rows(&Bru[0], &Bc[0], dH, Z, HX, dZ, drh, da0, _row(c, m, nch),
                                 _row(c + 1, m, nch))


# --------------------------------------------------------------------------
# Layout changes between the notes' (n, m, T) and the loops' (T, m, n)
# --------------------------------------------------------------------------

def swap_axes02(const real[:, :, :] src, real[:, :, :] dst):
    """``dst[a, i, b] = src[b, i, a]`` (any strides).

    NumPy's strided copy of this permutation walks one side with a stride of
    ``m * n`` elements.  With unit inner strides on both sides (every call from
    :mod:`dlnotes.rnn`) the copy runs on raw pointers in 8 x 8 tiles per
    example, which keeps both sides in cache (profiled, LSTM ``n_a=128, m=32,
    T=50``: the earlier tiled loop through strided memoryview indexing took
    5 ns per element, 0.46 ms to unpack the states; this one 0.14 ms); other
    layouts go through NumPy.
    """
    cdef Py_ssize_t B = src.shape[0], m = src.shape[1], A = src.shape[2]
    cdef Py_ssize_t it = sizeof(real)
    if B == 0 or m == 0 or A == 0:
        return
    if (src.strides[2] == it and dst.strides[2] == it and src.strides[0] % it == 0
            and src.strides[1] % it == 0 and dst.strides[0] % it == 0
            and dst.strides[1] % it == 0):
        with nogil:
            swap_rows(&src[0, 0, 0], src.strides[0] // it, src.strides[1] // it, &dst[0, 0, 0],
                       dst.strides[0] // it, dst.strides[1] // it, B, m, A)
    else:
        np.copyto(np.asarray(dst), np.transpose(np.asarray(src), (2, 1, 0)))
