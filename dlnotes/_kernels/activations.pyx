# cython: language_level=3
"""Element-wise activations and their derivatives (private kernels).

Each function works on flat, C-contiguous 1-D views (the caller ravels) and
writes into a preallocated output, so one source serves float32 and float64
and any array shape.  Loops release the GIL and split across OpenMP threads
when the array is large enough for threading to pay.

Numerical forms
---------------
* sigmoid: ``1/(1+exp(-z))`` for z >= 0 and ``exp(z)/(1+exp(z))`` for z < 0,
  so ``exp`` only ever sees a non-positive argument: no overflow, full
  relative precision in both tails.
* tanh: the C library's ``tanh`` (the exp-ratio form of the notes
  overflows for |z| > 710).
"""
from cython.parallel cimport prange
from libc.math cimport exp, expf, tanh, tanhf

from dlnotes._kernels._parallel cimport ELEMENTWISE_PARALLEL_MIN, n_threads_for

ctypedef fused real:
    float
    double


cdef inline real _sigmoid(real z) noexcept nogil:
    cdef real e
    if real is float:
        if z >= 0:
            return 1.0 / (1.0 + expf(-z))
        e = expf(z)
        return e / (1.0 + e)
    else:
        if z >= 0:
            return 1.0 / (1.0 + exp(-z))
        e = exp(z)
        return e / (1.0 + e)


def sigmoid_forward(const real[::1] z, real[::1] out):
    """out[i] = sigmoid(z[i])."""
    cdef Py_ssize_t i, n = z.shape[0]
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        out[i] = _sigmoid(z[i])


def sigmoid_backward(const real[::1] da, const real[::1] a, real[::1] dz):
    """dz[i] = da[i] * a[i] * (1 - a[i]) where a = sigmoid(z)."""
    cdef Py_ssize_t i, n = da.shape[0]
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        dz[i] = da[i] * a[i] * (1 - a[i])


def tanh_forward(const real[::1] z, real[::1] out):
    """out[i] = tanh(z[i])."""
    cdef Py_ssize_t i, n = z.shape[0]
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        if real is float:
            out[i] = tanhf(z[i])
        else:
            out[i] = tanh(z[i])


def tanh_backward(const real[::1] da, const real[::1] a, real[::1] dz):
    """dz[i] = da[i] * (1 - a[i]**2) where a = tanh(z)."""
    cdef Py_ssize_t i, n = da.shape[0]
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        dz[i] = da[i] * (1 - a[i] * a[i])


def leaky_relu_forward(const real[::1] z, double alpha, real[::1] out):
    """out[i] = z[i] if z[i] > 0 else alpha * z[i]  (alpha = 0 is ReLU)."""
    cdef Py_ssize_t i, n = z.shape[0]
    cdef real al = <real>alpha
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        if z[i] > 0:
            out[i] = z[i]
        else:
            out[i] = al * z[i]


def leaky_relu_backward(const real[::1] da, const real[::1] z, double alpha, real[::1] dz):
    """dz[i] = da[i] if z[i] > 0 else alpha * da[i]  (derivative at 0 is alpha)."""
    cdef Py_ssize_t i, n = da.shape[0]
    cdef real al = <real>alpha
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        if z[i] > 0:
            dz[i] = da[i]
        else:
            dz[i] = al * da[i]
