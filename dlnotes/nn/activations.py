r"""Activation functions and their backward passes (notes, "Basic NN").

Element-wise activations run in the compiled kernels of
``dlnotes._kernels.activations`` (fused float32/float64, GIL released,
OpenMP for large arrays).  Softmax and log-softmax reduce along an axis and
are written with NumPy reductions.

Every ``*_backward(dA, Z)`` takes the upstream gradient :math:`dA` and the
pre-activation :math:`Z` (the course's ``activation_cache``) and returns
:math:`dZ = dA \odot g'(Z)`, with the shape of ``Z``.
"""
from __future__ import annotations

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._kernels import activations as _k
from dlnotes._validation import check_choice, check_float_array, check_scalar

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_DA = """
dA : ndarray, shape of ``Z``
    Gradient of the cost with respect to the activation's output :math:`A`.
"""
_Z = """
Z : ndarray of float32 or float64, any shape
    The pre-activation :math:`Z` (the course's ``activation_cache``).
"""
_Z_AXIS = """
Z : ndarray of float32 or float64, 1 to 4 dimensions
    The scores (logits), the pre-activation.
axis : int, default 0
    The axis that holds the classes (0: one example per column, the notes' layout).
"""
_DZ = """
dZ : ndarray, shape and dtype of ``Z``
    Gradient of the cost with respect to :math:`Z`.
"""
# the Parameters and Returns of an element-wise activation A = g(Z) (each adds its description)
_UNARY = "\n".join(["Parameters", "----------", _Z.strip(), "", "Returns", "-------",
                    "A : ndarray, same shape and dtype as ``Z``"])
_SOFTMAX_FORWARD = _UNARY.replace(_Z.strip(), _Z_AXIS.strip()).replace("same shape and dtype as",
                                                                      "shape and dtype of")
# the Parameters and Returns of a backward pass dZ = backward(dA, Z)
_BACKWARD = "\n".join(["Parameters", "----------", _DA.strip(), _Z.strip(), "",
                        "Returns", "-------", _DZ.strip()])
_SOFTMAX_BACKWARD = _BACKWARD.replace(_Z.strip(), _Z_AXIS.strip())

__all__ = [
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
    "leaky_relu", "leaky_relu_backward", "softmax", "softmax_backward", "log_softmax",
    "log_softmax_backward", "ACTIVATIONS", "activation_forward", "activation_backward",
]


def _unary(kernel, Z, name, *args):
    Z = check_float_array(Z, name)
    out = np.empty_like(Z)
    if Z.size:
        kernel(Z.reshape(-1), *args, out.reshape(-1))
    return out


def _pair(dA, Z):
    Z = check_float_array(Z, "Z")
    dA = check_float_array(dA, "dA", dtype=Z.dtype)
    if dA.shape != Z.shape:
        raise ValueError(f"dA must have the shape of Z {Z.shape}, got {dA.shape}")
    return dA, Z


def _from_output(kernel, forward, dA, Z):
    """Backward of an activation whose derivative is a function of its output ``forward(Z)``."""
    dA, Z = _pair(dA, Z)
    A = forward(Z)
    dZ = np.empty_like(Z)
    if Z.size:
        kernel(dA.reshape(-1), A.reshape(-1), dZ.reshape(-1))
    return dZ


def sigmoid(Z):
    r"""Logistic sigmoid, element-wise.

    .. math::

        \sigma(z) = \frac{1}{1 + e^{-z}}

    Computed as :math:`1/(1+e^{-z})` for :math:`z \ge 0` and
    :math:`e^{z}/(1+e^{z})` for :math:`z < 0`, so that ``exp`` never
    overflows: :math:`|z|` up to ``1e4`` and beyond gives 0 or 1 without a
    warning.

    Parameters
    ----------
    Z : ndarray of float32 or float64, any shape

    Returns
    -------
    A : ndarray, same shape and dtype as ``Z``

    Examples
    --------
    >>> float(sigmoid(np.array(2.0)))
    0.8807970779778823
    """
    return _unary(_k.sigmoid_forward, Z, "Z")


def sigmoid_backward(dA, Z):
    r"""Backward pass of :func:`sigmoid`.

    .. math::

        dZ = dA \odot \sigma(Z)\,(1 - \sigma(Z))

    Parameters
    ----------
    dA : ndarray, shape of ``Z``
        Gradient of the cost with respect to :math:`A = \sigma(Z)`.
    Z : ndarray
        The pre-activation (the course's ``activation_cache``).

    Returns
    -------
    dZ : ndarray, shape of ``Z``
    """
    return _from_output(_k.sigmoid_backward, sigmoid, dA, Z)


@fill_doc(UNARY=_UNARY)
def tanh(Z):
    r"""Hyperbolic tangent, element-wise.

    .. math::

        \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}

    The exponential ratio above overflows for :math:`|z| > 710`, so it is not
    used.  Both precisions run the compiled kernel with the package's one tanh
    per precision (``dl_vecmath.h``), the function the recurrent kernels and
    cells use too, so an LSTM and this function give the same bits: float32 is
    ``dl_tanhf`` (vectorised; odd Taylor series for :math:`|z| < 1/4`, else
    :math:`(1-e^{-2|z|})/(1+e^{-2|z|})`, about 3 ulp), float64 ``dl_tanhd``
    (vectorised too, within 0.62 ulp of the exact value, measured against mpmath: an odd
    polynomial for :math:`|z| < 3/8`, else :math:`1 - 2e/(1+e)` with :math:`e = e^{-2|z|}`
    carried beyond double precision, so the result is rounded once; exactly
    :math:`\pm 1` from :math:`|z| = 19.1`, and :math:`\tanh(-0) = -0`); large arrays
    are split across OpenMP threads.

    %(UNARY)s
        Values in :math:`(-1, 1)`.

    Examples
    --------
    >>> float(tanh(np.array(0.5)))
    0.46211715726000974
    """
    return _tanh(check_float_array(Z, "Z"))


def _tanh(Z):
    """:func:`tanh` without the checks, for callers that made them (the rnn cells,
    attention's scores): ``Z`` a float32 or float64 array."""
    if not Z.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        Z = np.ascontiguousarray(Z)
    out = np.empty_like(Z)
    if Z.size:
        _k.tanh_forward(Z.reshape(-1), out.reshape(-1))
    return out


@fill_doc(BACKWARD=_BACKWARD)
def tanh_backward(dA, Z):
    r"""Backward pass of :func:`tanh`.

    .. math::

        dZ = dA \odot (1 - \tanh^2 Z)

    %(BACKWARD)s
    """
    return _from_output(_k.tanh_backward, tanh, dA, Z)


@fill_doc(UNARY=_UNARY)
def relu(Z):
    r"""Rectified linear unit, element-wise.

    .. math::

        \operatorname{ReLU}(z) = \max(0, z)

    %(UNARY)s
        :math:`\max(0, Z)`, non-negative.
    """
    return _unary(_k.leaky_relu_forward, Z, "Z", 0.0)


@fill_doc(BACKWARD=_BACKWARD)
def relu_backward(dA, Z):
    r"""Backward pass of :func:`relu`.

    .. math::

        dZ = dA \odot \mathbb{1}[Z > 0]

    The derivative at :math:`z = 0` is taken as 0, as in the course's
    ``relu_backward`` and in PyTorch.

    %(BACKWARD)s
    """
    dA, Z = _pair(dA, Z)
    dZ = np.empty_like(Z)
    if Z.size:
        _k.leaky_relu_backward(dA.reshape(-1), Z.reshape(-1), 0.0, dZ.reshape(-1))
    return dZ


def leaky_relu(Z, alpha=0.01):
    r"""Leaky ReLU, element-wise.

    .. math::

        \operatorname{LeakyReLU}(z) = \max(\alpha z, z), \qquad 0 \le \alpha < 1

    Parameters
    ----------
    Z : ndarray
    alpha : float, default 0.01
        Slope for negative inputs (PyTorch's ``negative_slope``).

    Returns
    -------
    A : ndarray, same shape and dtype as ``Z``
    """
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0, high_inclusive=False)
    return _unary(_k.leaky_relu_forward, Z, "Z", alpha)


@fill_doc(DA=_DA, Z=_Z, DZ=_DZ)
def leaky_relu_backward(dA, Z, alpha=0.01):
    r"""Backward pass of :func:`leaky_relu`.

    .. math::

        dZ = dA \odot \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}

    Parameters
    ----------
    %(DA)s
    %(Z)s
    alpha : float, default 0.01
        Slope for negative inputs, as in the forward pass.

    Returns
    -------
    %(DZ)s
    """
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0, high_inclusive=False)
    dA, Z = _pair(dA, Z)
    dZ = np.empty_like(Z)
    if Z.size:
        _k.leaky_relu_backward(dA.reshape(-1), Z.reshape(-1), alpha, dZ.reshape(-1))
    return dZ


def _check_axis(Z, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -Z.ndim <= axis < Z.ndim:
        raise ValueError(f"axis {axis} is out of range for Z with {Z.ndim} dimension(s)")
    return int(axis)


@fill_doc(SOFTMAX_FORWARD=_SOFTMAX_FORWARD)
def softmax(Z, axis=0):
    r"""Softmax along ``axis`` (default 0: one example per column, the notes' layout).

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
        = \frac{e^{z_i - \max_k z_k}}{\sum_j e^{z_j - \max_k z_k}}

    The notes define softmax row-wise for an ``(m, n)`` array; everywhere
    else they keep examples in columns (``(n, m)``), so the default here is
    ``axis=0``.  Pass ``axis=1`` (or ``-1``) for the row-wise form.
    Subtracting the maximum makes the result exact for large inputs
    (``[1000, 1001, 1002]`` gives the same values as ``[1, 2, 3]``) and
    invariant to adding a constant.

    %(SOFTMAX_FORWARD)s
        Positive, summing to 1 along ``axis``.

    Examples
    --------
    >>> softmax(np.array([[1.0], [2.0], [3.0]])).ravel().round(10)
    array([0.0900305732, 0.2447284711, 0.6652409558])
    """
    Z = check_float_array(Z, "Z", ndim=(1, 2, 3, 4))
    return _softmax(Z, _check_axis(Z, axis))


def _softmax(Z, axis):
    """:func:`softmax` without the checks, for callers that made them (attention, YOLO's
    decoding): ``Z`` a float array (any layout), ``axis`` a valid axis."""
    if Z.size == 0:
        return np.empty_like(Z)
    # Shifting by the maximum can overflow to -inf when the finite inputs span
    # more than the float range (-1.8e308 next to 1e292): exp(-inf) = 0 is then
    # the exact limit, so the overflow is expected and silenced.
    with np.errstate(over="ignore"):
        E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    E /= E.sum(axis=axis, keepdims=True)
    return E


@fill_doc(SOFTMAX_BACKWARD=_SOFTMAX_BACKWARD)
def softmax_backward(dA, Z, axis=0):
    r"""Backward pass of :func:`softmax` (Jacobian-vector product).

    With :math:`s = \operatorname{softmax}(z)` the Jacobian is
    :math:`\operatorname{diag}(s) - s s^T`, so

    .. math::

        dZ = s \odot \Big(dA - \sum_j dA_j\, s_j\Big)

    For the usual softmax-plus-cross-entropy output use
    :func:`dlnotes.nn.losses.softmax_cross_entropy_with_logits`, whose
    gradient simplifies to :math:`\hat Y - Y`.

    %(SOFTMAX_BACKWARD)s
    """
    dA, Z = _pair(dA, Z)
    axis = _check_axis(Z, axis)
    S = softmax(Z, axis=axis)
    return S * (dA - (dA * S).sum(axis=axis, keepdims=True))


@fill_doc(SOFTMAX_FORWARD=_SOFTMAX_FORWARD)
def log_softmax(Z, axis=0):
    r"""Logarithm of :func:`softmax`, computed without forming the softmax.

    .. math::

        \log \operatorname{softmax}(z)_i = z_i - \max_k z_k
            - \log \sum_j e^{z_j - \max_k z_k}

    %(SOFTMAX_FORWARD)s
        Log-probabilities (:math:`\le 0`) along ``axis``.
    """
    Z = check_float_array(Z, "Z", ndim=(1, 2, 3, 4))
    axis = _check_axis(Z, axis)
    if Z.size == 0:
        return np.empty_like(Z)
    with np.errstate(over="ignore"):   # -inf is the exact limit, as in softmax
        shifted = Z - Z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@fill_doc(SOFTMAX_BACKWARD=_SOFTMAX_BACKWARD)
def log_softmax_backward(dA, Z, axis=0):
    r"""Backward pass of :func:`log_softmax`.

    .. math::

        dZ = dA - \operatorname{softmax}(Z) \sum_j dA_j

    %(SOFTMAX_BACKWARD)s
    """
    dA, Z = _pair(dA, Z)
    axis = _check_axis(Z, axis)
    return dA - softmax(Z, axis=axis) * dA.sum(axis=axis, keepdims=True)


#: Name -> (forward, backward) of the element-wise activations usable in
#: hidden layers.  ``"linear"`` is the identity.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "linear": (lambda Z: check_float_array(Z, "Z").copy(),
               lambda dA, Z: _pair(dA, Z)[0].copy()),
    "softmax": (softmax, softmax_backward),
}


@fill_doc(Z=_Z)
def activation_forward(Z, activation):
    """Apply the activation named ``activation`` (a key of :data:`ACTIVATIONS`).

    Parameters
    ----------
    %(Z)s
    activation : str
        A key of :data:`ACTIVATIONS` (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
        ``"linear"``, ``"softmax"``).

    Returns
    -------
    A : ndarray, shape and dtype of ``Z``
    """
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    return ACTIVATIONS[activation][0](Z)


@fill_doc(DA=_DA, Z=_Z, DZ=_DZ)
def activation_backward(dA, Z, activation):
    """Backward pass of the activation named ``activation``.

    Parameters
    ----------
    %(DA)s
    %(Z)s
    activation : str
        A key of :data:`ACTIVATIONS`, the one used in the forward pass.

    Returns
    -------
    %(DZ)s
    """
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    return ACTIVATIONS[activation][1](dA, Z)
