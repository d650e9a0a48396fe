/* The buffer cache behind dlnotes/_kernels/_pool.pyx (see its docstring): a NumPy
 * memory handler (NEP 49) whose free keeps blocks of at least DL_POOL_MIN_BYTES in a
 * small FIFO cache (DL_POOL_MAX_BLOCKS blocks, DL_POOL_MAX_BYTES in all) and whose malloc
 * hands back a cached block of exactly the requested size.  Each block carries its size
 * in a DL_POOL_HDR-byte header, so the size NumPy passes to free is never trusted; a
 * Python thread lock guards the cache.  Include after NumPy's arrayobject.h.
 */
#ifndef DL_BUFCACHE_H
#define DL_BUFCACHE_H
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

#endif  /* DL_BUFCACHE_H */
