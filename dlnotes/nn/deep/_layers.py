r"""The layer-by-layer forward and backward passes of :mod:`dlnotes.nn.deep` (with the
course's caches) and the L-layer chain through them."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import (as_rng, check_choice, check_float_array, check_labels,
                                 check_params, check_scalar)
from dlnotes.nn.activations import ACTIVATIONS
from dlnotes.nn.regularization import dropout_backward, dropout_forward

# Parameter descriptions shared by several docstrings (see dlnotes._docstrings).
_AL_Y = """
Parameters
----------
AL : ndarray, shape (n_L, m)
    The network's output :math:`A^{[L]}`: probabilities in (0, 1) (sigmoid, ``n_L = 1``) or
    columns of class probabilities (softmax).
Y : array_like, shape (n_L, m)
    The labels: 0/1 (sigmoid) or one-hot columns (softmax).
"""

HIDDEN = ("relu", "tanh", "sigmoid", "leaky_relu")
OUTPUT = ("sigmoid", "softmax")


class LayerCache(NamedTuple):
    """What one layer's forward pass keeps for the backward pass.

    ``linear_cache`` is ``(A_prev, W, b)``, ``activation_cache`` is ``Z``
    (the course's pair), plus the activation's name and the dropout mask
    applied to this layer's output (``None`` without dropout).

    Parameters
    ----------
    linear_cache : tuple
        ``(A_prev, W, b)``.
    activation_cache : ndarray, shape (n_l, m)
        ``Z``, the pre-activation.
    activation : str, default "relu"
        Name of the layer's activation.
    dropout_mask : ndarray of bool, shape (n_l, m), optional
        The dropout mask applied to the layer's output (``None`` without dropout).
    """

    linear_cache: tuple
    activation_cache: np.ndarray
    activation: str = "relu"
    dropout_mask: np.ndarray | None = None


def n_layers(parameters):
    """Number of layers ``L`` of a parameter dict ``{W1, b1, ..., WL, bL}``."""
    check_params(parameters)
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    if L == 0 or any(f"b{l}" not in parameters for l in range(1, L + 1)):
        raise ValueError("parameters must hold W1, b1, ..., WL, bL")
    return L


def linear_forward(A, W, b):
    r"""Linear part of a layer's forward pass.

    .. math::

        Z = W A + b

    Parameters
    ----------
    A : ndarray of float32 or float64, shape (n_{l-1}, m)
        Activations of the previous layer (examples in columns).
    W : ndarray, shape (n_l, n_{l-1})
        Weights, of ``A``'s dtype.
    b : ndarray, shape (n_l, 1)
        Biases, of ``A``'s dtype.

    Returns
    -------
    Z : ndarray, shape (n_l, m)
    cache : tuple ``(A, W, b)``
    """
    A = check_float_array(A, "A", ndim=2, shape_names=("n_prev", "m"))
    W = check_float_array(W, "W", ndim=2, shape=(None, A.shape[0]),
                          shape_names=("n_l", "n_prev"), dtype=A.dtype)
    b = check_float_array(b, "b", ndim=2, shape=(W.shape[0], 1), shape_names=("n_l", "1"),
                          dtype=A.dtype)
    return W @ A + b, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    r"""One layer's forward pass: LINEAR then ACTIVATION.

    .. math::

        Z = W A_{prev} + b, \qquad A = g(Z)

    Parameters
    ----------
    A_prev : ndarray of float32 or float64, shape (n_{l-1}, m)
        Activations of the previous layer.
    W : ndarray, shape (n_l, n_{l-1})
        Weights.
    b : ndarray, shape (n_l, 1)
        Biases.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "softmax", "linear"}
        The layer's activation :math:`g`.

    Returns
    -------
    A : ndarray, shape (n_l, m)
        The layer's activations :math:`g(Z)`.
    cache : tuple
        ``(linear_cache, activation_cache)`` = ``((A_prev, W, b), Z)``, for the backward pass.
    """
    check_choice(activation, "activation", HIDDEN + ("softmax", "linear"))
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = ACTIVATIONS[activation][0](Z)
    return A, (linear_cache, Z)


def _check_network(X, parameters):
    L = n_layers(parameters)
    X = check_float_array(X, "X", ndim=2, shape_names=("n_x", "m"))
    n_prev = X.shape[0]
    for l in range(1, L + 1):
        W = check_float_array(parameters[f"W{l}"], f"W{l}", ndim=2, dtype=X.dtype)
        if W.shape[1] != n_prev:
            prev = "n_x" if l == 1 else f"n_{l - 1}"
            raise ValueError(f"W{l} must have shape (n_{l}, {prev}={n_prev}), got {W.shape}"
                             + (" (is X transposed? X must be (n_x, m))" if l == 1 else ""))
        check_float_array(parameters[f"b{l}"], f"b{l}", ndim=2, shape=(W.shape[0], 1),
                          shape_names=(f"n_{l}", "1"))
        n_prev = W.shape[0]
    return X, L


def L_model_forward(X, parameters, hidden_activation="relu", output_activation="sigmoid",
                    keep_prob=1.0, rng=None):
    r"""Forward pass of the L-layer network: [LINEAR -> g]^(L-1) -> LINEAR -> output.

    .. math::

        A^{[l]} = g(W^{[l]}A^{[l-1]} + b^{[l]}), \quad l < L; \qquad
        A^{[L]} = \sigma\big(Z^{[L]}\big) \text{ or } \operatorname{softmax}\big(Z^{[L]}\big)

    With ``keep_prob < 1``, inverted dropout is applied to every hidden
    layer's output (training only; pass ``keep_prob=1`` at test time).

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict ``W1, b1, ..., WL, bL``
    hidden_activation : {"relu", "tanh", "sigmoid", "leaky_relu"}
    output_activation : {"sigmoid", "softmax"}
    keep_prob : float in (0, 1]
    rng : numpy.random.Generator, optional
        Source of the dropout masks.

    Returns
    -------
    AL : ndarray, shape (n_L, m)
    caches : list of :class:`LayerCache`, one per layer
    """
    check_choice(hidden_activation, "hidden_activation", HIDDEN)
    check_choice(output_activation, "output_activation", OUTPUT)
    keep_prob = check_scalar(keep_prob, "keep_prob", low=0.0, high=1.0, low_inclusive=False)
    X, L = _check_network(X, parameters)
    if keep_prob < 1.0:
        rng = as_rng(rng)
    caches = []
    A = X
    for l in range(1, L + 1):
        act = hidden_activation if l < L else output_activation
        W = np.asarray(parameters[f"W{l}"], dtype=X.dtype)
        b = np.asarray(parameters[f"b{l}"], dtype=X.dtype)
        A_prev = A
        Z = W @ A_prev + b
        A = ACTIVATIONS[act][0](Z)
        D = None
        if l < L and keep_prob < 1.0:
            A, D = dropout_forward(A, keep_prob, rng=rng)
        caches.append(LayerCache((A_prev, W, b), Z, act, D))
    return A, caches


def linear_backward(dZ, cache):
    r"""Backward pass of the linear part of a layer (course convention).

    .. math::

        dW = \frac{1}{m} dZ\, A_{prev}^T, \qquad
        db = \frac{1}{m}\sum_{i=1}^{m} dZ^{(i)}, \qquad
        dA_{prev} = W^T dZ

    Parameters
    ----------
    dZ : ndarray, shape (n_l, m)
        Gradient of the cost with respect to the layer's :math:`Z`.
    cache : tuple
        ``(A_prev, W, b)`` from :func:`linear_forward`.

    Returns
    -------
    dA_prev : ndarray, shape of ``A_prev``
    dW : ndarray, shape of ``W``
    db : ndarray, shape of ``b``
    """
    A_prev, W, b = cache
    dZ = check_float_array(dZ, "dZ", ndim=2, shape=(W.shape[0], A_prev.shape[1]),
                           shape_names=("n_l", "m"), dtype=A_prev.dtype)
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m
    db = dZ.sum(axis=1, keepdims=True) / m
    return W.T @ dZ, dW, db


def linear_activation_backward(dA, cache, activation):
    r"""Backward pass of one LINEAR -> ACTIVATION layer.

    .. math::

        dZ = dA \odot g'(Z)

    then :func:`linear_backward`.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
    cache : ``(linear_cache, activation_cache)`` or :class:`LayerCache`
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "softmax"}

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m)
        Gradient with respect to the previous layer's activations.
    dW : ndarray, shape of ``W``
    db : ndarray, shape of ``b``
    """
    check_choice(activation, "activation", HIDDEN + ("softmax", "linear"))
    linear_cache, Z = cache[0], cache[1]
    dZ = ACTIVATIONS[activation][1](dA, Z)
    return linear_backward(dZ, linear_cache)


@fill_doc(AL_Y=_AL_Y)
def L_model_backward(AL, Y, caches, lambd=0.0, keep_prob=1.0):
    r"""Backward pass of :func:`L_model_forward`, with optional L2 and dropout.

    .. math::

        dZ^{[L]} = A^{[L]} - Y, \qquad
        dW^{[l]} \mathrel{+}= \frac{\lambda}{m} W^{[l]} \text{ (L2)}, \qquad
        dA^{[l]} \leftarrow \frac{dA^{[l]} \odot D^{[l]}}{\text{keep\_prob}} \text{ (dropout)}

    :math:`dZ^{[L]} = A^{[L]} - Y` is what the course obtains by chaining
    :math:`dA^{[L]} = -(Y/A^{[L]} - (1-Y)/(1-A^{[L]}))` through the sigmoid
    (and the softmax Jacobian for the categorical case); it is computed
    directly here, which avoids dividing by a saturated :math:`A^{[L]}`.

    %(AL_Y)s
    caches : list
        One cache per layer, from :func:`L_model_forward`.
    lambd : float, default 0.0
        L2 strength :math:`\lambda` (0: no regularisation).
    keep_prob : float, default 1.0
        Dropout keep probability used in the forward pass (1: no dropout).

    Returns
    -------
    grads : dict with ``dA0 ... dA{L-1}``, ``dW1 ... dWL``, ``db1 ... dbL``
    """
    AL = check_float_array(AL, "AL", ndim=2)
    Y = check_labels(Y, "Y", shape=AL.shape, shape_names=("n_L", "m"), dtype=AL.dtype)
    lambd = check_scalar(lambd, "lambd", low=0.0)
    keep_prob = check_scalar(keep_prob, "keep_prob", low=0.0, high=1.0, low_inclusive=False)
    L = len(caches)
    if L == 0:
        raise ValueError("caches must hold one entry per layer, got none")
    m = AL.shape[1]
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        cache = caches[l - 1]
        if l < L:
            dA = grads[f"dA{l}"]
            if isinstance(cache, LayerCache) and cache.dropout_mask is not None:
                dA = dropout_backward(dA, cache.dropout_mask, keep_prob)
            act = cache.activation if isinstance(cache, LayerCache) else "relu"
            dZ = ACTIVATIONS[act][1](dA, cache[1])
        dA_prev, dW, db = linear_backward(dZ, cache[0])
        if lambd:
            dW = dW + (lambd / m) * cache[0][1]
        grads[f"dA{l - 1}"] = dA_prev
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = db
    return grads
