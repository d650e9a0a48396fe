r"""Gated recurrent unit (notes, "Gated Recurrent Unit"), both reset placements.

Canonical full GRU of the course (errata E1, E2), with :math:`a = c`:

.. math::

    \Gamma_u &= \sigma(W_u [c^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_u), \qquad
    \Gamma_r = \sigma(W_r [c^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_r) \\
    \tilde c^{\langle t \rangle} &= \tanh(W_c [\Gamma_r \odot c^{\langle t-1 \rangle};
        x^{\langle t \rangle}] + b_c)
        \qquad (\texttt{reset="before"}, \text{ course and Cho et al. 2014}) \\
    \tilde c^{\langle t \rangle} &= \tanh\big(W_c[:, n_a{:}]\, x^{\langle t \rangle} + b_c
        + \Gamma_r \odot (W_c[:, {:}n_a]\, c^{\langle t-1 \rangle} + b_{hc})\big)
        \qquad (\texttt{reset="after"}, \text{ PyTorch, cuDNN, Keras}) \\
    c^{\langle t \rangle} &= \Gamma_u \odot \tilde c^{\langle t \rangle}
        + (1 - \Gamma_u) \odot c^{\langle t-1 \rangle}, \qquad a^{\langle t \rangle} = c^{\langle t \rangle}

Update-gate sign convention: PyTorch, Keras and Cho et al. write
:math:`h = z \odot h_{prev} + (1 - z) \odot \tilde h`, so :math:`z = 1 - \Gamma_u`,
i.e. :math:`W_z = -W_u` and :math:`b_z = -b_u` exactly (:math:`\sigma(-s) = 1 - \sigma(s)`).

Parameters: ``Wu, Wr, Wc (n_a, n_a + n_x)`` acting on ``[c_prev; x_t]``,
``bu, br, bc (n_a, 1)``; for ``reset="after"`` also the optional ``bhc (n_a, 1)``,
the bias inside the reset product (PyTorch's ``b_hn``; zero when absent); for
the softmax output optionally ``Wy (n_y, n_a)``, ``by (n_y, 1)``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import recurrent as _k
from dlnotes._validation import check_choice, check_float_array
from dlnotes.nn.activations import _tanh, sigmoid, softmax
from dlnotes.rnn._common import (SequenceCache, check_cell_cache, check_sequence, check_state,
                                 check_step, get_params, output_spec, pack_sequence, pooled_buffers,
                                 run_loop, sequence_backward, softmax_outputs, unpack_states)

__all__ = ["gru_cell_forward", "gru_cell_backward", "gru_forward", "gru_backward"]

GATES = ("r", "u", "c")  # kernel order
RESETS = ("before", "after")


def _params(parameters, n_a, n_x, dtype, reset):
    spec = {}
    for k in GATES:
        spec["W" + k] = ((n_a, n_a + n_x), ("n_a", "n_a+n_x"))
        spec["b" + k] = ((n_a, 1), ("n_a", "1"))
    if reset == "after":
        spec["bhc"] = ((n_a, 1), ("n_a", "1"))
    spec.update(output_spec(parameters, "Wy", "by", n_a))
    P = get_params(parameters, spec, dtype, optional=("bhc",))
    if reset == "after" and P["bhc"] is None:
        P["bhc"] = np.zeros((n_a, 1), dtype)
    P.setdefault("Wy", None)
    P.setdefault("by", None)
    return P


def gru_cell_forward(xt, a_prev, parameters, reset="before"):
    r"""One GRU step.

    .. math::

        \Gamma_u &= \sigma(W_u [c^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_u), \quad
        \Gamma_r = \sigma(W_r [c^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_r) \\
        \tilde c &= \tanh(W_c [\Gamma_r \odot c^{\langle t-1 \rangle}; x^{\langle t \rangle}]
            + b_c) \quad \text{(reset before)} \\
        \tilde c &= \tanh\big(W_c[:, n_a{:}]\, x^{\langle t \rangle} + b_c
            + \Gamma_r \odot (W_c[:, {:}n_a]\, c^{\langle t-1 \rangle} + b_{hc})\big)
            \quad \text{(reset after)} \\
        c^{\langle t \rangle} &= \Gamma_u \odot \tilde c + (1 - \Gamma_u) \odot c^{\langle t-1 \rangle}

    Parameters
    ----------
    xt : ndarray, shape (n_x, m)
    a_prev : ndarray, shape (n_a, m)
        :math:`c^{\langle t-1 \rangle}` (the GRU's state is its memory cell).
    parameters : dict
        ``Wu, Wr, Wc (n_a, n_a+n_x)``, ``bu, br, bc (n_a, 1)``; ``bhc (n_a, 1)``
        optional for ``reset="after"``; ``Wy``, ``by`` optional.
    reset : {"before", "after"}
        Where the reset gate acts: on the state before the recurrent product
        (course, Cho et al. 2014) or on the product (PyTorch, cuDNN, Keras).

    Returns
    -------
    a_next : ndarray, shape (n_a, m)
    yt_pred : ndarray, shape (n_y, m), or None without ``Wy``
    cache : dict for :func:`gru_cell_backward`
    """
    check_choice(reset, "reset", RESETS)
    xt = check_step(xt)
    n_x, m = xt.shape
    a_prev = check_state(a_prev, "a_prev", m, xt.dtype)
    n_a = a_prev.shape[0]
    P = _params(parameters, n_a, n_x, xt.dtype, reset)
    concat = np.concatenate([a_prev, xt], axis=0)
    gu = sigmoid(P["Wu"] @ concat + P["bu"])
    gr = sigmoid(P["Wr"] @ concat + P["br"])
    Wc = P["Wc"]
    hn = None
    if reset == "before":
        cct = _tanh(Wc[:, :n_a] @ (gr * a_prev) + Wc[:, n_a:] @ xt + P["bc"])
    else:
        hn = Wc[:, :n_a] @ a_prev + P["bhc"]
        cct = _tanh(Wc[:, n_a:] @ xt + P["bc"] + gr * hn)
    a_next = gu * cct + (1 - gu) * a_prev
    yt_pred = None if P["Wy"] is None else softmax(P["Wy"] @ a_next + P["by"], axis=0)
    cache = {"reset": reset, "a_next": a_next, "a_prev": a_prev, "xt": xt, "gu": gu, "gr": gr,
             "cct": cct, "hn": hn, "parameters": P}
    return a_next, yt_pred, cache


def gru_cell_backward(da_next, cache):
    r"""Backward pass of one GRU step, for either reset placement.

    Reset before (errata §6.3), with :math:`rc = \Gamma_r \odot c_{prev}`:

    .. math::

        dz_c &= dc \odot \Gamma_u \odot (1 - \tilde c^2), \quad
        dz_u = dc \odot (\tilde c - c_{prev}) \odot \Gamma_u (1 - \Gamma_u) \\
        d\,rc &= W_c[:, {:}n_a]^T dz_c, \quad
        dz_r = d\,rc \odot c_{prev} \odot \Gamma_r (1 - \Gamma_r) \\
        dW_c &= dz_c [rc; x]^T, \quad dW_k = dz_k [c_{prev}; x]^T \;(k = u, r), \quad
        db_k = \textstyle\sum_{\text{batch}} dz_k \\
        dc_{prev} &= dc \odot (1 - \Gamma_u) + d\,rc \odot \Gamma_r
            + \textstyle\sum_{k=u,r} W_k[:, {:}n_a]^T dz_k, \quad
        dx = \textstyle\sum_{k=c,u,r} W_k[:, n_a{:}]^T dz_k

    Reset after, with :math:`h_n = W_c[:, {:}n_a] c_{prev} + b_{hc}`:
    :math:`dz_r = dz_c \odot h_n \odot \Gamma_r(1 - \Gamma_r)`,
    :math:`dh_n = dz_c \odot \Gamma_r`, :math:`dW_c[:, {:}n_a] = dh_n\, c_{prev}^T`,
    :math:`db_{hc} = \sum dh_n`, and :math:`W_c[:, {:}n_a]^T dh_n` joins
    :math:`dc_{prev}` (no :math:`d\,rc` term).

    Parameters
    ----------
    da_next : ndarray, shape (n_a, m)
        Total gradient at :math:`c^{\langle t \rangle}` (from the output and the next step).
    cache : tuple
        The forward step's cache (from :func:`gru_cell_forward`).

    Returns
    -------
    gradients : dict
        ``dxt, da_prev, dWu, dbu, dWr, dbr, dWc, dbc`` (and ``dbhc`` for
        ``reset="after"``).
    """
    c = check_cell_cache(cache, ("a_prev", "gu", "gr", "cct", "xt", "parameters"),
                         "gru_cell_forward", {w: ("n_a", "n_a + n_x") for w in ("Wu", "Wr", "Wc")},
                         as_dict=True)
    if cache.get("reset") not in ("before", "after"):
        raise ValueError("cache 'reset' must be 'before' or 'after' (the cache returned by "
                         "gru_cell_forward)")
    P = c["parameters"]
    a_prev, xt, gu, gr, cct = c["a_prev"], c["xt"], c["gu"], c["gr"], c["cct"]
    n_a, m = a_prev.shape
    dc = check_state(da_next, "da_next", m, a_prev.dtype, n_a)
    Wu, Wr, Wc = P["Wu"], P["Wr"], P["Wc"]
    dzc = dc * gu * (1 - cct * cct)
    dzu = dc * (cct - a_prev) * gu * (1 - gu)
    da_prev = dc * (1 - gu)
    if cache["reset"] == "before":
        drc = Wc[:, :n_a].T @ dzc
        dzr = drc * a_prev * gr * (1 - gr)
        da_prev = da_prev + drc * gr
        dWc = dzc @ np.concatenate([gr * a_prev, xt], axis=0).T
        extra = {}
    else:
        hn = check_float_array(cache.get("hn"), "cache 'hn'", ndim=2, shape=a_prev.shape,
                               shape_names=("n_a", "m"), dtype=a_prev.dtype)
        dzr = dzc * hn * gr * (1 - gr)
        dhn = dzc * gr
        da_prev = da_prev + Wc[:, :n_a].T @ dhn
        dWc = np.concatenate([dhn @ a_prev.T, dzc @ xt.T], axis=1)
        extra = {"dbhc": dhn.sum(axis=1, keepdims=True)}
    concat = np.concatenate([a_prev, xt], axis=0)
    da_prev = da_prev + Wu[:, :n_a].T @ dzu + Wr[:, :n_a].T @ dzr
    dxt = Wu[:, n_a:].T @ dzu + Wr[:, n_a:].T @ dzr + Wc[:, n_a:].T @ dzc
    g = {"dxt": dxt, "da_prev": da_prev,
         "dWu": dzu @ concat.T, "dbu": dzu.sum(axis=1, keepdims=True),
         "dWr": dzr @ concat.T, "dbr": dzr.sum(axis=1, keepdims=True),
         "dWc": dWc, "dbc": dzc.sum(axis=1, keepdims=True)}
    g.update(extra)
    return g


def gru_forward(x, a0, parameters, reset="before"):
    r"""The GRU over a whole sequence (compiled time loop), either reset placement.

    .. math::

        c^{\langle t \rangle} = \Gamma_u^{\langle t \rangle} \odot \tilde c^{\langle t \rangle}
        + (1 - \Gamma_u^{\langle t \rangle}) \odot c^{\langle t-1 \rangle},
        \quad t = 1..T_x, \qquad a^{\langle t \rangle} = c^{\langle t \rangle}

    with the gates and candidate of :func:`gru_cell_forward`.

    ``reset="after"`` projects each step's input inside the loop: one product of
    :math:`[c^{\langle t-1 \rangle}; x^{\langle t \rangle}]` for the gates r and u, one
    for each side of the candidate.  ``reset="before"`` projects all inputs with one GEMM
    before the loop and needs two recurrent products per step (the candidate's uses
    :math:`\Gamma_r \odot c^{\langle t-1 \rangle}`, known only after the gates).

    Parameters
    ----------
    x : ndarray, shape (n_x, m, T_x)
    a0 : ndarray, shape (n_a, m)
    parameters : dict
        As for :func:`gru_cell_forward`.
    reset : {"before", "after"}

    Returns
    -------
    a : ndarray, shape (n_a, m, T_x)
    y_pred : ndarray, shape (n_y, m, T_x), or None without ``Wy``
    caches : tuple for :func:`gru_backward`
    """
    check_choice(reset, "reset", RESETS)
    x = check_sequence(x)
    a0 = check_state(a0, "a0", x.shape[1], x.dtype)
    return _gru_forward(x, a0, _params(parameters, a0.shape[0], x.shape[0], x.dtype, reset), reset)


@pooled_buffers
def _gru_forward(x, a0, P, reset):
    """:func:`gru_forward` without the checks, for callers that made them once (the layers):
    ``x (n_x, m, T_x)`` and ``a0 (n_a, m)`` non-empty, ``P`` arrays of their dtype and shapes
    (``bhc`` required for ``reset="after"``)."""
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    W = np.concatenate([P["W" + k] for k in GATES], axis=0)
    b = np.concatenate([P["b" + k] for k in GATES], axis=0)
    HX, Z = pack_sequence(x, a0, W, b, project=reset != "after")
    extra = {}
    if reset == "after":  # the loop projects x<t> itself
        HN = np.empty((T, m, n_a), x.dtype)
        scratch = np.empty((m, 3 * n_a), x.dtype)
        bhc = np.ascontiguousarray(P["bhc"][:, 0])
        run_loop(_k.gru_after_forward_loop, W, b.reshape(-1), Z, HX, HN, bhc, scratch,
                 size=(m, T, 3 * n_a, n_a))
        extra["HN"] = HN
    else:
        RH = np.empty((T, m, n_a), x.dtype)
        run_loop(_k.gru_before_forward_loop, W, Z, HX, RH, size=(m, T, 3 * n_a, n_a))
        extra["RH"] = RH
    a = unpack_states(HX[1:, :, :n_a])
    y_pred = softmax_outputs(P.get("Wy"), P.get("by"), a)
    cache = SequenceCache("gru", reset=reset, W=W, HX=HX, Z=Z, n_a=n_a, n_x=n_x, m=m, T=T,
                          parameters=P, **extra)
    return a, y_pred, (cache, x)


def gru_backward(da, caches):
    r"""Backpropagation through time for :func:`gru_forward`.

    .. math::

        da_{next}(t) = da(t) + da_{prev}(t+1), \qquad
        dW_k = \sum_t dz_k^{\langle t \rangle} [c^{\langle t-1 \rangle}; x^{\langle t \rangle}]^T,
        \quad db_k = \sum_t \sum_{\text{batch}} dz_k^{\langle t \rangle}

    Each step applies :func:`gru_cell_backward` (for the cache's reset
    placement) to :math:`da_{next}(t)`; the parameter gradients are summed over
    t with GEMMs after the loop.

    Parameters
    ----------
    da : ndarray, shape (n_a, m, T_x)
        The cost's gradient with respect to every hidden state.
    caches : tuple
        What :func:`gru_forward` returned.

    Returns
    -------
    gradients : dict
        ``dx`` and ``da0`` as in :func:`dlnotes.rnn.basic.rnn_backward`, the
        weights ``dWu, dWr, dWc (n_a, n_a+n_x)``, the biases ``dbu, dbr, dbc (n_a, 1)``
        and, for ``reset="after"``, ``dbhc (n_a, 1)``.
    """
    return _gru_backward.checked(da, caches)


@sequence_backward("gru", "gru_forward")
def _gru_backward(dH, c):
    """The time loop and weight gradients of :func:`gru_backward`, for the cache's reset
    placement (entries: :class:`~dlnotes.rnn._common.SequenceBackward`)."""
    n_a, n_x, m, T = c.n_a, c.n_x, c.m, c.T
    dtype = c.W.dtype
    da0 = np.zeros((m, n_a), dtype)  # the kernels accumulate into it
    G = 3 * n_a
    g = {}
    if c.reset == "after":
        dZx = np.empty((T, m, G), dtype)
        dZh = np.empty((T, m, G), dtype)
        run_loop(_k.gru_after_backward_loop, c.W, dH, c.Z, c.HX, c.HN, dZx, dZh, da0,
                 size=(m, T, G, n_a))
        dZ2 = dZx.reshape(T * m, G)
        dZh2 = dZh.reshape(T * m, G)
        dW = np.empty((G, n_a + n_x), dtype)
        np.matmul(dZh2.T, c.HX[:T, :, :n_a].reshape(T * m, n_a), out=dW[:, :n_a])
        np.matmul(dZ2.T, c.HX[:T, :, n_a:].reshape(T * m, n_x), out=dW[:, n_a:])
        g["dbhc"] = dZh2[:, 2 * n_a:].sum(axis=0).reshape(n_a, 1)
    else:
        dZ = np.empty((T, m, G), dtype)
        drh = np.empty((m, n_a), dtype)
        run_loop(_k.gru_before_backward_loop, c.W, dH, c.Z, c.HX, dZ, drh, da0,
                 size=(m, T, G, n_a))
        dZ2 = dZ.reshape(T * m, G)
        dW = dZ2.T @ c.HX[:T].reshape(T * m, n_a + n_x)
        dW[2 * n_a:, :n_a] = dZ2[:, 2 * n_a:].T @ c.RH.reshape(T * m, n_a)
    db = dZ2.sum(axis=0)
    dx = (dZ2 @ c.W[:, n_a:]).reshape(T, m, n_x)
    g.update({"dx": unpack_states(dx), "da0": np.ascontiguousarray(da0.T)})
    for j, k in enumerate(GATES):
        g["dW" + k] = np.ascontiguousarray(dW[j * n_a:(j + 1) * n_a])
        g["db" + k] = db[j * n_a:(j + 1) * n_a].reshape(n_a, 1).copy()
    return g
