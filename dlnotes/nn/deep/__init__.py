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

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.nn.deep._layers import (_AL_Y, HIDDEN, OUTPUT, L_model_backward,  # noqa: F401
                                     L_model_forward, LayerCache, linear_activation_backward,
                                     linear_activation_forward, linear_backward,
                                     linear_forward, n_layers)
from dlnotes.nn.initializers import initialize_parameters
from dlnotes.nn.losses import binary_cross_entropy, categorical_cross_entropy
from dlnotes.nn.regularization import l2_regularization_cost

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_OUTPUT_ACTIVATION = """
output_activation : {"sigmoid", "softmax"}, default "sigmoid"
    The output layer's activation, which picks the binary or the categorical cross-entropy.
"""

__all__ = ["initialize_parameters_deep", "linear_forward", "linear_activation_forward",
           "L_model_forward", "compute_cost", "compute_cost_with_regularization",
           "linear_backward", "linear_activation_backward", "L_model_backward",
           "update_parameters", "predict", "L_layer_model", "LayerCache"]


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


@fill_doc(AL_Y=_AL_Y, OUTPUT_ACTIVATION=_OUTPUT_ACTIVATION)
def compute_cost(AL, Y, output_activation="sigmoid"):
    r"""Cross-entropy cost of the network's output.

    .. math::

        J = -\frac{1}{m}\sum_{i=1}^{m}\Big(y^{(i)}\log a^{[L](i)} + (1-y^{(i)})\log\big(1-a^{[L](i)}\big)\Big)
        \quad\text{(sigmoid)}, \qquad
        J = -\frac{1}{m}\sum_{i}\sum_j y_j^{(i)}\log a_j^{[L](i)} \quad\text{(softmax)}

    %(AL_Y)s
    %(OUTPUT_ACTIVATION)s

    Returns
    -------
    cost : float
        :math:`J`, the mean cross-entropy over the ``m`` examples.
    """
    check_choice(output_activation, "output_activation", OUTPUT)
    if output_activation == "sigmoid":
        return binary_cross_entropy(AL, Y)
    return categorical_cross_entropy(AL, Y)


@fill_doc(AL_Y=_AL_Y, OUTPUT_ACTIVATION=_OUTPUT_ACTIVATION)
def compute_cost_with_regularization(AL, Y, parameters, lambd, output_activation="sigmoid"):
    r"""Cross-entropy cost plus the L2 penalty.

    .. math::

        J_{\text{regularized}} = J
            + \frac{1}{m}\frac{\lambda}{2}\sum_l\sum_k\sum_j \big(W^{[l]}_{kj}\big)^2

    %(AL_Y)s
    parameters : dict
        ``W1, b1, ..., WL, bL``; the penalty sums the squares of the ``W``.
    lambd : float
        :math:`\lambda \ge 0`, the L2 strength (``lambda`` is a Python keyword).
    %(OUTPUT_ACTIVATION)s

    Returns
    -------
    cost : float
        :math:`J_{\text{regularized}}`.
    """
    AL = check_float_array(AL, "AL", ndim=2)
    return (compute_cost(AL, Y, output_activation)
            + l2_regularization_cost(parameters, lambd, AL.shape[1]))


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


@fill_doc(OUTPUT_ACTIVATION=_OUTPUT_ACTIVATION)
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
    %(OUTPUT_ACTIVATION)s

    Returns
    -------
    ndarray, shape (1, m): 0/1 labels (sigmoid) or class indices (softmax).
    """
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    return AL.argmax(axis=0).reshape(1, -1)


@fill_doc(OUTPUT_ACTIVATION=_OUTPUT_ACTIVATION)
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
    %(OUTPUT_ACTIVATION)s
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
