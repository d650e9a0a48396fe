r"""Long short-term memory (notes, "LSTM"): cell and sequence, forward and backward.

.. math::

    \Gamma_f &= \sigma(W_f [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_f), \quad
    \Gamma_i = \sigma(W_i [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_i) \\
    \tilde c^{\langle t \rangle} &= \tanh(W_c [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_c),
    \quad \Gamma_o = \sigma(W_o [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_o) \\
    c^{\langle t \rangle} &= \Gamma_f \odot c^{\langle t-1 \rangle} + \Gamma_i \odot \tilde c^{\langle t \rangle},
    \quad a^{\langle t \rangle} = \Gamma_o \odot \tanh(c^{\langle t \rangle}), \quad
    \hat y^{\langle t \rangle} = \operatorname{softmax}(W_y a^{\langle t \rangle} + b_y)

Each ``W_k`` is ``(n_a, n_a + n_x)`` and acts on the concatenation
``[a_prev; x_t]``: columns ``W_k[:, :n_a]`` on the state, ``W_k[:, n_a:]`` on
the input.  The input gate :math:`\Gamma_i` is the course's update gate
:math:`\Gamma_u`.  No peepholes.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import recurrent as _k
from dlnotes._kernels import seqpipe as _seqpipe
from dlnotes._threads import single_threaded_blas
from dlnotes.nn.activations import _tanh, sigmoid, softmax
from dlnotes.rnn._common import (SequenceCache, check_cell_cache, check_sequence, check_state,
                                 check_step, forward_threads, get_params, output_spec,
                                 pack_sequence, pipeline_chunk, pipelined, pooled_buffers,
                                 run_loop, sequence_backward, softmax_outputs, unpack_states)

__all__ = ["lstm_cell_forward", "lstm_cell_backward", "lstm_forward", "lstm_backward"]

GATES = ("i", "f", "c", "o")  # kernel order (PyTorch's i, f, g, o)


def _params(parameters, n_a, n_x, dtype):
    spec = {}
    for k in GATES:
        spec["W" + k] = ((n_a, n_a + n_x), ("n_a", "n_a+n_x"))
        spec["b" + k] = ((n_a, 1), ("n_a", "1"))
    spec.update(output_spec(parameters, "Wy", "by", n_a))
    P = get_params(parameters, spec, dtype)
    P.setdefault("Wy", None)
    P.setdefault("by", None)
    return P


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    r"""One LSTM step.

    .. math::

        \Gamma_k &= \sigma(W_k [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_k)
            \;(k = f, i, o), \quad
        \tilde c^{\langle t \rangle} = \tanh(W_c [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_c) \\
        c^{\langle t \rangle} &= \Gamma_f \odot c^{\langle t-1 \rangle}
            + \Gamma_i \odot \tilde c^{\langle t \rangle}, \quad
        a^{\langle t \rangle} = \Gamma_o \odot \tanh(c^{\langle t \rangle}), \quad
        \hat y^{\langle t \rangle} = \operatorname{softmax}(W_y a^{\langle t \rangle} + b_y)

    Parameters
    ----------
    xt : ndarray, shape (n_x, m)
    a_prev, c_prev : ndarray, shape (n_a, m)
    parameters : dict
        ``Wf, Wi, Wc, Wo (n_a, n_a+n_x)``, ``bf, bi, bc, bo (n_a, 1)``;
        optionally ``Wy (n_y, n_a)``, ``by (n_y, 1)``.

    Returns
    -------
    a_next, c_next : ndarray, shape (n_a, m)
    yt_pred : ndarray, shape (n_y, m), or None without ``Wy``
    cache : tuple
        ``(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)``
        as in the course, for :func:`lstm_cell_backward`.
    """
    xt = check_step(xt)
    n_x, m = xt.shape
    a_prev = check_state(a_prev, "a_prev", m, xt.dtype)
    n_a = a_prev.shape[0]
    c_prev = check_state(c_prev, "c_prev", m, xt.dtype, n_a)
    P = _params(parameters, n_a, n_x, xt.dtype)
    concat = np.concatenate([a_prev, xt], axis=0)
    ft = sigmoid(P["Wf"] @ concat + P["bf"])
    it = sigmoid(P["Wi"] @ concat + P["bi"])
    cct = _tanh(P["Wc"] @ concat + P["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(P["Wo"] @ concat + P["bo"])
    a_next = ot * _tanh(c_next)
    yt_pred = None if P["Wy"] is None else softmax(P["Wy"] @ a_next + P["by"], axis=0)
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, P)


def lstm_cell_backward(da_next, dc_next, cache):
    r"""Backward pass of one LSTM step (canonical form; errata E7).

    .. math::

        dc &= dc_{next} + da_{next} \odot \Gamma_o \odot (1 - \tanh^2 c_{next}) \\
        d\gamma_o &= da_{next} \odot \tanh(c_{next}) \odot \Gamma_o (1 - \Gamma_o), \quad
        d\gamma_i = dc \odot \tilde c \odot \Gamma_i (1 - \Gamma_i) \\
        d\gamma_f &= dc \odot c_{prev} \odot \Gamma_f (1 - \Gamma_f), \quad
        d\gamma_c = dc \odot \Gamma_i \odot (1 - \tilde c^2) \\
        dW_k &= d\gamma_k [a_{prev}; x_t]^T, \quad db_k = \textstyle\sum_{\text{batch}} d\gamma_k \\
        da_{prev} &= \textstyle\sum_k W_k[:, {:}n_a]^T d\gamma_k, \quad
        dx_t = \textstyle\sum_k W_k[:, n_a{:}]^T d\gamma_k, \quad
        dc_{prev} = dc \odot \Gamma_f

    Parameters
    ----------
    da_next : ndarray, shape (n_a, m)
        Total gradient arriving at :math:`a^{\langle t \rangle}`.
    dc_next : ndarray, shape (n_a, m)
        Gradient arriving at the cell state :math:`c^{\langle t \rangle}` from the next step.
    cache : tuple
        What :func:`lstm_cell_forward` returned with the states.

    Returns
    -------
    gradients : dict
        ``dxt, da_prev, dc_prev, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo``.
    """
    fields = ("a_next", "c_next", "a_prev", "c_prev", "ft", "it", "cct", "ot", "xt",
              "parameters")
    c = check_cell_cache(cache, fields, "lstm_cell_forward",
                         {"W" + k: ("n_a", "n_a + n_x") for k in GATES})
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, P = (c[f] for f in fields)
    n_a, m = a_next.shape
    da_next = check_state(da_next, "da_next", m, a_next.dtype, n_a)
    dc_next = check_state(dc_next, "dc_next", m, a_next.dtype, n_a)
    tc = _tanh(c_next)
    dc = dc_next + da_next * ot * (1 - tc * tc)
    d = {"o": da_next * tc * ot * (1 - ot), "i": dc * cct * it * (1 - it),
         "f": dc * c_prev * ft * (1 - ft), "c": dc * it * (1 - cct * cct)}
    concat = np.concatenate([a_prev, xt], axis=0)
    g = {"dxt": 0, "da_prev": 0}
    for k in GATES:
        W = P["W" + k]
        g["da_prev"] = g["da_prev"] + W[:, :n_a].T @ d[k]
        g["dxt"] = g["dxt"] + W[:, n_a:].T @ d[k]
        g["dW" + k] = d[k] @ concat.T
        g["db" + k] = d[k].sum(axis=1, keepdims=True)
    g["dc_prev"] = dc * ft
    return g


def lstm_forward(x, a0, parameters, c0=None):
    r"""The LSTM over a whole sequence (compiled time loop).

    .. math::

        (a^{\langle t \rangle}, c^{\langle t \rangle}) =
        \operatorname{LSTMcell}(x^{\langle t \rangle}, a^{\langle t-1 \rangle},
        c^{\langle t-1 \rangle}), \quad t = 1..T_x

    (equations of :func:`lstm_cell_forward`).

    Each step multiplies the row :math:`[a^{\langle t-1 \rangle}; x^{\langle t \rangle}]`
    by the four gates' weights, packed once per sequence, on top of the biases, and
    computes gates, cell and state in one fused pass.  With two threads and at least 16
    examples per thread, each thread runs every step on its own block of examples (no
    synchronisation inside the loop); with fewer examples, the loop runs on one core while
    the other transposes the states to the course's layout.

    Parameters
    ----------
    x : ndarray, shape (n_x, m, T_x)
    a0 : ndarray, shape (n_a, m)
    parameters : dict
        As for :func:`lstm_cell_forward`; ``Wy``/``by`` optional.
    c0 : ndarray, shape (n_a, m), optional
        Initial cell state (zeros, as in the course, when omitted).

    Returns
    -------
    a : ndarray, shape (n_a, m, T_x)
    y : ndarray, shape (n_y, m, T_x), or None without ``Wy``
    c : ndarray, shape (n_a, m, T_x)
    caches : tuple for :func:`lstm_backward`
    """
    x = check_sequence(x)
    n_x, m, _ = x.shape
    a0 = check_state(a0, "a0", m, x.dtype)
    n_a = a0.shape[0]
    c0 = (np.zeros((n_a, m), x.dtype) if c0 is None
          else check_state(c0, "c0", m, x.dtype, n_a))
    return _lstm_forward(x, a0, c0, _params(parameters, n_a, n_x, x.dtype))


@pooled_buffers
def _lstm_forward(x, a0, c0, P):
    """:func:`lstm_forward` without the checks, for callers that made them once (the layers):
    ``x (n_x, m, T_x)``, ``a0`` and ``c0 (n_a, m)`` non-empty, ``P`` arrays of their dtype
    and shapes."""
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    W = np.concatenate([P["W" + k] for k in GATES], axis=0)
    b = np.concatenate([P["b" + k] for k in GATES], axis=0)
    HX, Z = pack_sequence(x, a0, W, b, project=False)  # the loop projects x<t> itself
    C = np.empty((T + 1, m, n_a), dtype=x.dtype)
    C[0] = c0.T
    TC = np.empty((T, m, n_a), dtype=x.dtype)
    a = np.empty((n_a, m, T), dtype=x.dtype)
    c = np.empty((n_a, m, T), dtype=x.dtype)
    n_threads = forward_threads(m, T, 4 * n_a, n_a)
    if n_threads == 1 and pipelined(m, T, 4 * n_a, n_a):  # states transposed on core 2
        _seqpipe.lstm_forward_overlapped(W, b.reshape(-1), Z, HX, C, TC, a, c,
                                         pipeline_chunk(T))
    else:  # each thread its block of examples, all steps, then its states transposed
        _k.lstm_forward_loop(W, b.reshape(-1), Z, HX, C, TC, a, c, n_threads=n_threads)
    y = softmax_outputs(P.get("Wy"), P.get("by"), a)
    cache = SequenceCache("lstm", W=W, HX=HX, Z=Z, C=C, TC=TC, n_a=n_a, n_x=n_x, m=m, T=T,
                          parameters=P)
    return a, y, c, (cache, x)


def lstm_backward(da, caches, dc=None):
    r"""Backpropagation through time for :func:`lstm_forward` (canonical; errata E7).

    .. math::

        da_{next}(t) = da(t) + da_{prev}(t+1), \quad dc_{next}(t) = dc_{prev}(t+1), \quad
        dW_k = \sum_t d\gamma_k^{\langle t \rangle}
        [a^{\langle t-1 \rangle}; x^{\langle t \rangle}]^T

    Going backwards, :math:`da_{next}(t) = da(t) + da_{prev}(t+1)` and
    :math:`dc_{next}(t) = dc_{prev}(t+1)`; each step applies
    :func:`lstm_cell_backward` and the parameter gradients are summed over t
    (one GEMM after the loop: :math:`[dW_i; dW_f; dW_c; dW_o] =
    \sum_t d\gamma^{\langle t \rangle} [a^{\langle t-1 \rangle}; x^{\langle t \rangle}]^T`;
    with two threads, computed chunk by chunk on the second core while the loop runs).

    Parameters
    ----------
    da : ndarray, shape (n_a, m, T_x)
        Gradient of the cost with respect to each hidden state, from the outputs.
    caches : tuple from :func:`lstm_forward`
    dc : ndarray, shape (n_a, m), optional
        Gradient with respect to the last cell state :math:`c^{\langle T_x \rangle}`
        (zero when omitted, as in the course).

    Returns
    -------
    gradients : dict
        ``dx (n_x, m, T_x)``, ``da0 (n_a, m)``, ``dc0 (n_a, m)``,
        ``dWf, dWi, dWc, dWo (n_a, n_a+n_x)``, ``dbf, dbi, dbc, dbo (n_a, 1)``.
    """
    return _lstm_backward.checked(da, caches, dc=dc)


@sequence_backward("lstm", "lstm_forward")
def _lstm_backward(dH, c, dc=None):
    """The time loop and weight gradients of :func:`lstm_backward`; ``dc (n_a, m)`` or None
    (entries: :class:`~dlnotes.rnn._common.SequenceBackward`)."""
    n_a, n_x, m, T = c.n_a, c.n_x, c.m, c.T
    dtype = c.W.dtype
    if dc is None:
        dcarry = np.zeros((m, n_a), dtype)
    else:
        dcarry = np.array(dc.T, order="C", copy=True)
    dZ = np.empty((T, m, 4 * n_a), dtype)
    da0 = np.empty((m, n_a), dtype)
    if pipelined(m, T, 4 * n_a, n_a):  # loop on one core, dW and dx on the other
        dW = np.empty((4 * n_a, n_a + n_x), dtype)
        dx = np.empty((n_x, m, T), dtype)
        S = pipeline_chunk(T)
        dbp = np.empty((-(-T // S), 4 * n_a))
        with single_threaded_blas():  # its BLAS calls run inside the two-thread region
            _seqpipe.lstm_backward_pipelined(c.W, dH, c.Z, c.C, c.TC, c.HX, dZ, dcarry, da0,
                                             dW, np.empty((T, m, n_x), dtype), dx, dbp, S)
        db = dbp.sum(axis=0).astype(dtype)
    else:
        run_loop(_k.lstm_backward_loop, c.W, dH, c.Z, c.C, c.TC, dZ, dcarry, da0,
                 size=(m, T, 4 * n_a, n_a))
        dZ2 = dZ.reshape(T * m, 4 * n_a)
        dW = dZ2.T @ c.HX[:T].reshape(T * m, n_a + n_x)
        db = dZ2.sum(axis=0)
        dx = unpack_states((dZ2 @ c.W[:, n_a:]).reshape(T, m, n_x))
    g = {"dx": dx, "da0": np.ascontiguousarray(da0.T),
         "dc0": np.ascontiguousarray(dcarry.T)}
    for j, k in enumerate(GATES):
        g["dW" + k] = np.ascontiguousarray(dW[j * n_a:(j + 1) * n_a])
        g["db" + k] = db[j * n_a:(j + 1) * n_a].reshape(n_a, 1).copy()
    return g
