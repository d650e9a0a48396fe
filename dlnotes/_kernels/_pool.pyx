# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""A cache of large NumPy data buffers, used inside the recurrent functions (private).

Why: a forward + backward pass of an LSTM over a sequence allocates a dozen
buffers of 0.1-3 MB (the time-major states, gate activations and their
gradients) and frees them again.  glibc's ``malloc`` serves such sizes with
fresh ``mmap`` pages or trims them off its heap when they are freed, so every
call page-faults them in again: measured, 3,270 minor page faults and 11 ms
of system time per LSTM forward + backward (``n_a=128, m=32, T=50``, float32)
out of about 50 ms on a loaded machine, and none of either with the same code
once glibc keeps its heap (``MALLOC_TRIM_THRESHOLD_``/``MALLOC_MMAP_THRESHOLD_``
set high), 31 ms.

What: a NumPy memory handler (NEP 49, ``PyDataMem_SetHandler``) whose
``free`` keeps blocks of at least :data:`MIN_BYTES` in a small cache
(:data:`MAX_BLOCKS` blocks, :data:`MAX_BYTES` in all, the oldest evicted
first) and whose ``malloc`` hands back a cached block of exactly the same
size.  NumPy scopes a handler to the current context (a ``contextvars``
variable), so only arrays created inside :func:`pooled` come from the cache;
an array remembers its handler, and whenever it dies its buffer returns to
the cache (or to the system when the cache is full).  Other code in the
process keeps NumPy's default allocator.

Each block carries its size in a 64-byte header, so the cache never trusts
the size NumPy passes to ``free``.  A lock guards the cache (NumPy may free
an array on any thread).  The C lives in ``dl_bufcache.h``.
"""
cimport numpy as cnp

cnp.import_array()

cdef extern from "dl_bufcache.h":
    object dl_pool_capsule()
    object dl_pool_set_handler(object)
    void dl_pool_clear()
    size_t dl_pool_hits, dl_pool_misses, dl_pool_bytes
    int dl_pool_n
    size_t DL_POOL_MIN_BYTES, DL_POOL_MAX_BLOCKS, DL_POOL_MAX_BYTES

#: Blocks smaller than this (bytes) are left to the system allocator.
MIN_BYTES = DL_POOL_MIN_BYTES
#: At most this many cached blocks ...
MAX_BLOCKS = DL_POOL_MAX_BLOCKS
#: ... and this many bytes in all (larger single blocks are not cached).
MAX_BYTES = DL_POOL_MAX_BYTES

_HANDLER = dl_pool_capsule()


cdef class pooled:
    """``with pooled():`` arrays created inside take their buffers from the cache.

    Re-entrant; restores the handler that was active on entry.
    """
    cdef list _saved

    def __cinit__(self):
        self._saved = []

    def __enter__(self):
        self._saved.append(dl_pool_set_handler(_HANDLER))
        return self

    def __exit__(self, *exc):
        dl_pool_set_handler(self._saved.pop())
        return False


def stats():
    """``{"blocks", "bytes", "hits", "misses"}`` of the cache (for tests and profiles)."""
    return {"blocks": dl_pool_n, "bytes": dl_pool_bytes, "hits": dl_pool_hits,
            "misses": dl_pool_misses}


def clear():
    """Return every cached block to the system."""
    dl_pool_clear()
