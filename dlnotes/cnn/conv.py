r"""Padding and 2-D convolution (the notes' CNN section), forward and backward.

Layouts follow the notes and the course: images ``(m, n_H, n_W, n_C)``
(examples first, channels last), filters ``(f, f, n_C_prev, n_C)``, biases
``(1, 1, 1, n_C)``.  "Convolution" is cross-correlation (no filter flip), the
same operation as :func:`torch.nn.functional.conv2d`.

The arithmetic runs in the compiled kernels of ``dlnotes._kernels.conv``
(an implicit GEMM on the zero-padded NHWC image, see ``conv.pyx``); this module
validates the arguments once and builds the cache.
"""
from __future__ import annotations

import numbers

import numpy as np

from dlnotes._kernels import conv as _k
from dlnotes._threads import kernel_threads, single_threaded_blas
from dlnotes._validation import check_float_array, check_keys, check_scalar

__all__ = ["zero_pad", "conv_single_step", "conv_forward", "conv_backward",
           "conv_output_size", "same_padding", "resolve_padding", "WORKSPACE_BYTES"]

#: Byte budget of the column buffer of one thread of the col2im input gradient (strides
#: above 1, fewer than IMPLICIT_DA_MIN_C input channels): chunks of
#: ``min(ceil(m n_H / (2 threads)), max(1, WORKSPACE_BYTES // (n_W f_h f_w n_C_prev itemsize)))``
#: output rows (at least ``ceil(f_h / stride)``), so at most ``threads * WORKSPACE_BYTES``.
WORKSPACE_BYTES = 1 * 2**20


def _output_size(n, f, pad, stride, name="the input"):
    """:func:`conv_output_size` on already checked integers (the kernels' callers)."""
    if n + 2 * pad > MAX_SIDE:
        raise ValueError(f"pad={pad} makes the padded input n + 2p = {n + 2 * pad} longer "
                         f"than {MAX_SIDE} (2**31 - 1) pixels")
    if n + 2 * pad < f:
        raise ValueError(f"the window does not fit {name}: filter size f={f} is larger than "
                         f"the padded input size n + 2p = {n} + 2*{pad} = {n + 2 * pad}")
    return (n + 2 * pad - f) // stride + 1


def conv_output_size(n, f, pad=0, stride=1):
    r"""Output size of a convolution or pooling along one axis.

    .. math::

        n_{\text{out}} = \Big\lfloor \frac{n + 2p - f}{s} \Big\rfloor + 1

    Parameters
    ----------
    n : int >= 1
        Input size.
    f : int >= 1
        Filter (window) size.
    pad : int >= 0
    stride : int >= 1

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the window does not fit, :math:`n + 2p < f` (the notes' ``int()``
        would silently give 1 there, errata 2.4).

    Examples
    --------
    >>> conv_output_size(227, 11, 0, 4), conv_output_size(224, 11, 0, 4)
    (55, 54)
    """
    n = check_scalar(n, "n", low=1, integer=True)
    f = check_scalar(f, "f", low=1, integer=True)
    pad = check_scalar(pad, "pad", low=0, integer=True)
    stride = _check_stride(stride)
    return _output_size(n, f, pad, stride)


MAX_SIDE = 2**31 - 1  # image sides, windows, strides and pads: the kernels index with C ints


def _check_stride(stride, name="stride"):
    return check_scalar(stride, name, low=1, high=MAX_SIDE, integer=True)


def check_image_size(n_H, n_W, name="the padded input"):
    """Refuse images of more than 2**31 - 1 pixels (before anything is allocated)."""
    if n_H * n_W > MAX_SIDE:
        raise ValueError(f"{name} has {n_H} x {n_W} pixels per channel; at most 2**31 - 1 "
                         "are supported")


def same_padding(f):
    r"""Padding of a "same" convolution with stride 1.

    .. math::

        n + 2p - f + 1 = n \iff p = \frac{f - 1}{2}

    Parameters
    ----------
    f : int, odd
        Filter size; an even ``f`` raises ``ValueError``, as no symmetric
        padding keeps the size then (see :func:`dlnotes.cnn.architectures.tf_same_padding`
        for TensorFlow's asymmetric rule).

    Returns
    -------
    p : int
    """
    f = check_scalar(f, "f", low=1, integer=True)
    if f % 2 == 0:
        raise ValueError(f"pad='same' needs an odd filter size (p = (f-1)/2), got f = {f}; pass "
                         f"an integer pad, or see tf_same_padding for TensorFlow's asymmetric "
                         f"padding")
    return (f - 1) // 2


def resolve_padding(pad, f_h, f_w):
    r"""Return ``(p_h, p_w)`` for an integer ``pad`` or ``"same"`` / ``"valid"``.

    ``"valid"`` is :math:`p = 0` (output :math:`n - f + 1`); ``"same"`` is
    :func:`same_padding` along each axis, the notes' padding for odd :math:`f`:

    .. math::

        n + 2p - f + 1 = n \quad\Longrightarrow\quad p = \frac{f - 1}{2}

    (output size :math:`n` at stride 1 and :math:`\lceil n/s \rceil` at stride
    :math:`s`; TensorFlow's "SAME" pads asymmetrically for some strides, this
    does not).  Even filters have no symmetric "same" padding and are rejected.

    Parameters
    ----------
    pad : int >= 0 or {"same", "valid"}
    f_h, f_w : int
        Filter height and width.

    Returns
    -------
    p_h, p_w : int
    """
    if isinstance(pad, str):
        if pad == "valid":
            return 0, 0
        if pad == "same":
            return same_padding(f_h), same_padding(f_w)
        raise ValueError(f"pad must be a non-negative integer, 'same' or 'valid', got {pad!r}")
    if isinstance(pad, bool) or not isinstance(pad, numbers.Integral):
        raise TypeError(f"pad must be a non-negative integer, 'same' or 'valid', got {pad!r}")
    pad = int(pad)
    if pad < 0:
        raise ValueError(f"pad must be a non-negative integer, 'same' or 'valid', got {pad}")
    return pad, pad


def _hparameters(hparameters):
    check_keys(hparameters, "hparameters", ("stride", "pad"))
    return _check_stride(hparameters["stride"], "hparameters['stride']"), hparameters["pad"]


def zero_pad(X, pad):
    r"""Pad the two spatial axes of a batch of images with zeros.

    .. math::

        X_{pad}[i, p + h, p + w, c] = X[i, h, w, c], \quad \text{zero elsewhere}

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    pad : int
        Zeros added on each side of the height and width.

    Returns
    -------
    X_pad : ndarray, shape (m, n_H + 2 pad, n_W + 2 pad, n_C), same dtype.
    """
    X = check_float_array(X, "X", ndim=4, shape_names=("m", "n_H", "n_W", "n_C"),
                          shape=(None,) * 4)
    if isinstance(pad, str):
        raise TypeError(f"zero_pad needs a non-negative integer pad, got {pad!r}")
    p, _ = resolve_padding(pad, 1, 1)
    check_image_size(X.shape[1] + 2 * p, X.shape[2] + 2 * p, f"X padded by pad={p}")
    return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)), mode="constant", constant_values=0)


def conv_single_step(a_slice_prev, W, b):
    r"""One step of convolution: a window times one filter, summed, plus the bias.

    .. math::

        Z = \sum_{u, v, k} a_{slice}[u, v, k]\, W[u, v, k] + b

    Parameters
    ----------
    a_slice_prev : ndarray, shape (f, f, n_C_prev)
    W : ndarray, shape (f, f, n_C_prev)
    b : ndarray, shape (1, 1, 1) (or any single-element array / scalar)

    Returns
    -------
    Z : scalar of the input's dtype
    """
    a = check_float_array(a_slice_prev, "a_slice_prev", ndim=3)
    W = check_float_array(W, "W", ndim=3, shape=a.shape,
                          shape_names=("f", "f", "n_C_prev"))
    b = check_float_array(b, "b")
    if b.size != 1:
        raise ValueError(f"b must hold a single value (shape (1, 1, 1)), got shape {b.shape}")
    dtype = np.result_type(a.dtype, W.dtype)
    return dtype.type(np.sum(a * W, dtype=dtype) + b.reshape(()).astype(dtype))


def _check_conv_inputs(A_prev, W, b):
    A_prev = check_float_array(A_prev, "A_prev", ndim=4, shape=(None,) * 4,
                               shape_names=("m", "n_H_prev", "n_W_prev", "n_C_prev"))
    W = check_float_array(W, "W", ndim=4, shape=(None,) * 4,
                          shape_names=("f", "f", "n_C_prev", "n_C"))
    dtype = np.result_type(A_prev.dtype, W.dtype)
    n_C_prev = A_prev.shape[3]
    if W.shape[2] != n_C_prev:
        raise ValueError(f"W must have shape (f, f, n_C_prev={n_C_prev}, n_C) to match "
                         f"A_prev's {n_C_prev} channels, got {W.shape} (mismatched channels)")
    if W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"W must have a filter size f >= 1, got shape {W.shape}")
    n_C = W.shape[3]
    b = check_float_array(b, "b", ndim=(1, 4))
    if b.shape not in ((1, 1, 1, n_C), (n_C,)):
        raise ValueError(f"b must have shape (1, 1, 1, n_C={n_C}), got {b.shape}")
    A_prev = A_prev.astype(dtype, copy=False)
    W = W.astype(dtype, copy=False)
    b = np.ascontiguousarray(b.reshape(n_C), dtype=dtype)
    return A_prev, W, b


def _checked_geometry(A_prev, W, b, hparameters):
    """Checked ``A_prev, W, b`` and ``(stride, p_h, p_w, n_H, n_W)`` of a convolution."""
    s, pad = _hparameters(hparameters)
    A_prev, W, b = _check_conv_inputs(A_prev, W, b)
    p_h, p_w = resolve_padding(pad, W.shape[0], W.shape[1])
    return A_prev, W, b, conv_geometry(A_prev.shape, W.shape, s, p_h, p_w, "A_prev")


def conv_geometry(input_shape, filter_shape, s, p_h, p_w, name):
    """``(s, p_h, p_w, n_H, n_W)`` of a convolution of checked integers; refuses a window that
    does not fit and an image too large for the kernels (``name`` is the input's)."""
    n_H = _output_size(input_shape[1], filter_shape[0], p_h, s, f"{name} (height)")
    n_W = _output_size(input_shape[2], filter_shape[1], p_w, s, f"{name} (width)")
    check_image_size(input_shape[1] + 2 * p_h, input_shape[2] + 2 * p_w,
                     f"{name} padded by pad=({p_h}, {p_w})")
    return s, p_h, p_w, n_H, n_W


#: A convolution call is split across OpenMP threads only from this many
#: multiply-adds (``m n_H n_W f^2 n_C_prev n_C``).  16M while libgomp's workers spun
#: ~9 ms per region; with the short spin (dlnotes._threads) a LeNet-5 epoch, batch 32,
#: 2 threads: 16M 0.85-0.92 s, 2M 0.69-0.73 s.
PARALLEL_MIN_MACS = 2_000_000


#: ``conv_backward`` computes :math:`dA_{prev}` by the implicit GEMM (a stride-1
#: correlation of ``dZ`` with the flipped filters) when the stride is 1 and the layer
#: has at least this many input channels; otherwise (strides > 1, few input channels:
#: the register tile is 16 channels wide) by ``dZ W^T`` and a compiled col2im.
#: Measured (float32, dA alone, implicit / col2im, 1 / 2 threads): n_C_prev = 3: 1.54 /
#: 1.49, 6: 2.25 / 1.77, 8: 0.83-1.18 / 0.97-1.13, 16: 0.49 / 0.58.
IMPLICIT_DA_MIN_C = 16


def _threads(m, n_H, n_W, f_h, f_w, n_C_prev, n_C):
    """OpenMP threads for one call: one below PARALLEL_MIN_MACS multiply-adds."""
    if m * n_H * n_W * f_h * f_w * n_C_prev * n_C < PARALLEL_MIN_MACS:
        return 1
    return kernel_threads()


def _ig_chunk(rows, threads):  # output rows per chunk of the implicit GEMM: ~8 per thread
    return max(1, rows // (8 * threads))


def _plan(m, n_H, n_W, f_h, f_w, n_C_prev, n_C, itemsize, min_rows=1):
    """(chunk, threads): output rows per chunk and OpenMP threads for one col2im call."""
    threads = _threads(m, n_H, n_W, f_h, f_w, n_C_prev, n_C)
    rows = max(1, m * n_H)
    per_row = max(1, n_W * f_h * f_w * n_C_prev * itemsize)
    # two chunks per thread at least: the backward pass runs its even and odd chunks apart
    chunk = max(min_rows, 1, min(-(-rows // (2 * threads)), WORKSPACE_BYTES // per_row))
    n_chunks = -(-rows // chunk)
    return chunk, max(1, min(threads, n_chunks))


def conv_forward(A_prev, W, b, hparameters):
    r"""Forward pass of a convolution layer (the course's ``conv_forward``).

    .. math::

        Z[i, h, w, c] = \sum_{u=0}^{f-1}\sum_{v=0}^{f-1}\sum_{k=0}^{n_{C,prev}-1}
            A_{pad}[i,\, h s + u,\, w s + v,\, k]\; W[u, v, k, c] + b[c]

    with output size (per spatial axis, see :func:`conv_output_size`)

    .. math::

        n_H = \left\lfloor \frac{n_{H,prev} + 2p - f}{s} \right\rfloor + 1,\qquad
        n_W = \left\lfloor \frac{n_{W,prev} + 2p - f}{s} \right\rfloor + 1

    Parameters
    ----------
    A_prev : ndarray, shape (m, n_H_prev, n_W_prev, n_C_prev)
        Activations of the previous layer (float32 or float64; views are fine).
    W : ndarray, shape (f, f, n_C_prev, n_C)
        Filters (rectangular ``(f_h, f_w, ...)`` filters also work).
    b : ndarray, shape (1, 1, 1, n_C)
        Biases.
    hparameters : dict
        ``{"stride": s, "pad": p}``: ``s >= 1``; ``p`` a non-negative integer or
        ``"same"`` (:math:`p = (f-1)/2`, odd ``f``) or ``"valid"`` (:math:`p = 0`).

    Returns
    -------
    Z : ndarray, shape (m, n_H, n_W, n_C)
        Same dtype as the inputs.
    cache : tuple
        ``(A_prev, W, b, hparameters)`` for :func:`conv_backward`.

    Notes
    -----
    An implicit GEMM: register tiles of 6 positions x 16 channels read the
    windows in place from ``A_prev`` (no column buffer, no padded copy),
    against filters packed once per call (:doc:`/performance/cnn`).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotes.cnn import conv_forward
    >>> rng = np.random.default_rng(1)
    >>> A = rng.standard_normal((10, 5, 7, 4))
    >>> W = rng.standard_normal((3, 3, 4, 8))
    >>> b = rng.standard_normal((1, 1, 1, 8))
    >>> Z, cache = conv_forward(A, W, b, {"pad": 1, "stride": 2})
    >>> Z.shape
    (10, 3, 4, 8)
    """
    A_prev, W, b, geometry = _checked_geometry(A_prev, W, b, hparameters)
    Z = _conv_forward(A_prev, W, b, geometry)
    return Z, (A_prev, W, b.reshape(1, 1, 1, -1), hparameters)


# The public functions above and below check their arguments once and call these unchecked
# internals, which the layers (dlnotes.layers.conv) call directly after their own checks.

def _conv_forward(A_prev, W, b, geometry):
    """:func:`conv_forward` without the checks: ``A_prev (m, n_H_prev, n_W_prev, n_C_prev)``,
    ``W (f_h, f_w, n_C_prev, n_C)`` C-contiguous of one float dtype, ``b (n_C,)`` contiguous
    of that dtype, ``geometry = (s, p_h, p_w, n_H, n_W)`` as :func:`conv_geometry` returns it."""
    s, p_h, p_w, n_H, n_W = geometry
    m, _, _, n_C_prev = A_prev.shape
    f_h, f_w, _, n_C = W.shape
    Z = np.empty((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    threads = _threads(m, n_H, n_W, f_h, f_w, n_C_prev, n_C)
    # p_h / p_w zero rows and columns on each side (a last stride may stop short of them)
    _k.conv2d_ig_forward(A_prev, W.reshape(-1, n_C), b, Z, f_h, f_w, s, s, p_h, p_h, p_w,
                         p_w, _ig_chunk(m * n_H, threads), threads, True)
    return Z


def conv_backward(dZ, cache, need_dA_prev=True, need_dW=True):
    r"""Backward pass of a convolution layer (the course's ``conv_backward``).

    With :math:`dZ = \partial J/\partial Z` (for all :math:`h < n_H`, :math:`w < n_W`):

    .. math::

        dA_{pad}[i,\, hs{+}u,\, ws{+}v,\, k] &\mathrel{+}= \sum_c W[u, v, k, c]\; dZ[i, h, w, c] \\
        dW[u, v, k, c] &= \sum_{i, h, w} A_{pad}[i,\, hs{+}u,\, ws{+}v,\, k]\; dZ[i, h, w, c] \\
        db[c] &= \sum_{i, h, w} dZ[i, h, w, c]

    and :math:`dA_{prev} = dA_{pad}[:, p{:}p{+}n_{H,prev}, p{:}p{+}n_{W,prev}, :]`
    (the padding's gradient is dropped).  As in the course, :math:`dW` and
    :math:`db` are *sums* over the examples: no :math:`1/m` here (the loss's
    gradient carries it).

    Parameters
    ----------
    dZ : ndarray, shape (m, n_H, n_W, n_C)
    cache : tuple
        The cache returned by :func:`conv_forward`.
    need_dA_prev : bool
        If False, ``dA_prev`` is not computed (returned as None): saves
        the input-gradient product for a first layer.
    need_dW : bool
        If False, ``dW`` and ``db`` are not computed (returned as None): for a
        fixed filter bank (a style-transfer feature extractor, a frozen layer)
        only :math:`dA_{prev}` is needed, which saves the weight-gradient
        product, about half the backward pass.

    Returns
    -------
    dA_prev : ndarray, shape (m, n_H_prev, n_W_prev, n_C_prev), or None
    dW : ndarray, shape (f, f, n_C_prev, n_C), or None
    db : ndarray, shape (1, 1, 1, n_C), or None
    """
    if not isinstance(cache, tuple) or len(cache) != 4:
        raise TypeError("cache must be the (A_prev, W, b, hparameters) tuple returned by "
                        "conv_forward")
    # the course's cache is a plain tuple that callers may build, so it is checked too
    A_prev, W, _, geometry = _checked_geometry(*cache)
    dZ = check_dZ(dZ, A_prev, W, geometry)
    return _conv_backward(dZ, A_prev, W, geometry, need_dA_prev, need_dW)


def check_dZ(dZ, A_prev, W, geometry):
    """``dZ`` checked against the output shape ``(m, n_H, n_W, n_C)`` of a convolution."""
    shape = (A_prev.shape[0], geometry[3], geometry[4], W.shape[3])
    return check_float_array(dZ, "dZ", ndim=4, shape=shape,
                             shape_names=("m", "n_H", "n_W", "n_C"), dtype=A_prev.dtype)


def _conv_backward(dZ, A_prev, W, geometry, need_dA_prev=True, need_dW=True):
    """:func:`conv_backward` without the checks: ``dZ (m, n_H, n_W, n_C)`` C-contiguous in
    the dtype of ``A_prev`` and ``W``, which (with ``geometry``) are those that
    :func:`_conv_forward` was given."""
    s, p_h, p_w, n_H, n_W = geometry
    m, _, _, n_C_prev = A_prev.shape
    f_h, f_w, _, n_C = W.shape
    threads = _threads(m, n_H, n_W, f_h, f_w, n_C_prev, n_C)
    dA_prev, dW, db = None, np.empty(W.shape, A_prev.dtype), np.empty(n_C, A_prev.dtype)
    if need_dW:
        _k.conv2d_ig_dw(dZ, A_prev, dW, db, s, s, p_h, p_w, threads)
    if (need_dA_prev and s == 1 and p_h < f_h and p_w < f_w
            and n_C_prev >= IMPLICIT_DA_MIN_C):  # dZ padded by f-1-p (*) W flipped, k<->c
        dA_prev = np.empty(A_prev.shape, dtype=A_prev.dtype)
        W_flip = np.ascontiguousarray(W[::-1, ::-1].transpose(0, 1, 3, 2)).reshape(-1, n_C_prev)
        n_H_prev, n_W_prev = A_prev.shape[1:3]
        pt, pl = f_h - 1 - p_h, f_w - 1 - p_w
        _k.conv2d_ig_forward(dZ, W_flip, db, dA_prev, f_h, f_w, 1, 1, pt,
                             n_H_prev + f_h - 1 - n_H - pt, pl, n_W_prev + f_w - 1 - n_W - pl,
                             _ig_chunk(m * n_H_prev, threads), threads, False)
    elif need_dA_prev:
        dA_prev = np.zeros(A_prev.shape, dtype=A_prev.dtype)
        chunk, threads = _plan(m, n_H, n_W, f_h, f_w, n_C_prev, n_C, A_prev.itemsize,
                               min_rows=-(-f_h // s))
        with single_threaded_blas():  # one BLAS thread inside each OpenMP thread
            _k.conv2d_backward_col2im(dZ, W, dA_prev, s, s, p_h, p_w, chunk, threads)
    if not need_dW:
        return dA_prev, None, None
    return dA_prev, dW, db.reshape(1, 1, 1, n_C)
