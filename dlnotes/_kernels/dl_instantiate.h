/* Compile one type-generic C source for float and double (no include guard:
 * include it once per source).
 *
 * Before including, define DL_IMPL as the source's quoted file name, and
 * optionally DL_ATTR_F / DL_ATTR_D as the attributes of its float / double
 * functions (for instance DL_CLONES from dl_vecmath.h).  The source is written
 * with T (the element type), DL_FN(name) (the name with the type's suffix, _f
 * or _d), DL_ATTR, and SIG / TANH (dl_sigf / dl_tanhf for float, dl_sigd /
 * dl_tanhd for double).  All of these are undefined again afterwards.
 *
 * DL_FUSED(name, p) then names name_f or name_d by the element type of the
 * pointer p (C11 _Generic), for macros that give both versions one name, so
 * that fused Cython code calls one name for both precisions.  Cython declares
 * such names with void* arguments, so the C compiler is the one that checks
 * them: from here on, an argument of the wrong type or precision is a build
 * error, not a warning.
 */
#ifndef DL_IMPL
#error "define DL_IMPL before including dl_instantiate.h"
#endif

#if defined(__GNUC__) && !defined(__clang__)
/* Let GCC if-convert the float comparisons of the clamps so that the loops
 * vectorise on every target; restored by pop_options below. */
#pragma GCC push_options
#pragma GCC optimize ("no-trapping-math")
#endif
#include "dl_vecmath.h"

#ifndef DL_FN
#define DL_CAT_(a, b) a##_##b
#define DL_CAT(a, b) DL_CAT_(a, b)
#define DL_FN(name) DL_CAT(name, DL_SFX)
/* `*(p) + 0` is an rvalue of the element type, without the pointer's const. */
#define DL_FUSED(name, p) _Generic(*(p) + 0, float: name##_f, double: name##_d)
#endif

#ifndef DL_ATTR_F
#define DL_ATTR_F
#endif
#ifndef DL_ATTR_D
#define DL_ATTR_D
#endif

#define T float
#define DL_SFX f
#define DL_ATTR DL_ATTR_F
#define SIG dl_sigf
#define TANH dl_tanhf
#include DL_IMPL
#undef T
#undef DL_SFX
#undef DL_ATTR
#undef SIG
#undef TANH

#define T double
#define DL_SFX d
#define DL_ATTR DL_ATTR_D
#define SIG dl_sigd
#define TANH dl_tanhd
#include DL_IMPL
#undef T
#undef DL_SFX
#undef DL_ATTR
#undef SIG
#undef TANH

#undef DL_IMPL
#undef DL_ATTR_F
#undef DL_ATTR_D

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic error "-Wincompatible-pointer-types"
#if !defined(__clang__)
#pragma GCC diagnostic error "-Wdiscarded-qualifiers"
#endif
#endif
