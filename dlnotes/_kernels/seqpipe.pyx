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


cdef inline int _chunk_start(int k, int S, int T) noexcept nogil:
    """First step of chunk ``k`` (steps ``[T - (k+1) S, T - k S)``, clipped at 0)."""
    return T - (k + 1) * S if T - (k + 1) * S > 0 else 0


cdef void _dW_chunk(int k, int S, int T, int m, int G, int ld, const real *dZ,
                    const real *HX, real *dW) noexcept nogil:
    """dW (G x ld) += dZ_chunk^T (G x rows) HX_chunk (rows x ld) for chunk ``k``."""
    cdef int t0 = _chunk_start(k, S, T), rows = (T - k * S - t0) * m
    gemm_rm(c'T', c'N', G, ld, rows, <real>1, dZ + t0 * m * G, G, HX + t0 * m * ld, ld,
            <real>1, dW, ld)


cdef void _dx_chunk(int k, int S, int T, int m, int G, int ld, int n_a, const real *dZ,
                    const real *W, real *dx) noexcept nogil:
    """dx_chunk (rows x n_x) = dZ_chunk (rows x G) W_x (G x n_x), W_x = W[:, n_a:]."""
    cdef int t0 = _chunk_start(k, S, T), rows = (T - k * S - t0) * m, n_x = ld - n_a
    gemm_rm(c'N', c'N', rows, n_x, G, <real>1, dZ + t0 * m * G, G, W + n_a, ld, <real>0,
            dx + t0 * m * n_x, n_x)


def lstm_backward_pipelined(const real[:, ::1] W, real[:, :, ::1] dH, const real[:, :, ::1] Z,
                            const real[:, :, ::1] C, const real[:, :, ::1] TC,
                            const real[:, :, ::1] HX, real[:, :, ::1] dZ, real[:, ::1] dc,
                            real[:, ::1] da0, real[:, ::1] dW, real[:, :, ::1] dx, int S):
    """The LSTM backward time loop (``recurrent.lstm_backward_loop``'s, on the whole batch)
    with ``dW = sum_t dZ[t]^T HX[t]`` and ``dx[t] = dZ[t] W_x`` computed alongside, in
    chunks of ``S`` steps.  ``dW`` is overwritten.  Call with SciPy's BLAS on one thread."""
    cdef int T = dH.shape[0], m = dH.shape[1], n_a = dH.shape[2], G = 4 * n_a
    cdef int ld = W.shape[1]
    cdef int n_chunks, done = 0, consumed = 0, dx_next = 0, t, k, j, need, ready, tid
    cdef real *Bp = NULL
    cdef real *dprev
    if T == 0 or m == 0:
        return
    S = max(1, min(S, T))
    n_chunks = (T + S - 1) // S
    Bp = <real *>malloc(dl_pk_size(G, n_a) * sizeof(real))
    if Bp == NULL:
        raise MemoryError("lstm_backward_pipelined: cannot allocate the packed weights")
    for k in range(G * ld):
        (&dW[0, 0])[k] = 0
    with nogil:
        dl_pk_pack_b(G, n_a, &W[0, 0], ld, Bp)
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
                    _dx_chunk(j, S, T, m, G, ld, n_a, &dZ[0, 0, 0], &W[0, 0], &dx[0, 0, 0])
                    j = dl_claim_below(&dx_next, n_chunks)
            else:  # dW chunk by chunk, in order; dx jobs of finished chunks while waiting
                for k in range(n_chunks):
                    need = min((k + 1) * S, T)
                    ready = dl_load_acquire(&done)
                    while ready < need:
                        j = dl_claim_below(&dx_next, ready // S)
                        if j >= 0:
                            _dx_chunk(j, S, T, m, G, ld, n_a, &dZ[0, 0, 0], &W[0, 0],
                                      &dx[0, 0, 0])
                        else:
                            dl_cpu_relax()
                        ready = dl_load_acquire(&done)
                    _dW_chunk(k, S, T, m, G, ld, &dZ[0, 0, 0], &HX[0, 0, 0], &dW[0, 0])
                    dl_store_release(&consumed, k + 1)
        # a team of one: the loop and every dx job ran above; the dW chunks follow, in order
        for k in range(dl_load_acquire(&consumed), n_chunks):
            _dW_chunk(k, S, T, m, G, ld, &dZ[0, 0, 0], &HX[0, 0, 0], &dW[0, 0])
    free(Bp)

