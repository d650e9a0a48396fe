# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""2-D convolution (cross-correlation) over NHWC images: private kernels.

Layouts (the notes'): ``A (m, H, W, C)``, filters ``W (f_h, f_w, C, F)``
viewed as a ``(K, F)`` matrix with ``K = f_h * f_w * C`` (C order, so the
row index is ``(u * f_w + v) * C + k``), output ``Z (m, H_o, W_o, F)``.
Row ``r = i * H_o + h`` is one output row of the whole batch.

Method: implicit GEMM (``dl_igemm_impl.h``).  With channels last, a window
row is one contiguous run of ``f_w C`` values and the next output position
starts ``s_w C`` further on, so the products run on the image in place
(the forward never builds the padding; ``dW`` reads a zero-padded copy): a
6 x 16 register tile (6 positions x 16 channels in
float32) broadcasts image values and multiplies them by the filters,
packed once per call into 16-column panels.  No im2col buffer, no BLAS
packing (the im2col + OpenBLAS path spent 43 % of its time on those).

* forward ``conv2d_ig_forward``: ``Z = A_pad * W`` (+ bias), threads
  taking chunks of output rows (dynamic schedule);
* weight gradient ``conv2d_ig_dw``: ``dW[(u, v, k), n] += sum A_pad[., (u,
  v, k)] dZ[., n]``, the tile holding 6 filter taps x 16 output channels
  (``dZ`` packed in 16-channel panels; when ``F`` fills at least two
  panels) or 6 output channels x 16 filter taps (into ``dW^T``),
  summing blocks of output rows in registers; thread ``t`` sums a
  contiguous block of rows into its own accumulators (added in thread
  order: the same bits on every run); ``db`` in double precision;
* input gradient, stride 1 (``conv2d_ig_forward`` again): the correlation
  of ``dZ``, zero-padded by ``f - 1 - p``, with the filters flipped in
  both axes and their channel axes swapped;
* input gradient, strides > 1 or few input channels
  (``conv2d_backward_col2im``): ``dcols = dZ_chunk W^T`` by BLAS ``gemm``
  and a compiled col2im scatter-add into ``dA`` (each ``f_w C`` run one
  vector add, the padding cropped on the fly), in chunks of output rows.

The col2im vector adds and the ``db`` column sums are C (``dl_conv.h``)
compiled for AVX-512, AVX2 and baseline x86-64 with GCC's
``target_clones``; the implicit-GEMM tiles for AVX2+FMA and baseline
(chosen at run time), plain C elsewhere.

Peak extra memory: one padded copy of the input for ``dW``, the packed
filters and ``dZ`` panels; ``n_threads * K * F`` for the ``dW``
accumulators; the col2im path ``n_threads`` buffers of ``chunk * W_o * K``
elements (``chunk`` from the caller's byte budget).
"""
from cython.parallel cimport parallel, prange, threadid
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memset
from dlnotes._kernels._blas cimport gemm_rm
from dlnotes._kernels._types cimport real


cdef extern from "dl_conv.h" nogil:
    # type-generic names (float or double by the element type of an array argument)
    void dl_add(void *dst, const void *src, Py_ssize_t n) noexcept nogil
    void dl_colsum(double *acc, const void *z, Py_ssize_t nq, Py_ssize_t F) noexcept nogil


cdef inline int _team(int n_threads, Py_ssize_t m, Py_ssize_t *chunk,
                      Py_ssize_t *n_chunks) noexcept nogil:
    """Clamp ``chunk`` to [1, m], count the chunks, and return the threads to use
    for them: at least 1, at most one per chunk."""
    chunk[0] = max(1, min(chunk[0], m))
    n_chunks[0] = (m + chunk[0] - 1) // chunk[0]
    return <int>max(1, min(<Py_ssize_t>n_threads, n_chunks[0]))


cdef void _col2im(real *img, real *cols, Py_ssize_t r0, Py_ssize_t nr, Py_ssize_t H,
                  Py_ssize_t Wd, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t fh,
                  Py_ssize_t fw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph,
                  Py_ssize_t pw) noexcept nogil:
    """col2im of the output rows ``r0 .. r0+nr`` (``img`` is the batch's image 0):

    dA[i, h*sh+u-ph, w*sw+v-pw, k] += cols[(r-r0, w), (u, v, k)] inside the image
    (the padding's share dropped; ``dA`` zeroed by the caller).  Serial: the caller's
    threads own chunks of rows (see ``conv2d_backward_col2im`` for why it needs no lock).
    """
    cdef Py_ssize_t r, i, h, w, u, v, y, x, x0, K = fh * fw * C
    cdef Py_ssize_t run = fw * C
    cdef real *src
    for r in range(r0, r0 + nr):
        i = r // Ho
        h = r - i * Ho
        for w in range(Wo):
            src = cols + ((r - r0) * Wo + w) * K
            x0 = w * sw - pw
            for u in range(fh):
                y = h * sh + u - ph
                if y < 0 or y >= H:
                    continue
                if x0 >= 0 and x0 + fw <= Wd:
                    dl_add(img + ((i * H + y) * Wd + x0) * C, src + u * run, run)
                else:
                    for v in range(fw):
                        x = x0 + v
                        if 0 <= x < Wd:
                            dl_add(img + ((i * H + y) * Wd + x) * C, src + u * run + v * C, C)


cdef void _backward_chunk(const real *zp, const real *wp, real *dap, real *cols,
                          Py_ssize_t ci, Py_ssize_t chunk, Py_ssize_t rows, Py_ssize_t H,
                          Py_ssize_t Wd, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo,
                          Py_ssize_t fh, Py_ssize_t fw, Py_ssize_t F, Py_ssize_t sh,
                          Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw) noexcept nogil:
    """One chunk of output rows of :func:`conv2d_backward_col2im`."""
    cdef Py_ssize_t r0 = ci * chunk, nr = min(chunk, rows - ci * chunk), K = fh * fw * C
    # dcols (nr*Wo, K) = dZ_chunk @ W_mat^T, then scattered back (col2im)
    gemm_rm(c'N', c'T', <int>(nr * Wo), <int>K, <int>F, <real>1,
            zp + r0 * Wo * F, <int>F, wp, <int>F, <real>0, cols, <int>K)
    _col2im(dap, cols, r0, nr, H, Wd, C, Ho, Wo, fh, fw, sh, sw, ph, pw)


def conv2d_backward_col2im(const real[:, :, :, ::1] dZ, const real[:, :, :, ::1] Wt,
                           real[:, :, :, ::1] dA, Py_ssize_t sh, Py_ssize_t sw,
                           Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t chunk, int n_threads):
    """The input gradient by ``dZ W^T`` and col2im.  ``dA`` must be zero-filled.

    dA_pad[i,h*sh+u,w*sw+v,k] += sum_c W[u,v,k,c] dZ[i,h,w,c]  (padding cropped)

    For strides above 1 and layers with few input channels (the implicit GEMM's
    register tile is 16 channels wide).  Threads take chunks of ``chunk`` output rows.
    The input rows that two chunks scatter into overlap only for neighbouring
    chunks when ``chunk >= ceil(fh / sh)`` (raised to that if smaller), so the
    even chunks run first and the odd chunks after a barrier: ``dA`` needs
    no reduction and no lock.  The caller makes BLAS single-threaded.
    """
    cdef Py_ssize_t m = dA.shape[0], H = dA.shape[1], Wd = dA.shape[2], C = dA.shape[3]
    cdef Py_ssize_t fh = Wt.shape[0], fw = Wt.shape[1], F = Wt.shape[3]
    cdef Py_ssize_t Ho = dZ.shape[1], Wo = dZ.shape[2], K = fh * fw * C
    cdef Py_ssize_t n_chunks, ci, rows = m * Ho
    cdef real *ws = NULL
    cdef real *cols
    cdef const real *zp
    cdef const real *wp
    cdef real *dap
    cdef int tid
    if m == 0 or Ho * Wo == 0 or F == 0 or K == 0:
        return
    chunk = max(chunk, (fh + sh - 1) // sh)  # the even/odd schedule needs ceil(fh / sh) rows
    n_threads = _team(n_threads, rows, &chunk, &n_chunks)
    zp = &dZ[0, 0, 0, 0]
    wp = &Wt[0, 0, 0, 0]
    dap = &dA[0, 0, 0, 0]
    ws = <real *>malloc(n_threads * chunk * Wo * K * sizeof(real))
    if ws == NULL:
        raise MemoryError("conv2d_backward_col2im: cannot allocate the workspace")
    with nogil, parallel(num_threads=n_threads):
        tid = threadid()
        cols = ws + tid * chunk * Wo * K
        # even chunks, barrier (end of the first prange), odd chunks
        for ci in prange(0, n_chunks, 2, schedule="dynamic"):
            _backward_chunk(zp, wp, dap, cols, ci, chunk, rows, H, Wd, C, Ho, Wo, fh, fw, F,
                            sh, sw, ph, pw)
        for ci in prange(1, n_chunks, 2, schedule="dynamic"):
            _backward_chunk(zp, wp, dap, cols, ci, chunk, rows, H, Wd, C, Ho, Wo, fh, fw, F,
                            sh, sw, ph, pw)
    free(ws)


# ---------------------------------------------------------------------------
# Implicit GEMM (dl_igemm_impl.h): the products run on the zero-padded image in
# place, with filters packed once per call; no im2col buffer, no BLAS packing.

cdef extern from "dl_igemm.h" nogil:
    void *dl_ig_alloc(size_t n, int zero) noexcept nogil
    Py_ssize_t dl_ig_nr(const void *x) noexcept nogil
    Py_ssize_t dl_ig_packed_size(const void *x, Py_ssize_t K, Py_ssize_t N) noexcept nogil
    void dl_ig_pack(Py_ssize_t K, Py_ssize_t N, const void *B, Py_ssize_t bk, Py_ssize_t bn,
                    void *Bp) noexcept nogil
    int dl_ig_fwd_rows(Py_ssize_t r0, Py_ssize_t r1, const void *X, Py_ssize_t H,
                        Py_ssize_t W, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo,
                        Py_ssize_t fh, Py_ssize_t fw, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t pt, Py_ssize_t pl, const void *Bp, Py_ssize_t N,
                        const void *bias, void *Z) noexcept nogil
    int dl_ig_dw_kf(const void *x, Py_ssize_t F) noexcept nogil
    int dl_ig_dw_rows(Py_ssize_t r0, Py_ssize_t r1, const void *P, Py_ssize_t Hp,
                       Py_ssize_t Wp, Py_ssize_t C, Py_ssize_t Ho, Py_ssize_t Wo,
                       Py_ssize_t fh, Py_ssize_t fw, Py_ssize_t sh, Py_ssize_t sw,
                       const void *dZ, Py_ssize_t F, void *dwt) noexcept nogil
    void dl_ig_pad_rows(Py_ssize_t y0, Py_ssize_t y1, const void *X, Py_ssize_t H,
                        Py_ssize_t W, Py_ssize_t C, Py_ssize_t pt, Py_ssize_t pb,
                        Py_ssize_t pl, Py_ssize_t pr, void *P) noexcept nogil


cdef real *_padded(const real *X, Py_ssize_t m, Py_ssize_t H, Py_ssize_t Wd, Py_ssize_t C,
                   Py_ssize_t pt, Py_ssize_t pb, Py_ssize_t pl, Py_ssize_t pr,
                   int n_threads) noexcept nogil:
    """A zero-padded copy of ``X`` (m, H, W, C), with ``2 NR`` readable elements past its
    end (the weight gradient's last tile reads past a window run), or NULL."""
    cdef Py_ssize_t Hp = H + pt + pb, Wp = Wd + pl + pr, rows = m * Hp, t, y0, y1
    cdef real *P = <real *>dl_ig_alloc((rows * Wp * C + 2 * dl_ig_nr(X)) * sizeof(real), 0)
    if P == NULL:
        return NULL
    memset(P + rows * Wp * C, 0, 2 * dl_ig_nr(X) * sizeof(real))
    if n_threads <= 1:
        dl_ig_pad_rows(0, rows, X, H, Wd, C, pt, pb, pl, pr, P)
    else:
        for t in prange(n_threads, num_threads=n_threads, schedule="static"):
            y0 = rows * t // n_threads
            y1 = rows * (t + 1) // n_threads
            dl_ig_pad_rows(y0, y1, X, H, Wd, C, pt, pb, pl, pr, P)
    return P


def conv2d_ig_forward(const real[:, :, :, ::1] A, const real[:, ::1] Wm, const real[::1] b,
                      real[:, :, :, ::1] Z, Py_ssize_t fh, Py_ssize_t fw, Py_ssize_t sh,
                      Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pb, Py_ssize_t pl,
                      Py_ssize_t pr, Py_ssize_t chunk, int n_threads, bint bias):
    """Z[i,h,w,n] = sum_{u,v,k} A_pad[i, h*sh+u, w*sw+v, k] Wm[(u*fw+v)*C+k, n] (+ b[n]).

    ``A_pad`` is ``A`` with ``pt``/``pb`` zero rows above/below and ``pl``/``pr`` zero
    columns left/right, never built: the kernel leaves window rows outside ``A`` out and
    copies the columns of a tile that crosses a side edge into a zero-filled scratch;
    ``Wm`` is ``(fh fw C, N)``.  The caller sizes ``Z`` (m, Ho, Wo, N) so that every
    window lies inside ``A_pad``.  Threads take chunks of ``chunk`` output rows
    (dynamic schedule).
    """
    cdef Py_ssize_t m = A.shape[0], H = A.shape[1], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t Ho = Z.shape[1], Wo = Z.shape[2], N = Z.shape[3], K = Wm.shape[0]
    cdef Py_ssize_t rows = m * Ho, n_chunks, ci, r0
    cdef int err = 0
    cdef real *Bp
    cdef const real *bp = &b[0] if bias else NULL
    if rows == 0 or Wo == 0 or N == 0:
        return
    if K == 0 or C == 0 or H == 0 or Wd == 0:
        for r0 in range(rows * Wo):
            for ci in range(N):
                (&Z[0, 0, 0, 0])[r0 * N + ci] = b[ci] if bias else 0
        return
    n_threads = _team(n_threads, rows, &chunk, &n_chunks)
    Bp = <real *>dl_ig_alloc(dl_ig_packed_size(&Wm[0, 0], K, N) * sizeof(real), 0)
    if Bp == NULL:
        raise MemoryError("conv2d_ig_forward: cannot allocate the packed filters")
    with nogil:
        dl_ig_pack(K, N, &Wm[0, 0], N, 1, Bp)
        if n_threads <= 1:
            err = dl_ig_fwd_rows(0, rows, &A[0, 0, 0, 0], H, Wd, C, Ho, Wo, fh, fw, sh, sw,
                                 pt, pl, Bp, N, bp, &Z[0, 0, 0, 0])
        else:
            for ci in prange(n_chunks, num_threads=n_threads, schedule="dynamic"):
                r0 = ci * chunk
                err += dl_ig_fwd_rows(r0, min(r0 + chunk, rows), &A[0, 0, 0, 0], H, Wd, C, Ho,
                                      Wo, fh, fw, sh, sw, pt, pl, Bp, N, bp, &Z[0, 0, 0, 0])
    free(Bp)
    if err != 0:
        raise MemoryError("conv2d_ig_forward: cannot allocate the window pointers or the "
                          "edge scratch")


def conv2d_ig_dw(const real[:, :, :, ::1] dZ, const real[:, :, :, ::1] A,
                 real[:, :, :, ::1] dW, real[::1] db, Py_ssize_t sh, Py_ssize_t sw,
                 Py_ssize_t ph, Py_ssize_t pw, int n_threads):
    """dW[u,v,k,n] = sum_{i,h,w} A_pad[i,h*sh+u,w*sw+v,k] dZ[i,h,w,n], db[n] = sum dZ[..., n].

    Thread ``t`` of ``n_threads`` sums a contiguous block of output rows into its own
    ``dW^T`` and (double) ``db`` accumulators, added in thread order at the end (the
    same bits on every run with the same thread count).
    """
    cdef Py_ssize_t m = A.shape[0], H = A.shape[1], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t fh = dW.shape[0], fw = dW.shape[1], F = dW.shape[3], K = fh * fw * C
    cdef Py_ssize_t Ho = dZ.shape[1], Wo = dZ.shape[2], rows = m * Ho
    cdef Py_ssize_t Hp = H + 2 * ph, Wp = Wd + 2 * pw, t, r0, r1, j, c
    cdef real *P = NULL
    cdef bint failed = False
    cdef int nfail = 0
    cdef bint kf = dl_ig_dw_kf(&dZ[0, 0, 0, 0], F) if dZ.size > 0 else False
    cdef real *acc = NULL
    cdef double *dbs = NULL
    cdef double s
    cdef real *dwp = &dW[0, 0, 0, 0] if K * F > 0 else NULL
    for c in range(F):
        db[c] = 0
    if K * F > 0:
        memset(dwp, 0, K * F * sizeof(real))
    if rows == 0 or Wo == 0 or F == 0:
        return
    n_threads = <int>max(1, min(<Py_ssize_t>n_threads, rows))
    acc = <real *>dl_ig_alloc((n_threads * K * F + 1) * sizeof(real), 1)
    dbs = <double *>calloc(n_threads * F, sizeof(double))
    if acc == NULL or dbs == NULL:
        free(acc)
        free(dbs)
        raise MemoryError("conv2d_ig_dw: cannot allocate the accumulators")
    with nogil:
        if K > 0:
            P = _padded(&A[0, 0, 0, 0], m, H, Wd, C, ph, ph, pw, pw, n_threads)
            failed = P == NULL
        if not failed:
            for t in prange(n_threads, num_threads=n_threads, schedule="static"):
                r0 = rows * t // n_threads
                r1 = rows * (t + 1) // n_threads
                dl_colsum(dbs + t * F, &dZ[0, 0, 0, 0] + r0 * Wo * F, (r1 - r0) * Wo, F)
                if K > 0:
                    if dl_ig_dw_rows(r0, r1, P, Hp, Wp, C, Ho, Wo, fh, fw, sh, sw,
                                     &dZ[0, 0, 0, 0], F, acc + t * K * F) != 0:
                        nfail += 1
            failed = nfail > 0
        if not failed:
            for t in range(n_threads):  # the accumulators hold dW (K, F) or dW^T (F, K)
                if kf:
                    for j in range(K * F):
                        dwp[j] += acc[t * K * F + j]
                else:
                    for j in range(K):
                        for c in range(F):
                            dwp[j * F + c] += acc[t * K * F + c * K + j]
            for c in range(F):
                s = 0
                for t in range(n_threads):
                    s += dbs[t * F + c]
                db[c] = <real>s
    free(acc)
    free(dbs)
    free(P)
    if failed:
        raise MemoryError("conv2d_ig_dw: cannot allocate the padded image or the packed "
                          "dZ panels")
