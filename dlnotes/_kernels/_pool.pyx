# cython: language_level=3
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
an array on any thread).
"""
cimport numpy as cnp

cnp.import_array()

cdef extern from *:
    """
    #include <stdlib.h>
    #include <string.h>
    #include "pythread.h"

    #define DL_POOL_HDR 64
    #define DL_POOL_MIN_BYTES ((size_t)1 << 16)
    #define DL_POOL_MAX_BLOCKS 48
    #define DL_POOL_MAX_BYTES ((size_t)96 << 20)

    typedef struct { void* base; size_t size; } dl_pool_slot;
    static dl_pool_slot dl_pool_slots[DL_POOL_MAX_BLOCKS];  /* oldest first */
    static int dl_pool_n = 0;
    static size_t dl_pool_bytes = 0;
    static size_t dl_pool_hits = 0, dl_pool_misses = 0;
    static PyThread_type_lock dl_pool_lock = NULL;

    static void* dl_pool_wrap(void* base, size_t size) {
        if (base == NULL) return NULL;
        *(size_t*)base = size;
        return (char*)base + DL_POOL_HDR;
    }
    static void* dl_pool_malloc(void* ctx, size_t size) {
        (void)ctx;
        if (size >= DL_POOL_MIN_BYTES) {
            void* base = NULL;
            PyThread_acquire_lock(dl_pool_lock, WAIT_LOCK);
            for (int i = dl_pool_n - 1; i >= 0; i--) {
                if (dl_pool_slots[i].size == size) {
                    base = dl_pool_slots[i].base;
                    dl_pool_bytes -= size;
                    memmove(dl_pool_slots + i, dl_pool_slots + i + 1,
                            (size_t)(dl_pool_n - i - 1) * sizeof(dl_pool_slot));
                    dl_pool_n--;
                    break;
                }
            }
            if (base != NULL) dl_pool_hits++; else dl_pool_misses++;
            PyThread_release_lock(dl_pool_lock);
            if (base != NULL) return (char*)base + DL_POOL_HDR;
        }
        return dl_pool_wrap(malloc(size + DL_POOL_HDR), size);
    }
    static void* dl_pool_calloc(void* ctx, size_t nelem, size_t elsize) {
        if (elsize != 0 && nelem > ((size_t)-1 - DL_POOL_HDR) / elsize) return NULL;
        size_t size = nelem * elsize;
        if (size < DL_POOL_MIN_BYTES)
            return dl_pool_wrap(calloc(1, size + DL_POOL_HDR), size);
        void* p = dl_pool_malloc(ctx, size);
        if (p != NULL) memset(p, 0, size);
        return p;
    }
    static void* dl_pool_realloc(void* ctx, void* ptr, size_t new_size) {
        (void)ctx;
        if (ptr == NULL) return dl_pool_malloc(ctx, new_size);
        void* base = realloc((char*)ptr - DL_POOL_HDR, new_size + DL_POOL_HDR);
        return dl_pool_wrap(base, new_size);
    }
    static void dl_pool_free(void* ctx, void* ptr, size_t size_hint) {
        (void)ctx; (void)size_hint;  /* the header holds the true size */
        if (ptr == NULL) return;
        void* base = (char*)ptr - DL_POOL_HDR;
        size_t size = *(size_t*)base;
        void* evicted[DL_POOL_MAX_BLOCKS + 1];
        int n_ev = 0;
        if (size >= DL_POOL_MIN_BYTES && size <= DL_POOL_MAX_BYTES) {
            PyThread_acquire_lock(dl_pool_lock, WAIT_LOCK);
            while (dl_pool_n > 0 && (dl_pool_n == DL_POOL_MAX_BLOCKS
                                     || dl_pool_bytes + size > DL_POOL_MAX_BYTES)) {
                evicted[n_ev++] = dl_pool_slots[0].base;
                dl_pool_bytes -= dl_pool_slots[0].size;
                memmove(dl_pool_slots, dl_pool_slots + 1,
                        (size_t)(dl_pool_n - 1) * sizeof(dl_pool_slot));
                dl_pool_n--;
            }
            dl_pool_slots[dl_pool_n].base = base;
            dl_pool_slots[dl_pool_n].size = size;
            dl_pool_n++;
            dl_pool_bytes += size;
            base = NULL;
            PyThread_release_lock(dl_pool_lock);
        }
        for (int i = 0; i < n_ev; i++) free(evicted[i]);
        free(base);
    }
    static void dl_pool_clear(void) {
        PyThread_acquire_lock(dl_pool_lock, WAIT_LOCK);
        for (int i = 0; i < dl_pool_n; i++) free(dl_pool_slots[i].base);
        dl_pool_n = 0;
        dl_pool_bytes = 0;
        PyThread_release_lock(dl_pool_lock);
    }

    static PyDataMem_Handler dl_pool_handler = {
        "dlnotes_pool", 1,
        {NULL, dl_pool_malloc, dl_pool_calloc, dl_pool_realloc, dl_pool_free}
    };
    static PyObject* dl_pool_capsule(void) {
        if (dl_pool_lock == NULL) {
            dl_pool_lock = PyThread_allocate_lock();
            if (dl_pool_lock == NULL) return PyErr_NoMemory();
        }
        return PyCapsule_New(&dl_pool_handler, "mem_handler", NULL);
    }
    static PyObject* dl_pool_set_handler(PyObject* h) { return PyDataMem_SetHandler(h); }
    """
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
