# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Element-wise activations and their derivatives (private kernels).

Each function works on flat, C-contiguous 1-D views (the caller ravels) and
writes into a preallocated output, so one source serves float32 and float64
and any array shape.  Loops release the GIL and split across OpenMP threads
when the array is large enough for threading to pay.

Numerical forms
---------------
* sigmoid: in float32 ``dl_sigf`` of ``dl_vecmath.h`` (``1/(1+exp(-z))`` with
  the branch-free ``dl_expf``, about 1 ulp, exactly 0 below -87), so the loop
  vectorises; in float64 ``dl_sigd``: ``exp`` only of ``-|z|`` (no overflow,
  full relative precision in both tails) and a select.
* tanh: ``dl_tanhf`` / ``dl_tanhd`` of ``dl_vecmath.h``, the functions the
  recurrent kernels use, so an LSTM and :func:`dlnotes.nn.activations.tanh`
  round alike in both precisions.  float32: the odd Taylor series for
  |z| < 1/4, else ``(1 - e)/(1 + e)`` with ``e = exp(-2|z|)``; float64: an odd
  polynomial for |z| < 3/8, else ``1 - 2e/(1 + e)`` carried beyond double
  precision, branch-free, within 0.62 ulp (the C library's ``tanh``, used before,
  was off by up to 1.9 ulp and did not vectorise; NumPy's ``np.tanh`` is off by up
  to 1.2 ulp and rounds differently on a fifth of the inputs).
* (leaky) ReLU: a select, not a branch, so the compiler vectorises it; a
  branch mispredicts half the time on random signs (measured: 613 us for
  131,072 float32 values with the branch, against 14 us branch-free).
  NaN propagates (``NaN > 0`` is false, ``alpha * NaN`` is NaN); with ``alpha = 0``
  the negative side is an exact 0 (``0 * -inf`` would be NaN), and the backward
  pass sends an exact 0 there (``0 * inf`` would be NaN), as PyTorch does.

The loops are C functions over restrict pointers (``dl_activations.h``),
cloned for AVX-512 / AVX2 / baseline; one dispatcher (``_split``) gives each
OpenMP thread one contiguous share of the array.
"""

from cython.parallel cimport prange

from dlnotes._kernels._parallel cimport (ELEMENTWISE_PARALLEL_MIN,
                                        ELEMENTWISE_PARALLEL_MIN_LONG_SPIN, n_threads_for)
from dlnotes._kernels._types cimport real

from dlnotes._kernels import OPENMP_SPIN

# Threading threshold of these loops, settled once: the long one when the OpenMP
# workers were left with libgomp's default ~9 ms spin (see _parallel.pxd).
cdef Py_ssize_t _PARALLEL_MIN = (ELEMENTWISE_PARALLEL_MIN_LONG_SPIN if OPENMP_SPIN == "preloaded"
                                 else ELEMENTWISE_PARALLEL_MIN)


def parallel_min():
    """Return the length from which these loops split across OpenMP threads."""
    return _PARALLEL_MIN


cdef extern from "dl_activations.h" nogil:
    enum:
        DL_SIG
        DL_SIG_BWD
        DL_TANH
        DL_TANH_BWD
        DL_LEAKY
        DL_LEAKY_BWD
    # type-generic: float* or double* arrays (C11 _Generic, see dl_instantiate.h)
    void dl_act(int op, Py_ssize_t n, const void* x, const void* y, double al, void* o)


cdef void _split(int op, const real[::1] x, const real[::1] y, double alpha,
                 real[::1] out) noexcept:
    """Run ``op`` over ``out``'s length, one contiguous chunk per OpenMP thread."""
    cdef Py_ssize_t n = out.shape[0], lo, k
    cdef int nt = n_threads_for(n, _PARALLEL_MIN)
    cdef Py_ssize_t c = (n + nt - 1) // nt
    for k in prange(nt, nogil=True, schedule="static", num_threads=nt):
        lo = k * c
        if lo < n:
            dl_act(op, min(c, n - lo), &x[lo], &y[lo], alpha, &out[lo])


def sigmoid_forward(const real[::1] z, real[::1] out):
    """out[i] = sigmoid(z[i])."""
    _split(DL_SIG, z, z, 0.0, out)


def sigmoid_backward(const real[::1] da, const real[::1] a, real[::1] dz):
    """dz[i] = da[i] * a[i] * (1 - a[i]) where a = sigmoid(z)."""
    _split(DL_SIG_BWD, da, a, 0.0, dz)


def tanh_forward(const real[::1] z, real[::1] out):
    """out[i] = tanh(z[i])."""
    _split(DL_TANH, z, z, 0.0, out)


def tanh_backward(const real[::1] da, const real[::1] a, real[::1] dz):
    """dz[i] = da[i] * (1 - a[i]**2) where a = tanh(z)."""
    _split(DL_TANH_BWD, da, a, 0.0, dz)


def leaky_relu_forward(const real[::1] z, double alpha, real[::1] out):
    """out[i] = z[i] if z[i] > 0 else alpha * z[i]  (alpha = 0 is ReLU)."""
    _split(DL_LEAKY, z, z, alpha, out)


def leaky_relu_backward(const real[::1] da, const real[::1] z, double alpha, real[::1] dz):
    """dz[i] = da[i] if z[i] > 0 else alpha * da[i]  (derivative at 0 is alpha)."""
    _split(DL_LEAKY_BWD, da, z, alpha, dz)
