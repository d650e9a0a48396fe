r"""Losses and costs (notes, "Basic NN").

Costs are means over the ``m`` examples (columns).  Functions named
``*_with_logits`` take pre-activations and return ``(cost, dZ)`` where
``dZ`` is the true derivative :math:`\partial J/\partial Z` (it carries the
:math:`1/m` of the mean); this is the form the layers and the
:class:`~dlnotes.models.model.Model` use.  Probability-space losses clip their
input to :math:`[\epsilon, 1-\epsilon]` so that :math:`\log 0` never occurs.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_labels, check_scalar
from dlnotes.nn.activations import log_softmax, softmax

__all__ = ["binary_cross_entropy", "binary_cross_entropy_backward",
           "sigmoid_cross_entropy_with_logits", "categorical_cross_entropy",
           "softmax_cross_entropy_with_logits", "mean_squared_error", "YoloLoss", "LOSSES",
           "get_loss"]


def _prepare(A, Y, name="AL"):
    A = check_float_array(A, name, ndim=2, shape_names=("n_y", "m"))
    Y = check_labels(Y, "Y", dtype=A.dtype)
    if Y.ndim == 1 and A.shape[0] == 1:
        Y = Y.reshape(1, -1)
    if Y.shape != A.shape:
        raise ValueError(f"Y must have the shape of {name} (n_y, m) = {A.shape}, got {Y.shape}")
    if A.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one example (m >= 1), got shape {A.shape}")
    return A, Y


def binary_cross_entropy(AL, Y, epsilon=1e-12):
    r"""Cross-entropy cost of sigmoid outputs (the notes' logistic cost).

    .. math::

        J = -\frac{1}{m}\sum_{i=1}^{m}\Big(y^{(i)}\log a^{[L](i)}
            + (1-y^{(i)})\log\big(1-a^{[L](i)}\big)\Big)

    With several output rows (multi-label), the sum runs over rows too.

    Parameters
    ----------
    AL : ndarray, shape (n_y, m)
        Probabilities :math:`\hat y`.
    Y : array_like, shape (n_y, m)
        Labels in :math:`[0, 1]` (ints and bools are accepted).
    epsilon : float, default 1e-12
        ``AL`` is clipped to :math:`[\epsilon, 1-\epsilon]` before the log.

    Returns
    -------
    cost : float

    Examples
    --------
    >>> round(binary_cross_entropy(np.array([[0.8]]), np.array([[1]])), 12)
    0.223143551314
    """
    epsilon = check_scalar(epsilon, "epsilon", low=0.0, high=0.5, low_inclusive=False)
    AL, Y = _prepare(AL, Y)
    P = np.clip(AL, epsilon, 1 - epsilon)
    m = AL.shape[1]
    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log1p(-P)) / m)


def binary_cross_entropy_backward(AL, Y, epsilon=1e-12):
    r"""Derivative of :func:`binary_cross_entropy` with respect to ``AL``.

    .. math::

        \frac{\partial J}{\partial a^{[L](i)}}
        = \frac{1}{m}\left(-\frac{y^{(i)}}{a^{(i)}} + \frac{1-y^{(i)}}{1-a^{(i)}}\right)

    Parameters
    ----------
    AL : ndarray of float32 or float64, shape (1, m)
        Probabilities :math:`a^{[L]} = \sigma(z^{[L]})`.
    Y : array_like, shape (1, m)
        0/1 labels.
    epsilon : float, default 1e-12
        ``AL`` is clipped to :math:`[\varepsilon, 1-\varepsilon]` before dividing.

    Returns
    -------
    dAL : ndarray, shape and dtype of ``AL``
        :math:`\partial J / \partial a^{[L]}` (the :math:`1/m` of the mean included).
    """
    epsilon = check_scalar(epsilon, "epsilon", low=0.0, high=0.5, low_inclusive=False)
    AL, Y = _prepare(AL, Y)
    P = np.clip(AL, epsilon, 1 - epsilon)
    return (-(Y / P) + (1 - Y) / (1 - P)) / AL.shape[1]


def sigmoid_cross_entropy_with_logits(Z, Y):
    r"""Binary cross-entropy computed from logits, stably, with its gradient.

    .. math::

        J = \frac{1}{m}\sum_i \Big(\max(z_i, 0) - z_i y_i + \log\big(1 + e^{-|z_i|}\big)\Big),
        \qquad \frac{\partial J}{\partial Z} = \frac{\sigma(Z) - Y}{m}

    which equals :func:`binary_cross_entropy` of :math:`\sigma(Z)` without
    ever evaluating :math:`\log \sigma(z)` for large :math:`|z|`.

    Parameters
    ----------
    Z : ndarray of float32 or float64, shape (1, m)
        Logits of the positive class.
    Y : array_like, shape of ``Z``
        The labels: 0/1 for the binary loss, one-hot (or soft) columns for the categorical one.

    Returns
    -------
    cost : float
    dZ : ndarray, shape of ``Z``
    """
    from dlnotes.nn.activations import sigmoid

    Z, Y = _prepare(Z, Y, "Z")
    m = Z.shape[1]
    cost = float(np.sum(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))) / m)
    return cost, (sigmoid(Z) - Y) / m


def categorical_cross_entropy(AL, Y, epsilon=1e-12):
    r"""Cross-entropy of softmax probabilities against one-hot (or soft) labels.

    .. math::

        J = -\frac{1}{m}\sum_{i=1}^{m}\sum_{j=1}^{n_y} y^{(i)}_j \log \hat y^{(i)}_j

    Parameters
    ----------
    AL : ndarray, shape (n_y, m)
        Probabilities; each column sums to 1.
    Y : array_like, shape (n_y, m)
    epsilon : float
        Probabilities are clipped below at ``epsilon``.

    Returns
    -------
    cost : float
        :math:`J`, the mean over the ``m`` examples.
    """
    epsilon = check_scalar(epsilon, "epsilon", low=0.0, high=0.5, low_inclusive=False)
    AL, Y = _prepare(AL, Y)
    return float(-np.sum(Y * np.log(np.maximum(AL, epsilon))) / AL.shape[1])


def softmax_cross_entropy_with_logits(Z, Y):
    r"""Softmax plus categorical cross-entropy, from logits, with its gradient.

    .. math::

        J = -\frac{1}{m}\sum_{i}\sum_j y^{(i)}_j \log\operatorname{softmax}(z^{(i)})_j,
        \qquad \frac{\partial J}{\partial Z} = \frac{\hat Y - Y}{m}

    The log-probabilities come from :func:`~dlnotes.nn.activations.log_softmax`,
    so very confident wrong predictions give a large finite cost, not ``inf``.
    This is ``torch.nn.functional.cross_entropy`` in the column layout.

    Parameters
    ----------
    Z : ndarray of float32 or float64, shape (n_y, m)
        Logits, one example per column.
    Y : array_like, shape of ``Z``
        The labels: 0/1 for the binary loss, one-hot (or soft) columns for the categorical one.

    Returns
    -------
    cost : float
    dZ : ndarray, shape (n_y, m)
    """
    Z, Y = _prepare(Z, Y, "Z")
    m = Z.shape[1]
    cost = float(-np.sum(Y * log_softmax(Z, axis=0)) / m)
    return cost, (softmax(Z, axis=0) - Y) / m


def mean_squared_error(A, Y):
    r"""Half mean squared error over examples, with its gradient.

    .. math::

        J = \frac{1}{2m}\sum_{i}\lVert a^{(i)} - y^{(i)}\rVert^2,
        \qquad \frac{\partial J}{\partial A} = \frac{A - Y}{m}

    Parameters
    ----------
    A : ndarray of float32 or float64, shape (n_y, m)
        Predictions, one example per column.
    Y : array_like, shape of ``A``
        Targets.

    Returns
    -------
    cost : float
    dA : ndarray
    """
    A, Y = _prepare(A, Y, "A")
    m = A.shape[1]
    D = A - Y
    return float(np.sum(D * D) / (2 * m)), D / m


#: Name -> loss function returning ``(cost, dZ)`` from the last layer's output, or (for a
#: loss with hyperparameters, ``"yolo"``) the class whose instances are such functions.
LOSSES = {
    "softmax_cross_entropy": softmax_cross_entropy_with_logits,
    "sigmoid_cross_entropy": sigmoid_cross_entropy_with_logits,
    "mse": mean_squared_error,
}


class YoloLoss:
    r"""The YOLOv2 loss as a :class:`~dlnotes.models.Model` loss (``loss="yolo"``).

    Called as ``loss(Z, Y) -> (cost, dZ)`` like every entry of :data:`LOSSES`,
    on the network's flattened output ``Z`` of shape ``(S_H S_W A (5 + K), m)``
    (a :class:`~dlnotes.layers.Flatten` of the ``(m, S_H, S_W, A (5 + K))``
    feature map, C order) and targets ``Y`` of the same shape (the
    :func:`~dlnotes.vision.yolo.yolo_targets` of each image, flattened the same
    way).  The cost and gradient are :func:`dlnotes.vision.yolo.yolo_loss` on the
    ``(m, S_H S_W A, 5 + K)`` views of ``Z^T`` and ``Y^T``:

    .. math::

        J = \frac{1}{m}\sum_{\text{slots}} \Big[\lambda_{coord}\,\mathbb 1^{obj}
            \lVert \text{box} - \widehat{\text{box}}\rVert^2
            + \mathrm{BCE}_{obj} + \mathbb 1^{obj}\,\mathrm{CE}_{class}\Big],
        \qquad \frac{\partial J}{\partial Z} = \Big(\frac{\partial J}{\partial
        \text{feats}}\Big)^T

    Parameters
    ----------
    n_classes : int >= 1
        ``K``; the last axis of a slot has ``5 + K`` entries.
    lambda_coord, lambda_noobj : float >= 0
        The weights of the box terms and of the empty slots' objectness.
    """

    name = "yolo"

    def __init__(self, n_classes, lambda_coord=5.0, lambda_noobj=0.5):
        self.n_classes = check_scalar(n_classes, "n_classes", low=1, integer=True)
        self.lambda_coord = check_scalar(lambda_coord, "lambda_coord", low=0.0)
        self.lambda_noobj = check_scalar(lambda_noobj, "lambda_noobj", low=0.0)

    def get_config(self):
        """The constructor's arguments (saved with a model).

        Returns
        -------
        dict
            ``n_classes``, ``lambda_coord``, ``lambda_noobj``.
        """
        return {"n_classes": self.n_classes, "lambda_coord": self.lambda_coord,
                "lambda_noobj": self.lambda_noobj}

    def __call__(self, Z, Y):
        from dlnotes.vision.yolo import yolo_loss

        Z, Y = _prepare(Z, Y, "Z")
        D = 5 + self.n_classes
        if Z.shape[0] % D:
            raise ValueError(f"Z must have S_H S_W A (5 + K) = S_H S_W A * {D} rows, got "
                             f"{Z.shape[0]}")
        m = Z.shape[1]
        cost, d = yolo_loss(Z.T.reshape(m, -1, D), Y.T.reshape(m, -1, D), self.lambda_coord,
                            self.lambda_noobj)
        return cost, np.ascontiguousarray(d.reshape(m, -1).T)

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"YoloLoss({args})"


# A loss with hyperparameters: Model(loss=YoloLoss(4)), or the name and loss_config, resolve
# through get_loss.
LOSSES["yolo"] = YoloLoss


def get_loss(loss, config=None):
    """Resolve a loss: a name of :data:`LOSSES` or a loss object -> ``(name, fn, config)``.

    Parameters
    ----------
    loss : str or loss object
        A name (``"mse"``) or an instance of a class of :data:`LOSSES` (``YoloLoss(4)``).
    config : dict, optional
        The constructor's arguments of a loss class named by ``loss`` (as saved in a
        model file).

    Returns
    -------
    name : str
    fn : callable ``fn(Z, Y) -> (cost, dZ)``
    config : dict or None
        The loss object's :meth:`get_config`, ``None`` for a plain function.
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            opts = ", ".join(repr(c) for c in LOSSES)
            raise ValueError(f"loss must be one of {opts}, got {loss!r}")
        entry = LOSSES[loss]
        if not isinstance(entry, type):
            if config:
                raise ValueError(f"loss {loss!r} takes no options, got {config!r}")
            return loss, entry, None
        if config is None:
            raise ValueError(f"loss {loss!r} needs its options: pass an instance, e.g. "
                             f"{entry.__name__}(...), or loss_config")
        if not isinstance(config, dict):
            raise TypeError(f"the config of loss {loss!r} must be a dict, got {config!r}")
        loss = entry(**config)
    cls = LOSSES.get(getattr(loss, "name", None))
    if not isinstance(cls, type) or not isinstance(loss, cls):
        raise TypeError(f"loss must be a name of LOSSES or an instance of one of its loss "
                        f"classes, got {type(loss).__name__}")
    return loss.name, loss, loss.get_config()
