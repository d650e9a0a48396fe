r"""Neural style transfer as a working system: a fixed feature extractor built from the
package's layers (:class:`FeatureExtractor`, random multi-scale filters or a user-supplied
VGG-19, in :mod:`dlnotes.vision.extractors` and re-exported here), and the optimisation of
the generated image (Adam or L-BFGS) under the notes' content, style and total costs of
:mod:`dlnotes.vision.style`.

This module sits on the floor of :mod:`dlnotes.models` (it builds networks from
:mod:`dlnotes.layers`); the chapter's cost functions stay in :mod:`dlnotes.vision.style`.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.vision.extractors import (VGG19_LAYERS, FeatureExtractor, load_vgg19,  # noqa: F401
                                       random_multiscale_features)
from dlnotes.vision.style import _gram_positions, _layers

__all__ = ["FeatureExtractor", "random_multiscale_features", "load_vgg19", "neural_style_cost",
           "neural_style_transfer"]


def _resolve_layers(extractor, content_layer, style_layers):
    names = list(getattr(extractor, "names", []))
    L = len(names) if names else None

    def index(v, what):
        if isinstance(v, str):
            if v not in names:
                raise ValueError(f"{what} {v!r} is not a layer of the extractor; its layers "
                                 f"are {names}")
            return names.index(v)
        v = check_scalar(v, what, integer=True)
        if L is not None and not -L <= v < L:
            raise ValueError(f"{what} {v} is out of range for {L} feature layers")
        return v if L is None or v >= 0 else L + v

    c = index(content_layer, "content_layer")
    if style_layers is None:
        s = list(range(L)) if L is not None else None
        w = None
    else:
        if not isinstance(style_layers, (list, tuple)) or not style_layers:
            raise TypeError("style_layers must be a non-empty list of layer names or indices, "
                            "or of the course's (name, coefficient) pairs")
        pairs = [x for x in style_layers if isinstance(x, (tuple, list)) and len(x) == 2]
        if pairs and len(pairs) == len(style_layers):      # the course's STYLE_LAYERS
            s = [index(n, "style_layers") for n, _ in style_layers]
            w = [check_scalar(v, "style layer coefficient") for _, v in style_layers]
        else:
            s = [index(n, "style_layers") for n in style_layers]
            w = None
    return c, s, w


class _Objective:
    """J(G) = alpha J_content + beta sum_l lambda_l J_style^[l] and dJ/dG.

    The features of C and S, and the style Gram matrices, are computed once; the
    per-step arithmetic is the notes' formulas without re-validating the
    extractor's own outputs (the public cost functions above are the checked
    versions, and the tests compare the two)."""

    def __init__(self, extractor, C, S, content_layer, style_layers, style_weights, alpha,
                 beta):
        self.ex = extractor
        a_C, _ = extractor.forward(C)
        self.c, self.s, w = _resolve_layers(extractor, content_layer, style_layers)
        if self.s is None:
            self.s = list(range(len(a_C)))
        if style_weights is not None:
            w = style_weights
        self.a_C = a_C[self.c]
        a_S, _ = extractor.forward(S)
        a_S = [a_S[i] for i in self.s]
        self.w = _layers(a_S, a_S, w)
        self.GS = [_gram_positions(a.reshape(-1, a.shape[-1])) for a in a_S]
        self.alpha, self.beta = alpha, beta
        self.n = len(a_C)

    def __call__(self, G):
        acts, cache = self.ex.forward(G)
        t = G.dtype.type
        grads = [None] * self.n
        d = acts[self.c] - self.a_C
        Jc = float(np.dot(d.ravel(), d.ravel())) / (4.0 * d.size)
        grads[self.c] = d * t(self.alpha / (2.0 * d.size))
        Js = 0.0
        for wl, i, GS in zip(self.w, self.s, self.GS):
            n_H, n_W, n_C = acts[i].shape
            X = acts[i].reshape(-1, n_C)
            D = _gram_positions(X) - GS
            norm = 4.0 * n_C ** 2 * float(n_H * n_W) ** 2
            Js += wl * float(np.dot(D.ravel(), D.ravel())) / norm
            g = (X @ D).reshape(acts[i].shape) * t(self.beta * wl * 4.0 / norm)
            grads[i] = g if grads[i] is None else grads[i] + g
        return self.alpha * Jc + self.beta * Js, self.ex.backward(grads, cache)


def neural_style_cost(generated, content, style, extractor=None, content_layer=0,
                      style_layers=None, style_weights=None, alpha=10.0, beta=40.0):
    r"""The total cost of neural style transfer and its gradient with respect to the image.

    .. math::

        J(G) = \alpha J_{\text{content}}^{[c]}(C, G)
             + \beta \sum_{l} \lambda^{[l]} J_{\text{style}}^{[l]}(S, G),\qquad
        \frac{\partial J}{\partial G} \text{ by the extractor's backward pass}

    Parameters
    ----------
    generated, content, style : ndarray, shape (n_H, n_W, n_C)
    extractor, content_layer, style_layers, style_weights, alpha, beta : see below
        As in :func:`neural_style_transfer` (the default extractor is
        ``random_multiscale_features(n_C, seed=0)``).

    Returns
    -------
    J : float
    dG : ndarray, the shape and dtype of ``generated``
    """
    C, S, ex, alpha, beta = _check_nst(content, style, extractor, alpha, beta, None)
    G = check_float_array(generated, "generated", shape=C.shape, dtype=C.dtype, finite=True)
    return _Objective(ex, C, S, content_layer, style_layers, style_weights, alpha, beta)(G)


def _check_nst(content, style, extractor, alpha, beta, rng):
    C = check_float_array(content, "content", ndim=3, shape_names=("n_H", "n_W", "n_C"),
                          finite=True)
    S = check_float_array(style, "style", ndim=3, dtype=C.dtype, finite=True)
    if S.shape != C.shape:
        raise ValueError(f"style must have the shape of content {C.shape}, got {S.shape}")
    alpha = check_scalar(alpha, "alpha", low=0)
    beta = check_scalar(beta, "beta", low=0)
    if extractor is None:
        extractor = random_multiscale_features(C.shape[-1], rng=rng,
                                               seed=0 if rng is None else None)
    elif not (callable(getattr(extractor, "forward", None))
              and callable(getattr(extractor, "backward", None))):
        raise TypeError("extractor must have forward(x) -> (features, cache) and "
                        "backward(grads, cache) -> dx methods")
    return C, S, extractor, alpha, beta


def neural_style_transfer(content, style, extractor=None, content_layer=0, style_layers=None,
                          style_weights=None, alpha=10.0, beta=40.0, num_iterations=50,
                          optimizer="adam", learning_rate=0.01, init_noise=0.25, callback=None,
                          rng=None, seed=None):
    r"""Paint: optimise a generated image :math:`G` to minimise
    :math:`J(G) = \alpha J_{\text{content}}(C, G) + \beta J_{\text{style}}(S, G)`.

    :math:`G` starts as the content image plus uniform noise (the course's
    ``generate_noise_image``), the features come from a fixed network
    (``extractor``), and the gradient :math:`\partial J/\partial G` is its
    exact backward pass through the package's own convolution layers.  Two
    optimisers:

    * ``"adam"`` (the course's TF2 loop), on the pixels:

      .. math::

          m \leftarrow \beta_1 m + (1-\beta_1)\,\nabla_G J,\quad
          v \leftarrow \beta_2 v + (1-\beta_2)\,(\nabla_G J)^2,\quad
          G \leftarrow G - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    * ``"lbfgs"``: L-BFGS through :func:`scipy.optimize.minimize`
      (``method="L-BFGS-B"``), as in Gatys et al. (2016); it works in float64
      and may evaluate :math:`J` more than once per iteration.

    Parameters
    ----------
    content, style : ndarray, shape (n_H, n_W, n_C)
        Images of the same shape and scale (e.g. RGB in [0, 1]).
    extractor : FeatureExtractor or object, optional
        Anything with ``forward(x) -> (features, cache)`` and
        ``backward(grads, cache) -> dx``; default
        :func:`random_multiscale_features` (seeded from ``rng``/``seed``), or
        :func:`load_vgg19` with your weights.
    content_layer : int or str
        The feature layer of the content cost (default the first: for the
        random extractor the 3x3 branch; the course uses ``"block5_conv4"`` of
        VGG-19).
    style_layers : list of int or str, or list of (name, coefficient), optional
        Layers of the style cost (default: all); the course's ``STYLE_LAYERS``
        pairs set the weights too.
    style_weights : sequence of float, optional
        :math:`\lambda^{[l]}` (default equal weights summing to 1).
    alpha, beta : float
        10 and 40 in the course.
    num_iterations : int
    optimizer : {"adam", "lbfgs"}
    learning_rate : float
        Adam's step size (for pixels in [0, 1], 0.01-0.05); unused by L-BFGS.
    init_noise : float
        Amplitude of the uniform noise added to the content image.
    callback : callable, optional
        ``callback(iteration, G, J)`` after every iteration (e.g. to save the
        image every N steps).
    rng, seed : numpy Generator or int

    Returns
    -------
    generated : ndarray, shape and dtype of ``content``
    costs : list of float
        :math:`J` of the starting image, then after every iteration.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> C, S = rng.uniform(0, 1, (2, 24, 24, 3))
    >>> G, costs = neural_style_transfer(C, S, num_iterations=5, learning_rate=0.05, seed=0)
    >>> G.shape, len(costs), costs[-1] < costs[0]
    ((24, 24, 3), 6, True)
    """
    rng = as_rng(rng, seed)
    C, S, ex, alpha, beta = _check_nst(content, style, extractor, alpha, beta, rng)
    num_iterations = check_scalar(num_iterations, "num_iterations", low=0, integer=True)
    check_choice(optimizer, "optimizer", ("adam", "lbfgs"))
    learning_rate = check_scalar(learning_rate, "learning_rate", low=0, low_inclusive=False)
    init_noise = check_scalar(init_noise, "init_noise", low=0)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    objective = _Objective(ex, C, S, content_layer, style_layers, style_weights, alpha, beta)
    G = (C + init_noise * rng.uniform(-1, 1, C.shape)).astype(C.dtype)
    J, dG = objective(G)
    costs = [J]
    if optimizer == "adam":
        m = np.zeros_like(G)
        v = np.zeros_like(G)
        b1, b2, eps = 0.9, 0.999, 1e-8
        for t in range(1, num_iterations + 1):
            m = b1 * m + (1 - b1) * dG
            v = b2 * v + (1 - b2) * dG * dG
            mh = m / (1 - b1 ** t)
            vh = v / (1 - b2 ** t)
            G = (G - learning_rate * mh / (np.sqrt(vh) + eps)).astype(C.dtype)
            J, dG = objective(G)
            costs.append(J)
            if callback is not None:
                callback(t, G, J)
        return G, costs
    if num_iterations == 0:
        return G, costs
    from scipy.optimize import minimize

    shape = C.shape
    last = {}

    def fun(x):
        Gx = x.reshape(shape).astype(C.dtype)
        J, dG = objective(Gx)
        last["J"] = J
        return J, dG.astype(np.float64).ravel()

    def on_iter(xk):
        costs.append(last["J"])
        if callback is not None:
            callback(len(costs) - 1, xk.reshape(shape).astype(C.dtype), last["J"])

    res = minimize(fun, G.astype(np.float64).ravel(), jac=True, method="L-BFGS-B",
                   callback=on_iter, options={"maxiter": num_iterations, "maxcor": 20})
    return res.x.reshape(shape).astype(C.dtype), costs
