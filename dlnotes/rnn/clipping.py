r"""Gradient clipping, against exploding gradients in recurrent nets.

By value (the course's ``clip``):

.. math::

    g \leftarrow \min(\max(g, -\text{maxValue}), \text{maxValue}) \quad \text{element-wise}

By global norm (Pascanu et al. 2013; ``torch.nn.utils.clip_grad_norm_``):

.. math::

    N = \sqrt{\textstyle\sum_k \lVert g_k \rVert_2^2}, \qquad
    g_k \leftarrow g_k \cdot \min\!\Big(1, \frac{\text{max\_norm}}{N}\Big)

Clipping by norm keeps the direction of the whole gradient; clipping by value
does not.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar

__all__ = ["clip", "clip_by_global_norm"]


def _grad_dict(gradients):
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict of arrays, got {type(gradients).__name__}")
    return {k: check_float_array(v, k) for k, v in gradients.items()}


def clip(gradients, maxValue, inplace=False):
    r"""Clip every gradient element-wise to :math:`[-\text{maxValue}, \text{maxValue}]`.

    .. math::

        g \leftarrow \min(\max(g, -\text{maxValue}), \text{maxValue})

    Parameters
    ----------
    gradients : dict of ndarray
        E.g. ``{"dWaa", "dWax", "dWya", "db", "dby"}`` as in the course.
    maxValue : float
        Positive bound.
    inplace : bool, default False
        Clip the caller's arrays in place (as the course's ``np.clip(..., out=)``
        does) instead of returning new ones.

    Returns
    -------
    gradients : dict of ndarray
        The clipped gradients (same keys).
    """
    maxValue = check_scalar(maxValue, "maxValue", low=0.0, low_inclusive=False)
    if inplace:
        if not isinstance(gradients, dict):
            raise TypeError(f"gradients must be a dict of arrays, got "
                            f"{type(gradients).__name__}")
        for k, v in gradients.items():
            if not (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
                raise TypeError(f"{k} must be a floating ndarray to be clipped in place")
            np.clip(v, -maxValue, maxValue, out=v)
        return gradients
    return {k: np.clip(v, -maxValue, maxValue) for k, v in _grad_dict(gradients).items()}


def clip_by_global_norm(gradients, max_norm):
    r"""Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    .. math::

        N = \sqrt{\textstyle\sum_k \lVert g_k \rVert_2^2}, \qquad
        g_k \leftarrow g_k \cdot \min\!\Big(1, \frac{\text{max\_norm}}{N}\Big)

    Parameters
    ----------
    gradients : dict of ndarray
    max_norm : float
        Positive bound on :math:`\sqrt{\sum_k \lVert g_k\rVert_2^2}`.

    Returns
    -------
    clipped : dict of ndarray
        New arrays; unchanged values when the norm is already within the bound.
    global_norm : float
        The norm before clipping.
    """
    max_norm = check_scalar(max_norm, "max_norm", low=0.0, low_inclusive=False)
    g = _grad_dict(gradients)
    norm = float(np.sqrt(sum(float(np.sum(np.square(v, dtype=np.float64))) for v in g.values())))
    if not np.isfinite(norm):
        raise ValueError("the gradients contain NaN or infinity; their norm is not finite")
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: (v * v.dtype.type(scale) if scale != 1.0 else v.copy()) for k, v in g.items()}, norm
