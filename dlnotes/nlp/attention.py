r"""Attention model (notes, "Attention model"; errata E11, §8).

Layouts follow the sequence convention of dlnotes: encoder activations
``a.shape == (n_a, m, T_x)`` (for a bidirectional encoder
:math:`a^{\langle t'\rangle} = [\overrightarrow a^{\langle t'\rangle};
\overleftarrow a^{\langle t'\rangle}]`, so ``n_a`` is twice the hidden size),
decoder state ``s_prev.shape == (n_s, m)``.

Attention weights of one decoder step have shape ``(m, T_x)``; the whole
alignment matrix of one example is ``(T_y, T_x)``.  The softmax always runs
over the *last* axis, :math:`t'`, so every row sums to 1.
"""
from __future__ import annotations

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import check_float_array
from dlnotes.nn.activations import _softmax, _tanh

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_SCORE_WEIGHTS = """
W : ndarray, shape (n_e, n_s)
    Weights of the decoder state.
U : ndarray, shape (n_e, n_a)
    Weights of the encoder activations.
v : ndarray, shape (n_e, 1)
    Weights of the energy.
b : ndarray, shape (n_e, 1), optional
    Bias of the first dense layer.
relu : bool, default False
    A ReLU on the energies (the course's ``Dense(1, relu)``).
"""

__all__ = ["attention_weights", "attention_weights_backward", "context_vector",
           "context_vector_backward", "bahdanau_score", "bahdanau_score_backward",
           "one_step_attention", "one_step_attention_backward"]


def attention_weights(e):
    r"""Attention weights: softmax of the energies over the encoder steps :math:`t'`.

    .. math::

        \alpha^{\langle t, t'\rangle} =
            \frac{\exp(e^{\langle t, t'\rangle})}
                 {\sum_{t''=1}^{T_x} \exp(e^{\langle t, t''\rangle})}

    (The notes reuse :math:`t'` as the summation index, errata E11.)
    Computed with the max subtracted, so large energies do not overflow.

    Parameters
    ----------
    e : ndarray, shape (..., T_x)
        E.g. ``(T_y, T_x)`` for one example, ``(m, T_x)`` for one decoder step.

    Returns
    -------
    alpha : ndarray, same shape; non-negative, each row sums to 1

    Examples
    --------
    >>> attention_weights(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    if np.ndim(e) == 0:  # (check before validation: np.ascontiguousarray makes 0-d arrays 1-d)
        raise ValueError("e must have at least one dimension (T_x)")
    e = check_float_array(e, "e", finite=True)
    return _softmax(e, -1)


def attention_weights_backward(dalpha, alpha):
    r"""Backward of the softmax over :math:`t'`.

    .. math::

        de^{\langle t,t'\rangle} = \alpha^{\langle t,t'\rangle}\Big(d\alpha^{\langle t,t'\rangle}
            - \sum_{t''} \alpha^{\langle t,t''\rangle} d\alpha^{\langle t,t''\rangle}\Big)

    Parameters
    ----------
    dalpha : ndarray, shape (..., T_x)
        Gradient with respect to the weights.
    alpha : ndarray, shape of ``dalpha``
        The weights of the forward pass.

    Returns
    -------
    de : ndarray, shape of ``alpha``
        Gradient with respect to the energies.
    """
    alpha = check_float_array(alpha, "alpha")
    dalpha = check_float_array(dalpha, "dalpha", shape=alpha.shape, dtype=alpha.dtype)
    return alpha * (dalpha - np.sum(alpha * dalpha, axis=-1, keepdims=True))


def _check_context(alpha, a):
    a = check_float_array(a, "a", ndim=3, shape_names=("n_a", "m", "T_x"))
    n_a, m, T_x = a.shape
    alpha = check_float_array(alpha, "alpha", ndim=(2, 3), dtype=a.dtype)
    if alpha.shape[0] != m or alpha.shape[-1] != T_x:
        raise ValueError(f"alpha must have shape (m, T_x) = ({m}, {T_x}) or (m, T_y, T_x), "
                         f"got {alpha.shape}")
    return alpha, a


def context_vector(alpha, a):
    r"""Context vector: the attention-weighted sum of the encoder activations.

    .. math::

        c^{\langle t\rangle} = \sum_{t'=1}^{T_x} \alpha^{\langle t, t'\rangle}
                                a^{\langle t'\rangle}

    Parameters
    ----------
    alpha : ndarray, shape (m, T_x) or (m, T_y, T_x)
    a : ndarray, shape (n_a, m, T_x)

    Returns
    -------
    c : ndarray, shape (n_a, m) or (n_a, m, T_y)
    """
    alpha, a = _check_context(alpha, a)
    if alpha.ndim == 2:
        return np.einsum("mt,nmt->nm", alpha, a)
    return np.einsum("myt,nmt->nmy", alpha, a)


def context_vector_backward(dc, alpha, a):
    r"""Gradients of :func:`context_vector`.

    .. math::

        d\alpha^{\langle t,t'\rangle} = dc^{\langle t\rangle}\cdot a^{\langle t'\rangle},\qquad
        da^{\langle t'\rangle} = \sum_t \alpha^{\langle t,t'\rangle} dc^{\langle t\rangle}

    Parameters
    ----------
    dc : ndarray, shape (n_a, m) or (n_a, m, T_y)
        Gradient with respect to the context vectors.
    alpha : ndarray, shape (m, T_x) or (m, T_y, T_x)
        The attention weights of the forward pass.
    a : ndarray, shape (n_a, m, T_x)
        The encoder activations.

    Returns
    -------
    dalpha : shape of ``alpha``
    da : shape of ``a``
    """
    alpha, a = _check_context(alpha, a)
    if alpha.ndim == 2:
        dc = check_float_array(dc, "dc", shape=a.shape[:2], dtype=a.dtype)
        return np.einsum("nm,nmt->mt", dc, a), np.einsum("mt,nm->nmt", alpha, dc)
    dc = check_float_array(dc, "dc", shape=a.shape[:2] + (alpha.shape[1],), dtype=a.dtype)
    return np.einsum("nmy,nmt->myt", dc, a), np.einsum("myt,nmy->nmt", alpha, dc)


def _check_score(s_prev, a, W, U, v, b):
    a = check_float_array(a, "a", ndim=3, shape_names=("n_a", "m", "T_x"), finite=True)
    n_a, m, T_x = a.shape
    dt = a.dtype
    s_prev = check_float_array(s_prev, "s_prev", ndim=2, shape=(None, m),
                               shape_names=("n_s", "m"), dtype=dt, finite=True)
    n_s = s_prev.shape[0]
    W = check_float_array(W, "W", ndim=2, shape=(None, n_s), shape_names=("n_e", "n_s"),
                          dtype=dt)
    n_e = W.shape[0]
    U = check_float_array(U, "U", shape=(n_e, n_a), shape_names=("n_e", "n_a"), dtype=dt)
    v = check_float_array(v, "v", shape=(n_e, 1), shape_names=("n_e", "1"), dtype=dt)
    if b is not None:
        b = check_float_array(b, "b", shape=(n_e, 1), shape_names=("n_e", "1"), dtype=dt)
    return s_prev, a, W, U, v, b


def _score(s_prev, a, W, U, v, b, relu):
    n_a, m, T_x = a.shape
    # GEMMs on the flattened (n, m*T_x) views: einsum would not use BLAS here
    pre = (W @ s_prev)[:, :, None] + (U @ a.reshape(n_a, -1)).reshape(-1, m, T_x)
    if b is not None:
        pre = pre + b[:, :, None]
    h = _tanh(pre)
    e = (v[:, 0] @ h.reshape(h.shape[0], -1)).reshape(m, T_x)
    if relu:
        e = np.maximum(e, 0)
    return e, h


def bahdanau_score(s_prev, a, W, U, v, b=None, relu=False):
    r"""Additive (Bahdanau) attention energies for one decoder step.

    .. math::

        e^{\langle t, t'\rangle} = v^T \tanh\big(W s^{\langle t-1\rangle}
                                   + U a^{\langle t'\rangle} [+ b]\big)

    Bahdanau et al. (2015) use no bias and no output activation.  The course's
    ``one_step_attention`` is the same small network written as
    ``Dense(10, tanh)`` on :math:`[s^{\langle t-1\rangle}; a^{\langle t'\rangle}]`
    (so :math:`[W\;U]` is its kernel and ``b`` its bias) followed by
    ``Dense(1, relu)``: pass ``b`` and ``relu=True`` for that form (the
    course's scalar output bias is left out).

    Parameters
    ----------
    s_prev : ndarray, shape (n_s, m)
    a : ndarray, shape (n_a, m, T_x)
    W : ndarray, shape (n_e, n_s)
    U : ndarray, shape (n_e, n_a)
    v : ndarray, shape (n_e, 1)
    b : ndarray, shape (n_e, 1), optional
    relu : bool

    Returns
    -------
    e : ndarray, shape (m, T_x)
    """
    s_prev, a, W, U, v, b = _check_score(s_prev, a, W, U, v, b)
    return _score(s_prev, a, W, U, v, b, relu)[0]


def _score_backward(de, s_prev, a, W, U, v, b, e, h, relu):
    if relu:
        de = de * (e > 0)
    n_e = h.shape[0]
    n_a = a.shape[0]
    grads = {"dv": (h.reshape(n_e, -1) @ de.reshape(-1))[:, None]}
    dpre = v[:, 0][:, None, None] * de[None] * (1 - h * h)      # (n_e, m, T_x)
    dsum = dpre.sum(axis=2)                                      # (n_e, m)
    grads["dW"] = dsum @ s_prev.T
    grads["dU"] = dpre.reshape(n_e, -1) @ a.reshape(n_a, -1).T
    if b is not None:
        grads["db"] = dsum.sum(axis=1, keepdims=True)
    ds_prev = W.T @ dsum
    da = (U.T @ dpre.reshape(n_e, -1)).reshape(a.shape)
    return ds_prev, da, grads


@fill_doc(SCORE_WEIGHTS=_SCORE_WEIGHTS)
def bahdanau_score_backward(de, s_prev, a, W, U, v, b=None, relu=False):
    r"""Backward of :func:`bahdanau_score`.

    With :math:`h = \tanh(\cdot)` and
    :math:`\delta = (v\, de) \odot (1 - h^2)` (broadcast over :math:`t'`):

    .. math::

        dv = \sum_{m,t'} de\, h,\quad
        dW = \Big(\sum_{t'}\delta\Big) s^{T},\quad
        dU = \sum_{t'} \delta_{t'} a^{\langle t'\rangle T},\quad
        ds = W^T \sum_{t'}\delta,\quad
        da^{\langle t'\rangle} = U^T \delta_{t'}

    Parameters
    ----------
    de : ndarray, shape (m, T_x)
        Gradient with respect to the energies.
    s_prev : ndarray, shape (n_s, m)
        The previous decoder state.
    a : ndarray, shape (n_a, m, T_x)
        The encoder activations.
    %(SCORE_WEIGHTS)s

    Returns
    -------
    ds_prev : ndarray, shape (n_s, m)
    da : ndarray, shape (n_a, m, T_x)
    grads : dict
        ``dW, dU, dv`` (and ``db``).
    """
    s_prev, a, W, U, v, b = _check_score(s_prev, a, W, U, v, b)
    e, h = _score(s_prev, a, W, U, v, b, relu)
    de = check_float_array(de, "de", shape=e.shape, shape_names=("m", "T_x"), dtype=a.dtype)
    return _score_backward(de, s_prev, a, W, U, v, b, e, h, relu)


@fill_doc(SCORE_WEIGHTS=_SCORE_WEIGHTS)
def one_step_attention(a, s_prev, W, U, v, b=None, relu=False):
    r"""One decoder step of attention (the course's ``one_step_attention``).

    .. math::

        e^{\langle t,t'\rangle} = v^T\tanh(W s^{\langle t-1\rangle} + U a^{\langle t'\rangle}),\quad
        \alpha^{\langle t,t'\rangle} = \operatorname{softmax}_{t'}(e^{\langle t,t'\rangle}),\quad
        c^{\langle t\rangle} = \sum_{t'} \alpha^{\langle t,t'\rangle} a^{\langle t'\rangle}

    Parameters
    ----------
    a : ndarray of float32 or float64, shape (n_a, m, T_x)
        The encoder activations.
    s_prev : ndarray, shape (n_s, m)
        The previous decoder state :math:`s^{\langle t-1\rangle}`.
    %(SCORE_WEIGHTS)s

    Returns
    -------
    context : ndarray, shape (n_a, m)
    alphas : ndarray, shape (m, T_x)
    cache : tuple
        For :func:`one_step_attention_backward`.
    """
    s_prev, a, W, U, v, b = _check_score(s_prev, a, W, U, v, b)
    e, h = _score(s_prev, a, W, U, v, b, relu)
    alpha = _softmax(e, -1)
    c = np.sum(alpha[None] * a, axis=2)
    return c, alpha, (s_prev, a, W, U, v, b, e, h, alpha, relu)


def one_step_attention_backward(dcontext, cache):
    r"""Backward of :func:`one_step_attention`.

    Chains :func:`context_vector_backward`, the softmax backward over
    :math:`t'` and :func:`bahdanau_score_backward`; the encoder activations
    receive gradient through both the context sum and the energies:

    .. math::

        da^{\langle t'\rangle} = \alpha^{\langle t,t'\rangle} dc^{\langle t\rangle}
            + U^T\Big(\big(v\, de^{\langle t,t'\rangle}\big) \odot \big(1 - h_{t'}^2\big)\Big)

    Parameters
    ----------
    dcontext : ndarray, shape (n_a, m)
        Gradient with respect to the context :math:`c^{\langle t\rangle}`.
    cache : tuple
        What :func:`one_step_attention` returned with it.

    Returns
    -------
    da : ndarray, shape (n_a, m, T_x)
    ds_prev : ndarray, shape (n_s, m)
    grads : dict
        ``dW, dU, dv`` (and ``db``).
    """
    s_prev, a, W, U, v, b, e, h, alpha, relu = cache
    dc = check_float_array(dcontext, "dcontext", shape=a.shape[:2],
                           shape_names=("n_a", "m"), dtype=a.dtype)
    dalpha = np.sum(dc[:, :, None] * a, axis=0)
    da = alpha[None] * dc[:, :, None]
    de = alpha * (dalpha - np.sum(alpha * dalpha, axis=-1, keepdims=True))
    ds_prev, da2, grads = _score_backward(de, s_prev, a, W, U, v, b, e, h, relu)
    return da + da2, ds_prev, grads
