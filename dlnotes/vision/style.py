r"""Neural style transfer: content cost, Gram matrix, style cost (notes, "Neural Style transfer").

Activations of one image at one layer have the course's shape
``(1, n_H, n_W, n_C)`` (``(n_H, n_W, n_C)`` is accepted too).  The style cost
works on the *unrolled* activations :math:`A \in \mathbb R^{n_C \times n_H n_W}`
(one row per filter).  Unrolling must reshape to ``(n_H n_W, n_C)`` and then
transpose; reshaping straight to ``(n_C, n_H n_W)`` scrambles channels and
positions (errata 5.2).  :func:`unroll` and :func:`gram_from_activations` do
it right; :func:`gram_from_activations` does not even copy: it hands the
``(n_H n_W, n_C)`` row-major buffer to one BLAS call with the transpose flag.

Normalisation (errata 5.1): the content cost here is the course assignment's
:math:`\frac{1}{4 n_H n_W n_C}\sum(a^{(C)} - a^{(G)})^2`.  The lecture writes
:math:`\frac12\lVert a^{(C)} - a^{(G)}\rVert^2` and Gatys et al. (2016)
:math:`\frac12\sum(F - P)^2`; they differ by a constant factor, which the weight
:math:`\alpha` absorbs.
"""
from __future__ import annotations

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import check_choice, check_float_array, check_scalar

try:  # compiled GEMM-based Gram kernel (dlnotes/_kernels/gram.pyx)
    from dlnotes._kernels import gram as _kgram
except ImportError:  # pragma: no cover - source checkout without a build
    _kgram = None

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_A_S_G = """
a_S : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)
    Activations of the style image.
a_G : ndarray, shape of ``a_S``
    Activations of the generated image.
"""

__all__ = ["unroll", "gram_matrix", "gram_matrix_backward", "gram_from_activations",
           "compute_content_cost", "compute_content_cost_backward", "compute_layer_style_cost",
           "compute_layer_style_cost_backward", "layer_style_cost_and_grad", "compute_style_cost",
           "compute_style_cost_backward", "total_cost"]


def _act(a, name, dtype=None, finite=True):
    """Validate activations (1, n_H, n_W, n_C) or (n_H, n_W, n_C); return the 3-d array."""
    a = check_float_array(a, name, ndim=(3, 4), dtype=dtype, finite=finite)
    if a.ndim == 4:
        if a.shape[0] != 1:
            raise ValueError(f"{name} must have shape (1, n_H, n_W, n_C) (one image), got "
                             f"{a.shape}")
        a = a[0]
    return a


def _pair(a_X, a_G, nx, ng, finite=True):
    x = _act(a_X, nx, finite=finite)
    g = _act(a_G, ng, dtype=x.dtype, finite=finite)
    if g.shape != x.shape:
        raise ValueError(f"{ng} must have the shape of {nx} {x.shape}, got {g.shape}")
    return x, g


def _style_pair(a_S, a_G):
    """Validate a style pair without the finiteness scan (see :func:`_layer_style_checked`)."""
    s, g = _pair(a_S, a_G, "a_S", "a_G", finite=False)
    if s.size == 0:
        raise ValueError(f"a_S must not be empty, got shape {s.shape}")
    return s, g


def _layer_style_checked(a_S, a_G, s, g):
    """:func:`_layer_style`, with the finiteness check done on the cost instead of the inputs.

    A NaN or infinity in either input reaches a diagonal entry of its Gram
    matrix (:math:`\\sum_k x_k^2`), hence the cost: a finite cost proves finite
    inputs, and only a non-finite one pays for the full scan (which raises the
    usual error naming the argument).  Scanning both inputs up front cost
    3-7% of the cost-and-gradient call (0.3-1.5 ms at 75x100x128-256).
    """
    out = _layer_style(s, g)
    if not np.isfinite(out[0]):
        _pair(a_S, a_G, "a_S", "a_G")
    return out


def unroll(a):
    r"""Unroll activations ``(n_H, n_W, n_C)`` into :math:`A \in \mathbb R^{n_C\times n_H n_W}`.

    Reshape to ``(n_H n_W, n_C)``, *then* transpose: row :math:`c` holds the
    responses of filter :math:`c` at every position.

    .. math::

        A_{c,\, h n_W + w} = a_{h w c}

    Parameters
    ----------
    a : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)

    Returns
    -------
    ndarray, shape (n_C, n_H * n_W), C-contiguous
    """
    a = _act(a, "a")
    return np.ascontiguousarray(a.reshape(-1, a.shape[-1]).T)


GRAM_METHODS = ("matmul", "gemm", "syrk")


def _check_method(method):
    check_choice(method, "method", GRAM_METHODS)
    if method != "matmul" and _kgram is None:
        raise RuntimeError(f"method={method!r} needs the compiled kernel dlnotes._kernels.gram; "
                           f"build it with `python setup.py build_ext --inplace`")
    return method


def _gram_unrolled(A, method="matmul"):
    """Trusting: A (n_C, N) C-contiguous -> A @ A.T."""
    if method == "matmul" or A.size == 0:
        return A @ A.T
    return _kgram.gram_rows(A, method)


def _gram_positions(X, method="matmul"):
    """Trusting: X (N, n_C) C-contiguous -> X.T @ X."""
    if method == "matmul" or X.size == 0:
        return X.T @ X
    return _kgram.gram_cols(X, method)


def gram_matrix(A, method="matmul"):
    r"""Gram matrix of unrolled activations (the course's ``gram_matrix``).

    .. math::

        G_{\text{gram}} = A_{\text{unrolled}} A_{\text{unrolled}}^T,
        \qquad G_{ij} = \sum_{k} A_{ik} A_{jk}

    :math:`G_{ij}` is the (uncentred, unnormalised) inner product of the
    responses of filters :math:`i` and :math:`j`; the diagonal measures how
    active each filter is.  Computed by one BLAS call.

    Parameters
    ----------
    A : ndarray, shape (n_C, n_H * n_W)
    method : {"matmul", "gemm", "syrk"}
        ``"matmul"`` (default): NumPy's ``A @ A.T``, which recognises the
        transposed operand and calls BLAS ``?syrk`` (one triangle, half the
        flops).  ``"gemm"`` / ``"syrk"``: the compiled kernel
        ``dlnotes._kernels.gram`` calling ``scipy.linalg.cython_blas`` without the
        GIL.  The results agree to rounding; see the performance page for the
        measured rates (``"matmul"`` was fastest or tied here).

    Returns
    -------
    G : ndarray, shape (n_C, n_C), symmetric positive semi-definite
    """
    A = check_float_array(A, "A", ndim=2, shape_names=("n_C", "n_H*n_W"))
    return _gram_unrolled(A, _check_method(method))


def gram_matrix_backward(dG, A):
    r"""Gradient of :func:`gram_matrix` with respect to :math:`A`.

    .. math::

        \frac{\partial \mathcal L}{\partial A} = (dG + dG^T)\, A

    Parameters
    ----------
    dG : ndarray, shape (n_C, n_C)
        Upstream gradient :math:`\partial\mathcal L/\partial G`.
    A : ndarray, shape (n_C, n_H * n_W)

    Returns
    -------
    dA : ndarray, shape (n_C, n_H * n_W)
    """
    A = check_float_array(A, "A", ndim=2, shape_names=("n_C", "n_H*n_W"))
    n_C = A.shape[0]
    dG = check_float_array(dG, "dG", shape=(n_C, n_C), shape_names=("n_C", "n_C"),
                           dtype=A.dtype)
    return (dG + dG.T) @ A


def gram_from_activations(a, method="matmul"):
    r"""Gram matrix straight from activations ``(n_H, n_W, n_C)``.

    .. math::

        G_{cd} = \sum_{h, w} a_{hwc}\, a_{hwd}

    Equal to ``gram_matrix(unroll(a))`` without the transposed copy.

    Parameters
    ----------
    a : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)
    method : {"matmul", "gemm", "syrk"}
        As in :func:`gram_matrix`.

    Returns
    -------
    G : ndarray, shape (n_C, n_C)
    """
    a = _act(a, "a")
    n_H, n_W, n_C = a.shape  # (reshape(-1, 0) is ambiguous: spell the rows out)
    return _gram_positions(a.reshape(n_H * n_W, n_C), _check_method(method))


def compute_content_cost(a_C, a_G):
    r"""Content cost of one layer (the course assignment's normalisation).

    .. math::

        J_{\text{content}}(C, G) = \frac{1}{4 n_H n_W n_C}
            \sum_{\text{all entries}} \big(a^{(C)} - a^{(G)}\big)^2

    Parameters
    ----------
    a_C, a_G : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)
        Activations of the content and the generated image.

    Returns
    -------
    float
    """
    c, g = _pair(a_C, a_G, "a_C", "a_G")
    if c.size == 0:
        raise ValueError(f"a_C must not be empty, got shape {c.shape}")
    d = c - g
    return float(np.dot(d.ravel(), d.ravel()) / (4.0 * c.size))


def compute_content_cost_backward(a_C, a_G):
    r"""Gradient of :func:`compute_content_cost` with respect to :math:`a^{(G)}`.

    .. math::

        \frac{\partial J_{\text{content}}}{\partial a^{(G)}} =
            \frac{a^{(G)} - a^{(C)}}{2 n_H n_W n_C}

    Parameters
    ----------
    a_C : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)
        Activations of the content image.
    a_G : ndarray, shape of ``a_C``
        Activations of the generated image.

    Returns
    -------
    da_G : ndarray, the shape of ``a_G``
    """
    c, g = _pair(a_C, a_G, "a_C", "a_G")
    if c.size == 0:
        raise ValueError(f"a_C must not be empty, got shape {c.shape}")
    shape = np.shape(a_G)
    return ((g - c) / c.dtype.type(2.0 * c.size)).reshape(shape)


def _layer_style(s, g):
    n_H, n_W, n_C = s.shape
    GS = _gram_positions(s.reshape(-1, n_C))
    GG = _gram_positions(g.reshape(-1, n_C))
    norm = 4.0 * n_C ** 2 * float(n_H * n_W) ** 2
    D = GS - GG
    return float(np.dot(D.ravel(), D.ravel()) / norm), GS, GG


def compute_layer_style_cost(a_S, a_G):
    r"""Style cost of one layer.

    .. math::

        J_{\text{style}}^{[l]}(S, G) = \frac{1}{4 n_C^2 (n_H n_W)^2}
            \sum_{i=1}^{n_C}\sum_{j=1}^{n_C}
            \big(G^{(S)}_{ij} - G^{(G)}_{ij}\big)^2

    This equals Gatys et al.'s :math:`E_l = \frac{1}{4N_l^2M_l^2}\sum(G-A)^2`.

    Parameters
    ----------
    a_S, a_G : ndarray, shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C)

    Returns
    -------
    float

    Examples
    --------
    The worked example of errata 5.3:

    >>> a_S = np.array([[[[1., 3.], [2., 4.]]]])
    >>> a_G = np.array([[[[1., 0.], [0., 1.]]]])
    >>> compute_layer_style_cost(a_S, a_G)
    13.03125
    """
    s, g = _style_pair(a_S, a_G)
    return _layer_style_checked(a_S, a_G, s, g)[0]


@fill_doc(A_S_G=_A_S_G)
def compute_layer_style_cost_backward(a_S, a_G):
    r"""Gradient of :func:`compute_layer_style_cost` with respect to :math:`a^{(G)}`.

    In unrolled form (:math:`A^{(G)} \in \mathbb R^{n_C \times n_H n_W}`):

    .. math::

        \frac{\partial J^{[l]}_{\text{style}}}{\partial A^{(G)}} =
            \frac{\big(G^{(G)} - G^{(S)}\big) A^{(G)}}{n_C^2 (n_H n_W)^2}

    returned in the activation layout.

    Parameters
    ----------
    %(A_S_G)s

    Returns
    -------
    da_G : ndarray, the shape of ``a_G``
    """
    # X = a_G as (n_H n_W, n_C) = A^T, so X (GG - GS) = ((GG - GS) A)^T (GG - GS is symmetric)
    return layer_style_cost_and_grad(a_S, a_G)[1]


@fill_doc(A_S_G=_A_S_G)
def layer_style_cost_and_grad(a_S, a_G):
    r""":func:`compute_layer_style_cost` and its gradient in one pass (each Gram matrix once).

    .. math::

        J = \frac{\lVert G^{(S)} - G^{(G)}\rVert_F^2}{4 n_C^2 (n_H n_W)^2},\qquad
        \frac{\partial J}{\partial A^{(G)}} = \frac{(G^{(G)} - G^{(S)}) A^{(G)}}{n_C^2 (n_H n_W)^2}

    Parameters
    ----------
    %(A_S_G)s

    Returns
    -------
    J : float
    da_G : ndarray, the shape of ``a_G``
    """
    s, g = _style_pair(a_S, a_G)
    n_H, n_W, n_C = s.shape
    J, GS, GG = _layer_style_checked(a_S, a_G, s, g)
    scale = s.dtype.type(1.0 / (n_C ** 2 * float(n_H * n_W) ** 2))
    # the scale goes on the small (n_C, n_C) factor, not on the (n_H n_W, n_C) product:
    # one GEMM and no extra pass over the gradient (measured: 7.3 -> 6.0 ms CPU, 75x100x128)
    D = GG - GS
    D *= scale
    dX = g.reshape(-1, n_C) @ D
    return J, dX.reshape(np.shape(a_G))


def _layers(a_S_list, a_G_list, weights):
    if not isinstance(a_S_list, (list, tuple)) or not isinstance(a_G_list, (list, tuple)):
        raise TypeError("style and generated activations must be lists (one array per layer)")
    L = len(a_S_list)
    if L == 0:
        raise ValueError("need at least one style layer")
    if len(a_G_list) != L:
        raise ValueError(f"got {L} style activations and {len(a_G_list)} generated ones")
    if weights is None:
        weights = [1.0 / L] * L
    # the course's STYLE_LAYERS: [("block1_conv1", 0.2), ...] -> the coefficients
    weights = [w[1] if isinstance(w, (tuple, list)) and len(w) == 2 else w for w in weights]
    if len(weights) != L:
        raise ValueError(f"weights must have one entry per layer ({L}), got {len(weights)}")
    return [check_scalar(w, f"weights[{i}]") for i, w in enumerate(weights)]


def compute_style_cost(a_S_list, a_G_list, weights=None):
    r"""Style cost over several layers.

    .. math::

        J_{\text{style}}(S, G) = \sum_l \lambda^{[l]} J^{[l]}_{\text{style}}(S, G)

    Parameters
    ----------
    a_S_list, a_G_list : list of ndarray
        Activations of the style and the generated image, one per layer.
    weights : sequence of float, optional
        :math:`\lambda^{[l]}`; default :math:`1/L` each (the course: 5 layers
        with 0.2 each).  The course's ``STYLE_LAYERS`` list of
        ``(layer_name, coeff)`` pairs is accepted as is.

    Returns
    -------
    float
    """
    w = _layers(a_S_list, a_G_list, weights)
    return float(sum(wl * compute_layer_style_cost(s, g)
                     for wl, s, g in zip(w, a_S_list, a_G_list)))


def compute_style_cost_backward(a_S_list, a_G_list, weights=None):
    r"""Gradients of :func:`compute_style_cost`, one per layer.

    .. math::

        \frac{\partial J_{\text{style}}}{\partial a^{(G)[l]}} =
            \lambda^{[l]}\,\frac{\partial J^{[l]}_{\text{style}}}{\partial a^{(G)[l]}}

    Parameters
    ----------
    a_S_list, a_G_list : list of ndarray
        Activations of the style and the generated image, one per layer.
    weights : sequence of float, optional
        :math:`\lambda^{[l]}`, as for :func:`compute_style_cost`.

    Returns
    -------
    list of ndarray
    """
    w = _layers(a_S_list, a_G_list, weights)
    return [compute_layer_style_cost_backward(s, g) * np.asarray(wl, dtype=np.asarray(g).dtype)
            for wl, s, g in zip(w, a_S_list, a_G_list)]


def total_cost(J_content, J_style, alpha=10, beta=40):
    r"""Total cost of neural style transfer.

    .. math::

        J(G) = \alpha J_{\text{content}}(C, G) + \beta J_{\text{style}}(S, G)

    Parameters
    ----------
    J_content, J_style : float
    alpha, beta : float
        10 and 40 in the course.

    Returns
    -------
    float
    """
    J_content = check_scalar(J_content, "J_content")
    J_style = check_scalar(J_style, "J_style")
    alpha = check_scalar(alpha, "alpha")
    beta = check_scalar(beta, "beta")
    return alpha * J_content + beta * J_style
