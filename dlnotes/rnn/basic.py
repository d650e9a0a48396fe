r"""The basic RNN of the notes: cell and whole sequence, forward and backward.

.. math::

    a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a),
    \qquad
    \hat y^{\langle t \rangle} = \operatorname{softmax}(W_{ya} a^{\langle t \rangle} + b_y)

Layouts: ``x`` is ``(n_x, m, T_x)``, states ``(n_a, m)``, outputs ``(n_y, m, T_x)``.
Parameters: ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a, 1)`` and, for the
softmax output, ``Wya (n_y, n_a)``, ``by (n_y, 1)`` (optional in the sequence
functions: without them ``y_pred`` is None).
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import recurrent as _k
from dlnotes.nn.activations import _tanh, softmax
from dlnotes.rnn._common import (SequenceCache, check_cell_cache, check_sequence, check_state,
                                 check_step, get_params, output_spec, pack_sequence, pooled_buffers,
                                 run_loop, sequence_backward, softmax_outputs, unpack_states)

__all__ = ["rnn_cell_forward", "rnn_cell_backward", "rnn_forward", "rnn_backward"]


def _spec(n_a, n_x):
    return {"Wax": ((n_a, n_x), ("n_a", "n_x")), "Waa": ((n_a, n_a), ("n_a", "n_a")),
            "ba": ((n_a, 1), ("n_a", "1"))}


def _params(parameters, n_a, n_x, dtype):
    spec = _spec(n_a, n_x)
    spec.update(output_spec(parameters, "Wya", "by", n_a))
    P = get_params(parameters, spec, dtype)
    P.setdefault("Wya", None)
    P.setdefault("by", None)
    return P


def rnn_cell_forward(xt, a_prev, parameters):
    r"""One step of the basic RNN.

    .. math::

        a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle}
        + b_a), \qquad
        \hat y^{\langle t \rangle} = \operatorname{softmax}(W_{ya} a^{\langle t \rangle} + b_y)

    Parameters
    ----------
    xt : ndarray, shape (n_x, m)
    a_prev : ndarray, shape (n_a, m)
    parameters : dict
        ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a, 1)``; optionally
        ``Wya (n_y, n_a)`` and ``by (n_y, 1)``.

    Returns
    -------
    a_next : ndarray, shape (n_a, m)
    yt_pred : ndarray, shape (n_y, m), or None without ``Wya``
    cache : tuple
        ``(a_next, a_prev, xt, parameters)`` for :func:`rnn_cell_backward`.
    """
    xt = check_step(xt)
    n_x, m = xt.shape
    a_prev = check_state(a_prev, "a_prev", m, xt.dtype)
    P = _params(parameters, a_prev.shape[0], n_x, xt.dtype)
    a_next = _tanh(P["Waa"] @ a_prev + P["Wax"] @ xt + P["ba"])
    yt_pred = None if P["Wya"] is None else softmax(P["Wya"] @ a_next + P["by"], axis=0)
    return a_next, yt_pred, (a_next, a_prev, xt, P)


def rnn_cell_backward(da_next, cache):
    r"""Backward pass of one RNN step (canonical form; errata E3-E6).

    With :math:`da_{next}` the *total* gradient arriving at
    :math:`a^{\langle t \rangle}`:

    .. math::

        dz &= da_{next} \odot \big(1 - (a^{\langle t \rangle})^2\big) \\
        dW_{ax} &= dz\, x^{\langle t \rangle T}, \quad
        dW_{aa} = dz\, a^{\langle t-1 \rangle T}, \quad
        db_a = \textstyle\sum_{\text{batch}} dz \\
        dx^{\langle t \rangle} &= W_{ax}^T dz, \quad da_{prev} = W_{aa}^T dz

    Parameters
    ----------
    da_next : ndarray, shape (n_a, m)
        Total gradient at :math:`a^{\langle t \rangle}` (from the output and the next step).
    cache : tuple
        What :func:`rnn_cell_forward` returned with :math:`a^{\langle t \rangle}`.

    Returns
    -------
    gradients : dict
        ``dxt (n_x, m)``, ``da_prev (n_a, m)``, ``dWax``, ``dWaa``, ``dba (n_a, 1)``.
    """
    c = check_cell_cache(cache, ("a_next", "a_prev", "xt", "parameters"), "rnn_cell_forward",
                         {"Wax": ("n_a", "n_x"), "Waa": ("n_a", "n_a")})
    a_next, a_prev, xt, P = c["a_next"], c["a_prev"], c["xt"], c["parameters"]
    da_next = check_state(da_next, "da_next", a_next.shape[1], a_next.dtype, a_next.shape[0])
    dz = da_next * (1 - a_next * a_next)
    return {"dxt": P["Wax"].T @ dz, "da_prev": P["Waa"].T @ dz,
            "dWax": dz @ xt.T, "dWaa": dz @ a_prev.T, "dba": dz.sum(axis=1, keepdims=True)}


def rnn_forward(x, a0, parameters):
    r"""The basic RNN over a whole sequence (compiled time loop).

    .. math::

        a^{\langle t \rangle} = \tanh(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle}
        + b_a), \quad t = 1..T_x, \qquad
        \hat y^{\langle t \rangle} = \operatorname{softmax}(W_{ya} a^{\langle t \rangle} + b_y)

    The input projections :math:`W_{ax} x^{\langle t \rangle} + b_a` of all
    steps are one GEMM; the loop then runs in Cython without the GIL, one product
    per step for :math:`W_{aa} a^{\langle t-1 \rangle}` (against :math:`W_{aa}`
    packed once per sequence) and one fused pass for the ``tanh``.

    Parameters
    ----------
    x : ndarray, shape (n_x, m, T_x)
    a0 : ndarray, shape (n_a, m)
    parameters : dict
        As for :func:`rnn_cell_forward`; ``Wya``/``by`` are optional.

    Returns
    -------
    a : ndarray, shape (n_a, m, T_x)
        The hidden states :math:`a^{\langle 1 \rangle} .. a^{\langle T_x \rangle}`.
    y_pred : ndarray, shape (n_y, m, T_x), or None without ``Wya``
    caches : tuple
        ``(cache, x)`` for :func:`rnn_backward`.
    """
    x = check_sequence(x)
    a0 = check_state(a0, "a0", x.shape[1], x.dtype)
    return _rnn_forward(x, a0, _params(parameters, a0.shape[0], x.shape[0], x.dtype))


@pooled_buffers
def _rnn_forward(x, a0, P):
    """:func:`rnn_forward` without the checks, for callers that made them once (the layers):
    ``x (n_x, m, T_x)`` and ``a0 (n_a, m)`` non-empty, ``P`` arrays of their dtype and shapes."""
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    W = np.concatenate([P["Waa"], P["Wax"]], axis=1)
    HX, Z = pack_sequence(x, a0, W, None, project=False)  # the loop projects x<t> itself
    run_loop(_k.rnn_forward_loop, W, P["ba"].reshape(-1), Z, HX, size=(m, T, n_a, n_a))
    a = unpack_states(HX[1:, :, :n_a])
    y_pred = softmax_outputs(P.get("Wya"), P.get("by"), a)
    cache = SequenceCache("rnn", W=W, HX=HX, n_a=n_a, n_x=n_x, m=m, T=T, parameters=P)
    return a, y_pred, (cache, x)


def rnn_backward(da, caches):
    r"""Backpropagation through time for :func:`rnn_forward`.

    ``da[:, :, t]`` is the gradient of the cost with respect to
    :math:`a^{\langle t \rangle}` coming from the output at step t (for a
    softmax output, :math:`W_{ya}^T(\hat y^{\langle t \rangle} - y^{\langle t \rangle})`).
    Going backwards the total gradient is
    :math:`da_{next}(t) = da(t) + da_{prev}(t+1)`, and each step applies
    :func:`rnn_cell_backward`; parameter gradients are summed over t, with one
    GEMM after the loop:

    .. math::

        dz^{\langle t \rangle} = da_{next}(t) \odot (1 - a^{\langle t \rangle 2}), \quad
        [dW_{aa}\; dW_{ax}] = \sum_t dz^{\langle t \rangle}
        [a^{\langle t-1 \rangle}; x^{\langle t \rangle}]^T, \quad
        db_a = \sum_t \sum_{\text{batch}} dz^{\langle t \rangle}

    Parameters
    ----------
    da : ndarray, shape (n_a, m, T_x)
    caches : tuple from :func:`rnn_forward`

    Returns
    -------
    gradients : dict
        ``dx (n_x, m, T_x)``, ``da0 (n_a, m)``, ``dWax (n_a, n_x)``,
        ``dWaa (n_a, n_a)``, ``dba (n_a, 1)``.
    """
    return _rnn_backward.checked(da, caches)


@sequence_backward("rnn", "rnn_forward")
def _rnn_backward(dH, c):
    """The time loop and weight gradients of :func:`rnn_backward` (entries:
    :class:`~dlnotes.rnn._common.SequenceBackward`)."""
    n_a, n_x, m, T = c.n_a, c.n_x, c.m, c.T
    da0 = np.empty((m, n_a), dtype=c.W.dtype)
    run_loop(_k.rnn_backward_loop, c.W, dH, c.HX, da0, size=(m, T, n_a, n_a))
    dZ = dH.reshape(T * m, n_a)
    dW = dZ.T @ c.HX[:T].reshape(T * m, n_a + n_x)
    dx = (dZ @ c.W[:, n_a:]).reshape(T, m, n_x)
    return {"dx": unpack_states(dx), "da0": np.ascontiguousarray(da0.T),
            "dWax": np.ascontiguousarray(dW[:, n_a:]), "dWaa": np.ascontiguousarray(dW[:, :n_a]),
            "dba": dZ.sum(axis=0).reshape(n_a, 1)}
