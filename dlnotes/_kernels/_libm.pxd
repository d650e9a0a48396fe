# The C library's maths for the fused kernels: one name for float and double, so the
# kernels have no `if real is float` of their own (see _blas.pxd for BLAS).
from libc.math cimport sqrt, sqrtf

from dlnotes._kernels._types cimport real


cdef inline real real_sqrt(real x) noexcept nogil:
    """``sqrtf`` for float, ``sqrt`` for double."""
    if real is float:
        return sqrtf(x)
    else:
        return sqrt(x)
