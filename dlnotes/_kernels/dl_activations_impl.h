/* Source of dl_act_f / dl_act_d (see dl_activations.h and dl_instantiate.h). */
#if !defined(T) || !defined(DL_FN)
#error "dl_activations_impl.h is meant to be included by dl_instantiate.h only"
#endif

DL_ATTR static void DL_FN(dl_act)(int op, ptrdiff_t n, const T* DL_RESTRICT x,
                                  const T* DL_RESTRICT y, T al, T* DL_RESTRICT o) {
    ptrdiff_t i;
    switch (op) {
    case DL_SIG: for (i = 0; i < n; i++) o[i] = SIG(x[i]); break;
    case DL_SIG_BWD: for (i = 0; i < n; i++) o[i] = x[i] * y[i] * (1 - y[i]); break;
    case DL_TANH: for (i = 0; i < n; i++) o[i] = TANH(x[i]); break;
    case DL_TANH_BWD: for (i = 0; i < n; i++) o[i] = x[i] * (1 - y[i] * y[i]); break;
    case DL_LEAKY: /* relu(-inf) = 0 exactly (0 * -inf would be NaN) */
        for (i = 0; i < n; i++) {
            T v = x[i], w = al != 0 ? al * v : (v == v ? (T)0 : v);
            o[i] = v > 0 ? v : w;
        }
        break;
    case DL_LEAKY_BWD: /* exact 0 where alpha = 0 (0 * inf would be NaN) */
        for (i = 0; i < n; i++)
            o[i] = y[i] > 0 ? x[i] : (al != 0 ? al * x[i] : (T)0);
        break;
    }
}
