r"""Neural style transfer as a working system: a fixed feature extractor built from the
package's layers (:class:`FeatureExtractor`, random multi-scale filters or a user-supplied
VGG-19), and the optimisation of the generated image (Adam or L-BFGS) under the notes'
content, style and total costs of :mod:`dlnotes.vision.style`.

This module sits on the floor of :mod:`dlnotes.models` (it builds networks from
:mod:`dlnotes.layers`); the chapter's cost functions stay in :mod:`dlnotes.vision.style`.
"""
from __future__ import annotations

import copy
import numbers

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.layers import Activation, AvgPool2D, Conv2D, Layer, MaxPool2D
from dlnotes.vision.style import _gram_positions, _layers

__all__ = ["FeatureExtractor", "random_multiscale_features", "load_vgg19", "neural_style_cost",
           "neural_style_transfer"]


class FeatureExtractor:
    r"""A fixed convolutional feature extractor built from the package's layers.

    ``branches`` is a list of layer chains (lists of
    :class:`~dlnotes.layers.Conv2D`, :class:`~dlnotes.layers.Activation`,
    :class:`~dlnotes.layers.AvgPool2D`, ... layers), each applied to the input
    image; ``taps`` names the layer outputs returned as features.  A VGG is one
    branch with taps after its ReLUs; :func:`random_multiscale_features` is
    several one-layer branches.  The backward pass runs every branch's layers
    backwards (``Conv2D.backward``, that is the compiled
    :func:`dlnotes.cnn.conv.conv_backward`), adds each tap's
    upstream gradient where the tap is, and sums the branches' input gradients:

    .. math::

        \frac{\partial J}{\partial x} = \sum_{\text{branches}}
            \frac{\partial a^{[1]}}{\partial x}^{T} \cdots
            \Big(\frac{\partial J}{\partial a^{[l]}} + \frac{\partial a^{[l+1]}}{\partial a^{[l]}}^{T}
            \cdots\Big)

    The layers' weights are fixed (never updated).  A copy of the layers is
    kept per floating dtype, so float32 images run in float32.

    Parameters
    ----------
    branches : list of list of Layer
    taps : list of (branch, layer index) or dict name -> (branch, layer index)
        The features, in order; with a dict, the names (e.g. the course's
        ``"block1_conv1"``) can select layers in :func:`neural_style_transfer`.
    """

    def __init__(self, branches, taps):
        if not isinstance(branches, (list, tuple)) or not branches:
            raise TypeError("branches must be a non-empty list of layer lists")
        self.branches = []
        for b, chain in enumerate(branches):
            if not isinstance(chain, (list, tuple)) or not chain:
                raise TypeError(f"branches[{b}] must be a non-empty list of layers")
            for layer in chain:
                if not isinstance(layer, Layer):
                    raise TypeError(f"branches[{b}] must hold Layer objects, got "
                                    f"{type(layer).__name__}")
            self.branches.append(list(chain))
        if isinstance(taps, dict):
            self.names = list(taps)
            taps = list(taps.values())
        else:
            taps = list(taps)
            self.names = [f"{b}.{l}" for b, l in taps]
        for t, tap in enumerate(taps):
            ok = (isinstance(tap, (tuple, list)) and len(tap) == 2
                  and all(isinstance(v, numbers.Integral) for v in tap)
                  and 0 <= tap[0] < len(self.branches)
                  and 0 <= tap[1] < len(self.branches[tap[0]]))
            if not ok:
                raise ValueError(f"taps[{t}] must be (branch, layer index) of an existing "
                                 f"layer, got {tap!r}")
        if not taps:
            raise ValueError("taps must name at least one layer output")
        self.taps = [(int(b), int(l)) for b, l in taps]
        self._copies = {}
        first = next((lay for ch in self.branches for lay in ch if lay.params), None)
        self.dtype = (np.dtype(first.params["W"].dtype) if first is not None
                      else np.dtype(np.float64))
        self._copies[self.dtype] = self.branches
        for chain in self.branches:
            for layer in chain:
                if isinstance(layer, Conv2D):
                    layer.input_grad = True

    def __len__(self):
        return len(self.taps)

    def _layers_for(self, dtype):
        dtype = np.dtype(dtype)
        if dtype not in self._copies:
            chains = copy.deepcopy(self.branches)
            for chain in chains:
                for layer in chain:
                    for k in list(layer.params):
                        layer.params[k] = layer.params[k].astype(dtype)
                    layer.zero_grads()
            self._copies[dtype] = chains
        return self._copies[dtype]

    def forward(self, x):
        """Features of one image.

        Parameters
        ----------
        x : ndarray, shape (n_H, n_W, n_C)

        Returns
        -------
        features : list of ndarray, shape (n_H_l, n_W_l, n_C_l) each, in the order of ``taps``
        cache : object
            For :meth:`backward` (the layers also keep their forward state, so
            call ``backward`` before the next ``forward``).
        """
        x = check_float_array(x, "x", ndim=3, shape_names=("n_H", "n_W", "n_C"), finite=True)
        chains = self._layers_for(x.dtype)
        where = {tap: t for t, tap in enumerate(self.taps)}
        feats = [None] * len(self.taps)
        for b, chain in enumerate(chains):
            last = max((l for bb, l in self.taps if bb == b), default=-1)
            a = x[None]
            for l in range(last + 1):
                try:
                    a = chain[l].forward(a, training=False)
                except ValueError as exc:
                    raise ValueError(f"the image {x.shape} is too small for branch {b}, layer "
                                     f"{l} ({chain[l]!r}): {exc}") from None
                if (b, l) in where:
                    feats[where[(b, l)]] = a[0]
        token = _ForwardCache(x.shape, x.dtype, [f.shape for f in feats])
        self._last = token
        return feats, token

    def backward(self, grads, cache):
        """Gradient with respect to the image of :math:`\\sum_t \\langle g_t, a_t\\rangle`.

        Parameters
        ----------
        grads : list
            One upstream gradient per tap (the tap's feature shape) or ``None``.
        cache : the ``cache`` returned by the last :meth:`forward`

        Returns
        -------
        dx : ndarray, shape (n_H, n_W, n_C)
        """
        if not isinstance(cache, _ForwardCache) or cache is not getattr(self, "_last", None):
            raise ValueError("cache must be the one returned by this extractor's last forward")
        if not isinstance(grads, (list, tuple)) or len(grads) != len(self.taps):
            raise ValueError(f"grads must be a list of {len(self.taps)} arrays (or None), one "
                             f"per tap")
        chains = self._layers_for(cache.dtype)
        g = []
        for t, (gt, shape) in enumerate(zip(grads, cache.shapes)):
            g.append(None if gt is None else check_float_array(
                gt, f"grads[{t}]", shape=shape, dtype=cache.dtype))
        dx = np.zeros((1,) + cache.shape, dtype=cache.dtype)
        for b, chain in enumerate(chains):
            da = None
            for l in range(len(chain) - 1, -1, -1):
                for t, (bb, ll) in enumerate(self.taps):
                    if (bb, ll) == (b, l) and g[t] is not None:
                        da = g[t][None] if da is None else da + g[t][None]
                if da is not None:
                    da = chain[l].backward(da)
            if da is not None:
                dx += da
        return dx[0]


class _ForwardCache:
    __slots__ = ("shape", "dtype", "shapes")

    def __init__(self, shape, dtype, shapes):
        self.shape, self.dtype, self.shapes = shape, dtype, shapes


def random_multiscale_features(n_C=3, filter_sizes=(3, 5, 7, 11), n_filters=32, rng=None,
                               seed=None, dtype=np.float64):
    r"""The default extractor: fixed random filters at several scales, one layer, ReLU.

    One branch per filter size :math:`f`: a "valid" convolution with
    ``n_filters`` random filters and a ReLU,

    .. math::

        a^{[f]}_{hwc} = \max\Big(0, \sum_{u,v<f}\sum_k x_{h+u,\,w+v,\,k}\,W^{[f]}_{uvkc}\Big),
        \qquad W^{[f]}_{uvkc} \sim \mathcal N\big(0, 2/(f^2 n_C)\big)

    each branch a tap (style layers: all of them; content: the first).
    Ustyuzhaninov, Brendel, Gatys and Bethge ("What does it take to generate
    natural textures?", ICLR 2017) showed that a single layer of random
    multi-scale filters, matched by Gram matrices, already synthesises
    textures comparable to a trained VGG; He, Wang and Hopcroft (NeurIPS 2016)
    did style transfer with random weights.  No pretrained weights ship in a
    registry package, so this is the default; :func:`load_vgg19` loads a
    VGG-19 you supply.

    Parameters
    ----------
    n_C : int
        Input channels (3 for RGB).
    filter_sizes : sequence of int
        One branch per size.
    n_filters : int
        Filters per branch.
    rng, seed : numpy Generator or int
    dtype : float32 or float64

    Returns
    -------
    FeatureExtractor
    """
    rng = as_rng(rng, seed)
    n_C = check_scalar(n_C, "n_C", low=1, integer=True)
    n_filters = check_scalar(n_filters, "n_filters", low=1, integer=True)
    if not isinstance(filter_sizes, (list, tuple)) or not filter_sizes:
        raise TypeError("filter_sizes must be a non-empty sequence of ints")
    sizes = [check_scalar(f, "filter_sizes", low=1, integer=True) for f in filter_sizes]
    branches = [[Conv2D(n_C, n_filters, f, pad="valid", init="he", rng=rng, dtype=dtype),
                 Activation("relu")] for f in sizes]
    return FeatureExtractor(branches, {f"conv{f}x{f}": (i, 1) for i, f in enumerate(sizes)})


#: VGG-19's convolutions (Simonyan & Zisserman 2015): Keras names, channels; "pool" between
#: blocks.
VGG19_LAYERS = (("block1_conv1", 64), ("block1_conv2", 64), "pool",
                ("block2_conv1", 128), ("block2_conv2", 128), "pool",
                ("block3_conv1", 256), ("block3_conv2", 256), ("block3_conv3", 256),
                ("block3_conv4", 256), "pool",
                ("block4_conv1", 512), ("block4_conv2", 512), ("block4_conv3", 512),
                ("block4_conv4", 512), "pool",
                ("block5_conv1", 512), ("block5_conv2", 512), ("block5_conv3", 512),
                ("block5_conv4", 512))


def load_vgg19(path, pooling="avg", dtype=np.float64):
    r"""A VGG-19 feature extractor from a user-supplied ``.npz`` of weights.

    Each convolution is 3x3, stride 1, "same" padding, then ReLU; 2x2 pooling
    between blocks (average pooling by default, as Gatys et al. recommend for
    synthesis, or ``"max"``).  The features are the ReLU outputs, named as in
    Keras and the course (``"block1_conv1"`` ... ``"block5_conv4"``):

    .. math::

        a^{[l]} = \max\big(0,\ W^{[l]} * a^{[l-1]} + b^{[l]}\big)

    The file must hold, for each of the 16 convolutions, ``<name>_kernel`` of
    shape ``(3, 3, n_C_prev, n_C)`` (height, width, in, out: Keras' layout) and
    ``<name>_bias`` of shape ``(n_C,)``; it is read with
    ``np.load(allow_pickle=False)``.  Converting:

    * Keras: ``for l in tf.keras.applications.VGG19(include_top=False).layers``
      with weights, ``d[l.name + "_kernel"], d[l.name + "_bias"] = l.get_weights()``,
      then ``np.savez("vgg19.npz", **d)``.  Feed images as Keras' ``preprocess_input``
      does (BGR, 0-255, ImageNet mean subtracted).
    * PyTorch (torchvision's ``vgg19().features``): the convolutions are
      ``features.{0,2,5,7,10,12,14,16,19,21,23,25,28,30,32,34}``; save
      ``weight.permute(2, 3, 1, 0).numpy()`` as the kernel and ``bias.numpy()``.
      Feed RGB in [0, 1] normalised by ImageNet's mean and standard deviation.

    Parameters
    ----------
    path : str or os.PathLike
    pooling : {"avg", "max"}
    dtype : float32 or float64

    Returns
    -------
    FeatureExtractor
        One branch, a tap after each ReLU, named by the layer.
    """
    check_choice(pooling, "pooling", ("avg", "max"))
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"path {path!r} is not a readable .npz of VGG-19 weights: {exc}") \
            from None
    if not hasattr(data, "files"):
        raise ValueError(f"path {path!r} must be an .npz archive (np.savez), not a single array")
    chain, taps, n_prev = [], {}, 3
    with data:
        for item in VGG19_LAYERS:
            if item == "pool":
                chain.append(AvgPool2D(2) if pooling == "avg" else MaxPool2D(2))
                continue
            name, n_C = item
            arrays = []
            for key, shape in ((f"{name}_kernel", (3, 3, n_prev, n_C)),
                               (f"{name}_bias", (n_C,))):
                if key not in data.files:
                    raise ValueError(f"the VGG-19 file {path!r} has no array {key!r} "
                                     f"(expected shape {shape})")
                arr = data[key]
                if arr.dtype.kind != "f":
                    raise TypeError(f"{key} must be a floating array, got dtype {arr.dtype}")
                if arr.shape != shape:
                    raise ValueError(f"{key} must have shape {shape}, got {arr.shape}")
                if not np.isfinite(arr).all():
                    raise ValueError(f"{key} contains NaN or infinity")
                arrays.append(arr)
            conv = Conv2D(n_prev, n_C, 3, pad="same", init="zeros", dtype=dtype)
            conv.params["W"][...] = arrays[0]
            conv.params["b"][...] = arrays[1].reshape(1, 1, 1, n_C)
            chain += [conv, Activation("relu")]
            taps[name] = (0, len(chain) - 1)
            n_prev = n_C
    return FeatureExtractor([chain], taps)


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
