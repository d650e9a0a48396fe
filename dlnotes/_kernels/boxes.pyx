# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Box IoU matrix and greedy (per-class) non-max suppression: private kernels
for dlnotes.vision.boxes.

Every IoU is computed by ``_iou`` in double precision (float32 boxes are
widened exactly) and scale-safely (issue 10): when all side lengths of an
overlapping pair lie in [2**-400, 2**400] (always for float32 boxes) the notes'
formula ``inter / (A1 + A2 - inter)`` cannot overflow or underflow and is used
as is, so it gives the same bits as the same formula in NumPy float64 (no FMA
contraction on the default x86-64 target); otherwise the lengths are divided
by the pair's larger width and height before any product.  The public
functions divide float64 boxes beyond 2**1000 by a power of two first, so
``x2 - x1`` cannot overflow either.

Inputs are trusted: C-contiguous, corner boxes with ``x1 <= x2``, ``y1 <= y2``,
finite, shapes consistent.  The validation lives in dlnotes/vision/boxes.py.
"""
from cython.parallel cimport prange

from dlnotes._kernels._parallel cimport GATHER_PARALLEL_MIN, n_threads_for
from dlnotes._kernels._types cimport real

ctypedef long long int64


cdef double _LO = 2.0 ** -400   # lengths in [_LO, _HI]: products stay in [2**-800, 2**800]
cdef double _HI = 2.0 ** 400


cdef inline double _iou(double ax1, double ay1, double ax2, double ay2,
                        double bx1, double by1, double bx2, double by2) noexcept nogil:
    cdef double iw = (ax2 if ax2 < bx2 else bx2) - (ax1 if ax1 > bx1 else bx1)
    cdef double ih = (ay2 if ay2 < by2 else by2) - (ay1 if ay1 > by1 else by1)
    cdef double w1, h1, w2, h2, sx, sy, inter
    if not (iw > 0 and ih > 0):
        return 0.0
    w1 = ax2 - ax1
    h1 = ay2 - ay1
    w2 = bx2 - bx1
    h2 = by2 - by1
    sx = w1 if w1 > w2 else w2
    sy = h1 if h1 > h2 else h2
    if iw >= _LO and ih >= _LO and sx <= _HI and sy <= _HI:
        # every length in [2**-400, 2**400]: the notes' formula cannot over/underflow
        # (always the case for float32 boxes)
        inter = iw * ih
        return inter / (w1 * h1 + w2 * h2 - inter)
    # extreme float64 lengths: divide by the pair's larger width and height first
    inter = (iw / sx) * (ih / sy)
    return inter / ((w1 / sx) * (h1 / sy) + (w2 / sx) * (h2 / sy) - inter)


def box_iou(const real[:, ::1] b1, const real[:, ::1] b2, real[:, ::1] out):
    """out[i, j] = IoU(b1[i], b2[j]); b1 (N, 4), b2 (M, 4), out (N, M). Threads over rows."""
    cdef Py_ssize_t N = b1.shape[0], M = b2.shape[0], i, j
    cdef int nt = n_threads_for(N * M, GATHER_PARALLEL_MIN)
    with nogil:
        for i in prange(N, num_threads=nt, schedule="static"):
            for j in range(M):
                out[i, j] = <real> _iou(b1[i, 0], b1[i, 1], b1[i, 2], b1[i, 3],
                                        b2[j, 0], b2[j, 1], b2[j, 2], b2[j, 3])


def nms_sorted(const double[:, ::1] b, const int64[::1] cls, bint per_class,
               double iou_threshold, bint suppress_equal, Py_ssize_t max_boxes,
               unsigned char[::1] removed, int64[::1] keep):
    """Greedy NMS on boxes already sorted by decreasing score.

    b (N, 4) double, cls (N,) class ids (read only when per_class), removed (N,)
    zero-filled work array, keep (N,) output.  Box j is suppressed by a kept box
    i < j (of the same class when per_class) when IoU >= iou_threshold
    (> with suppress_equal false).  Returns the number of kept positions written
    to keep (positions in the sorted order), at most max_boxes.
    """
    cdef Py_ssize_t N = b.shape[0], i, j, n = 0
    cdef double ax1, ay1, ax2, ay2, o
    cdef int64 c
    if max_boxes <= 0:
        return 0
    with nogil:
        for i in range(N):
            if removed[i]:
                continue
            keep[n] = i
            n = n + 1
            if n >= max_boxes:
                break
            ax1 = b[i, 0]
            ay1 = b[i, 1]
            ax2 = b[i, 2]
            ay2 = b[i, 3]
            c = cls[i]
            for j in range(i + 1, N):
                if removed[j]:
                    continue
                if per_class and cls[j] != c:
                    continue
                o = _iou(ax1, ay1, ax2, ay2, b[j, 0], b[j, 1], b[j, 2], b[j, 3])
                if o > iou_threshold or (suppress_equal and o == iou_threshold):
                    removed[j] = 1
    return n
