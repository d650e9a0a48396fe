r"""Gradient checking with the notes' two-sided difference.

The course's criterion:

.. math::

    \text{difference} = \frac{\lVert g - g_{\text{approx}}\rVert_2}
                             {\lVert g\rVert_2 + \lVert g_{\text{approx}}\rVert_2},
    \qquad
    g_{\text{approx},i} = \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon}

with :math:`\varepsilon = 10^{-7}`.  Below :math:`10^{-7}` is "great"; the
course's assignment flags above :math:`2\cdot 10^{-7}`; above :math:`10^{-3}`
means a bug.  Run it in float64 and with dropout off.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlnotes._validation import check_params, check_scalar, grad_key

__all__ = ["GradCheckResult", "dictionary_to_vector", "vector_to_dictionary",
           "gradients_to_vector", "gradient_check_n", "numerical_gradient",
           "relative_difference"]


def relative_difference(g, g_approx):
    r"""The notes' relative difference of two gradient vectors.

    .. math::

        \frac{\lVert g - g_{\text{approx}}\rVert_2}{\lVert g\rVert_2 + \lVert g_{\text{approx}}\rVert_2}

    Returns 0 when both are exactly zero.

    Parameters
    ----------
    g : array_like
        The analytic gradient, any shape (flattened).
    g_approx : array_like
        The numerical gradient, same number of elements as ``g``.

    Returns
    -------
    float
        The relative difference, in [0, 1].
    """
    g = np.asarray(g, dtype=np.float64).ravel()
    ga = np.asarray(g_approx, dtype=np.float64).ravel()
    denom = np.linalg.norm(g) + np.linalg.norm(ga)
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(g - ga) / denom)


def dictionary_to_vector(parameters, keys=None):
    """Stack the parameter arrays into one column vector (course helper).

    Parameters
    ----------
    parameters : dict of str -> ndarray
        The parameter arrays (any shapes).
    keys : sequence of str, optional
        The names to stack, in order (default: the dict's order).

    Returns
    -------
    theta : ndarray, shape (n, 1), float64
    keys : list of (name, shape)
        What each block of ``theta`` holds, in order.
    """
    check_params(parameters)
    keys = list(parameters) if keys is None else list(keys)
    blocks, layout = [], []
    for k in keys:
        a = np.asarray(parameters[k], dtype=np.float64)
        blocks.append(a.reshape(-1))
        layout.append((k, a.shape))
    theta = np.concatenate(blocks) if blocks else np.zeros(0)
    return theta.reshape(-1, 1), layout


def vector_to_dictionary(theta, layout):
    """Inverse of :func:`dictionary_to_vector`.

    Parameters
    ----------
    theta : ndarray, shape (n, 1)
        A stacked vector from :func:`dictionary_to_vector`.
    layout : list of (name, shape)
        The ``keys`` that :func:`dictionary_to_vector` returned with it.

    Returns
    -------
    parameters : dict of str -> ndarray
        One array per name, of the recorded shape (copies of the blocks of ``theta``).
    """
    theta = np.asarray(theta).reshape(-1)
    out, pos = {}, 0
    for k, shape in layout:
        n = int(np.prod(shape))
        out[k] = theta[pos:pos + n].reshape(shape).copy()
        pos += n
    if pos != theta.size:
        raise ValueError(f"theta has {theta.size} entries, the layout needs {pos}")
    return out


def gradients_to_vector(gradients, layout):
    """Stack the gradients in the order of a parameter ``layout`` (``dW1`` for ``W1``).

    Parameters
    ----------
    gradients : dict of str -> ndarray
        ``dW1, db1, ...``: the gradient of parameter ``name`` is under ``"d" + name``.
    layout : list of (name, shape)
        The parameter layout from :func:`dictionary_to_vector`.

    Returns
    -------
    grad : ndarray, shape (n, 1), float64
        The gradients stacked in the order of ``layout``.
    """
    blocks = []
    for k, shape in layout:
        g = np.asarray(gradients[grad_key(gradients, k)], dtype=np.float64)
        if g.shape != tuple(shape):
            raise ValueError(f"gradient of {k} must have shape {tuple(shape)}, got {g.shape}")
        blocks.append(g.reshape(-1))
    return np.concatenate(blocks).reshape(-1, 1) if blocks else np.zeros((0, 1))


def numerical_gradient(f, x, epsilon=1e-7):
    r"""Centred-difference gradient of a scalar function of one array.

    .. math::

        \frac{\partial f}{\partial x_i} \approx
        \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}

    ``x`` is perturbed in place and restored, so ``f`` may close over it.

    Parameters
    ----------
    f : callable
        ``f() -> float``, evaluated with ``x`` perturbed in place.
    x : ndarray, C-contiguous and writeable
        The array to differentiate against (modified during the call, then restored).
    epsilon : float, default 1e-7
        The step :math:`\varepsilon`.

    Returns
    -------
    grad : ndarray of float64, shape of ``x``
        The centred-difference approximation of :math:`\partial f / \partial x`.
    """
    epsilon = check_scalar(epsilon, "epsilon", low=0.0, low_inclusive=False)
    grad = np.zeros(x.shape, dtype=np.float64)
    if not (isinstance(x, np.ndarray) and x.flags.c_contiguous and x.flags.writeable):
        raise ValueError("x must be a writeable C-contiguous array (it is perturbed in place)")
    flat = x.reshape(-1)
    g = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        fp = float(f())
        flat[i] = old - epsilon
        fm = float(f())
        flat[i] = old
        g[i] = (fp - fm) / (2 * epsilon)
    return grad


@dataclass
class GradCheckResult:
    """Outcome of :func:`gradient_check_n`.

    Parameters
    ----------
    difference : float
        The notes' relative difference over all parameters.
    worst_parameter : str
        The parameter with the largest relative difference.
    per_parameter : dict
        Relative difference of each parameter on its own.
    grad_approx : dict
        The numerical gradients, shaped like the parameters.
    """

    difference: float
    worst_parameter: str
    per_parameter: dict = field(default_factory=dict)
    grad_approx: dict = field(default_factory=dict)

    def __float__(self):
        return self.difference

    def passed(self, threshold=2e-7):
        """True if ``difference`` is below ``threshold`` (the course's 2e-7).

        Parameters
        ----------
        threshold : float, default 2e-7
            Largest relative difference that passes.

        Returns
        -------
        bool
            ``difference < threshold``.
        """
        return self.difference < threshold


def gradient_check_n(cost_fn, parameters, gradients, epsilon=1e-7, print_msg=False):
    r"""Check analytic gradients against the centred difference, for every parameter.

    For each scalar :math:`\theta_i` of every parameter array:

    .. math::

        g_{\text{approx},i} = \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon},
        \qquad
        \text{difference} = \frac{\lVert g - g_{\text{approx}}\rVert_2}
                                 {\lVert g\rVert_2 + \lVert g_{\text{approx}}\rVert_2}

    Parameters
    ----------
    cost_fn : callable
        ``cost_fn(parameters) -> float``: the cost :math:`J` at the given
        parameter dict.  (The course's version hard-wires its 3-layer
        network's ``forward_propagation_n``; passing the cost function makes
        the check work for any model.)
    parameters : dict of ndarray
        Where to check.  Copied to float64; the caller's arrays are untouched.
    gradients : dict of ndarray
        Analytic gradients, keyed ``"dW1"`` for ``"W1"`` (course style) or by
        the parameter's own name.
    epsilon : float, default 1e-7
    print_msg : bool
        Print the course's verdict.

    Returns
    -------
    GradCheckResult
        ``float(result)`` is the difference; ``result.worst_parameter`` names
        the parameter whose own difference is largest.
    """
    check_params(parameters)
    epsilon = check_scalar(epsilon, "epsilon", low=0.0, low_inclusive=False)
    work = {k: np.array(v, dtype=np.float64, order="C", copy=True)
            for k, v in parameters.items()}
    approx, per = {}, {}
    for name, arr in work.items():
        approx[name] = numerical_gradient(lambda: cost_fn(work), arr, epsilon)
    layout = [(k, v.shape) for k, v in work.items()]
    g = gradients_to_vector(gradients, layout)
    ga, _ = dictionary_to_vector(approx, [k for k, _ in layout])
    diff = relative_difference(g, ga)
    for name in work:
        per[name] = relative_difference(np.asarray(gradients[grad_key(gradients, name)]),
                                        approx[name])
    worst = max(per, key=per.get) if per else ""
    if print_msg:
        if diff > 2e-7:
            print(f"\033[93mThere is a mistake in the backward propagation! difference = "
                  f"{diff} (worst: {worst})\033[0m")
        else:
            print(f"\033[92mYour backward propagation works perfectly fine! difference = "
                  f"{diff}\033[0m")
    return GradCheckResult(diff, worst, per, approx)
