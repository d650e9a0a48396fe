/* DL_TARGET_CLONES: the one definition of the instruction sets that the element-wise loops
 * (vector math, gate passes, pooling rows, conv column sums) are compiled for with GCC's
 * target_clones, the widest one the machine has being picked when the module loads:
 *
 *   avx512f          AVX-512 machines;
 *   arch=x86-64-v3   AVX2 with FMA (GCC 12 and later): "avx2" alone leaves the polynomial
 *                    of dl_expf and the multiply-adds of the gate passes as separate
 *                    multiplies and adds (measured in docs/performance/nn.rst);
 *   avx2             AVX2 machines without FMA, and the older compilers;
 *   default          baseline x86-64.
 *
 * Other compilers and targets (clang, MSVC, non-ELF, other architectures), and builds
 * with DLNOTES_NO_TARGET_CLONES, get plain C.
 */
#ifndef DL_CLONES_H
#define DL_CLONES_H
#if defined(__GNUC__) && !defined(__clang__) && !defined(__INTEL_COMPILER) \
    && (defined(__x86_64__) || defined(__i386__)) && defined(__ELF__) \
    && !defined(DLNOTES_NO_TARGET_CLONES)
#if __GNUC__ >= 12
#define DL_TARGET_CLONES \
    __attribute__((target_clones("avx512f", "arch=x86-64-v3", "avx2", "default")))
#else
#define DL_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#else
#define DL_TARGET_CLONES
#endif
#endif  /* DL_CLONES_H */
