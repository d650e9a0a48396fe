r"""The update rules, once, shared by the optimizer objects
(:mod:`dlnotes.optim.optimizers`) and the course-compatible functions
(:mod:`dlnotes.optim.functional`).

The arithmetic runs in the compiled kernels of ``dlnotes._kernels.optim``:
one fused pass per parameter array, in place, no temporaries, GIL released,
OpenMP for large arrays.  These wrappers trust their inputs (same shape, same
float dtype; the public callers validate) and only make the flat 1-D views the
kernels need: a state array is always C-contiguous (the optimizer allocates
it); a non-contiguous parameter is updated through a contiguous copy that is
written back; a non-contiguous gradient is copied.

.. math::

    \text{SGD: } & W \leftarrow W - \alpha\, dW \\
    \text{Momentum: } & v \leftarrow \beta v + (1-\beta)\, dW,\quad W \leftarrow W - \alpha v \\
    \text{RMSprop: } & s \leftarrow \beta_2 s + (1-\beta_2)\, dW^2,\quad
        W \leftarrow W - \alpha\, dW / (\sqrt{s} + \epsilon)
        \quad(\text{or } / \sqrt{s + \epsilon}) \\
    \text{Adam: } & v \leftarrow \beta_1 v + (1-\beta_1) dW,\;
        s \leftarrow \beta_2 s + (1-\beta_2) dW^2,\;
        W \leftarrow W - \alpha\, \frac{v / (1-\beta_1^t)}{\sqrt{s/(1-\beta_2^t)} + \epsilon}
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import optim as _k


def _flat(a):
    """The flat 1-D view of a C-contiguous state array (never a copy: the kernel writes it)."""
    if not a.flags.c_contiguous:  # pragma: no cover - callers allocate C-ordered state
        raise ValueError("optimizer state arrays must be C-contiguous")
    return a.reshape(-1)


def _power(beta, t):
    r""":math:`\beta^t` for any integer ``t >= 0``, 0.0 once ``t`` exceeds the float range."""
    try:
        tf = float(t)
    except OverflowError:
        tf = float("inf")
    return float(beta) ** tf


def _run(kernel, p, g, *rest):
    """Call ``kernel(p_flat, g_flat, *rest)``; handles non-contiguous ``p`` and ``g``."""
    if p.size == 0:
        return
    g = np.ascontiguousarray(g, dtype=p.dtype)
    if p.flags.c_contiguous:
        kernel(_flat(p), _flat(g), *rest)
    else:
        work = np.ascontiguousarray(p)
        kernel(_flat(work), _flat(g), *rest)
        np.copyto(p, work)


def sgd_rule(p, g, lr):
    r""":math:`W \leftarrow W - \alpha\, dW`, in place."""
    _run(_k.sgd_step, p, g, float(lr))


def momentum_rule(p, g, v, lr, beta):
    r""":math:`v \leftarrow \beta v + (1-\beta)\, dW,\; W \leftarrow W - \alpha v`, in place."""
    _run(_k.momentum_step, p, g, _flat(v), float(lr), float(beta))


def rmsprop_rule(p, g, s, lr, beta2, eps, eps_inside=False):
    r""":math:`s \leftarrow \beta_2 s + (1-\beta_2)\, dW^2,\;
    W \leftarrow W - \alpha\, dW / (\sqrt{s} + \epsilon)`, in place
    (``eps_inside``: :math:`/\sqrt{s+\epsilon}`)."""
    _run(_k.rmsprop_step, p, g, _flat(s), float(lr), float(beta2), float(eps), bool(eps_inside))


def adam_rule(p, g, v, s, t, lr, beta1, beta2, eps):
    r"""Kingma & Ba (2015), Algorithm 1, step ``t >= 1``, in place."""
    bc1 = 1.0 - _power(beta1, t)
    bc2 = 1.0 - _power(beta2, t)
    _run(_k.adam_step, p, g, _flat(v), _flat(s), float(lr), float(beta1), float(beta2),
         float(eps), bc1, bc2)
    return bc1, bc2
