# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""The LSTM backward pass pipelined over two threads (private kernel).

Layouts: those of ``recurrent.pyx`` (time-major, examples in rows).

The backward time loop is serial in t: step t needs ``dH[t]``, which step
t+1 completes.  The sequence-wide products that follow it,

    dW (G, n_a + n_x) = sum_t dZ[t]^T HX[t]        dx[t] = dZ[t] W_x,

only need the ``dZ[t]`` of finished steps.  So thread 0 runs the time loop
and publishes, every ``S`` steps, how many steps are done (a release store);
thread 1 waits for each chunk of ``S`` steps (an acquire load) and adds
that chunk's share of ``dW`` while the loop goes on.  The ``dx`` rows of a
chunk are independent jobs that either thread takes (compare-and-swap on a
shared counter): thread 1 while it would otherwise wait for the loop,
thread 0 once the loop is over.  Before, the loop ran on one core and the
products after it on two (NumPy's OpenBLAS), the second core idle during
the loop (docs/performance/rnn.rst has the measurements).

Thread 1 adds the chunks into ``dW`` in a fixed order (the latest steps
first), so the bits do not depend on timing; with a team of one thread (no
OpenMP, a nested region, ``OMP_THREAD_LIMIT=1``) the calling thread runs the
loop, then the same chunks in the same order.  The products are BLAS calls
(``gemm_rm``) from inside the region: the caller holds SciPy's OpenBLAS on
one thread for the duration.
"""
from cython.parallel cimport parallel, threadid
from libc.stdlib cimport free, malloc

from dlnotes._kernels._blas cimport gemm_rm
from dlnotes._kernels._recurrent cimport *
from dlnotes._kernels._types cimport real


cdef inline int _n_chunks(int *S, int T) noexcept nogil:
    """Clamp the chunk length ``S`` to [1, T] and count the chunks of ``T`` steps."""
    S[0] = max(1, min(S[0], T))
    return (T + S[0] - 1) // S[0]


cdef real *_packed(const real[:, ::1] W, int K, int N, bint transpose, str caller) except NULL:
    """The weights packed for ``dl_pk_gemm`` (``B = W^T``, K x N, when ``transpose``, else
    ``B = W``), in a buffer the caller frees."""
    cdef real *Bp = <real *>malloc(dl_pk_size(K, N) * sizeof(real))
    if Bp == NULL:
        raise MemoryError(f"{caller}: cannot allocate the packed weights")
    with nogil:
        if transpose:
            dl_pk_pack_bt(K, N, &W[0, 0], W.shape[1], Bp)
        else:
            dl_pk_pack_b(K, N, &W[0, 0], W.shape[1], Bp)
    return Bp


cdef inline int _chunk_start(int k, int S, int T) noexcept nogil:
    """First step of chunk ``k`` (steps ``[T - (k+1) S, T - k S)``, clipped at 0)."""
    return T - (k + 1) * S if T - (k + 1) * S > 0 else 0


cdef void _dW_chunk(int k, int S, int T, int m, int G, int ld, const real *dZ,
                    const real *HX, real *dW) noexcept nogil:
    """dW (G x ld) += dZ_chunk^T (G x rows) HX_chunk (rows x ld) for chunk ``k``."""
    cdef int t0 = _chunk_start(k, S, T), rows = (T - k * S - t0) * m
    gemm_rm(c'T', c'N', G, ld, rows, <real>1, dZ + t0 * m * G, G, HX + t0 * m * ld, ld,
            <real>1, dW, ld)


cdef void _dx_job(int k, int S, int T, int m, int G, int ld, int n_a, const real *dZ,
                  const real *W, real *dxt, real *dx, double *dbp) noexcept nogil:
    """Chunk ``k``'s ``dx`` rows, ``dZ_chunk (rows x G) W_x (G x n_x)`` (W_x = W[:, n_a:]),
    time-major into ``dxt`` and then into the ``(n_x, m, T)`` result ``dx``; and its
    column sums of ``dZ`` (the bias gradient's share) into ``dbp[k]``, in double."""
    cdef int t0 = _chunk_start(k, S, T), t1 = T - k * S, n_x = ld - n_a, r, g
    cdef const real *z = dZ + t0 * m * G
    cdef double *acc = dbp + k * G
    gemm_rm(c'N', c'N', (t1 - t0) * m, n_x, G, <real>1, z, G, W + n_a, ld, <real>0,
            dxt + t0 * m * n_x, n_x)
    swap_rows(dxt + t0 * m * n_x, m * n_x, n_x, dx + t0, m * T, T, t1 - t0, m, n_x)
    for g in range(G):
        acc[g] = 0
    for r in range((t1 - t0) * m):
        for g in range(G):
            acc[g] += z[r * G + g]


def lstm_backward_pipelined(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                            const real[:, :, ::1] C, const real[:, :, ::1] TC,
                            const real[:, :, ::1] HX, real[:, :, ::1] dZ, real[:, ::1] dc,
                            real[:, ::1] da0, real[:, ::1] dW, real[:, :, ::1] dxt,
                            real[:, :, ::1] dx, double[:, ::1] dbp, int S):
    """The LSTM backward time loop (``recurrent.lstm_backward_loop``'s, on the whole batch)
    with ``dW = sum_t dZ[t]^T HX[t]``, ``dx`` (``(n_x, m, T)``, through the time-major
    scratch ``dxt``) and the bias gradient's per-chunk sums ``dbp (n_chunks, G)`` computed
    alongside, in chunks of ``S`` steps.  Call with SciPy's BLAS on one thread."""
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2], G = 4 * n_a
    cdef int ld = W.shape[1]
    cdef int n_chunks, done = 0, consumed = 0, dx_next = 0, t, k, j, need, ready, tid, rounds
    cdef real *Bp = NULL
    cdef real *dprev
    if T == 0 or m == 0:
        return
    n_chunks = _n_chunks(&S, T)
    Bp = _packed(W, G, n_a, False, "lstm_backward_pipelined")
    for k in range(G * ld):
        (&dW[0, 0])[k] = 0
    with nogil:
        with parallel(num_threads=2):
            tid = threadid()
            if tid == 0:  # the time loop, then the dx jobs left
                for t in range(T - 1, -1, -1):
                    dl_lstm_bwd(m, n_a, &Z[t, 0, 0], &C[t, 0, 0], &TC[t, 0, 0], &dH[t, 0, 0],
                                &dc[0, 0], &dZ[t, 0, 0])
                    dprev = &dH[t - 1, 0, 0] if t > 0 else &da0[0, 0]
                    dl_pk_gemm(m, n_a, G, &dZ[t, 0, 0], G, Bp, dprev, n_a, t > 0)
                    if (T - t) % S == 0 or t == 0:
                        dl_store_release(&done, T - t)
                j = dl_claim_below(&dx_next, n_chunks)
                while j >= 0:
                    _dx_job(j, S, T, m, G, ld, n_a, &dZ[0, 0, 0], &W[0, 0], &dxt[0, 0, 0],
                            &dx[0, 0, 0], &dbp[0, 0])
                    j = dl_claim_below(&dx_next, n_chunks)
            else:  # dW chunk by chunk, in order; dx jobs of finished chunks while waiting
                for k in range(n_chunks):
                    need = min((k + 1) * S, T)
                    ready = dl_load_acquire(&done)
                    rounds = 0
                    while ready < need:
                        j = dl_claim_below(&dx_next, ready // S)
                        if j >= 0:
                            _dx_job(j, S, T, m, G, ld, n_a, &dZ[0, 0, 0], &W[0, 0],
                                    &dxt[0, 0, 0], &dx[0, 0, 0], &dbp[0, 0])
                        else:
                            dl_cpu_relax(&rounds)
                        ready = dl_load_acquire(&done)
                    _dW_chunk(k, S, T, m, G, ld, &dZ[0, 0, 0], &HX[0, 0, 0], &dW[0, 0])
                    dl_store_release(&consumed, k + 1)
        # a team of one: the loop and every dx job ran above; the dW chunks follow, in order
        for k in range(dl_load_acquire(&consumed), n_chunks):
            _dW_chunk(k, S, T, m, G, ld, &dZ[0, 0, 0], &HX[0, 0, 0], &dW[0, 0])
    free(Bp)



def lstm_forward_overlapped(const real[:, ::1] W, const real[::1] b, real[:, :, ::1] Z,
                            real[:, :, ::1] HX, real[:, :, ::1] C, real[:, :, ::1] TC,
                            real[:, :, ::1] a, real[:, :, ::1] c, int S):
    """The LSTM forward time loop (``recurrent.lstm_forward_loop``'s, on the whole batch) on
    thread 0, while thread 1 copies the states of every finished chunk of ``S`` steps into
    the ``(n_a, m, T)`` results ``a`` (from ``HX[t+1, :, :n_a]``) and ``c`` (from
    ``C[t+1]``): the transposes are off the loop's path."""
    cdef int T = Z.shape[0], m = Z.shape[1], G = Z.shape[2], n_a = G // 4, ld = HX.shape[2]
    cdef int n_chunks, done = 0, consumed = 0, t, k, t0, t1, rounds
    cdef real *Bp = NULL
    if T == 0 or m == 0:
        return
    n_chunks = _n_chunks(&S, T)
    Bp = _packed(W, ld, G, True, "lstm_forward_overlapped")
    with nogil:
        with parallel(num_threads=2):
            if threadid() == 0:
                for t in range(T):
                    dl_pk_gemm_bias(m, G, ld, &HX[t, 0, 0], ld, Bp, &b[0], &Z[t, 0, 0], G, 0)
                    dl_lstm_fwd(m, n_a, &Z[t, 0, 0], &C[t, 0, 0], &C[t + 1, 0, 0],
                                &TC[t, 0, 0], &HX[t + 1, 0, 0], ld)
                    if (t + 1) % S == 0 or t == T - 1:
                        dl_store_release(&done, t + 1)
            else:
                for k in range(n_chunks):
                    t0 = k * S
                    t1 = min(t0 + S, T)
                    rounds = 0
                    while dl_load_acquire(&done) < t1:
                        dl_cpu_relax(&rounds)
                    swap_rows(&HX[t0 + 1, 0, 0], m * ld, ld, &a[0, 0, t0], m * T, T, t1 - t0,
                              m, n_a)
                    swap_rows(&C[t0 + 1, 0, 0], m * n_a, n_a, &c[0, 0, t0], m * T, T,
                              t1 - t0, m, n_a)
                    dl_store_release(&consumed, k + 1)
        for k in range(dl_load_acquire(&consumed), n_chunks):  # a team of one
            t0 = k * S
            t1 = min(t0 + S, T)
            swap_rows(&HX[t0 + 1, 0, 0], m * ld, ld, &a[0, 0, t0], m * T, T, t1 - t0, m, n_a)
            swap_rows(&C[t0 + 1, 0, 0], m * n_a, n_a, &c[0, 0, t0], m * T, T, t1 - t0, m, n_a)
    free(Bp)
