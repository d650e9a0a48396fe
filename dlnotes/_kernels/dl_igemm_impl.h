/* Implicit-GEMM convolution (conv.pyx): the products of the convolution run
 * straight on the (zero-padded) NHWC image, with no im2col buffer and no
 * second packing by BLAS.
 *
 * Why: profiled (perf, conv m=32 32x32x16->32 f3 same, float32, 1 thread),
 * the im2col + OpenBLAS path spent 56 % of its time in the GEMM micro-kernel,
 * 21 % in OpenBLAS packing its operands and 22 % in the im2col / col2im
 * copies.  In NHWC a window row (u fixed) is ONE contiguous run of fw C values
 * and the next output position along w starts sw C values further on, so the
 * rows of the im2col matrix for a window row are already in memory as a
 * matrix with row stride sw C (rows overlapping when sw < fw).  A register
 * tile can broadcast from them in place.
 *
 * Micro-kernel: MR = 6 rows x NR = 2 vectors (16 floats / 8 doubles) of
 * accumulators (12 of the 16 ymm registers, FMA latency covered), one
 * k-loop per segment:  acc[r][j] += a[r ars + k aks] b[k bks + j].
 *   forward and dA  a = image positions (ars = sw C, aks = 1), one segment
 *                   per window row u (fw C long), b = the filters packed once
 *                   per call into NR-wide panels (bks = NR);
 *   dW              a = dZ (ars = 1: MR output channels, aks = F: the next
 *                   position), b = the padded image (bks = sw C), the
 *                   reduction running over the positions of one output row.
 * Row tails (fewer than MR rows) use the same code with MR fixed smaller, so
 * a row's result never depends on the tile it falls in.  An AVX2+FMA build
 * is chosen at run time (the conv kernels' dispatch, dl_ig_fast_ok), the
 * baseline build (vector extensions lowered to SSE2) otherwise.
 *
 * Included once per element type by dl_instantiate.h (T, DL_FN).
 */
#ifndef DL_IG_ONCE
#define DL_IG_ONCE
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define DL_IG_MR 6
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define DL_IG_HAVE_FAST 1
#define DL_IG_FAST __attribute__((target("avx2,fma")))
static int dl_ig_fast_ok(void) {
    static int ok = -1;
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return ok;
}
#else
#define DL_IG_HAVE_FAST 0
#define DL_IG_FAST
static int dl_ig_fast_ok(void) { return 0; }
#endif
#define DL_IG_AI static inline __attribute__((always_inline))
#endif  /* DL_IG_ONCE */

#define DL_VL ((ptrdiff_t)(32 / sizeof(T)))
#define DL_NR (2 * DL_VL)
typedef T DL_FN(dl_igv) __attribute__((vector_size(32)));
#define V DL_FN(dl_igv)

/* Elements per panel row (NR) and the size of the packed filters: ceil(N / NR) NR K. */
static ptrdiff_t DL_FN(dl_ig_nr)(void) { return DL_NR; }
static ptrdiff_t DL_FN(dl_ig_packed_size)(ptrdiff_t K, ptrdiff_t N) {
    return (N + DL_NR - 1) / DL_NR * DL_NR * K;
}

DL_IG_AI V DL_FN(dl_ig_ld)(const T* p) { V v; memcpy(&v, p, sizeof v); return v; }
DL_IG_AI void DL_FN(dl_ig_st)(T* p, V v) { memcpy(p, &v, sizeof v); }

/* Bp[p][k][j] = B[k][p NR + j] with B (K x N) given by strides (bk, bn): zero past N. */
static void DL_FN(dl_ig_pack)(ptrdiff_t K, ptrdiff_t N, const T* B, ptrdiff_t bk, ptrdiff_t bn,
                              T* Bp) {
    for (ptrdiff_t p = 0; p * DL_NR < N; p++) {
        T* o = Bp + p * K * DL_NR;
        ptrdiff_t nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;
        for (ptrdiff_t k = 0; k < K; k++) {
            for (ptrdiff_t j = 0; j < nc; j++) o[k * DL_NR + j] = B[k * bk + (p * DL_NR + j) * bn];
            for (ptrdiff_t j = nc; j < DL_NR; j++) o[k * DL_NR + j] = 0;
        }
    }
}

/* One register tile over nseg segments (a_s = as[s] + ao, b_s = bs[s] + bo):
 *     C[r][0..NR) = init[r] + sum_s sum_{k < K} a_s[r ars + k aks] b_s[k bks .. + NR],
 * r < MR (a constant after inlining, so the accumulators stay in registers for the
 * whole tile); C has row stride ldc, init ildc (0: one row for all), nc valid columns
 * (init NULL: zero). */
#define DL_IG_TILE(MR)                                                                       \
DL_IG_AI void DL_FN(dl_ig_tile##MR)(int nseg, const T* const* as, ptrdiff_t ao,                    \
        const T* const* bs, ptrdiff_t bo, ptrdiff_t K, ptrdiff_t ars, ptrdiff_t aks,         \
        ptrdiff_t bks, const T* init, ptrdiff_t ildc, T* C, ptrdiff_t ldc, ptrdiff_t nc) {   \
    V c[MR][2];                                                                              \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; r++) {                                   \
        if (!init) { c[r][0] = (V){0}; c[r][1] = (V){0}; }                                   \
        else if (nc == DL_NR) {                                                              \
            c[r][0] = DL_FN(dl_ig_ld)(init + r * ildc);                                      \
            c[r][1] = DL_FN(dl_ig_ld)(init + r * ildc + DL_VL); }                            \
        else { T t[DL_NR] = {0};                                                             \
            for (ptrdiff_t j = 0; j < nc; j++) t[j] = init[r * ildc + j];                    \
            c[r][0] = DL_FN(dl_ig_ld)(t); c[r][1] = DL_FN(dl_ig_ld)(t + DL_VL); } }          \
    for (int s = 0; s < nseg; s++) {                                                         \
        const T* a = as[s] + ao;                                                             \
        const T* b = bs[s] + bo;                                                             \
        for (ptrdiff_t k = 0; k < K; k++) {                                                  \
            const V b0 = DL_FN(dl_ig_ld)(b + k * bks);                                       \
            const V b1 = DL_FN(dl_ig_ld)(b + k * bks + DL_VL);                               \
            _Pragma("GCC unroll 6") for (int r = 0; r < MR; r++) {                           \
                const T x = a[r * ars + k * aks];                                            \
                c[r][0] += x * b0; c[r][1] += x * b1; } } }                                  \
    _Pragma("GCC unroll 6") for (int r = 0; r < MR; r++) {                                   \
        if (nc == DL_NR) {                                                                   \
            DL_FN(dl_ig_st)(C + r * ldc, c[r][0]);                                           \
            DL_FN(dl_ig_st)(C + r * ldc + DL_VL, c[r][1]); }                                 \
        else { T t[DL_NR];                                                                   \
            DL_FN(dl_ig_st)(t, c[r][0]); DL_FN(dl_ig_st)(t + DL_VL, c[r][1]);                \
            for (ptrdiff_t j = 0; j < nc; j++) C[r * ldc + j] = t[j]; } } }
DL_IG_TILE(1)
DL_IG_TILE(2)
DL_IG_TILE(3)
DL_IG_TILE(4)
DL_IG_TILE(5)
DL_IG_TILE(6)
#undef DL_IG_TILE

DL_IG_AI void DL_FN(dl_ig_tile)(int mr, int nseg, const T* const* as, ptrdiff_t ao,
                                const T* const* bs, ptrdiff_t bo, ptrdiff_t K, ptrdiff_t ars,
                                ptrdiff_t aks, ptrdiff_t bks, const T* init, ptrdiff_t ildc,
                                T* C, ptrdiff_t ldc, ptrdiff_t nc) {
    switch (mr) {
    case 6: DL_FN(dl_ig_tile6)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    case 5: DL_FN(dl_ig_tile5)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    case 4: DL_FN(dl_ig_tile4)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    case 3: DL_FN(dl_ig_tile3)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    case 2: DL_FN(dl_ig_tile2)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    default: DL_FN(dl_ig_tile1)(nseg, as, ao, bs, bo, K, ars, aks, bks, init, ildc, C, ldc, nc); break;
    }
}

/* Forward rows [r0, r1) of a stride-(sh, sw) correlation of the image X (m, H, W, C),
 * zero-padded by pt rows above and pl columns on the left (and by whatever the output size
 * implies below and on the right), with the packed filters Bp (K = fh fw C rows, N columns):
 *     Z[r, w, n] = sum_{u, v, k} Xpad[i, h sh + u, w sw + v, k] W[u, v, k, n] (+ bias[n]),
 * r = i Ho + h, Z rows of Wo N.  bias (N values, NULL for none) is the tile's start.
 * No padded copy of X: window rows outside the image are left out of a tile's segments,
 * and a tile whose windows cross the left or right edge reads its window rows from a
 * zero-filled copy of just their columns (scratch: fh ((MR - 1) sw + fw) C elements).
 * Measured: the padded copy of the whole input had cost 1.8 ms of a 23.7 ms forward
 * (m=8 56x56x64->64 same, float32, one thread; 1.2 of 14.3 ms on two). */
#define DL_IG_MAXSEG 64
#define DL_IG_FWD_BODY                                                                       \
    const ptrdiff_t run = fw * C, K = fh * run, span = ((DL_IG_MR - 1) * sw + fw) * C;      \
    const T** as = segs;                                                                     \
    const T** bs = segs + fh;                                                                \
    for (ptrdiff_t r = r0; r < r1; r++) {                                                    \
        const ptrdiff_t i = r / Ho, h = r - i * Ho;                                          \
        T* zrow = Z + r * Wo * N;                                                            \
        for (ptrdiff_t w0 = 0; w0 < Wo; w0 += DL_IG_MR) {                                    \
            const int mr = Wo - w0 < DL_IG_MR ? (int)(Wo - w0) : DL_IG_MR;                   \
            const ptrdiff_t x0 = w0 * sw - pl, x1 = (w0 + mr - 1) * sw - pl + fw;            \
            const int inside = x0 >= 0 && x1 <= W;                                           \
            int nseg = 0;                                                                    \
            for (ptrdiff_t u = 0; u < fh; u++) {                                             \
                const ptrdiff_t y = h * sh - pt + u;                                         \
                if (y < 0 || y >= H) continue;                                               \
                const T* row = X + ((i * H + y) * W) * C;                                    \
                if (inside) {                                                                \
                    as[nseg] = row + x0 * C;                                                 \
                } else {                                                                     \
                    T* o = scratch + nseg * span;                                            \
                    for (ptrdiff_t c = 0; c < x1 - x0; c++) {                                \
                        const ptrdiff_t x = x0 + c;                                          \
                        if (x >= 0 && x < W) memcpy(o + c * C, row + x * C, C * sizeof(T));  \
                        else memset(o + c * C, 0, C * sizeof(T));                            \
                    }                                                                        \
                    as[nseg] = o;                                                            \
                }                                                                            \
                bs[nseg] = Bp + u * run * DL_NR;                                             \
                nseg++;                                                                      \
            }                                                                                \
            for (ptrdiff_t p = 0; p * DL_NR < N; p++) {                                      \
                const ptrdiff_t nc = N - p * DL_NR < DL_NR ? N - p * DL_NR : DL_NR;          \
                DL_FN(dl_ig_tile)(mr, nseg, as, 0, bs, p * K * DL_NR, run, sw * C, 1,        \
                                  DL_NR, bias ? bias + p * DL_NR : NULL, 0,                  \
                                  zrow + w0 * N + p * DL_NR, N, nc);                         \
            }                                                                                \
        }                                                                                    \
    }
#define DL_IG_FWD_ARGS                                                                       \
    ptrdiff_t r0, ptrdiff_t r1, const T* X, ptrdiff_t H, ptrdiff_t W, ptrdiff_t C,           \
    ptrdiff_t Ho, ptrdiff_t Wo, ptrdiff_t fh, ptrdiff_t fw, ptrdiff_t sh, ptrdiff_t sw,      \
    ptrdiff_t pt, ptrdiff_t pl, const T* Bp, ptrdiff_t N, const T* bias, T* Z,               \
    const T** segs, T* scratch
static void DL_FN(dl_ig_fwd_base)(DL_IG_FWD_ARGS) { DL_IG_FWD_BODY }
#if DL_IG_HAVE_FAST
DL_IG_FAST static void DL_FN(dl_ig_fwd_fast)(DL_IG_FWD_ARGS) { DL_IG_FWD_BODY }
#endif
/* Returns -1 if the segment pointers or the edge scratch cannot be allocated, 0 otherwise. */
static int DL_FN(dl_ig_fwd_rows)(ptrdiff_t r0, ptrdiff_t r1, const T* X, ptrdiff_t H,
                                 ptrdiff_t W, ptrdiff_t C, ptrdiff_t Ho, ptrdiff_t Wo,
                                 ptrdiff_t fh, ptrdiff_t fw, ptrdiff_t sh, ptrdiff_t sw,
                                 ptrdiff_t pt, ptrdiff_t pl, const T* Bp, ptrdiff_t N,
                                 const T* bias, T* Z) {
    const T** segs = (const T**)malloc(2 * (size_t)fh * sizeof(const T*));
    T* scratch = (T*)malloc((size_t)(fh * ((DL_IG_MR - 1) * sw + fw) * C) * sizeof(T) + 1);
    if (!segs || !scratch) { free(segs); free(scratch); return -1; }
#if DL_IG_HAVE_FAST
    if (dl_ig_fast_ok())
        DL_FN(dl_ig_fwd_fast)(r0, r1, X, H, W, C, Ho, Wo, fh, fw, sh, sw, pt, pl, Bp, N, bias,
                              Z, segs, scratch);
    else
#endif
    DL_FN(dl_ig_fwd_base)(r0, r1, X, H, W, C, Ho, Wo, fh, fw, sh, sw, pt, pl, Bp, N, bias, Z,
                          segs, scratch);
    free(segs);
    free(scratch);
    return 0;
}
#undef DL_IG_FWD_BODY
#undef DL_IG_FWD_ARGS

/* rows[q] = window row u of output row rb + q (q < nseg) in the padded image P. */
DL_IG_AI void DL_FN(dl_ig_window_rows)(const T** rows, const T* P, ptrdiff_t rb, int nseg,
                                       ptrdiff_t Ho, ptrdiff_t Hp, ptrdiff_t Wp, ptrdiff_t C,
                                       ptrdiff_t sh, ptrdiff_t u) {
    for (int q = 0; q < nseg; q++) {
        const ptrdiff_t i = (rb + q) / Ho, h = rb + q - i * Ho;
        rows[q] = P + ((i * Hp + h * sh + u) * Wp) * C;
    }
}

/* Weight gradient of the output rows [r0, r1), added to dwt = dW^T (F x K, K = fh fw C):
 *     dwt[n, (u, v, k)] += sum_{r, w} dZ[r, w, n] P[i, h sh + u, w sw + v, k].
 * The rows go in blocks of at most DL_IG_MAXSEG (about 384 KiB of dZ and image rows,
 * so that they stay in L2 while every tile of dW passes over them); each tile sums a
 * whole block in registers (192 KiB blocks: dW 4-6 % slower with 2 threads on
 * 32x32x16->32 and 56x56x64->64).  P needs NR - 1 readable elements past its end (the last
 * k tile of a window run reads past it; those columns are computed and dropped). */
#define DL_IG_DW_BODY                                                                        \
    const ptrdiff_t run = fw * C, K = fh * run;                                              \
    const T* as[DL_IG_MAXSEG];                                                               \
    const T* bs[DL_IG_MAXSEG];                                                               \
    ptrdiff_t R = (ptrdiff_t)(393216 / sizeof(T)) / (Wo * F + (sh + 1) * Wp * C);            \
    R = R < 1 ? 1 : R > DL_IG_MAXSEG ? DL_IG_MAXSEG : R;                                     \
    for (ptrdiff_t rb = r0; rb < r1; rb += R) {                                              \
        const int nseg = (int)(r1 - rb < R ? r1 - rb : R);                                   \
        for (int q = 0; q < nseg; q++) as[q] = dZ + (rb + q) * Wo * F;                       \
        for (ptrdiff_t u = 0; u < fh; u++) {                                                 \
            DL_FN(dl_ig_window_rows)(bs, P, rb, nseg, Ho, Hp, Wp, C, sh, u);                 \
            for (ptrdiff_t n0 = 0; n0 < F; n0 += DL_IG_MR) {                                 \
                const int mr = F - n0 < DL_IG_MR ? (int)(F - n0) : DL_IG_MR;                 \
                for (ptrdiff_t k0 = 0; k0 < run; k0 += DL_NR) {                              \
                    const ptrdiff_t nk = run - k0 < DL_NR ? run - k0 : DL_NR;                \
                    T* out = dwt + n0 * K + u * run + k0;                                    \
                    DL_FN(dl_ig_tile)(mr, nseg, as, n0, bs, k0, Wo, 1, F, sw * C, out, K,    \
                                      out, K, nk);                                           \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }
/* The same sum with the roles of the forward pass (dl_ig_dw_kf: F a multiple of NR and at
 * least 2 NR), added to dwk = dW (K x F):
 *     dwk[(u, v, k), n] += sum_{r, w} P[i, h sh + u, w sw + v, k] dZ[r, w, n].
 * The tile is MR taps x NR channels: the taps broadcast from one image row (MR consecutive
 * values), and dZ is packed per block of rows into NR-channel panels (positions x NR,
 * contiguous, zero-free since NR divides F), streamed like the forward's packed filters.
 * Measured against the MR-channel tile above (both builds in one process, interleaved, 1
 * thread, float32): see cnn.rst.  A block holds DL_IG_DWK_POS positions (16 KiB of a
 * float32 panel, so that the panel stays in L1 while every tap tile passes over it). */
#define DL_IG_DWK_POS 256
#define DL_IG_DWK_BODY                                                                       \
    const ptrdiff_t run = fw * C, npan = F / DL_NR;                                          \
    const T* as[DL_IG_MAXSEG];                                                               \
    const T* bs[DL_IG_MAXSEG];                                                               \
    ptrdiff_t R = DL_IG_DWK_POS / Wo;                                                        \
    R = R < 1 ? 1 : R > DL_IG_MAXSEG ? DL_IG_MAXSEG : R;                                     \
    for (ptrdiff_t rb = r0; rb < r1; rb += R) {                                              \
        const int nseg = (int)(r1 - rb < R ? r1 - rb : R);                                   \
        const ptrdiff_t plen = nseg * Wo * DL_NR;  /* elements of one panel */               \
        for (ptrdiff_t x = 0; x < nseg * Wo; x++) {                                          \
            const T* z = dZ + (rb * Wo + x) * F;                                             \
            for (ptrdiff_t pn = 0; pn < npan; pn++)                                          \
                memcpy(Bp + pn * plen + x * DL_NR, z + pn * DL_NR, DL_NR * sizeof(T));       \
        }                                                                                    \
        for (ptrdiff_t pn = 0; pn < npan; pn++) {                                            \
            for (int q = 0; q < nseg; q++) bs[q] = Bp + pn * plen + q * Wo * DL_NR;          \
            for (ptrdiff_t u = 0; u < fh; u++) {                                             \
                DL_FN(dl_ig_window_rows)(as, P, rb, nseg, Ho, Hp, Wp, C, sh, u);             \
                for (ptrdiff_t t0 = 0; t0 < run; t0 += DL_IG_MR) {                           \
                    const int mr = run - t0 < DL_IG_MR ? (int)(run - t0) : DL_IG_MR;         \
                    T* out = dwk + (u * run + t0) * F + pn * DL_NR;                          \
                    DL_FN(dl_ig_tile)(mr, nseg, as, t0, bs, 0, Wo, 1, sw * C, DL_NR, out, F, \
                                      out, F, DL_NR);                                        \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }
#define DL_IG_DW_ARGS                                                                        \
    ptrdiff_t r0, ptrdiff_t r1, const T* P, ptrdiff_t Hp, ptrdiff_t Wp, ptrdiff_t C,         \
    ptrdiff_t Ho, ptrdiff_t Wo, ptrdiff_t fh, ptrdiff_t fw, ptrdiff_t sh, ptrdiff_t sw,      \
    const T* dZ, ptrdiff_t F, T* dwt
static void DL_FN(dl_ig_dw_base)(DL_IG_DW_ARGS) { DL_IG_DW_BODY }
static void DL_FN(dl_ig_dwk_base)(DL_IG_DW_ARGS, T* Bp) { T* dwk = dwt; DL_IG_DWK_BODY }
#if DL_IG_HAVE_FAST
DL_IG_FAST static void DL_FN(dl_ig_dw_fast)(DL_IG_DW_ARGS) { DL_IG_DW_BODY }
DL_IG_FAST static void DL_FN(dl_ig_dwk_fast)(DL_IG_DW_ARGS, T* Bp) { T* dwk = dwt; DL_IG_DWK_BODY }
#endif
/* Whether dl_ig_dw_rows sums into dW (K x F, the tap tile) rather than dW^T (F x K). */
static int DL_FN(dl_ig_dw_kf)(ptrdiff_t F) { return F % DL_NR == 0 && F >= 2 * DL_NR; }
/* The weight gradient of rows [r0, r1) added to acc: dW (K x F) when dl_ig_dw_kf(F),
 * else dW^T (F x K).  Returns -1 if the packed dZ panels cannot be allocated. */
static int DL_FN(dl_ig_dw_rows)(DL_IG_DW_ARGS) {
    if (DL_FN(dl_ig_dw_kf)(F)) {
        T* Bp = (T*)dl_ig_alloc((size_t)(DL_IG_DWK_POS + Wo) * (size_t)F * sizeof(T), 0);
        if (!Bp) return -1;
#if DL_IG_HAVE_FAST
        if (dl_ig_fast_ok())
            DL_FN(dl_ig_dwk_fast)(r0, r1, P, Hp, Wp, C, Ho, Wo, fh, fw, sh, sw, dZ, F, dwt, Bp);
        else
#endif
        DL_FN(dl_ig_dwk_base)(r0, r1, P, Hp, Wp, C, Ho, Wo, fh, fw, sh, sw, dZ, F, dwt, Bp);
        free(Bp);
        return 0;
    }
#if DL_IG_HAVE_FAST
    if (dl_ig_fast_ok()) {
        DL_FN(dl_ig_dw_fast)(r0, r1, P, Hp, Wp, C, Ho, Wo, fh, fw, sh, sw, dZ, F, dwt);
        return 0;
    }
#endif
    DL_FN(dl_ig_dw_base)(r0, r1, P, Hp, Wp, C, Ho, Wo, fh, fw, sh, sw, dZ, F, dwt);
    return 0;
}
#undef DL_IG_DW_BODY
#undef DL_IG_DWK_BODY
#undef DL_IG_DW_ARGS

/* Rows [y0, y1) (y = i H + row) of the zero-padded copy P (m, H + pt + pb, W + pl + pr, C)
 * of X (m, H, W, C): padded row y of image i. */
static void DL_FN(dl_ig_pad_rows)(ptrdiff_t y0, ptrdiff_t y1, const T* X, ptrdiff_t H,
                                  ptrdiff_t W, ptrdiff_t C, ptrdiff_t pt, ptrdiff_t pb,
                                  ptrdiff_t pl, ptrdiff_t pr, T* P) {
    const ptrdiff_t Hp = H + pt + pb, Wp = W + pl + pr;
    for (ptrdiff_t y = y0; y < y1; y++) {
        const ptrdiff_t i = y / Hp, yy = y - i * Hp - pt;
        T* o = P + y * Wp * C;
        if (yy < 0 || yy >= H) { memset(o, 0, (size_t)(Wp * C) * sizeof(T)); continue; }
        memset(o, 0, (size_t)(pl * C) * sizeof(T));
        memcpy(o + pl * C, X + ((i * H + yy) * W) * C, (size_t)(W * C) * sizeof(T));
        memset(o + (pl + W) * C, 0, (size_t)(pr * C) * sizeof(T));
    }
}
#undef V
#undef DL_VL
#undef DL_NR
