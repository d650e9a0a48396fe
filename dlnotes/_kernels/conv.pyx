# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""2-D convolution (cross-correlation) over NHWC images: private kernels.

Layouts (the notes'): ``A (m, H, W, C)``, filters ``W (f_h, f_w, C, F)``
viewed as a ``(K, F)`` matrix with ``K = f_h * f_w * C`` (C order, so the
row index is ``(u * f_w + v) * C + k``), output ``Z (m, H_o, W_o, F)``
viewed as ``(m * H_o * W_o, F)``.

Method: im2col + GEMM, in chunks of output rows (row ``r = i * H_o + h``
of the whole batch, so a chunk may span images and one large image is
split into several chunks; the caller sizes them from a byte budget so
that ``cols`` stays cache-sized).

* forward, per chunk of ``nr`` output rows:
  ``cols[(i, h, w), (u, v, k)] = A_pad[i, h s_h + u, w s_w + v, k]``
  (a compiled gather; with channels last each ``(u, v..v+f_w)`` run is one
  contiguous ``f_w * C`` copy, the padding is written as zeros and never
  materialised in ``A``), then ``Z_chunk = cols @ W_mat`` by BLAS ``gemm``
  with ``Z`` pre-filled with the bias (``beta = 1``).
* backward, per chunk: ``cols`` is rebuilt (cheaper than keeping it:
  bounded memory), ``dW += cols^T dZ_chunk`` (gemm; with few output
  channels, ``outer=True``, a compiled loop of outer products instead,
  four positions per pass: BLAS runs that skinny product mostly packing
  ``cols``), then the same buffer
  receives ``dcols = dZ_chunk W_mat^T`` (gemm) and a compiled col2im
  scatters-adds it into ``dA`` (each ``f_w * C`` run is one contiguous
  vector add), cropping the padding on the fly.  ``db`` is a column sum of
  ``dZ`` accumulated in double precision.

A 1x1 filter with stride 1 and no padding skips im2col (``cols`` is ``A``).

Threads: one OpenMP region per call; threads take chunks of rows
(dynamic schedule), each with its own ``cols`` buffer, its own im2col,
single-threaded BLAS calls and its own col2im.  In the backward pass the
even chunks run first, then (after the loop's barrier) the odd ones: with
chunks of at least ``ceil(f_h / s_h)`` rows only neighbouring chunks
scatter into the same rows of ``dA``, so ``dA`` needs no reduction and no
lock; ``dW`` and ``db`` go to per-thread accumulators summed at the end.  The caller pins SciPy's OpenBLAS to one
thread for the duration (a threaded BLAS inside these threads
oversubscribes the cores).  OpenBLAS picks its AVX-512 / AVX2 GEMM kernels
at run time.  The vector adds of col2im, the outer-product dW and the db
sums are C (``dl_conv.h``) compiled for AVX-512, AVX2 and baseline x86-64
with GCC's ``target_clones`` (chosen at load time), plain C elsewhere.

Peak extra memory: ``n_threads`` buffers of ``chunk * W_o * K``
elements (``chunk`` chosen by the caller from a byte budget), plus
``n_threads * K * F`` for the ``dW`` accumulators.
"""
from cython.parallel cimport parallel, prange, threadid
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset
from dlnotes._kernels._blas cimport gemm_rm
from dlnotes._kernels._types cimport real


cdef extern from "dl_conv.h" nogil:
    # type-generic names (float or double by the element type of an array argument)
    void dl_add(void *dst, const void *src, Py_ssize_t n) noexcept nogil
    void dl_colsum(double *acc, const void *z, Py_ssize_t nq, Py_ssize_t F) noexcept nogil
    void dl_dw_outer(void *acc, const void *cols, const void *dz, Py_ssize_t P, Py_ssize_t K,
                     Py_ssize_t F) noexcept nogil


cdef inline int _team(int n_threads, Py_ssize_t m, Py_ssize_t *chunk,
                      Py_ssize_t *n_chunks) noexcept nogil:
    """Clamp ``chunk`` to [1, m], count the chunks, and return the threads to use
    for them: at least 1, at most one per chunk."""
    chunk[0] = max(1, min(chunk[0], m))
    n_chunks[0] = (m + chunk[0] - 1) // chunk[0]
    return <int>max(1, min(<Py_ssize_t>n_threads, n_chunks[0]))


cdef inline void _run(real *img, real *col, Py_ssize_t n, bint back) noexcept nogil:
    """One contiguous run of a window row: gathered into ``col``, or added back to ``img``."""
    if back:
        dl_add(img, col, n)
    else:
        memcpy(col, img, n * sizeof(real))


cdef void _cols(real *img, real *cols, Py_ssize_t r0, Py_ssize_t nr, Py_ssize_t H,
                Py_ssize_t Wd, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t fh,
                Py_ssize_t fw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                bint back) noexcept nogil:
    """im2col (``back`` False) or col2im (``back`` True) of the output rows ``r0 .. r0+nr``
    (row ``r = i*Ho + h`` of the whole batch; ``img`` is the batch's image 0).

    im2col:  cols[((r-r0)*Wo + w), (u*fw + v)*C + k] = A_pad[i, h*sh+u, w*sw+v, k]
             (the padding written as zeros);
    col2im:  dA[i, h*sh+u-ph, w*sw+v-pw, k] += cols[(r-r0, w), (u, v, k)] inside the image
             (the padding's share dropped; ``dA`` zeroed by the caller).

    Serial: the callers' threads own chunks of rows (see ``conv2d_backward`` for why the
    scatter needs no lock).
    """
    cdef Py_ssize_t r, i, h, w, u, v, y, x, x0, K = fh * fw * C
    cdef Py_ssize_t run = fw * C
    cdef real *dst
    for r in range(r0, r0 + nr):
        i = r // Ho
        h = r - i * Ho
        for w in range(Wo):
            dst = cols + ((r - r0) * Wo + w) * K
            x0 = w * sw - pw
            for u in range(fh):
                y = h * sh + u - ph
                if y < 0 or y >= H:
                    if not back:
                        memset(dst + u * run, 0, run * sizeof(real))
                elif x0 >= 0 and x0 + fw <= Wd:
                    _run(img + ((i * H + y) * Wd + x0) * C, dst + u * run, run, back)
                else:
                    for v in range(fw):
                        x = x0 + v
                        if x < 0 or x >= Wd:
                            if not back:
                                memset(dst + u * run + v * C, 0, C * sizeof(real))
                        else:
                            _run(img + ((i * H + y) * Wd + x) * C, dst + u * run + v * C, C,
                                 back)


def conv2d_forward(const real[:, :, :, ::1] A, const real[:, :, :, ::1] Wt,
                   const real[::1] b, real[:, :, :, ::1] Z,
                   Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                   Py_ssize_t chunk, int n_threads):
    """Z[i,h,w,c] = sum_{u,v,k} A_pad[i, h*sh+u, w*sw+v, k] W[u,v,k,c] + b[c].

    The ``m * Ho`` output rows of the batch are cut into chunks of ``chunk``
    rows; ``n_threads`` OpenMP threads take chunks (dynamic schedule), each
    with its own workspace, its own im2col and its own GEMM.  The caller makes
    BLAS single-threaded for the duration when ``n_threads > 1``.
    """
    cdef Py_ssize_t m = A.shape[0], H = A.shape[1], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t fh = Wt.shape[0], fw = Wt.shape[1], F = Wt.shape[3]
    cdef Py_ssize_t Ho = Z.shape[1], Wo = Z.shape[2], K = fh * fw * C
    cdef Py_ssize_t n_chunks, ci, r0, nr, q, c
    cdef bint direct = fh == 1 and fw == 1 and sh == 1 and sw == 1 and ph == 0 and pw == 0
    cdef real *ws = NULL
    cdef real *cols
    cdef real *zp
    cdef const real *ap
    cdef const real *wp
    cdef int tid
    if m == 0 or Ho * Wo == 0 or F == 0:
        return
    n_threads = _team(n_threads, m * Ho, &chunk, &n_chunks)
    zp = &Z[0, 0, 0, 0]
    wp = &Wt[0, 0, 0, 0] if K > 0 else NULL
    if K > 0 and not direct:
        ws = <real *>malloc(n_threads * chunk * Wo * K * sizeof(real))
        if ws == NULL:
            raise MemoryError("conv2d_forward: cannot allocate the im2col workspace")
    with nogil, parallel(num_threads=n_threads):
        tid = threadid()
        cols = ws + tid * chunk * Wo * K if ws != NULL else NULL
        for ci in prange(n_chunks, schedule="dynamic"):
            r0 = ci * chunk
            nr = min(chunk, m * Ho - r0)
            # bias first, then GEMM accumulates on top (beta = 1)
            for q in range(r0 * Wo, (r0 + nr) * Wo):
                for c in range(F):
                    zp[q * F + c] = b[c]
            if K > 0:
                if direct:
                    ap = &A[0, 0, 0, 0] + r0 * Wo * C
                else:
                    _cols(<real *>&A[0, 0, 0, 0], cols, r0, nr, H, Wd, C, Ho, Wo, fh, fw, sh,
                          sw, ph, pw, False)
                    ap = cols
                gemm_rm(c'N', c'N', <int>(nr * Wo), <int>F, <int>K, <real>1, ap, <int>K,
                      wp, <int>F, <real>1, zp + r0 * Wo * F, <int>F)
    free(ws)


cdef void _backward_chunk(const real *zp, const real *ap0, const real *wp, real *dap,
                          real *cols, real *dwt, double *dbt, Py_ssize_t ci, Py_ssize_t chunk,
                          Py_ssize_t rows, Py_ssize_t H, Py_ssize_t Wd, Py_ssize_t C,
                          Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t fh, Py_ssize_t fw,
                          Py_ssize_t F, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph,
                          Py_ssize_t pw, bint direct, bint need_dA,
                          bint need_dW, bint outer) noexcept nogil:
    """One chunk of output rows of :func:`conv2d_backward`."""
    cdef Py_ssize_t r0 = ci * chunk, nr = min(chunk, rows - ci * chunk), K = fh * fw * C
    cdef const real *ap
    if need_dW:
        dl_colsum(dbt, zp + r0 * Wo * F, nr * Wo, F)
    if K == 0:
        return
    if need_dW:
        if direct:
            ap = ap0 + r0 * Wo * C
        else:
            _cols(<real *>ap0, cols, r0, nr, H, Wd, C, Ho, Wo, fh, fw, sh, sw, ph, pw, False)
            ap = cols
        if outer:  # few output channels: dW_t^T (F, K) += dZ_chunk^T cols, as outer products
            dl_dw_outer(dwt, ap, zp + r0 * Wo * F, nr * Wo, K, F)
        else:  # dW_t (K, F) += cols^T (K, nr*Wo) @ dZ_chunk (nr*Wo, F)
            gemm_rm(c'T', c'N', <int>K, <int>F, <int>(nr * Wo), <real>1, ap, <int>K,
                    zp + r0 * Wo * F, <int>F, <real>1, dwt, <int>F)
    if need_dA:
        if direct:
            # dA_chunk (nr*Wo, C) = dZ_chunk @ W^T, written straight into dA
            gemm_rm(c'N', c'T', <int>(nr * Wo), <int>K, <int>F, <real>1,
                  zp + r0 * Wo * F, <int>F, wp, <int>F, <real>0, dap + r0 * Wo * C, <int>K)
        else:
            # dcols (nr*Wo, K) = dZ_chunk @ W_mat^T, reusing the cols buffer
            gemm_rm(c'N', c'T', <int>(nr * Wo), <int>K, <int>F, <real>1,
                  zp + r0 * Wo * F, <int>F, wp, <int>F, <real>0, cols, <int>K)
            _cols(dap, cols, r0, nr, H, Wd, C, Ho, Wo, fh, fw, sh, sw, ph, pw, True)


def conv2d_backward(const real[:, :, :, ::1] dZ, const real[:, :, :, ::1] A,
                    const real[:, :, :, ::1] Wt, real[:, :, :, ::1] dA,
                    real[:, :, :, ::1] dW, real[::1] db,
                    Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                    Py_ssize_t chunk, int n_threads, bint need_dA=True, bint need_dW=True,
                    bint outer=False):
    """Gradients of conv2d_forward.  ``dA`` must be zero-filled by the caller.

    dW[u,v,k,c] = sum_{i,h,w} A_pad[i,h*sh+u,w*sw+v,k] dZ[i,h,w,c]
    db[c]       = sum_{i,h,w} dZ[i,h,w,c]
    dA_pad[i,h*sh+u,w*sw+v,k] += sum_c W[u,v,k,c] dZ[i,h,w,c]  (padding cropped)

    ``outer=True`` (the caller's choice for few output channels) accumulates
    dW as outer products in a compiled loop instead of the ``cols^T dZ`` gemm.

    ``need_dW=False`` (a fixed filter bank, e.g. a style-transfer extractor)
    leaves ``dW`` and ``db`` zero and skips their work: no im2col of ``A``
    and no ``cols^T dZ`` GEMM, only ``dZ W^T`` and the col2im.

    Threads take chunks of ``chunk`` output rows; each accumulates dW and db
    in private buffers (db in double precision), summed at the end.  The
    input rows that two chunks scatter into overlap only for neighbouring
    chunks when ``chunk >= ceil(fh / sh)`` (raised to that if smaller), so the
    even chunks run first and the odd chunks after a barrier: ``dA`` needs
    no reduction and no lock.
    """
    cdef Py_ssize_t m = A.shape[0], H = A.shape[1], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t fh = Wt.shape[0], fw = Wt.shape[1], F = Wt.shape[3]
    cdef Py_ssize_t Ho = dZ.shape[1], Wo = dZ.shape[2], K = fh * fw * C
    cdef Py_ssize_t n_chunks, ci, c, j, t, rows = m * Ho
    cdef bint direct = fh == 1 and fw == 1 and sh == 1 and sw == 1 and ph == 0 and pw == 0
    cdef bint need_cols = K > 0 and not direct and (need_dW or need_dA)
    cdef real *ws = NULL
    cdef real *dws = NULL
    cdef double *dbs = NULL
    cdef real *cols
    cdef real *dwt
    cdef double *dbt
    cdef double acc
    cdef const real *zp
    cdef const real *ap0
    cdef const real *wp
    cdef real *dwp
    cdef real *dap
    cdef int tid
    for c in range(F):
        db[c] = 0
    if K * F > 0:
        memset(&dW[0, 0, 0, 0], 0, K * F * sizeof(real))
    if m == 0 or Ho * Wo == 0 or F == 0 or not (need_dA or need_dW):
        return
    if need_dA:  # the even/odd schedule needs chunks of at least ceil(fh / sh) rows
        chunk = max(chunk, (fh + sh - 1) // sh)
    n_threads = _team(n_threads, rows, &chunk, &n_chunks)
    zp = &dZ[0, 0, 0, 0]
    ap0 = &A[0, 0, 0, 0]
    wp = &Wt[0, 0, 0, 0] if K > 0 else NULL
    dwp = &dW[0, 0, 0, 0] if K > 0 else NULL
    dap = &dA[0, 0, 0, 0]
    dws = <real *>calloc(n_threads * K * F + 1, sizeof(real))
    dbs = <double *>calloc(n_threads * F, sizeof(double))
    if need_cols:
        ws = <real *>malloc(n_threads * chunk * Wo * K * sizeof(real))
    if dws == NULL or dbs == NULL or (need_cols and ws == NULL):
        free(dws)
        free(dbs)
        free(ws)
        raise MemoryError("conv2d_backward: cannot allocate the workspace")
    with nogil, parallel(num_threads=n_threads):
        tid = threadid()
        cols = ws + tid * chunk * Wo * K if ws != NULL else NULL
        dwt = dws + tid * K * F
        dbt = dbs + tid * F
        # even chunks, barrier (end of the first prange), odd chunks
        for ci in prange(0, n_chunks, 2, schedule="dynamic"):
            _backward_chunk(zp, ap0, wp, dap, cols, dwt, dbt, ci, chunk, rows, H, Wd, C, Ho,
                            Wo, fh, fw, F, sh, sw, ph, pw, direct, need_dA, need_dW,
                            outer)
        for ci in prange(1, n_chunks, 2, schedule="dynamic"):
            _backward_chunk(zp, ap0, wp, dap, cols, dwt, dbt, ci, chunk, rows, H, Wd, C, Ho,
                            Wo, fh, fw, F, sh, sw, ph, pw, direct, need_dA, need_dW,
                            outer)
    if need_dW:
        for t in range(n_threads):
            if outer:  # the accumulators hold dW^T (F, K)
                for j in range(K):
                    for c in range(F):
                        dwp[j * F + c] += dws[t * K * F + c * K + j]
            else:
                for j in range(K * F):
                    dwp[j] += dws[t * K * F + j]
        for c in range(F):
            acc = 0
            for t in range(n_threads):
                acc += dbs[t * F + c]
            db[c] = <real>acc
    free(dws)
    free(dbs)
    free(ws)
