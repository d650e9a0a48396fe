# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Max and average pooling over NHWC images: private kernels.

Direct compiled loops with the channels innermost (contiguous, so the
compiler vectorises the per-channel compare/add), threads over output rows
(forward) or images (backward, when windows of different rows overlap).

Max pooling records, for every output element, the flat spatial index
``y * W + x`` of the *first* maximum of its window in row-major window order
(strictly-greater comparison), so the backward pass sends each gradient to
exactly one input, as PyTorch does.  A NaN in a window wins (propagates), as
in PyTorch.
"""
from cython.parallel cimport prange

from dlnotes._kernels._parallel cimport ELEMENTWISE_PARALLEL_MIN, dl_omp_max_threads
from dlnotes._kernels._types cimport real


cdef extern from *:
    """
    #include <stddef.h>
    #if defined(_MSC_VER) && !defined(restrict)
    #define restrict __restrict
    #endif
    #if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) \
        && !defined(DLNOTES_NO_TARGET_CLONES)
    #define DL_POOL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
    #else
    #define DL_POOL_CLONES
    #endif
    /* Running max over one window position, channels contiguous: branch-free
       selects so the loop vectorises.  A NaN always wins (propagates), like
       PyTorch's `val > max || isnan(val)`; ties keep the earlier index. */
    DL_POOL_CLONES static void dl_max_update_f32(float *restrict o, int *restrict g,
                                                 const float *restrict a, int idx, ptrdiff_t n)
    {
        for (ptrdiff_t j = 0; j < n; ++j) {
            float v = a[j];
            int up = (v > o[j]) | (v != v);
            o[j] = up ? v : o[j];
            g[j] = up ? idx : g[j];
        }
    }
    DL_POOL_CLONES static void dl_max_update_f64(double *restrict o, int *restrict g,
                                                 const double *restrict a, int idx, ptrdiff_t n)
    {
        for (ptrdiff_t j = 0; j < n; ++j) {
            double v = a[j];
            int up = (v > o[j]) | (v != v);
            o[j] = up ? v : o[j];
            g[j] = up ? idx : g[j];
        }
    }
    """
    void dl_max_update_f32(float *o, int *g, const float *a, int idx, Py_ssize_t n) noexcept nogil
    void dl_max_update_f64(double *o, int *g, const double *a, int idx,
                           Py_ssize_t n) noexcept nogil


cdef inline int _threads(Py_ssize_t work) noexcept nogil:
    # Pooling is memory-bound element-wise work: threads only from the same
    # size as the activations (LeNet-5's pools at batch 32, 50k-150k reads,
    # take 20-100 us on one thread: a team wake-up is not worth it, and on a
    # shared machine a descheduled second thread stalls the barrier).
    if work < ELEMENTWISE_PARALLEL_MIN:
        return 1
    return dl_omp_max_threads()


def max_pool_forward(const real[:, :, :, ::1] A, real[:, :, :, ::1] out,
                     int[:, :, :, ::1] arg, Py_ssize_t f, Py_ssize_t s):
    """out[i,h,w,c] = max_{u,v<f} A[i,h*s+u,w*s+v,c]; arg = its flat index y*W+x."""
    cdef Py_ssize_t m = A.shape[0], Wd = A.shape[2], C = A.shape[3]
    cdef Py_ssize_t Ho = out.shape[1], Wo = out.shape[2]
    cdef Py_ssize_t r, i, h, w, u, v, c, y, x
    cdef real *o
    cdef int *g
    cdef const real *a
    cdef int nt = _threads(m * Ho * Wo * C * f * f)
    if m * Ho * Wo * C == 0:
        return
    for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
        i = r // Ho
        h = r - i * Ho
        for w in range(Wo):
            o = &out[i, h, w, 0]
            g = &arg[i, h, w, 0]
            y = h * s
            x = w * s
            a = &A[i, y, x, 0]
            for c in range(C):
                o[c] = a[c]
                g[c] = <int>(y * Wd + x)
            for u in range(f):
                for v in range(f):
                    if u == 0 and v == 0:
                        continue
                    a = &A[i, y + u, x + v, 0]
                    if real is float:
                        dl_max_update_f32(o, g, a, <int>((y + u) * Wd + x + v), C)
                    else:
                        dl_max_update_f64(o, g, a, <int>((y + u) * Wd + x + v), C)


def max_pool_backward(const real[:, :, :, ::1] dout, const int[:, :, :, ::1] arg,
                      real[:, :, :, ::1] dA, Py_ssize_t f, Py_ssize_t s):
    """dA[i, arg[i,h,w,c], c] += dout[i,h,w,c].  ``dA`` must be zero-filled."""
    cdef Py_ssize_t m = dA.shape[0], C = dA.shape[3]
    cdef Py_ssize_t Ho = dout.shape[1], Wo = dout.shape[2]
    cdef Py_ssize_t i, h, w, c, r
    cdef real *d
    cdef const real *g
    cdef const int *ix
    cdef int nt = _threads(m * Ho * Wo * C)
    if m * Ho * Wo * C == 0:
        return
    if s >= f:
        # Windows of different output rows are disjoint: split the rows.
        for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
            i = r // Ho
            h = r - i * Ho
            d = &dA[i, 0, 0, 0]
            for w in range(Wo):
                g = &dout[i, h, w, 0]
                ix = &arg[i, h, w, 0]
                for c in range(C):
                    d[ix[c] * C + c] += g[c]
    else:
        for i in prange(m, nogil=True, schedule="static", num_threads=nt):
            d = &dA[i, 0, 0, 0]
            for h in range(Ho):
                for w in range(Wo):
                    g = &dout[i, h, w, 0]
                    ix = &arg[i, h, w, 0]
                    for c in range(C):
                        d[ix[c] * C + c] += g[c]


def avg_pool_forward(const real[:, :, :, ::1] A, real[:, :, :, ::1] out,
                     Py_ssize_t f, Py_ssize_t s):
    """out[i,h,w,c] = (1/f^2) sum_{u,v<f} A[i,h*s+u,w*s+v,c]."""
    cdef Py_ssize_t m = A.shape[0], C = A.shape[3]
    cdef Py_ssize_t Ho = out.shape[1], Wo = out.shape[2]
    cdef Py_ssize_t r, i, h, w, u, v, c
    cdef real scale = <real>1 / <real>(f * f)
    cdef real *o
    cdef const real *a
    cdef int nt = _threads(m * Ho * Wo * C * f * f)
    if m * Ho * Wo * C == 0:
        return
    for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
        i = r // Ho
        h = r - i * Ho
        for w in range(Wo):
            o = &out[i, h, w, 0]
            for c in range(C):
                o[c] = 0
            for u in range(f):
                for v in range(f):
                    a = &A[i, h * s + u, w * s + v, 0]
                    for c in range(C):
                        o[c] += a[c]
            for c in range(C):
                o[c] = o[c] * scale


def avg_pool_backward(const real[:, :, :, ::1] dout, real[:, :, :, ::1] dA,
                      Py_ssize_t f, Py_ssize_t s):
    """dA[i,h*s+u,w*s+v,c] += dout[i,h,w,c] / f^2.  ``dA`` must be zero-filled."""
    cdef Py_ssize_t m = dA.shape[0], C = dA.shape[3]
    cdef Py_ssize_t Ho = dout.shape[1], Wo = dout.shape[2]
    cdef Py_ssize_t r, i, h, w, u, v, c
    cdef real scale = <real>1 / <real>(f * f)
    cdef real *d
    cdef const real *g
    cdef int nt = _threads(m * Ho * Wo * C * f * f)
    if m * Ho * Wo * C == 0:
        return
    if s >= f:
        for r in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
            i = r // Ho
            h = r - i * Ho
            for w in range(Wo):
                g = &dout[i, h, w, 0]
                for u in range(f):
                    for v in range(f):
                        d = &dA[i, h * s + u, w * s + v, 0]
                        for c in range(C):
                            d[c] += g[c] * scale
    else:
        for i in prange(m, nogil=True, schedule="static", num_threads=nt):
            for h in range(Ho):
                for w in range(Wo):
                    g = &dout[i, h, w, 0]
                    for u in range(f):
                        for v in range(f):
                            d = &dA[i, h * s + u, w * s + v, 0]
                            for c in range(C):
                                d[c] += g[c] * scale
