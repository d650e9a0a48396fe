/* Element-wise activation loops of activations.pyx.
 *
 * dl_act(op, n, x, y, alpha, out): one contiguous share of an element-wise op;
 * x is z (forward) or dA (backward), y the saved a = f(z) or z (backward only).
 * dl_activations_impl.h is the one source, instantiated for float and double
 * by dl_instantiate.h (both cloned for AVX-512 / AVX2 / baseline); dl_act picks
 * the version by the element type of x.
 */
#ifndef DL_ACTIVATIONS_H
#define DL_ACTIVATIONS_H
#include <stddef.h>

enum { DL_SIG, DL_SIG_BWD, DL_TANH, DL_TANH_BWD, DL_LEAKY, DL_LEAKY_BWD };

#define DL_IMPL "dl_activations_impl.h"
#define DL_ATTR_F DL_CLONES
#define DL_ATTR_D DL_CLONES
#include "dl_instantiate.h"

#define dl_act(op, n, x, ...) DL_FUSED(dl_act, x)(op, n, x, __VA_ARGS__)

#endif  /* DL_ACTIVATIONS_H */
