r"""The update rules, once: in-place array arithmetic shared by the optimizer
objects (:mod:`dlnotes.optim.optimizers`) and the course-compatible functions
(:mod:`dlnotes.optim.functional`).

Every rule updates the parameter array ``p`` and its state arrays **in place**
and trusts its inputs (same shape, same floating dtype); validation happens in
the public callers.  Temporaries are limited to one scratch array per call.
"""
from __future__ import annotations

import numpy as np


def sgd_rule(p, g, lr):
    r""":math:`W \leftarrow W - \alpha\, dW`."""
    p -= lr * g


def momentum_rule(p, g, v, lr, beta):
    r""":math:`v \leftarrow \beta v + (1-\beta)\, dW,\quad W \leftarrow W - \alpha v`."""
    v *= beta
    v += (1.0 - beta) * g
    p -= lr * v


def rmsprop_rule(p, g, s, lr, beta2, eps, eps_inside=False):
    r""":math:`s \leftarrow \beta_2 s + (1-\beta_2)\, dW^2,\quad
    W \leftarrow W - \alpha\, dW / (\sqrt{s} + \epsilon)` (or
    :math:`/\sqrt{s + \epsilon}` with ``eps_inside``)."""
    s *= beta2
    s += (1.0 - beta2) * (g * g)
    if eps_inside:
        denom = s + eps
        np.sqrt(denom, out=denom)
    else:
        denom = np.sqrt(s)
        denom += eps
    p -= lr * (g / denom)


def adam_rule(p, g, v, s, t, lr, beta1, beta2, eps):
    r"""Kingma & Ba (2015), Algorithm 1, step ``t`` (``t >= 1``).

    Returns the bias-corrected moments :math:`(\hat v, \hat s)` (new arrays),
    which the course's ``update_parameters_with_adam`` also returns.
    """
    v *= beta1
    v += (1.0 - beta1) * g
    s *= beta2
    s += (1.0 - beta2) * (g * g)
    v_hat = v / (1.0 - beta1 ** t)
    s_hat = s / (1.0 - beta2 ** t)
    denom = np.sqrt(s_hat)
    denom += eps
    p -= lr * (v_hat / denom)
    return v_hat, s_hat
