# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Bilinear resampling and per-channel colour maps over NHWC image batches: private kernels.

One sampler serves every geometric augmentation of ``dlnotes.cnn.augment``:
for output pixel ``(r, c)`` of image ``i`` the source point is

    p = (c, r) + d[i, r, c]          (d: optional displacement field, (x, y) order)
    (x, y) = T[i] @ (p_x, p_y, 1)    (T: inverse affine map, shape (2, 3))

and the output is the bilinear blend of the four neighbours of ``(x, y)``
(pixel centres at integer coordinates), each neighbour index mapped by the
border mode (skimage's convention: a neighbour outside the image takes
``cval`` in constant mode, or the pixel that the mode maps it to).  Images
whose map is an integer translation combined with flips (crops, mirrors)
take an exact copy path.  Optionally each output value then goes through a
per-image, per-channel gain and offset and a clip, so a colour augmentation
that follows the geometry costs no second pass.

Threads split the ``m * n_H_out`` output rows (every row is independent; ``_split_row``),
so a batch of a few large images uses all the cores as well as a batch of
many small ones.  No validation here: the public functions check shapes,
dtypes and contiguity.
"""
from cython.parallel cimport prange
from libc.math cimport floor
from libc.string cimport memcpy

from dlnotes._kernels._parallel cimport GATHER_PARALLEL_MIN, n_threads_for
from dlnotes._kernels._types cimport real


# Border modes (the integer codes used by dlnotes.cnn.augment).
cdef enum:
    MODE_CONSTANT = 0
    MODE_EDGE = 1
    MODE_REFLECT = 2
    MODE_SYMMETRIC = 3
    MODE_WRAP = 4


cdef inline Py_ssize_t _split_row(Py_ssize_t row, Py_ssize_t H, Py_ssize_t *r) noexcept nogil:
    """Image of output row ``row`` of a batch of ``H``-row images (the unit the threads
    share); the row within that image goes to ``r``."""
    cdef Py_ssize_t i = row // H
    r[0] = row - i * H
    return i


cdef inline Py_ssize_t _map(Py_ssize_t k, Py_ssize_t n, int mode) noexcept nogil:
    """Index ``k`` mapped into [0, n) by the border mode; -1 means "outside" (constant)."""
    cdef Py_ssize_t period, nm1
    if 0 <= k < n:
        return k
    if mode == MODE_CONSTANT:
        return -1
    if mode == MODE_EDGE:
        return 0 if k < 0 else n - 1
    if mode == MODE_REFLECT:          # d c b | a b c d | c b a   (mirror about the edge pixel)
        if n == 1:
            return 0
        nm1 = n - 1
        period = 2 * nm1
        k = k % period
        if k < 0:
            k += period
        return k if k <= nm1 else period - k
    if mode == MODE_SYMMETRIC:        # c b a | a b c d | d c b   (edge pixel repeated)
        period = 2 * n
        k = k % period
        if k < 0:
            k += period
        return k if k < n else period - 1 - k
    # MODE_WRAP
    k = k % n
    if k < 0:
        k += n
    return k


# Coordinates are clamped to +-2**40 (exact in double): far outside any image, so the border
# mode decides the value, and the float -> integer conversion below never overflows (a huge
# or non-finite coordinate from an extreme matrix would otherwise be undefined behaviour).
cdef double COORD_LIM = 1099511627776.0


cdef inline double _clamp_coord(double v) noexcept nogil:
    if v > -COORD_LIM and v < COORD_LIM:
        return v
    return -COORD_LIM if v < 0 else COORD_LIM     # NaN lands on +COORD_LIM


cdef inline Py_ssize_t _ifloor(double v) noexcept nogil:
    """floor(v) as an integer without a libm call (v is a pixel coordinate, far from overflow)."""
    cdef Py_ssize_t k = <Py_ssize_t>v
    return k - 1 if <double>k > v else k


cdef inline bint _integral(const double[:, :, ::1] T, Py_ssize_t i) noexcept nogil:
    """True if T[i] maps integer pixels to integer pixels by flips and an integer shift."""
    return ((T[i, 0, 0] == 1.0 or T[i, 0, 0] == -1.0) and T[i, 0, 1] == 0.0
            and T[i, 1, 0] == 0.0 and (T[i, 1, 1] == 1.0 or T[i, 1, 1] == -1.0)
            and T[i, 0, 2] == floor(T[i, 0, 2]) and T[i, 1, 2] == floor(T[i, 1, 2])
            and -COORD_LIM < T[i, 0, 2] < COORD_LIM and -COORD_LIM < T[i, 1, 2] < COORD_LIM)


cdef inline void _copy_row(const real[:, :, :, ::1] X, real[:, :, :, ::1] out, Py_ssize_t i,
                           Py_ssize_t r, double sx, double x_off, double y, int mode,
                           real cv) noexcept nogil:
    """Exact row copy for x_in = sx * x + x_off (sx = +-1), y_in = y (integers)."""
    cdef Py_ssize_t H = X.shape[1], W = X.shape[2], Wo = out.shape[2], C = out.shape[3]
    cdef Py_ssize_t c, ch, xa, lo, hi, xo = <Py_ssize_t>x_off
    cdef Py_ssize_t ya = _map(<Py_ssize_t>y, H, mode)
    cdef real *o = &out[i, r, 0, 0]
    cdef const real *a
    if ya < 0:
        for c in range(Wo * C):
            o[c] = cv
        return
    a = &X[i, ya, 0, 0]
    if sx > 0:
        # columns whose source lies inside the image: one contiguous block
        lo = 0 if xo >= 0 else (-xo if -xo < Wo else Wo)
        hi = W - xo if W - xo < Wo else Wo
        if hi < lo:
            hi = lo
        if hi > lo:
            memcpy(o + lo * C, a + (lo + xo) * C, (hi - lo) * C * sizeof(real))
        for c in range(Wo):
            if lo <= c < hi:
                continue
            xa = _map(c + xo, W, mode)
            for ch in range(C):
                o[c * C + ch] = cv if xa < 0 else a[xa * C + ch]
    else:
        for c in range(Wo):
            xa = _map(xo - c, W, mode)
            for ch in range(C):
                o[c * C + ch] = cv if xa < 0 else a[xa * C + ch]


cdef inline void _colour_row(real[:, :, :, ::1] out, Py_ssize_t i, Py_ssize_t r,
                             const real[:, ::1] gain, const real[:, ::1] offset,
                             bint use_colour, bint clip, real lo, real hi) noexcept nogil:
    """out[i, r, :, ch] = clip(gain[i, ch] * out + offset[i, ch]) in place."""
    cdef Py_ssize_t Wo = out.shape[2], C = out.shape[3], c, ch
    cdef real *o = &out[i, r, 0, 0]
    cdef real v
    for c in range(Wo):
        for ch in range(C):
            v = o[c * C + ch]
            if use_colour:
                v = gain[i, ch] * v + offset[i, ch]
            if clip:
                v = lo if v < lo else (hi if v > hi else v)
            o[c * C + ch] = v


def warp(const real[:, :, :, ::1] X, real[:, :, :, ::1] out, const double[:, :, ::1] T,
         const real[:, :, :, ::1] disp, bint use_disp,
         const real[:, ::1] gain, const real[:, ::1] offset, bint use_colour,
         int mode, double cval, bint clip, double lo, double hi):
    """out[i, r, c, :] = clip(colour_i(bilinear(X[i], T[i] @ ((c, r) + disp[i, r, c], 1)))).

    ``T`` (m, 2, 3) maps output (x=col, y=row) to input coordinates; ``disp``
    (m, H_out, W_out, 2) is read only when ``use_disp``; ``gain`` and
    ``offset`` (m, C) only when ``use_colour``; ``mode`` is a border code 0-4.
    """
    cdef Py_ssize_t m = out.shape[0], Ho = out.shape[1], Wo = out.shape[2], C = out.shape[3]
    cdef Py_ssize_t H = X.shape[1], W = X.shape[2]
    cdef Py_ssize_t row, i, r, c, ch, x0, y0, xa, xb, ya, yb
    cdef double xs, ys, px, py, a00, a01, a02, a10, a11, a12
    cdef real fx, fy, gx, gy, top, bot, cv = <real>cval, rlo = <real>lo, rhi = <real>hi
    cdef real t00, t01, t10, t11
    cdef const real *a
    cdef const real *b
    cdef const real *p
    cdef const real *q
    cdef real *o
    cdef bint exact, inside
    cdef int nt = n_threads_for(m * Ho * Wo * C, GATHER_PARALLEL_MIN)
    if m * Ho * Wo * C == 0:
        return
    for row in prange(m * Ho, nogil=True, schedule="static", num_threads=nt):
        i = _split_row(row, Ho, &r)
        exact = (not use_disp) and _integral(T, i)
        a00 = T[i, 0, 0]
        a01 = T[i, 0, 1]
        a02 = T[i, 0, 2]
        a10 = T[i, 1, 0]
        a11 = T[i, 1, 1]
        a12 = T[i, 1, 2]
        if exact:
            _copy_row(X, out, i, r, a00, a02, a11 * r + a12, mode, cv)
            if use_colour or clip:
                _colour_row(out, i, r, gain, offset, use_colour, clip, rlo, rhi)
            continue
        for c in range(Wo):
            o = &out[i, r, c, 0]
            px = <double>c
            py = <double>r
            if use_disp:
                px = px + disp[i, r, c, 0]
                py = py + disp[i, r, c, 1]
            xs = _clamp_coord(a00 * px + a01 * py + a02)
            ys = _clamp_coord(a10 * px + a11 * py + a12)
            x0 = _ifloor(xs)
            y0 = _ifloor(ys)
            fx = <real>(xs - <double>x0)
            fy = <real>(ys - <double>y0)
            gx = 1 - fx
            gy = 1 - fy
            inside = x0 >= 0 and y0 >= 0 and x0 + 1 < W and y0 + 1 < H
            if inside:
                a = &X[i, y0, x0, 0]
                b = a + C
                p = a + W * C
                q = p + C
                if C == 3:      # RGB: unrolled, the common case
                    o[0] = gy * (gx * a[0] + fx * b[0]) + fy * (gx * p[0] + fx * q[0])
                    o[1] = gy * (gx * a[1] + fx * b[1]) + fy * (gx * p[1] + fx * q[1])
                    o[2] = gy * (gx * a[2] + fx * b[2]) + fy * (gx * p[2] + fx * q[2])
                elif C == 1:
                    o[0] = gy * (gx * a[0] + fx * b[0]) + fy * (gx * p[0] + fx * q[0])
                else:
                    for ch in range(C):
                        top = gx * a[ch] + fx * b[ch]
                        bot = gx * p[ch] + fx * q[ch]
                        o[ch] = gy * top + fy * bot
            else:
                xa = _map(x0, W, mode)
                xb = _map(x0 + 1, W, mode)
                ya = _map(y0, H, mode)
                yb = _map(y0 + 1, H, mode)
                for ch in range(C):
                    t00 = cv if (ya < 0 or xa < 0) else X[i, ya, xa, ch]
                    t01 = cv if (ya < 0 or xb < 0) else X[i, ya, xb, ch]
                    t10 = cv if (yb < 0 or xa < 0) else X[i, yb, xa, ch]
                    t11 = cv if (yb < 0 or xb < 0) else X[i, yb, xb, ch]
                    top = gx * t00 + fx * t01
                    bot = gx * t10 + fx * t11
                    o[ch] = gy * top + fy * bot
        if use_colour or clip:
            _colour_row(out, i, r, gain, offset, use_colour, clip, rlo, rhi)


def colour(const real[:, :, :, ::1] X, real[:, :, :, ::1] out,
           const real[:, ::1] gain, const real[:, ::1] offset,
           bint clip, double lo, double hi):
    """out[i, r, c, ch] = clip(gain[i, ch] * X[i, r, c, ch] + offset[i, ch]).  out may be X."""
    cdef Py_ssize_t m = X.shape[0], H = X.shape[1], W = X.shape[2], C = X.shape[3]
    cdef Py_ssize_t row, i, r
    cdef int nt = n_threads_for(m * H * W * C, GATHER_PARALLEL_MIN)
    if m * H * W * C == 0:
        return
    for row in prange(m * H, nogil=True, schedule="static", num_threads=nt):
        i = _split_row(row, H, &r)
        if &out[i, r, 0, 0] != &X[i, r, 0, 0]:
            memcpy(&out[i, r, 0, 0], &X[i, r, 0, 0], W * C * sizeof(real))
        _colour_row(out, i, r, gain, offset, True, clip, <real>lo, <real>hi)
