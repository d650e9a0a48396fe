r"""The deep L-layer dense network with the course's forward/backward-with-caches structure.

Forward, for :math:`l = 1, \dots, L`:

.. math::

    Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad A^{[l]} = g^{[l]}(Z^{[l]}), \qquad A^{[0]} = X

Backward, starting from :math:`dZ^{[L]} = A^{[L]} - Y` (sigmoid + binary
cross-entropy, or softmax + categorical cross-entropy):

.. math::

    dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}, \quad
    db^{[l]} = \frac{1}{m}\sum_{i=1}^{m} dZ^{[l](i)}, \quad
    dA^{[l-1]} = W^{[l]T} dZ^{[l]}, \quad
    dZ^{[l-1]} = dA^{[l-1]} \odot g^{[l-1]\prime}(Z^{[l-1]})

Gradient convention (the course's): ``dA`` and ``dZ`` here are per-example
derivatives (of :math:`m J`), and :func:`linear_backward` divides by
:math:`m`.  The layer objects of :mod:`dlnotes.layers` instead pass true
derivatives of :math:`J`; both give the same ``dW`` and ``db``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlnotes._validation import (as_rng, check_choice, check_float_array, check_labels,
                                 check_params, check_scalar)
from dlnotes.nn.activations import ACTIVATIONS
from dlnotes.nn.initializers import initialize_parameters
from dlnotes.nn.losses import binary_cross_entropy, categorical_cross_entropy
from dlnotes.nn.regularization import (dropout_backward, dropout_forward,
                                       l2_regularization_cost)

__all__ = ["initialize_parameters_deep", "linear_forward", "linear_activation_forward",
           "L_model_forward", "compute_cost", "compute_cost_with_regularization",
           "linear_backward", "linear_activation_backward", "L_model_backward",
           "update_parameters", "predict", "L_layer_model", "LayerCache"]

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


def initialize_parameters_deep(layer_dims, seed=None, init="he", dtype=np.float64, rng=None):
    r"""Initialise ``W1, b1, ..., WL, bL`` for layer sizes ``[n_x, n_1, ..., n_L]``.

    .. math::

        W^{[l]} \sim \mathcal{N}\!\left(0, \frac{2}{n^{[l-1]}}\right) \text{ (He, default)}, \qquad
        b^{[l]} = 0

    ``init`` selects ``"he"``, ``"xavier"``, ``"glorot"``, ``"random"``
    (:math:`0.01\,\mathcal{N}(0,1)`, the course's step-by-step version) or
    ``"zeros"``; see :func:`dlnotes.nn.initializers.initialize_weights`.

    Parameters
    ----------
    layer_dims : list of int
        Layer sizes ``[n_x, n_1, ..., n_L]``, each >= 1.
    seed : int, optional
        Seed of a new generator (ignored when ``rng`` is given).
    init : {"he", "xavier", "glorot", "random", "zeros"}, default "he"
        The weights' distribution.
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of the arrays.
    rng : numpy.random.Generator, optional
        Source of the random weights.

    Returns
    -------
    parameters : dict
        ``W1 ... WL`` of shape ``(n_l, n_{l-1})`` and ``b1 ... bL`` of shape ``(n_l, 1)``.
    """
    return initialize_parameters(layer_dims, init, rng=rng, seed=seed, dtype=dtype)


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


def compute_cost(AL, Y, output_activation="sigmoid"):
    r"""Cross-entropy cost of the network's output.

    .. math::

        J = -\frac{1}{m}\sum_{i=1}^{m}\Big(y^{(i)}\log a^{[L](i)} + (1-y^{(i)})\log\big(1-a^{[L](i)}\big)\Big)
        \quad\text{(sigmoid)}, \qquad
        J = -\frac{1}{m}\sum_{i}\sum_j y_j^{(i)}\log a_j^{[L](i)} \quad\text{(softmax)}

    Parameters
    ----------
    AL : ndarray, shape (n_L, m)
        The network's output :math:`A^{[L]}`: probabilities in (0, 1) (sigmoid, ``n_L = 1``) or
        columns of class probabilities (softmax).
    Y : array_like, shape (n_L, m)
        The labels: 0/1 (sigmoid) or one-hot columns (softmax).
    output_activation : {"sigmoid", "softmax"}, default "sigmoid"
        The output layer's activation, which picks the binary or the categorical cross-entropy.

    Returns
    -------
    cost : float
        :math:`J`, the mean cross-entropy over the ``m`` examples.
    """
    check_choice(output_activation, "output_activation", OUTPUT)
    if output_activation == "sigmoid":
        return binary_cross_entropy(AL, Y)
    return categorical_cross_entropy(AL, Y)


def compute_cost_with_regularization(AL, Y, parameters, lambd, output_activation="sigmoid"):
    r"""Cross-entropy cost plus the L2 penalty.

    .. math::

        J_{\text{regularized}} = J
            + \frac{1}{m}\frac{\lambda}{2}\sum_l\sum_k\sum_j \big(W^{[l]}_{kj}\big)^2

    Parameters
    ----------
    AL : ndarray, shape (n_L, m)
        The network's output :math:`A^{[L]}`: probabilities in (0, 1) (sigmoid, ``n_L = 1``) or
        columns of class probabilities (softmax).
    Y : array_like, shape (n_L, m)
        The labels: 0/1 (sigmoid) or one-hot columns (softmax).
    parameters : dict
        ``W1, b1, ..., WL, bL``; the penalty sums the squares of the ``W``.
    lambd : float
        :math:`\lambda \ge 0`, the L2 strength (``lambda`` is a Python keyword).
    output_activation : {"sigmoid", "softmax"}, default "sigmoid"
        The output layer's activation, which picks the binary or the categorical cross-entropy.

    Returns
    -------
    cost : float
        :math:`J_{\text{regularized}}`.
    """
    AL = check_float_array(AL, "AL", ndim=2)
    return (compute_cost(AL, Y, output_activation)
            + l2_regularization_cost(parameters, lambd, AL.shape[1]))


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

    Parameters
    ----------
    AL : ndarray, shape (n_L, m)
        The network's output :math:`A^{[L]}`: probabilities in (0, 1) (sigmoid, ``n_L = 1``) or
        columns of class probabilities (softmax).
    Y : array_like, shape (n_L, m)
        The labels: 0/1 (sigmoid) or one-hot columns (softmax).
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


def update_parameters(parameters, grads, learning_rate):
    r"""One step of gradient descent on every parameter.

    .. math::

        W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]}, \qquad
        b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]}

    Returns a new dict (the input is not modified).

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        ``dW1, db1, ..., dWL, dbL`` (from :func:`L_model_backward`), of the parameters' shapes.
    learning_rate : float
        :math:`\alpha > 0`.

    Returns
    -------
    parameters : dict
        The updated parameters (new arrays).
    """
    learning_rate = check_scalar(learning_rate, "learning_rate", low=0.0)
    L = n_layers(parameters)
    out = {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            g = grads.get(f"d{p}{l}")
            if g is None:
                raise KeyError(f"grads has no d{p}{l}")
            if np.shape(g) != np.shape(parameters[f"{p}{l}"]):
                raise ValueError(f"d{p}{l} must have the shape of {p}{l} "
                                 f"{np.shape(parameters[f'{p}{l}'])}, got {np.shape(g)}")
            out[f"{p}{l}"] = parameters[f"{p}{l}"] - learning_rate * g
    return out


def predict(X, parameters, hidden_activation="relu", output_activation="sigmoid"):
    r"""Class predictions of the network (no dropout).

    .. math::

        \hat y = \mathbb{1}\big[a^{[L]} > 0.5\big] \text{ (sigmoid)}, \qquad
        \hat y = \arg\max_j a^{[L]}_j \text{ (softmax)}

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        Inputs, examples in columns.
    parameters : dict
        ``W1, b1, ..., WL, bL`` of a trained network.
    hidden_activation : str, default "relu"
        Activation of the hidden layers.
    output_activation : {"sigmoid", "softmax"}, default "sigmoid"
        The output layer's activation, which picks the binary or the categorical cross-entropy.

    Returns
    -------
    ndarray, shape (1, m): 0/1 labels (sigmoid) or class indices (softmax).
    """
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    return AL.argmax(axis=0).reshape(1, -1)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False, hidden_activation="relu", output_activation="sigmoid",
                  lambd=0.0, keep_prob=1.0, init="he", seed=1, progress=False):
    r"""Train the L-layer network by batch gradient descent (course C1W4).

    .. math::

        \theta \leftarrow \theta - \alpha \nabla_\theta J(\theta)

    Parameters
    ----------
    X : ndarray of float32 or float64, shape (n_x, m)
        Training inputs, examples in columns.
    Y : array_like, shape (n_L, m)
        Training labels (0/1 for a sigmoid output, one-hot columns for softmax).
    layers_dims : list of int
        Layer sizes ``[n_x, n_1, ..., n_L]``.
    learning_rate : float, default 0.0075
        :math:`\alpha`.
    num_iterations : int, default 3000
        Number of gradient-descent steps (full batch).
    print_cost : bool, default False
        Print the cost every 100 iterations.
    hidden_activation : str, default "relu"
        Activation of the hidden layers.
    output_activation : {"sigmoid", "softmax"}, default "sigmoid"
        The output layer's activation, which picks the binary or the categorical cross-entropy.
    lambd : float, default 0.0
        L2 strength :math:`\lambda` (0: no regularisation).
    keep_prob : float, default 1.0
        Dropout keep probability of the hidden layers (1: no dropout).
    init : str, default "he"
        Weight initialisation (see :func:`initialize_parameters_deep`).
    seed : int, default 1
        Seeds the initialisation and the dropout masks.
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    parameters : dict
        The trained ``W1, b1, ..., WL, bL``.
    costs : list of float
        The cost every 100 iterations (and after the last one).
    """
    num_iterations = check_scalar(num_iterations, "num_iterations", low=0, integer=True)
    learning_rate = check_scalar(learning_rate, "learning_rate", low=0.0)
    X = check_float_array(X, "X", ndim=2, finite=True, shape_names=("n_x", "m"))
    rng = as_rng(seed=seed)
    parameters = initialize_parameters_deep(layers_dims, rng=rng, init=init, dtype=X.dtype)
    costs = []
    it = range(num_iterations)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        it = bar = tqdm(it, desc="training", unit="it")
    for i in it:
        AL, caches = L_model_forward(X, parameters, hidden_activation, output_activation,
                                     keep_prob=keep_prob, rng=rng)
        if i % 100 == 0 or i == num_iterations - 1:
            cost = (compute_cost_with_regularization(AL, Y, parameters, lambd, output_activation)
                    if lambd else compute_cost(AL, Y, output_activation))
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
            if bar is not None:
                bar.set_postfix(cost=f"{cost:.4f}")
        grads = L_model_backward(AL, Y, caches, lambd=lambd, keep_prob=keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs

