r"""Course-compatible update functions (notes, "Optimization"; course C2W2).

Parameters are the course's dicts ``{"W1": ..., "b1": ..., "W2": ...}``;
gradients are ``{"dW1": ..., "db1": ...}``; the velocities ``v`` and squared
averages ``s`` are keyed like the gradients (``"dW1"``).  Any parameter name
works: the gradient of ``"gamma1"`` is ``grads["dgamma1"]`` (or ``grads["gamma1"]``).

As in the course, every function stores **new** arrays into the dicts it is
given and returns them; the arrays the caller passed in are left untouched.
(The optimizer objects in :mod:`dlnotes.optim.optimizers` update in place.)
The arithmetic is the same code (``dlnotes/optim/_rules.py``).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_params, check_scalar, grad_key
from dlnotes.optim import _rules

__all__ = [
    "update_parameters_with_gd", "initialize_velocity", "update_parameters_with_momentum",
    "initialize_rmsprop", "update_parameters_with_rmsprop", "initialize_adam",
    "update_parameters_with_adam",
]


def _lr(learning_rate):
    return check_scalar(learning_rate, "learning_rate", low=0.0)


def _beta(value, name):
    return check_scalar(value, name, low=0.0, high=1.0, high_inclusive=False)


def _eps(value):
    return check_scalar(value, "epsilon", low=0.0, low_inclusive=False)


def _pairs(parameters, grads, states=()):
    """Validated ``(name, new_param_copy, grad, [state copies])`` for every parameter."""
    check_params(parameters)
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays, got {type(grads).__name__}")
    out = []
    for name, p in parameters.items():
        p = check_float_array(p, f"parameters[{name!r}]", copy=True)
        gkey = grad_key(grads, name)
        g = check_float_array(grads[gkey], f"grads[{gkey!r}]", shape=p.shape, dtype=p.dtype)
        st = []
        for sname, sdict in states:
            if not isinstance(sdict, dict) or "d" + name not in sdict:
                raise KeyError(f"{sname} has no entry 'd{name}'; initialise it with "
                               f"initialize_{'velocity' if sname == 'v' else 'adam'}")
            st.append(check_float_array(sdict["d" + name], f"{sname}['d{name}']",
                                        shape=p.shape, dtype=p.dtype, copy=True))
        out.append((name, p, g, st))
    return out


def update_parameters_with_gd(parameters, grads, learning_rate):
    r"""One step of (mini-batch) gradient descent.

    .. math::

        W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]}, \qquad
        b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}

    Parameters
    ----------
    parameters : dict
        ``"W1"``, ``"b1"``, ... arrays of any shape.
    grads : dict
        ``"dW1"``, ``"db1"``, ... with the shapes of the parameters.
    learning_rate : float, ``>= 0``

    Returns
    -------
    parameters : dict
        The same dict, holding new arrays.
    """
    lr = _lr(learning_rate)
    for name, p, g, _ in _pairs(parameters, grads):
        _rules.sgd_rule(p, g, lr)
        parameters[name] = p
    return parameters


def _zeros_like_params(parameters):
    check_params(parameters)
    return {"d" + k: np.zeros_like(check_float_array(p, f"parameters[{k!r}]"))
            for k, p in parameters.items()}


def initialize_velocity(parameters):
    r"""Zero velocities for momentum.

    .. math::

        v_{dW^{[l]}} = 0, \qquad v_{db^{[l]}} = 0

    Parameters
    ----------
    parameters : dict of arrays

    Returns
    -------
    v : dict
        ``v["dW1"]`` etc., zeros with the shapes (and dtypes) of the parameters.
    """
    return _zeros_like_params(parameters)


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    r"""One step of gradient descent with momentum (the notes' form).

    .. math::

        v_{dW^{[l]}} &\leftarrow \beta\, v_{dW^{[l]}} + (1-\beta)\, dW^{[l]} \\
        W^{[l]} &\leftarrow W^{[l]} - \alpha\, v_{dW^{[l]}}

    and the same for :math:`b^{[l]}`.

    Parameters
    ----------
    parameters, grads : dict
    v : dict
        From :func:`initialize_velocity`.
    beta : float in [0, 1)
        Momentum, typically 0.9 (range 0.8-0.999).
    learning_rate : float, ``>= 0``

    Returns
    -------
    parameters, v : dict
    """
    beta = _beta(beta, "beta")
    lr = _lr(learning_rate)
    for name, p, g, (vel,) in _pairs(parameters, grads, [("v", v)]):
        _rules.momentum_rule(p, g, vel, lr, beta)
        parameters[name] = p
        v["d" + name] = vel
    return parameters, v


def initialize_rmsprop(parameters):
    r"""Zero squared-gradient averages :math:`s_{dW^{[l]}} = 0,\ s_{db^{[l]}} = 0` for RMSprop.

    Parameters
    ----------
    parameters : dict of arrays
        As for :func:`initialize_velocity`, whose zeros (keyed ``"dW1"``,
        ``"db1"``, ...) this returns as ``s``.

    Returns
    -------
    s : dict of str -> ndarray
        Zero arrays ``"dW1"``, ``"db1"``, ... of the parameters' shapes and dtypes.
    """
    return _zeros_like_params(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, learning_rate, beta2=0.999,
                                   epsilon=1e-8, eps_inside=False):
    r"""One step of RMSprop.

    .. math::

        s_{dW^{[l]}} &\leftarrow \beta_2\, s_{dW^{[l]}} + (1-\beta_2)\, (dW^{[l]})^2 \\
        W^{[l]} &\leftarrow W^{[l]} - \alpha\, \frac{dW^{[l]}}{\sqrt{s_{dW^{[l]}}} + \epsilon}

    The notes write :math:`\sqrt{s + \epsilon}` (errata E9): that is TensorFlow's
    form, available with ``eps_inside=True``; the default is the course's and
    PyTorch's form above.

    Parameters
    ----------
    parameters, grads : dict
    s : dict
        From :func:`initialize_rmsprop`.
    learning_rate : float, ``>= 0``
    beta2 : float in [0, 1), default 0.999
    epsilon : float > 0, default 1e-8
    eps_inside : bool, default False

    Returns
    -------
    parameters, s : dict
    """
    lr = _lr(learning_rate)
    beta2 = _beta(beta2, "beta2")
    eps = _eps(epsilon)
    for name, p, g, (sq,) in _pairs(parameters, grads, [("s", s)]):
        _rules.rmsprop_rule(p, g, sq, lr, beta2, eps, bool(eps_inside))
        parameters[name] = p
        s["d" + name] = sq
    return parameters, s


def initialize_adam(parameters):
    r"""Zero first and second moments for Adam.

    .. math::

        v_{dW^{[l]}} = s_{dW^{[l]}} = 0, \qquad v_{db^{[l]}} = s_{db^{[l]}} = 0

    Parameters
    ----------
    parameters : dict of arrays

    Returns
    -------
    v, s : dict
        Keyed ``"dW1"``, ``"db1"``, ..., zeros shaped like the parameters.
    """
    return _zeros_like_params(parameters), _zeros_like_params(parameters)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    r"""One step of Adam (Kingma & Ba 2015, Algorithm 1; the notes' formulas).

    .. math::

        v_{dW} &\leftarrow \beta_1 v_{dW} + (1-\beta_1)\, dW, &
        v^{\text{corrected}}_{dW} &= \frac{v_{dW}}{1-\beta_1^{\,t}} \\
        s_{dW} &\leftarrow \beta_2 s_{dW} + (1-\beta_2)\, dW^{2}, &
        s^{\text{corrected}}_{dW} &= \frac{s_{dW}}{1-\beta_2^{\,t}} \\
        W &\leftarrow W - \alpha\,
             \frac{v^{\text{corrected}}_{dW}}{\sqrt{s^{\text{corrected}}_{dW}} + \epsilon}

    Parameters
    ----------
    parameters, grads : dict
    v, s : dict
        From :func:`initialize_adam`.
    t : int, ``>= 1``
        Adam's step counter: the caller increments it *before* the call, so the
        first update uses ``t=1``.
    learning_rate : float, default 0.01 (the course assignment's default)
    beta1 : float in [0, 1), default 0.9
    beta2 : float in [0, 1), default 0.999
    epsilon : float > 0, default 1e-8

    Returns
    -------
    parameters, v, s, v_corrected, s_corrected : dict
        As the course's current assignment returns them.
    """
    t = check_scalar(t, "t", low=1, integer=True)
    lr = _lr(learning_rate)
    beta1 = _beta(beta1, "beta1")
    beta2 = _beta(beta2, "beta2")
    eps = _eps(epsilon)
    v_corr, s_corr = {}, {}
    for name, p, g, (m1, m2) in _pairs(parameters, grads, [("v", v), ("s", s)]):
        bc1, bc2 = _rules.adam_rule(p, g, m1, m2, t, lr, beta1, beta2, eps)
        v_hat, s_hat = m1 / bc1, m2 / bc2
        parameters[name] = p
        v["d" + name], s["d" + name] = m1, m2
        v_corr["d" + name], s_corr["d" + name] = v_hat, s_hat
    return parameters, v, s, v_corr, s_corr
