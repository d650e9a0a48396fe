r"""Logistic regression as the notes write it (course C1W2).

.. math::

    \hat y = \sigma(w^T x + b), \qquad
    L(\hat y, y) = -\big(y\log\hat y + (1-y)\log(1-\hat y)\big), \qquad
    J = \frac{1}{m}\sum_{i=1}^m L\big(\hat y^{(i)}, y^{(i)}\big)

Vectorised over the columns of ``X`` (shape ``(n_x, m)``):
:math:`A = \sigma(w^T X + b)`, :math:`dw = \frac{1}{m} X (A - Y)^T`,
:math:`db = \frac{1}{m}\sum_i (a^{(i)} - y^{(i)})`.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_labels, check_scalar
from dlnotes.nn.activations import sigmoid
from dlnotes.nn.losses import sigmoid_cross_entropy_with_logits

__all__ = ["initialize_with_zeros", "propagate", "optimize", "predict", "model"]


def initialize_with_zeros(dim, dtype=np.float64):
    r"""Zero weights and bias for logistic regression.

    .. math::

        w = 0 \in \mathbb{R}^{n_x \times 1}, \qquad b = 0

    (Zero initialisation is fine here: there is no hidden layer whose units
    a symmetric start would keep identical.)

    Parameters
    ----------
    dim : int
        :math:`n_x`, the number of features (>= 1).
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of ``w``.

    Returns
    -------
    w : ndarray, shape (dim, 1)
    b : float
    """
    dim = check_scalar(dim, "dim", low=1, integer=True)
    return np.zeros((dim, 1), dtype=dtype), 0.0


def _check_wbX(w, b, X):
    X = check_float_array(X, "X", ndim=2, shape_names=("n_x", "m"))
    w = check_float_array(w, "w", ndim=2, shape=(X.shape[0], 1), shape_names=("n_x", "1"),
                          dtype=X.dtype)
    b = check_scalar(float(np.asarray(b).reshape(-1)[0]) if np.ndim(b) else b, "b")
    return w, b, X


def propagate(w, b, X, Y):
    r"""Cost and gradients of logistic regression (forward and backward).

    .. math::

        A = \sigma(w^T X + b), \quad
        J = -\frac{1}{m}\sum_{i=1}^m \big(y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\big)

    .. math::

        \frac{\partial J}{\partial w_j} = \frac{1}{m}\sum_{i=1}^m x_j^{(i)}\big(a^{(i)}-y^{(i)}\big),
        \qquad dw = \frac{1}{m} X (A-Y)^T, \qquad db = \frac{1}{m}\sum_{i=1}^m \big(a^{(i)}-y^{(i)}\big)

    The notes' last line writes :math:`\frac{1}{m}\sum_i \partial L/\partial w_i`,
    reusing the example index as the weight index (erratum E12); the
    vectorised form above is the course's.  The cost is computed from the
    logits, so it stays finite for saturated predictions.

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
    b : float
    X : ndarray, shape (n_x, m)
    Y : array_like, shape (1, m), labels 0/1

    Returns
    -------
    grads : dict with ``"dw"`` (shape (n_x, 1)) and ``"db"`` (float)
    cost : float
    """
    w, b, X = _check_wbX(w, b, X)
    m = X.shape[1]
    Y = check_labels(Y, "Y", shape=(1, m), shape_names=("1", "m"), dtype=X.dtype)
    Z = w.T @ X + X.dtype.type(b)
    cost, dZ = sigmoid_cross_entropy_with_logits(Z, Y)   # dZ = (A - Y) / m
    grads = {"dw": X @ dZ.T, "db": float(np.sum(dZ))}
    return grads, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    r"""Gradient descent on :func:`propagate`.

    .. math::

        w \leftarrow w - \alpha\, dw, \qquad b \leftarrow b - \alpha\, db

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
        Initial weights.
    b : float
        Initial bias.
    X : ndarray of float32 or float64, shape (n_x, m)
        Inputs, examples in columns.
    Y : array_like, shape (1, m)
        0/1 labels.
    num_iterations : int, default 100
        Gradient-descent steps.
    learning_rate : float, default 0.009
        :math:`\alpha`.
    print_cost : bool, default False
        Print the cost every 100 iterations.

    Returns
    -------
    params : dict with ``"w"`` and ``"b"``
    grads : dict, the last gradients
    costs : list of float, the cost every 100 iterations (as in the course)
    """
    num_iterations = check_scalar(num_iterations, "num_iterations", low=0, integer=True)
    learning_rate = check_scalar(learning_rate, "learning_rate", low=0.0)
    w, b, X = _check_wbX(w, b, X)
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity: clean the training data first")
    w = w.copy()
    costs = []
    grads = {"dw": np.zeros_like(w), "db": 0.0}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


def predict(w, b, X, threshold=0.5):
    r"""Predicted labels of logistic regression, shape (1, m).

    .. math::

        \hat y^{(i)} = \mathbb{1}\big[\sigma(w^T x^{(i)} + b) > \text{threshold}\big]

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
        Weights.
    b : float
        Bias.
    X : ndarray of float32 or float64, shape (n_x, m)
        Inputs, examples in columns.
    threshold : float, default 0.5
        Probability above which the label is 1.

    Returns
    -------
    Y_prediction : ndarray, shape (1, m), dtype of ``X``
        0/1 labels.
    """
    threshold = check_scalar(threshold, "threshold", low=0.0, high=1.0)
    w, b, X = _check_wbX(w, b, X)
    return (sigmoid(w.T @ X + X.dtype.type(b)) > threshold).astype(X.dtype)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    r"""Train logistic regression by gradient descent and report accuracies.

    .. math::

        \text{accuracy} = 100 - 100\cdot\frac{1}{m}\sum_i \big|\hat y^{(i)} - y^{(i)}\big|

    Parameters
    ----------
    X_train : ndarray, shape (n_x, m_train)
        Training inputs, examples in columns.
    Y_train : array_like, shape (1, m_train)
        0/1 training labels.
    X_test : ndarray, shape (n_x, m_test)
        Test inputs.
    Y_test : array_like, shape (1, m_test)
        0/1 test labels.
    num_iterations : int, default 2000
        Gradient-descent steps.
    learning_rate : float, default 0.5
        :math:`\alpha`.
    print_cost : bool, default False
        Print the cost every 100 iterations.

    Returns
    -------
    d : dict
        ``costs``, ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``,
        ``learning_rate``, ``num_iterations``, ``train_accuracy``,
        ``test_accuracy`` (percent).
    """
    X_train = check_float_array(X_train, "X_train", ndim=2, shape_names=("n_x", "m_train"))
    X_test = check_float_array(X_test, "X_test", ndim=2, shape=(X_train.shape[0], None),
                               shape_names=("n_x", "m_test"))
    w, b = initialize_with_zeros(X_train.shape[0], dtype=X_train.dtype)
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate,
                                print_cost)
    w, b = params["w"], params["b"]
    Yp_test = predict(w, b, X_test)
    Yp_train = predict(w, b, X_train)
    Yt = check_labels(Y_test, "Y_test", shape=(1, X_test.shape[1]))
    Ytr = check_labels(Y_train, "Y_train", shape=(1, X_train.shape[1]))
    train_acc = 100 - 100 * float(np.mean(np.abs(Yp_train - Ytr)))
    test_acc = 100 - 100 * float(np.mean(np.abs(Yp_test - Yt)))
    if print_cost:
        print(f"train accuracy: {train_acc:.2f} %")
        print(f"test accuracy: {test_acc:.2f} %")
    return {"costs": costs, "Y_prediction_test": Yp_test, "Y_prediction_train": Yp_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations,
            "train_accuracy": train_acc, "test_accuracy": test_acc}
