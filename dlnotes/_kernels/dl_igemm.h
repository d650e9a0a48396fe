/* The implicit-GEMM convolution (dl_igemm_impl.h) for float (_f) and double (_d);
 * the unsuffixed names pick the version from the element type of an array argument
 * (C11 _Generic), so the fused Cython code in conv.pyx calls one name. */
#ifndef DL_IGEMM_H
#define DL_IGEMM_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* A 64-byte aligned block (free() releases it), or NULL: glibc's malloc returns blocks
 * of 128 KiB and more at a page + 16 bytes, so every second 32-byte load of a packed
 * panel would straddle two cache lines.  zero: cleared. */
static inline void* dl_ig_alloc(size_t n, int zero) {
    void* p = NULL;
    if (posix_memalign(&p, 64, n ? n : 1) != 0) return NULL;
    if (zero) memset(p, 0, n);
    return p;
}

#define DL_IMPL "dl_igemm_impl.h"
#include "dl_instantiate.h"

#define dl_ig_nr(x) DL_FUSED(dl_ig_nr, x)()
#define dl_ig_packed_size(x, K, N) DL_FUSED(dl_ig_packed_size, x)(K, N)
#define dl_ig_pack(K, N, B, ...) DL_FUSED(dl_ig_pack, B)(K, N, B, __VA_ARGS__)
#define dl_ig_fwd_rows(r0, r1, P, ...) DL_FUSED(dl_ig_fwd_rows, P)(r0, r1, P, __VA_ARGS__)
#define dl_ig_dw_rows(r0, r1, P, ...) DL_FUSED(dl_ig_dw_rows, P)(r0, r1, P, __VA_ARGS__)
#define dl_ig_dw_kf(x, F) DL_FUSED(dl_ig_dw_kf, x)(F)
#define dl_ig_pad_rows(y0, y1, X, ...) DL_FUSED(dl_ig_pad_rows, X)(y0, y1, X, __VA_ARGS__)

#endif  /* DL_IGEMM_H */
