r"""The fixed feature extractors of neural style transfer, built from the package's layers.

:class:`FeatureExtractor` (layer chains with named taps, forward and backward
to the pixels), the default random multi-scale extractor
(:func:`random_multiscale_features`) and a user-supplied VGG-19
(:func:`load_vgg19`).  :mod:`dlnotes.vision.style_transfer` optimises an
image through them (and re-exports them).  Like that module, this one sits
on the floor of :mod:`dlnotes.models` (it builds networks from
:mod:`dlnotes.layers`).
"""
from __future__ import annotations

import copy
import numbers

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.layers import Activation, AvgPool2D, Conv2D, Layer, MaxPool2D

__all__ = ["FeatureExtractor", "random_multiscale_features", "load_vgg19"]


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
                # fixed weights: backward computes only the input gradients
                # (Conv2D then calls conv_backward(..., need_dW=False))
                layer.trainable = False

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
