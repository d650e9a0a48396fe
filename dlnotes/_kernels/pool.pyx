# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Max and average pooling over NHWC images: private kernels.

Direct compiled loops with the channels innermost (contiguous, so the
compiler vectorises the per-channel compare/add), on ``nt`` OpenMP threads
(the caller's choice: ``dlnotes.cnn.pool`` applies the package's thread
policy).  Every kernel is one
loop over *units*: an output row ``(i, h)``, or a whole image in the
backward pass when windows of different rows overlap (``s < f``).  A unit's
arithmetic is one C helper over the whole output row (``dl_*_row``: one
call per row, not per pixel), compiled for AVX-512, AVX2 and baseline
x86-64 with GCC's ``target_clones``.

The backward kernels write all of ``dA`` (no zero-filled buffer needed):
each unit zeroes the input rows it owns (the band ``[h s, (h+1) s)``, or the
whole image) while they are in cache, then scatters into them.

Max pooling records, for every output element, the flat spatial index
``y * W + x`` of the *first* maximum of its window in row-major window order
(strictly-greater comparison), so the backward pass sends each gradient to
exactly one input, as PyTorch does.  A NaN in a window wins (propagates), as
in PyTorch.
"""
from cython.parallel cimport prange
from libc.string cimport memset

from dlnotes._kernels._types cimport real


cdef extern from "dl_pool.h" nogil:
    # type-generic names (float or double by the first array's element type)
    void dl_max_row(void *o, int *g, const void *a, Py_ssize_t Wo, Py_ssize_t C,
                    Py_ssize_t f, Py_ssize_t s, Py_ssize_t Wd, Py_ssize_t y0) noexcept nogil
    void dl_avg_row(void *o, const void *a, Py_ssize_t Wo, Py_ssize_t C, Py_ssize_t f,
                    Py_ssize_t s, Py_ssize_t Wd, double scale) noexcept nogil
    enum:
        DL_AVG_ADD
        DL_AVG_SET
        DL_MAX_SET
    void dl_back_row(void *d, const void *g, const int *ix, Py_ssize_t Wo, Py_ssize_t C,
                     Py_ssize_t f, Py_ssize_t s, Py_ssize_t Wd, Py_ssize_t y0,
                     double scale, int how) noexcept nogil


def max_pool_forward(const real[:, :, :, ::1] A, real[:, :, :, ::1] out,
                     int[:, :, :, ::1] arg, Py_ssize_t f, Py_ssize_t s, int nt):
    """out[i,h,w,c] = max_{u,v<f} A[i,h*s+u,w*s+v,c]; arg = its flat index y*W+x."""
    cdef Py_ssize_t m = A.shape[0], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t Ho = out.shape[1], Wo = out.shape[2]
    cdef Py_ssize_t r, i, h
    if m * Ho * Wo * C == 0:
        return
    for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
        i = r // Ho
        h = r - i * Ho
        dl_max_row(&out[i, h, 0, 0], &arg[i, h, 0, 0], &A[i, h * s, 0, 0], Wo, C, f, s, Wd,
                   h * s)


def avg_pool_forward(const real[:, :, :, ::1] A, real[:, :, :, ::1] out,
                     Py_ssize_t f, Py_ssize_t s, int nt):
    """out[i,h,w,c] = (1/f^2) sum_{u,v<f} A[i,h*s+u,w*s+v,c]."""
    cdef Py_ssize_t m = A.shape[0], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t Ho = out.shape[1], Wo = out.shape[2]
    cdef Py_ssize_t r, i, h
    cdef real scale = <real>1 / <real>(f * f)
    if m * Ho * Wo * C == 0:
        return
    for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
        i = r // Ho
        h = r - i * Ho
        dl_avg_row(&out[i, h, 0, 0], &A[i, h * s, 0, 0], Wo, C, f, s, Wd, scale)


def pool_backward(const real[:, :, :, ::1] dout, const int[:, :, :, ::1] arg,
                  real[:, :, :, ::1] dA, Py_ssize_t f, Py_ssize_t s, bint is_max, int nt):
    """Backward of max pooling (``is_max``: dA[i, arg[i,h,w,c], c] += dout[i,h,w,c]) or of
    average pooling (dA[i,h*s+u,w*s+v,c] += dout[i,h,w,c] / f^2).

    Writes every element of ``dA`` (no zero-filling needed).  One loop over
    units: output rows when windows of different rows are disjoint
    (``s >= f``), else whole images; each unit first zeroes the input rows it
    owns.  ``arg`` is ignored for average pooling.  Max pooling with
    disjoint windows writes each window position by a select (gradient if it
    is the recorded argmax, else 0), so it never writes outside its windows;
    with overlapping windows it scatters, skipping and counting the ``arg``
    entries outside the image.  Returns that count (the caller raises): the
    kernel's own range check, so the caller need not scan ``arg``.
    """
    cdef Py_ssize_t m = dA.shape[0], H = dA.shape[1], Wd = dA.shape[2], C = dA.shape[3]
    cdef Py_ssize_t Ho = dout.shape[1], Wo = dout.shape[2]
    cdef Py_ssize_t r, i, h, h0, h1, w, c, y_lo, y_hi, q, lim = H * Wd, nbad = 0
    cdef bint rows = s >= f, tiled
    cdef int how
    cdef real scale = <real>1 / <real>(f * f)
    cdef real *d
    cdef const real *g
    cdef const int *ix
    if m * H * Wd * C == 0:
        return 0
    for r in prange(m * Ho if rows else m, nogil=True, schedule="static", num_threads=nt):
        # unit r: output rows h0 .. h1 of image i (one row, or the whole image); assigned
        # here, not through pointers, so that Cython makes them thread-private
        if rows:
            i = r // Ho
            h0 = r - i * Ho
            h1 = h0 + 1
        else:
            i = r
            h0 = 0
            h1 = Ho
        y_lo = h0 * s
        y_hi = H if h1 == Ho else h1 * s
        d = &dA[i, 0, 0, 0]
        tiled = rows and s == f and Wd == Wo * s and y_hi - y_lo == f
        if not tiled:
            memset(d + y_lo * Wd * C, 0, (y_hi - y_lo) * Wd * C * sizeof(real))
        for h in range(h0, h1):
            g = &dout[i, h, 0, 0]
            if is_max and not rows:
                # overlapping windows: scatter, with the range check
                ix = &arg[i, h, 0, 0]
                for w in range(Wo):
                    for c in range(C):
                        q = ix[w * C + c]
                        if q < 0 or q >= lim:
                            nbad += 1
                        else:
                            d[q * C + c] += g[w * C + c]
                continue
            how = DL_MAX_SET if is_max else (DL_AVG_SET if tiled else DL_AVG_ADD)
            ix = &arg[i, h, 0, 0] if is_max else NULL
            dl_back_row(d + h * s * Wd * C, g, ix, Wo, C, f, s, Wd, h * s, scale, how)
    return nbad
