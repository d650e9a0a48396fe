# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
# distutils: extra_compile_args = -fno-math-errno
"""Fused in-place update rules of the optimisers (private kernels).

One pass over flat, C-contiguous 1-D views: each element's parameter and state
are read and written once, with no temporaries (the NumPy form of Adam makes
five full-size temporaries per step).  The caller (``dlnotes.optim._rules``)
validates and ravels; hyperparameters arrive as doubles and are rounded to
the array's precision once, as NumPy does with Python scalars.
"""
from cython.parallel cimport prange
from libc.math cimport sqrt

from dlnotes._kernels._libm cimport real_sqrt
from dlnotes._kernels._parallel cimport ELEMENTWISE_PARALLEL_MIN, n_threads_for
from dlnotes._kernels._types cimport real


def sgd_step(real[::1] p, const real[::1] g, double lr):
    """p -= lr * g."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real a = <real>lr
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        p[i] = p[i] - a * g[i]


def momentum_step(real[::1] p, const real[::1] g, real[::1] v, double lr, double beta):
    """v = beta v + (1 - beta) g;  p -= lr v."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real a = <real>lr
    cdef real b = <real>beta
    cdef real c = <real>(1.0 - beta)
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        v[i] = b * v[i] + c * g[i]
        p[i] = p[i] - a * v[i]


def rmsprop_step(real[::1] p, const real[::1] g, real[::1] s, double lr, double beta2,
                 double eps, bint eps_inside):
    """s = beta2 s + (1 - beta2) g^2;  p -= lr g / (sqrt(s) + eps)  [or / sqrt(s + eps)]."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real a = <real>lr
    cdef real b = <real>beta2
    cdef real c = <real>(1.0 - beta2)
    cdef real e = <real>eps
    cdef real gi
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    if eps_inside:
        for i in prange(n, nogil=True, schedule="static", num_threads=nt):
            gi = g[i]
            s[i] = b * s[i] + c * (gi * gi)
            p[i] = p[i] - a * (gi / real_sqrt(s[i] + e))
    else:
        for i in prange(n, nogil=True, schedule="static", num_threads=nt):
            gi = g[i]
            s[i] = b * s[i] + c * (gi * gi)
            p[i] = p[i] - a * (gi / (real_sqrt(s[i]) + e))


def adam_step(real[::1] p, const real[::1] g, real[::1] v, real[::1] s, double lr,
              double beta1, double beta2, double eps, double bc1, double bc2):
    """Kingma & Ba, Algorithm 1, with bias corrections bc1 = 1 - beta1^t, bc2 = 1 - beta2^t.

    Written as PyTorch does, with one division and one square root per element:
    p -= (lr / bc1) * v / (sqrt(s) / sqrt(bc2) + eps), the reciprocals precomputed.
    """
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real b1 = <real>beta1
    cdef real c1 = <real>(1.0 - beta1)
    cdef real b2 = <real>beta2
    cdef real c2 = <real>(1.0 - beta2)
    cdef real e = <real>eps
    cdef real step = <real>(lr / bc1)
    cdef real inv_sqrt_bc2 = <real>(1.0 / sqrt(bc2))
    cdef real gi
    cdef int nt = n_threads_for(n, ELEMENTWISE_PARALLEL_MIN)
    for i in prange(n, nogil=True, schedule="static", num_threads=nt):
        gi = g[i]
        v[i] = b1 * v[i] + c1 * gi
        s[i] = b2 * s[i] + c2 * (gi * gi)
        p[i] = p[i] - step * (v[i] / (real_sqrt(s[i]) * inv_sqrt_bc2 + e))
