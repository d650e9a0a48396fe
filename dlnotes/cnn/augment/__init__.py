r"""Data augmentation for image batches (the notes' CNN section, "Data augmentation").

The notes list four families of augmentation for small-data computer vision:

1. **mirroring**: :func:`flip`, :class:`RandomFlip`;
2. **random cropping**: :func:`crop`, :class:`RandomCrop` (with padding, as used for small
   images) and :func:`resized_crop`, :class:`RandomResizedCrop`;
3. **rotation, shearing, local warping**: :func:`affine_warp`, :func:`rotate`,
   :class:`RandomAffine` (rotation, shear, scale, translation) and :func:`displacement_warp`,
   :func:`elastic_warp`, :class:`ElasticWarp` (a smoothed random displacement field);
4. **colour shifting**: :func:`channel_shift`, :class:`ChannelShift`, AlexNet's PCA colour
   augmentation (:func:`pca_colour_basis`, :func:`pca_colour`, :class:`PCAColour`) and
   :func:`brightness_contrast`, :class:`BrightnessContrast`.

Images are batches ``X.shape == (m, n_H, n_W, n_C)`` of float32 or float64 values; every
function returns a new array of the input's dtype.  Randomness comes from an explicit
:class:`numpy.random.Generator` (``rng=``) or a ``seed=``.

**Coordinates.** Pixel centres sit at integer coordinates, :math:`x` is the column and
:math:`y` the row (scikit-image's convention).  A geometric transform is given by its forward
map from input to output coordinates; the output is computed backwards: output pixel
:math:`(x, y)` takes the bilinear interpolation of the input at :math:`M^{-1}(x, y)`.
Neighbours outside the image follow the border ``mode``: ``"constant"`` (``cval``),
``"edge"`` (nearest edge pixel), ``"reflect"`` (mirror about the edge pixel: *d c b | a b c d |
c b a*), ``"symmetric"`` (edge pixel repeated: *c b a | a b c d | d c b*) or ``"wrap"``;
the same rules as :func:`skimage.transform.warp`, which the tests use as the oracle.

**Pipelines.** :class:`Compose` chains transforms and is the hook for training loops:
``X_batch = augment(X_batch, rng)`` returns a new, augmented batch.  It runs consecutive
geometric transforms as *one* resampling (their inverse maps multiplied), and a colour
transform that follows folds into the same pass: one interpolation instead of several, so it
is faster and blurs less.  ``Compose(..., fuse=False)`` applies the transforms one by one;
both consume the same random numbers, and agree except near the borders of intermediate
images (a fused pipeline still sees pixels that an intermediate crop would have cut away).

The resampling runs in the compiled kernel ``dlnotes._kernels.augment`` (threads over the
rows of all the images of the batch).
"""
from __future__ import annotations

import numbers

import numpy as np

from dlnotes._kernels import augment as _k
from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.cnn.conv import MAX_SIDE

#: Largest displacement (pixels) :func:`displacement_warp` accepts: float32 coordinates
#: stop resolving whole pixels beyond 2**24.
MAX_DISPLACEMENT = 2**24

__all__ = ["MODES", "flip", "crop", "resized_crop", "affine_matrix", "affine_warp", "rotate",
           "displacement_warp", "elastic_displacement", "elastic_warp", "channel_shift",
           "brightness_contrast", "pca_colour_basis", "pca_colour",
           "RandomFlip", "RandomCrop", "RandomResizedCrop", "RandomAffine", "ElasticWarp",
           "ChannelShift", "PCAColour", "BrightnessContrast", "Compose"]

#: Border modes of the geometric transforms (the names of :func:`skimage.transform.warp`).
MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
_MODE_CODE = {name: code for code, name in enumerate(MODES)}

_NAMES = ("m", "n_H", "n_W", "n_C")


# --------------------------------------------------------------------------- validation
def _check_images(X, name="X"):
    """A C-contiguous float32/float64 batch (m, n_H, n_W, n_C), or a clear error."""
    if isinstance(X, np.ndarray) and X.ndim in (2, 3):
        hint = ("a single image needs a batch axis, e.g. X[None]" if X.ndim == 3 else
                "a grey image needs batch and channel axes, e.g. X[None, :, :, None]")
        raise ValueError(f"{name} must be a 4-dimensional batch (m, n_H, n_W, n_C), got shape "
                         f"{X.shape}: {hint}")
    X = check_float_array(X, name, ndim=4, shape=(None,) * 4, shape_names=_NAMES)
    _, n_H, n_W, n_C = X.shape
    if n_H in (1, 3) and n_C > 4 and n_W > 4:
        raise ValueError(f"{name} looks channels-first (m, n_C, n_H, n_W) = {X.shape}; images "
                         f"are (m, n_H, n_W, n_C): use {name}.transpose(0, 2, 3, 1)")
    return X


def _check_mode(mode, cval):
    check_choice(mode, "mode", MODES)
    return _MODE_CODE[mode], check_scalar(cval, "cval")


def _check_size(size, name="size"):
    """An output size (h, w) from an int or a pair of positive ints."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"{name} must be an int or a pair (height, width), got {size!r}")
    return tuple(check_scalar(s, f"{name}[{k}]", low=1, integer=True) for k, s in enumerate(size))


def _per_image(value, name, m, *, integer=False, low=None, high=None):
    """A scalar or an (m,) array of per-image values, as an (m,) float64 or int64 array."""
    if np.ndim(value) == 0:
        v = check_scalar(value, name, low=low, high=high, integer=integer)
        return np.full(m, v, dtype=np.int64 if integer else np.float64)
    arr = np.asarray(value)
    if arr.shape != (m,):
        raise ValueError(f"{name} must be a scalar or have shape (m,) = ({m},), got {arr.shape}")
    if integer:
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
    else:
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity")
    if low is not None and arr.size and arr.min() < low:
        raise ValueError(f"{name} must be >= {low}, got {arr.min()!r}")
    if high is not None and arr.size and arr.max() > high:
        raise ValueError(f"{name} must be <= {high}, got {arr.max()!r}")
    return arr


def _range(value, name, *, symmetric=True, low=None, center=0.0):
    """``x`` -> ``(center - x, center + x)`` (symmetric) or a validated ``(lo, hi)`` pair."""
    if np.ndim(value) == 0:
        v = check_scalar(value, name, low=0)
        if not symmetric:
            return (v, v)
        return (center - v, center + v)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a number or a pair (low, high), got {value!r}")
    lo = check_scalar(value[0], f"{name}[0]", low=low)
    hi = check_scalar(value[1], f"{name}[1]", low=low)
    if lo > hi:
        raise ValueError(f"{name} must be a pair (low, high) with low <= high, got {value!r}")
    return (lo, hi)


def _check_p(p):
    return check_scalar(p, "p", low=0, high=1)


# --------------------------------------------------------------------------- the sampler
_NO_DISP = {np.dtype(np.float32): np.empty((0, 0, 0, 2), np.float32),
            np.dtype(np.float64): np.empty((0, 0, 0, 2), np.float64)}
_NO_COLOUR = {np.dtype(np.float32): np.empty((0, 0), np.float32),
              np.dtype(np.float64): np.empty((0, 0), np.float64)}


def _sample(X, T, out_hw, mode_code, cval, disp=None, gain=None, offset=None, clip=None):
    """Run the compiled sampler: ``T`` (m, 3, 3) inverse maps (output -> input)."""
    m, _, _, C = X.shape
    out = np.empty((m, out_hw[0], out_hw[1], C), dtype=X.dtype)
    T2 = np.ascontiguousarray(np.broadcast_to(T, (m, 3, 3))[:, :2, :], dtype=np.float64)
    d = _NO_DISP[X.dtype] if disp is None else np.ascontiguousarray(disp, dtype=X.dtype)
    use_colour = gain is not None
    if use_colour:
        gain = np.ascontiguousarray(gain, dtype=X.dtype)
        offset = np.ascontiguousarray(offset, dtype=X.dtype)
    else:
        gain = offset = _NO_COLOUR[X.dtype]
    lo, hi = (0.0, 0.0) if clip is None else clip
    _k.warp(X, out, T2, d, disp is not None, gain, offset, use_colour, mode_code, float(cval),
            clip is not None, float(lo), float(hi))
    return out


def _colour(X, gain, offset, clip=None, out=None):
    """Run the compiled per-channel map ``gain * X + offset`` (then clip) over the batch."""
    if out is None:
        out = np.empty_like(X)
    lo, hi = (0.0, 0.0) if clip is None else clip
    _k.colour(X, out, np.ascontiguousarray(gain, dtype=X.dtype),
              np.ascontiguousarray(offset, dtype=X.dtype), clip is not None, float(lo), float(hi))
    return out


def _translation(tx, ty):
    m = len(tx)
    T = np.zeros((m, 3, 3))
    T[:, 0, 0] = T[:, 1, 1] = T[:, 2, 2] = 1.0
    T[:, 0, 2] = tx
    T[:, 1, 2] = ty
    return T


def _flip_inverse(n_H, n_W, horizontal, vertical):
    """Inverse maps of per-image mirrors: x_in = (n_W - 1) - x_out where flipped."""
    horizontal = np.asarray(horizontal, dtype=bool)
    vertical = np.asarray(vertical, dtype=bool)
    m = len(horizontal)
    T = np.zeros((m, 3, 3))
    T[:, 0, 0] = np.where(horizontal, -1.0, 1.0)
    T[:, 0, 2] = np.where(horizontal, n_W - 1.0, 0.0)
    T[:, 1, 1] = np.where(vertical, -1.0, 1.0)
    T[:, 1, 2] = np.where(vertical, n_H - 1.0, 0.0)
    T[:, 2, 2] = 1.0
    return T


def _resize_inverse(boxes, out_hw):
    """Inverse maps of crop-and-resize: box (top, left, height, width) -> out_hw, centres aligned."""
    top, left, h, w = (boxes[:, k] for k in range(4))
    sy, sx = h / out_hw[0], w / out_hw[1]
    T = np.zeros((len(boxes), 3, 3))
    T[:, 0, 0] = sx
    T[:, 0, 2] = left + 0.5 * sx - 0.5
    T[:, 1, 1] = sy
    T[:, 1, 2] = top + 0.5 * sy - 0.5
    T[:, 2, 2] = 1.0
    return T


# --------------------------------------------------------------------------- functional API
def flip(X, axis="horizontal"):
    r"""Mirror every image of a batch (the notes' augmentation 1, "mirroring").

    .. math::

        \text{horizontal: } X'[i, y, x, c] = X[i,\, y,\, n_W - 1 - x,\, c], \qquad
        \text{vertical: } X'[i, y, x, c] = X[i,\, n_H - 1 - y,\, x,\, c]

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
        float32 or float64 images.
    axis : {"horizontal", "vertical", "both"}
        ``"horizontal"`` mirrors left-right (the usual augmentation), ``"vertical"`` top-bottom.

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
        A new array; the values are copied exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotes.cnn.augment import flip
    >>> flip(np.arange(3.0).reshape(1, 1, 3, 1))[0, 0, :, 0]
    array([2., 1., 0.])
    """
    check_choice(axis, "axis", ("horizontal", "vertical", "both"))
    X = _check_images(X)
    sl = (slice(None),
          slice(None, None, -1) if axis in ("vertical", "both") else slice(None),
          slice(None, None, -1) if axis in ("horizontal", "both") else slice(None))
    return np.ascontiguousarray(X[sl])


def crop(X, top, left, size, padding=0, mode="constant", cval=0.0):
    r"""Crop a window from every (padded) image of a batch (the notes' augmentation 2).

    The images are first padded by ``padding`` pixels on each side (filled by the border
    ``mode``), then the window of ``size`` whose top-left corner is at ``(top, left)`` in the
    padded image is cut out:

    .. math::

        X'[i, y, x, c] = X_{pad}[i,\, t_i + y,\, l_i + x,\, c]
                       = X[i,\, t_i - p + y,\, l_i - p + x,\, c]

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    top, left : int or ndarray of int, shape (m,)
        Corner of each image's window in the padded image, with
        :math:`0 \le t_i \le n_H + 2p - h` and :math:`0 \le l_i \le n_W + 2p - w`.
    size : int or (int, int)
        Window size ``(h, w)``; at most the padded size.
    padding : int
        Pixels added on each side before cropping (4 for 32x32 images is the classic choice).
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}
        How the padding is filled.
    cval : float
        Fill value of ``mode="constant"``.

    Returns
    -------
    ndarray, shape (m, h, w, n_C)
        Values copied exactly (no interpolation).
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    h, w = _check_size(size)
    p = check_scalar(padding, "padding", low=0, high=MAX_SIDE, integer=True)
    code, cval = _check_mode(mode, cval)
    if h > n_H + 2 * p or w > n_W + 2 * p:
        raise ValueError(f"size (h, w) = {(h, w)} is larger than the padded image "
                         f"(n_H + 2*padding, n_W + 2*padding) = {(n_H + 2 * p, n_W + 2 * p)}")
    top = _per_image(top, "top", m, integer=True, low=0, high=n_H + 2 * p - h)
    left = _per_image(left, "left", m, integer=True, low=0, high=n_W + 2 * p - w)
    T = _translation((left - p).astype(np.float64), (top - p).astype(np.float64))
    return _sample(X, T, (h, w), code, cval)


def resized_crop(X, boxes, size):
    r"""Cut a box out of every image and resize it bilinearly to ``size`` (augmentation 2).

    With the box's top-left corner :math:`(t_i, l_i)` and size :math:`(b_h, b_w)`, output
    pixel :math:`(x, y)` samples the input at (pixel centres aligned, as in
    :func:`skimage.transform.resize` and OpenCV's ``resize``)

    .. math::

        x_{in} = l_i + \left(x + \tfrac12\right)\frac{b_w}{w} - \tfrac12, \qquad
        y_{in} = t_i + \left(y + \tfrac12\right)\frac{b_h}{h} - \tfrac12

    with border mode ``"edge"``.  No anti-aliasing filter is applied when shrinking.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    boxes : array_like, shape (m, 4) or (4,)
        ``(top, left, height, width)`` of each box, in pixels (may be fractional), inside
        the image: :math:`t \ge 0`, :math:`l \ge 0`, :math:`t + b_h \le n_H`,
        :math:`l + b_w \le n_W`, :math:`b_h, b_w > 0`.
    size : int or (int, int)
        Output size ``(h, w)``.

    Returns
    -------
    ndarray, shape (m, h, w, n_C)
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    out_hw = _check_size(size)
    b = np.asarray(boxes)
    if b.dtype.kind not in "iuf":
        raise TypeError(f"boxes must hold real numbers, got dtype {b.dtype}")
    b = np.broadcast_to(b.astype(np.float64), (m, 4)) if b.shape == (4,) else b.astype(np.float64)
    if b.shape != (m, 4):
        raise ValueError(f"boxes must have shape (m, 4) = ({m}, 4) or (4,), got {np.shape(boxes)}")
    top, left, bh, bw = b.T
    eps = 1e-9
    if (not np.isfinite(b).all() or (bh <= 0).any() or (bw <= 0).any() or (top < -eps).any()
            or (left < -eps).any() or (top + bh > n_H + eps).any()
            or (left + bw > n_W + eps).any()):
        raise ValueError(f"boxes must be (top, left, height, width) inside the {n_H}x{n_W} "
                         f"images with positive height and width")
    return _sample(X, _resize_inverse(b, out_hw), out_hw, _MODE_CODE["edge"], 0.0)


def affine_matrix(rotation=0.0, shear=0.0, scale=1.0, translate=(0.0, 0.0), center=(0.0, 0.0)):
    r"""Forward affine maps built from rotation, shear, scale and translation (augmentation 3).

    In pixel coordinates :math:`(x, y)` (column, row; :math:`y` points down), about the
    centre :math:`c`:

    .. math::

        M = T(c + t)\, R(\theta)\, S_h(\phi)\, \operatorname{diag}(s, s, 1)\, T(-c), \quad
        R(\theta) = \begin{bmatrix} \cos\theta & \sin\theta & 0 \\
                                    -\sin\theta & \cos\theta & 0 \\ 0 & 0 & 1 \end{bmatrix}, \quad
        S_h(\phi) = \begin{bmatrix} 1 & -\tan\phi & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 1 \end{bmatrix}

    A positive angle :math:`\theta` turns the image counter-clockwise on the screen (as
    :func:`skimage.transform.rotate`), a positive shear :math:`\phi` slants vertical lines
    to the left going down.

    Parameters
    ----------
    rotation : float or ndarray, shape (m,)
        :math:`\theta` in degrees.
    shear : float or ndarray, shape (m,)
        :math:`\phi` in degrees, in (-90, 90).
    scale : float or ndarray, shape (m,)
        Zoom factor :math:`s > 0` (above 1 enlarges).
    translate : (float, float) or ndarray, shape (m, 2)
        Shift :math:`t = (t_x, t_y)` in pixels.
    center : (float, float)
        :math:`c = (c_x, c_y)`; for an :math:`n_H \times n_W` image its centre is
        :math:`((n_W - 1)/2, (n_H - 1)/2)`.

    Returns
    -------
    ndarray, shape (3, 3) or (m, 3, 3)
        The forward map(s); (m, 3, 3) when any argument is per image.
    """
    vals = {"rotation": rotation, "shear": shear, "scale": scale}
    arrs = {k: np.asarray(v, dtype=np.float64) for k, v in vals.items()}
    t = np.asarray(translate, dtype=np.float64)
    cen = np.asarray(center, dtype=np.float64)
    for k, a in arrs.items():
        if a.ndim > 1:
            raise ValueError(f"{k} must be a scalar or have shape (m,), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"{k} contains NaN or infinity")
    if t.shape[-1:] != (2,) or t.ndim > 2 or not np.isfinite(t).all():
        raise ValueError(f"translate must be finite with shape (2,) or (m, 2), got {t.shape}")
    if cen.shape != (2,) or not np.isfinite(cen).all():
        raise ValueError(f"center must be a finite pair (c_x, c_y), got {center!r}")
    if (arrs["scale"] <= 0).any():
        raise ValueError(f"scale must be > 0, got {scale!r}")
    if (np.abs(arrs["shear"]) >= 90).any():
        raise ValueError(f"shear must be in (-90, 90) degrees, got {shear!r}")
    sizes = {a.shape[0] for a in arrs.values() if a.ndim == 1} | ({t.shape[0]} if t.ndim == 2
                                                                  else set())
    if len(sizes) > 1:
        raise ValueError(f"per-image arguments must share one length m, got lengths {sorted(sizes)}")
    batch = bool(sizes)
    m = sizes.pop() if batch else 1
    th = np.deg2rad(np.broadcast_to(arrs["rotation"], (m,)))
    ph = np.deg2rad(np.broadcast_to(arrs["shear"], (m,)))
    s = np.broadcast_to(arrs["scale"], (m,))
    t = np.broadcast_to(t, (m, 2))
    cos, sin, tan = np.cos(th), np.sin(th), np.tan(ph)
    # A = R(theta) @ Sh(phi) @ diag(s, s)
    A = np.empty((m, 2, 2))
    A[:, 0, 0] = cos * s
    A[:, 0, 1] = (-cos * tan + sin) * s
    A[:, 1, 0] = -sin * s
    A[:, 1, 1] = (sin * tan + cos) * s
    M = np.zeros((m, 3, 3))
    M[:, :2, :2] = A
    M[:, :2, 2] = cen + t - A @ cen
    M[:, 2, 2] = 1.0
    return M if batch else M[0]


def _check_matrix(matrix, m, name="matrix"):
    M = np.asarray(matrix)
    if M.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {M.dtype}")
    M = M.astype(np.float64)
    if M.shape in ((2, 3), (m, 2, 3)):
        last = np.zeros(M.shape[:-2] + (1, 3))
        last[..., 0, 2] = 1.0
        M = np.concatenate([M, last], axis=-2)
    if M.shape not in ((3, 3), (m, 3, 3)):
        raise ValueError(f"{name} must have shape (3, 3), (2, 3), (m, 3, 3) or (m, 2, 3) with "
                         f"m = {m}, got {np.shape(matrix)}")
    if not np.isfinite(M).all():
        raise ValueError(f"{name} contains NaN or infinity")
    if not np.allclose(M[..., 2, :], [0.0, 0.0, 1.0]):
        raise ValueError(f"{name} must be affine: its last row must be (0, 0, 1)")
    det = np.linalg.det(M[..., :2, :2])
    if (np.abs(det) < 1e-12).any():
        raise ValueError(f"{name} must be invertible (its 2x2 part is singular)")
    return M


def affine_warp(X, matrix, output_shape=None, mode="constant", cval=0.0):
    r"""Apply affine maps to a batch with bilinear sampling (the notes' augmentation 3).

    ``matrix`` maps input to output coordinates; each output pixel is interpolated at its
    pre-image (pixel centres at integers, :math:`x` = column, :math:`y` = row):

    .. math::

        \begin{bmatrix} u \\ v \\ 1 \end{bmatrix} = M_i^{-1}
        \begin{bmatrix} x \\ y \\ 1 \end{bmatrix}, \qquad
        X'[i, y, x, c] = \sum_{a, b \in \{0, 1\}} w_a(u)\, w_b(v)\,
        \tilde X[i,\, \lfloor v \rfloor + b,\, \lfloor u \rfloor + a,\, c]

    with :math:`w_0(u) = 1 - (u - \lfloor u \rfloor)`, :math:`w_1(u) = u - \lfloor u \rfloor`,
    and :math:`\tilde X` the image extended by the border ``mode``.  Identical to
    ``skimage.transform.warp(X[i], AffineTransform(matrix=M_i).inverse, order=1, mode=mode,
    cval=cval)`` channel by channel.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    matrix : array_like, shape (3, 3), (2, 3), (m, 3, 3) or (m, 2, 3)
        Forward map(s) :math:`M_i` (one for the whole batch, or one per image), e.g. from
        :func:`affine_matrix`.
    output_shape : (int, int), optional
        ``(h, w)`` of the output; default the input's.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}
    cval : float
        Value outside the image when ``mode="constant"``.

    Returns
    -------
    ndarray, shape (m, h, w, n_C)
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    out_hw = (n_H, n_W) if output_shape is None else _check_size(output_shape, "output_shape")
    code, cval = _check_mode(mode, cval)
    M = _check_matrix(matrix, m)
    return _sample(X, np.linalg.inv(M), out_hw, code, cval)


def _center(n_H, n_W):
    return ((n_W - 1) / 2.0, (n_H - 1) / 2.0)


def rotate(X, angle, mode="constant", cval=0.0):
    r"""Rotate every image about its centre, bilinearly (the notes' augmentation 3).

    .. math::

        \begin{bmatrix} u - c_x \\ v - c_y \end{bmatrix} =
        \begin{bmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{bmatrix}
        \begin{bmatrix} x - c_x \\ y - c_y \end{bmatrix}, \qquad
        c = \left(\tfrac{n_W - 1}{2}, \tfrac{n_H - 1}{2}\right)

    (output pixel :math:`(x, y)` samples the input at :math:`(u, v)`, see
    :func:`affine_warp`); the same as :func:`skimage.transform.rotate` with ``order=1``.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    angle : float or ndarray, shape (m,)
        :math:`\theta` in degrees, counter-clockwise; one for all or one per image.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}
    cval : float

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    angle = _per_image(angle, "angle", m)
    M = affine_matrix(rotation=angle, center=_center(n_H, n_W))
    return affine_warp(X, M, mode=mode, cval=cval)


def displacement_warp(X, displacement, mode="constant", cval=0.0):
    r"""Warp every image by a per-pixel displacement field (local warping, augmentation 3).

    .. math::

        X'[i, y, x, c] = \tilde X\bigl[i,\; y + \Delta_y[i, y, x],\; x + \Delta_x[i, y, x],\;
        c\bigr]

    sampled bilinearly (see :func:`affine_warp` for the weights and the border ``mode``).

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    displacement : ndarray, shape (m, n_H, n_W, 2)
        :math:`(\Delta_x, \Delta_y)` in pixels, x (column) first.
    mode, cval
        Border handling, as in :func:`affine_warp`.

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
        The warped batch, in the dtype of ``X``.
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    code, cval = _check_mode(mode, cval)
    D = check_float_array(displacement, "displacement", ndim=4, shape=(m, n_H, n_W, 2),
                          shape_names=("m", "n_H", "n_W", "2"), dtype=X.dtype, finite=True)
    if D.size and np.max(np.abs(D)) > MAX_DISPLACEMENT:
        # the sampler floors coordinates to C ints, and float32 coordinates lose whole pixels
        # beyond 2**24: refuse rather than return garbage
        raise ValueError(f"displacement has values up to {np.max(np.abs(D)):.3g} pixels; "
                         f"|displacement| <= {MAX_DISPLACEMENT} (2**24) is supported")
    return _sample(X, np.eye(3), (n_H, n_W), code, cval, disp=D)


def elastic_displacement(shape, alpha, sigma, rng=None, seed=None, dtype=np.float64):
    r"""Random smooth displacement fields for elastic distortion (Simard et al., 2003).

    Each component is white noise :math:`U(-1, 1)` smoothed by a Gaussian of standard
    deviation :math:`\sigma` pixels and scaled by :math:`\alpha`:

    .. math::

        \Delta_x = \alpha\, (G_\sigma * U_x), \qquad \Delta_y = \alpha\, (G_\sigma * U_y),
        \qquad U_x, U_y \sim U(-1, 1)^{n_H \times n_W}

    Small :math:`\sigma` gives near-random (jittery) fields, large :math:`\sigma` near-constant
    shifts; :math:`\alpha = 34, \sigma = 4` are Simard's values for 28x28 digits.

    Parameters
    ----------
    shape : (int, int, int)
        ``(m, n_H, n_W)``.
    alpha : float
        Strength in pixels, >= 0.
    sigma : float
        Smoothing in pixels, > 0.
    rng, seed : numpy.random.Generator or int, optional
    dtype : float32 or float64

    Returns
    -------
    ndarray, shape (m, n_H, n_W, 2)
        :math:`(\Delta_x, \Delta_y)`, for :func:`displacement_warp`.
    """
    from scipy.ndimage import gaussian_filter

    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise TypeError(f"shape must be (m, n_H, n_W), got {shape!r}")
    m, n_H, n_W = (check_scalar(s, f"shape[{k}]", low=0, integer=True) for k, s in
                   enumerate(shape))
    alpha = check_scalar(alpha, "alpha", low=0)
    sigma = check_scalar(sigma, "sigma", low=0, low_inclusive=False)
    rng = as_rng(rng, seed)
    U = rng.uniform(-1.0, 1.0, size=(m, n_H, n_W, 2))
    D = gaussian_filter(U, sigma=(0, sigma, sigma, 0), mode="reflect")
    D *= alpha
    return D.astype(dtype, copy=False)


def elastic_warp(X, alpha=34.0, sigma=4.0, mode="constant", cval=0.0, rng=None, seed=None):
    r"""Elastic distortion: :func:`displacement_warp` by a random smooth field.

    .. math::

        X' = \operatorname{warp}\bigl(X,\; \alpha\, G_\sigma * U\bigr), \qquad
        U \sim U(-1, 1)^{m \times n_H \times n_W \times 2}

    (see :func:`elastic_displacement` and :func:`displacement_warp`).

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    alpha, sigma : float
        Strength and smoothness in pixels.
    mode, cval
        Border handling, see :func:`affine_warp`.
    rng, seed : numpy.random.Generator or int, optional

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    D = elastic_displacement((m, n_H, n_W), alpha, sigma, rng=rng, seed=seed, dtype=X.dtype)
    return displacement_warp(X, D, mode=mode, cval=cval)


def _check_clip(clip):
    if clip is None:
        return None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip must be None or a pair (low, high), got {clip!r}")
    lo, hi = check_scalar(clip[0], "clip[0]"), check_scalar(clip[1], "clip[1]")
    if lo > hi:
        raise ValueError(f"clip must be (low, high) with low <= high, got {clip!r}")
    return (lo, hi)


def _per_channel(value, name, m, C):
    """A scalar, (C,) or (m, C) array broadcast to (m, C) float64."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[-1] != C) or (arr.ndim == 2
                                                                  and arr.shape[0] != m):
        raise ValueError(f"{name} must be a scalar or have shape (n_C,) = ({C},) or "
                         f"(m, n_C) = ({m}, {C}), got {arr.shape}")
    arr = np.broadcast_to(arr.astype(np.float64), (m, C))
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def channel_shift(X, offsets, clip=None):
    r"""Add an offset to each colour channel (the notes' augmentation 4, "colour shifting").

    .. math::

        X'[i, y, x, c] = X[i, y, x, c] + o_{i,c}

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    offsets : float or array_like, shape (n_C,) or (m, n_C)
        :math:`o`: one per channel, optionally one per image and channel.
    clip : (float, float), optional
        Clip the result to ``[low, high]`` (e.g. ``(0, 1)``).

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    o = _per_channel(offsets, "offsets", m, C)
    return _colour(X, np.ones((m, C)), o, _check_clip(clip))


def brightness_contrast(X, brightness=0.0, contrast=1.0, clip=None):
    r"""Change the brightness and contrast of each image (colour augmentation, family 4).

    Contrast scales the deviations from the image's mean :math:`\mu_i` (over its pixels and
    channels), brightness adds a constant:

    .. math::

        X'[i, y, x, c] = \alpha_i \bigl(X[i, y, x, c] - \mu_i\bigr) + \mu_i + \beta_i, \qquad
        \mu_i = \frac{1}{n_H n_W n_C}\sum_{y, x, c} X[i, y, x, c]

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    brightness : float or ndarray, shape (m,)
        :math:`\beta` (0 leaves the image unchanged).
    contrast : float or ndarray, shape (m,)
        :math:`\alpha \ge 0` (1 leaves the image unchanged, 0 makes it flat grey).
    clip : (float, float), optional
        Clip the result to ``[low, high]``.

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
        A new batch; :math:`\mu_i` is computed in float64.
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    beta = _per_image(brightness, "brightness", m)
    alpha = _per_image(contrast, "contrast", m, low=0)
    mu = X.mean(axis=(1, 2, 3), dtype=np.float64)
    gain = np.repeat(alpha[:, None], C, axis=1)
    offset = np.repeat(((1 - alpha) * mu + beta)[:, None], C, axis=1)
    return _colour(X, gain, offset, _check_clip(clip))


def pca_colour_basis(X):
    r"""Eigen-decomposition of the channel covariance of a training set (AlexNet's PCA colour).

    Every pixel of every image is one sample of an :math:`n_C`-vector:

    .. math::

        \Sigma = \frac{1}{N}\sum_{i, y, x} (X_{i y x} - \bar X)(X_{i y x} - \bar X)^\top
               = P \Lambda P^\top, \qquad N = m\, n_H n_W

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
        The training images (``n_C >= 1``; 3 for RGB).

    Returns
    -------
    eigenvalues : ndarray, shape (n_C,)
        :math:`\lambda_1 \ge \dots \ge \lambda_{n_C} \ge 0`, float64.
    eigenvectors : ndarray, shape (n_C, n_C)
        :math:`P`, column :math:`k` the unit eigenvector of :math:`\lambda_k`.
    """
    X = _check_images(X)
    if X.shape[0] * X.shape[1] * X.shape[2] < 2 or X.shape[3] == 0:
        raise ValueError(f"X must hold at least 2 pixels and 1 channel, got shape {X.shape}")
    P = X.reshape(-1, X.shape[3]).astype(np.float64, copy=False)
    mean = P.mean(axis=0)
    cov = (P - mean).T @ (P - mean) / P.shape[0]
    lam, vec = np.linalg.eigh(cov)
    order = np.argsort(lam)[::-1]
    return np.clip(lam[order], 0.0, None), vec[:, order]


def _pca_offsets(alphas, eigenvalues, eigenvectors):
    return (alphas * eigenvalues) @ eigenvectors.T


def pca_colour(X, alphas, eigenvalues, eigenvectors, clip=None):
    r"""Add AlexNet's PCA colour offset to every pixel (Krizhevsky et al., 2012; family 4).

    Each image gets one offset along the principal components of the training set's colours
    (:func:`pca_colour_basis`), weighted by the eigenvalues:

    .. math::

        X'[i, y, x, :] = X[i, y, x, :] + P\,
        \bigl(\alpha_{i1}\lambda_1, \dots, \alpha_{i n_C}\lambda_{n_C}\bigr)^\top,
        \qquad \alpha_{ik} \sim \mathcal N(0, 0.1^2) \text{ in the paper}

    The offset is in the units of the images: the eigenvalues of images scaled to [0, 1]
    are about :math:`255^2` times smaller than those of 8-bit values.

    Parameters
    ----------
    X : ndarray, shape (m, n_H, n_W, n_C)
    alphas : array_like, shape (m, n_C) or (n_C,)
        :math:`\alpha` (draw them with :class:`PCAColour` for the random augmentation).
    eigenvalues : array_like, shape (n_C,)
    eigenvectors : array_like, shape (n_C, n_C)
    clip : (float, float), optional

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, _, _, C = X.shape
    lam, vec = _check_basis(eigenvalues, eigenvectors, C)
    a = _per_channel(alphas, "alphas", m, C)
    return _colour(X, np.ones((m, C)), _pca_offsets(a, lam, vec), _check_clip(clip))


def _check_basis(eigenvalues, eigenvectors, C=None):
    lam = check_float_array(eigenvalues, "eigenvalues", ndim=1, finite=True).astype(np.float64)
    n = lam.shape[0] if C is None else C
    if lam.shape != (n,):
        raise ValueError(f"eigenvalues must have shape (n_C,) = ({n},), got {lam.shape}")
    vec = check_float_array(eigenvectors, "eigenvectors", ndim=2, shape=(n, n),
                            shape_names=("n_C", "n_C"), finite=True).astype(np.float64)
    if (lam < 0).any():
        raise ValueError("eigenvalues must be >= 0 (variances)")
    return lam, vec


# --------------------------------------------------------------------------- transforms
class _Geometry:
    """A planned geometric step: inverse maps T (m, 3, 3), output size, border, displacement.

    ``mode=None`` marks a step that (almost) never samples outside its input (mirrors,
    resized crops inside the image): fused with others it adopts their border mode, alone it
    runs with ``fallback``.
    """

    def __init__(self, T, out_hw, mode, cval, disp=None, fallback="constant"):
        self.T, self.out_hw, self.mode, self.cval, self.disp = T, out_hw, mode, cval, disp
        self.fallback = fallback


class _Colour:
    r"""A planned colour step :math:`x'_c = g_c x_c + o_c + k_c \bar\mu` (all (m, C))."""

    def __init__(self, gain, offset, mean_coef=None):
        self.gain, self.offset, self.mean_coef = gain, offset, mean_coef


class _Transform:
    """Base of the random transforms: ``t(X, rng)`` applies one transform (see :class:`Compose`)."""

    def __call__(self, X, rng=None, seed=None):
        return Compose([self])(X, rng=rng if rng is not None else as_rng(seed=seed))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"


def _apply_mask(rng, m, p):
    return rng.random(m) < p


class RandomFlip(_Transform):
    r"""Mirror each image with probability ``p`` (the notes' augmentation 1).

    .. math::

        X'_i = \begin{cases} \operatorname{flip}(X_i) & u_i < p \\ X_i & \text{otherwise}
        \end{cases}, \qquad u_i \sim U(0, 1)

    (independent draws for the horizontal and the vertical mirror; see :func:`flip`).

    Parameters
    ----------
    horizontal, vertical : bool
        Which mirrors may be applied (default left-right only).
    p : float
        Probability of each enabled mirror.
    """

    kind = "geometry"

    def __init__(self, horizontal=True, vertical=False, p=0.5):
        self.horizontal, self.vertical, self.p = bool(horizontal), bool(vertical), _check_p(p)

    def _config(self):
        return {"horizontal": self.horizontal, "vertical": self.vertical, "p": self.p}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        hz = _apply_mask(rng, m, self.p) & self.horizontal
        vt = _apply_mask(rng, m, self.p) & self.vertical
        return _Geometry(_flip_inverse(n_H, n_W, hz, vt), (n_H, n_W), None, 0.0)


class RandomCrop(_Transform):
    r"""Pad each image, then cut a window at a random position (the notes' augmentation 2).

    .. math::

        X'_i = X_{pad,i}[t_i : t_i + h,\; l_i : l_i + w], \qquad
        t_i \sim U\{0, \dots, n_H + 2p - h\},\; l_i \sim U\{0, \dots, n_W + 2p - w\}

    (see :func:`crop`; exact copies, no interpolation).

    Parameters
    ----------
    size : int or (int, int)
        Output size ``(h, w)``.
    padding : int
        Pixels added on each side first (4 for 32x32 images is the classic choice).
    mode, cval
        How the padding is filled (see :func:`affine_warp`).
    """

    kind = "geometry"

    def __init__(self, size, padding=0, mode="constant", cval=0.0):
        self.size = _check_size(size)
        self.padding = check_scalar(padding, "padding", low=0, high=MAX_SIDE, integer=True)
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode

    def _config(self):
        return {"size": self.size, "padding": self.padding, "mode": self.mode, "cval": self.cval}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        (h, w), p = self.size, self.padding
        if h > n_H + 2 * p or w > n_W + 2 * p:
            raise ValueError(f"crop size (h, w) = {(h, w)} is larger than the padded image "
                             f"(n_H + 2*padding, n_W + 2*padding) = {(n_H + 2 * p, n_W + 2 * p)}")
        top = rng.integers(0, n_H + 2 * p - h + 1, size=m)
        left = rng.integers(0, n_W + 2 * p - w + 1, size=m)
        T = _translation((left - p).astype(np.float64), (top - p).astype(np.float64))
        return _Geometry(T, (h, w), self.mode, self.cval)


class RandomResizedCrop(_Transform):
    r"""Crop a random box of random area and aspect ratio, resized to ``size`` (augmentation 2).

    The "Inception" crop: the box's area fraction :math:`a` and aspect ratio :math:`r`
    (width / height) are drawn as

    .. math::

        a \sim U(a_{min}, a_{max}), \quad \log r \sim U(\log r_{min}, \log r_{max}), \quad
        b_w = \operatorname{round}\sqrt{a\, r\, n_H n_W}, \quad
        b_h = \operatorname{round}\sqrt{a\, n_H n_W / r}

    until the box fits (10 tries, else the largest centred box of ratio within the range), its
    corner uniformly where it fits; then :func:`resized_crop`.

    Parameters
    ----------
    size : int or (int, int)
        Output size ``(h, w)``.
    scale : (float, float)
        Range of the area fraction, in (0, 1].
    ratio : (float, float)
        Range of the aspect ratio, > 0.
    """

    kind = "geometry"
    _TRIES = 10

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size = _check_size(size)
        self.scale = _range(scale, "scale", low=0)
        self.ratio = _range(ratio, "ratio", low=0)
        if self.scale[0] <= 0 or self.scale[1] > 1:
            raise ValueError(f"scale must be within (0, 1], got {scale!r}")
        if self.ratio[0] <= 0:
            raise ValueError(f"ratio must be > 0, got {ratio!r}")

    def _config(self):
        return {"size": self.size, "scale": self.scale, "ratio": self.ratio}

    def _boxes(self, rng, m, n_H, n_W):
        k = self._TRIES
        area = n_H * n_W * rng.uniform(self.scale[0], self.scale[1], size=(m, k))
        logr = rng.uniform(np.log(self.ratio[0]), np.log(self.ratio[1]), size=(m, k))
        r = np.exp(logr)
        bw = np.rint(np.sqrt(area * r))
        bh = np.rint(np.sqrt(area / r))
        ok = (bw >= 1) & (bh >= 1) & (bw <= n_W) & (bh <= n_H)
        first = np.argmax(ok, axis=1)
        found = ok[np.arange(m), first]
        bw = bw[np.arange(m), first]
        bh = bh[np.arange(m), first]
        # fallback: the whole image, trimmed to the nearest allowed aspect ratio
        ar = n_W / n_H
        fw, fh = float(n_W), float(n_H)
        if ar < self.ratio[0]:
            fh = float(np.rint(n_W / self.ratio[0]))
        elif ar > self.ratio[1]:
            fw = float(np.rint(n_H * self.ratio[1]))
        bw = np.where(found, bw, fw)
        bh = np.where(found, bh, fh)
        u = rng.random((m, 2))
        top = np.floor(u[:, 0] * (n_H - bh + 1))
        left = np.floor(u[:, 1] * (n_W - bw + 1))
        return np.stack([top, left, bh, bw], axis=1)

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        boxes = self._boxes(rng, m, n_H, n_W)
        return _Geometry(_resize_inverse(boxes, self.size), self.size, None, 0.0,
                         fallback="edge")


class RandomAffine(_Transform):
    r"""Random rotation, shear, scale and shift about the image centre (augmentation 3).

    Per image, :math:`\theta \sim U(\theta_{lo}, \theta_{hi})`, :math:`\phi \sim U(\phi_{lo},
    \phi_{hi})` (degrees), :math:`s \sim U(s_{lo}, s_{hi})`,
    :math:`t = (\tau_x n_W, \tau_y n_H)` with :math:`\tau \sim U(-\tau_{max}, \tau_{max})`:

    .. math::

        M_i = T(c + t)\, R(\theta)\, S_h(\phi)\, \operatorname{diag}(s, s, 1)\, T(-c)

    (see :func:`affine_matrix`), applied by :func:`affine_warp`.

    Parameters
    ----------
    rotation : float or (float, float)
        Degrees: ``x`` means ``(-x, x)``.
    shear : float or (float, float)
        Degrees, within (-90, 90).
    scale : float or (float, float)
        Zoom range, > 0 (``1`` keeps the size).
    translate : float or (float, float)
        Maximum shift as a fraction of the width and of the height.
    mode, cval
        Border handling (see :func:`affine_warp`).
    """

    kind = "geometry"

    def __init__(self, rotation=15.0, shear=0.0, scale=1.0, translate=0.0, mode="constant",
                 cval=0.0):
        self.rotation = _range(rotation, "rotation")
        self.shear = _range(shear, "shear")
        if max(abs(self.shear[0]), abs(self.shear[1])) >= 90:
            raise ValueError(f"shear must be within (-90, 90) degrees, got {shear!r}")
        self.scale = _range(scale, "scale", symmetric=False, low=0)
        if self.scale[0] <= 0:
            raise ValueError(f"scale must be > 0, got {scale!r}")
        tr = translate if isinstance(translate, (tuple, list)) else (translate, translate)
        if len(tr) != 2:
            raise TypeError(f"translate must be a number or a pair (tx, ty), got {translate!r}")
        self.translate = tuple(check_scalar(t, f"translate[{k}]", low=0, high=1)
                               for k, t in enumerate(tr))
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode

    def _config(self):
        return {"rotation": self.rotation, "shear": self.shear, "scale": self.scale,
                "translate": self.translate, "mode": self.mode, "cval": self.cval}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        th = rng.uniform(*self.rotation, size=m)
        ph = rng.uniform(*self.shear, size=m)
        s = rng.uniform(*self.scale, size=m)
        u = rng.uniform(-1.0, 1.0, size=(m, 2))
        t = u * np.array([self.translate[0] * n_W, self.translate[1] * n_H])
        M = affine_matrix(rotation=th, shear=ph, scale=s, translate=t, center=_center(n_H, n_W))
        return _Geometry(np.linalg.inv(M), (n_H, n_W), self.mode, self.cval)


class ElasticWarp(_Transform):
    r"""Elastic local warping from a smoothed random displacement field (augmentation 3).

    .. math::

        X'_i = \operatorname{warp}\bigl(X_i,\; \alpha\, G_\sigma * U_i\bigr), \qquad
        U_i \sim U(-1, 1)^{n_H \times n_W \times 2}

    (see :func:`elastic_displacement` and :func:`displacement_warp`).

    Parameters
    ----------
    alpha : float
        Strength in pixels.
    sigma : float
        Smoothness in pixels.
    mode, cval
        Border handling.
    p : float
        Probability of warping each image.
    """

    kind = "geometry"

    def __init__(self, alpha=34.0, sigma=4.0, mode="constant", cval=0.0, p=1.0):
        self.alpha = check_scalar(alpha, "alpha", low=0)
        self.sigma = check_scalar(sigma, "sigma", low=0, low_inclusive=False)
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode
        self.p = _check_p(p)

    def _config(self):
        return {"alpha": self.alpha, "sigma": self.sigma, "mode": self.mode, "cval": self.cval,
                "p": self.p}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        apply = _apply_mask(rng, m, self.p)
        D = elastic_displacement((m, n_H, n_W), self.alpha, self.sigma, rng=rng)
        D[~apply] = 0.0
        return _Geometry(np.broadcast_to(np.eye(3), (m, 3, 3)), (n_H, n_W), self.mode,
                         self.cval, disp=D)


class ChannelShift(_Transform):
    r"""Add a random offset to each colour channel of each image (the notes' augmentation 4).

    .. math::

        X'[i, y, x, c] = X[i, y, x, c] + o_{ic}, \qquad o_{ic} \sim U(-\delta_c, \delta_c)

    Parameters
    ----------
    shift : float or sequence of float
        :math:`\delta`, one for all channels or one per channel.
    p : float
        Probability of shifting each image.
    """

    kind = "colour"

    def __init__(self, shift=0.1, p=1.0):
        arr = np.atleast_1d(np.asarray(shift, dtype=np.float64))
        if arr.ndim != 1 or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(f"shift must be a number >= 0 or a sequence of them, got {shift!r}")
        self.shift = arr
        self.p = _check_p(p)

    def _config(self):
        return {"shift": self.shift.tolist(), "p": self.p}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        if self.shift.size not in (1, C):
            raise ValueError(f"shift has {self.shift.size} values for images with n_C = {C} "
                             f"channels")
        apply = _apply_mask(rng, m, self.p)
        o = rng.uniform(-1.0, 1.0, size=(m, C)) * self.shift * apply[:, None]
        return _Colour(np.ones((m, C)), o)


class PCAColour(_Transform):
    r"""AlexNet's PCA colour augmentation (Krizhevsky et al., 2012; the notes' augmentation 4).

    .. math::

        X'[i, y, x, :] = X[i, y, x, :] + P\,(\alpha_{i1}\lambda_1, \dots,
        \alpha_{i n_C}\lambda_{n_C})^\top, \qquad \alpha_{ik} \sim \mathcal N(0, \sigma^2)

    with :math:`P, \lambda` the eigenvectors and eigenvalues of the training set's channel
    covariance (:func:`pca_colour_basis`; build the transform with :meth:`fit`).

    Parameters
    ----------
    eigenvalues : array_like, shape (n_C,)
    eigenvectors : array_like, shape (n_C, n_C)
    std : float
        :math:`\sigma` (0.1 in the paper).
    """

    kind = "colour"

    def __init__(self, eigenvalues, eigenvectors, std=0.1):
        self.eigenvalues, self.eigenvectors = _check_basis(eigenvalues, eigenvectors)
        self.std = check_scalar(std, "std", low=0)

    @classmethod
    def fit(cls, X_train, std=0.1):
        r"""Build the transform from a training set's colours: :math:`\Sigma = P\Lambda P^\top`.

        .. math::

            (\lambda, P) = \operatorname{eig}\bigl(\operatorname{cov}(X_{train}\text{ pixels})\bigr)
        """
        lam, vec = pca_colour_basis(X_train)
        return cls(lam, vec, std=std)

    def _config(self):
        return {"eigenvalues": self.eigenvalues.tolist(),
                "eigenvectors": self.eigenvectors.tolist(), "std": self.std}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        if C != self.eigenvalues.shape[0]:
            raise ValueError(f"PCAColour was fitted on {self.eigenvalues.shape[0]} channels, "
                             f"the images have n_C = {C}")
        a = rng.normal(0.0, self.std, size=(m, C)) if self.std > 0 else np.zeros((m, C))
        return _Colour(np.ones((m, C)), _pca_offsets(a, self.eigenvalues, self.eigenvectors))


class BrightnessContrast(_Transform):
    r"""Random brightness and contrast per image (colour augmentation, family 4).

    .. math::

        X'_i = \alpha_i (X_i - \mu_i) + \mu_i + \beta_i, \qquad
        \beta_i \sim U(\beta_{lo}, \beta_{hi}),\; \alpha_i \sim U(\alpha_{lo}, \alpha_{hi})

    with :math:`\mu_i` the mean of image :math:`i` (see :func:`brightness_contrast`).

    Parameters
    ----------
    brightness : float or (float, float)
        ``b`` means :math:`\beta \sim U(-b, b)`.
    contrast : float or (float, float)
        ``c`` means :math:`\alpha \sim U(1 - c, 1 + c)`; :math:`\alpha \ge 0`.
    p : float
        Probability of changing each image.
    """

    kind = "colour"

    def __init__(self, brightness=0.2, contrast=0.2, p=1.0):
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast", center=1.0)
        if self.contrast[0] < 0:
            raise ValueError(f"contrast must keep the factor >= 0 (a number <= 1 or a pair of "
                             f"numbers >= 0), got {contrast!r}")
        self.p = _check_p(p)

    def _config(self):
        return {"brightness": self.brightness, "contrast": self.contrast, "p": self.p}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        apply = _apply_mask(rng, m, self.p)
        beta = np.where(apply, rng.uniform(*self.brightness, size=m), 0.0)
        alpha = np.where(apply, rng.uniform(*self.contrast, size=m), 1.0)
        return _Colour(np.repeat(alpha[:, None], C, 1), np.repeat(beta[:, None], C, 1),
                       np.repeat((1.0 - alpha)[:, None], C, 1))


def _merge_colour(steps, mu):
    """Fold colour steps into one (gain, offset), given the per-channel means mu (m, C) or None."""
    gain = np.ones_like(steps[0].gain)
    offset = np.zeros_like(steps[0].offset)
    for st in steps:
        extra = 0.0
        if st.mean_coef is not None:
            # the overall mean of the current image: mean over channels of g*mu + o
            cur = gain * mu + offset
            extra = st.mean_coef * cur.mean(axis=1, keepdims=True)
        gain, offset = st.gain * gain, st.gain * offset + st.offset + extra
    return gain, offset


class Compose:
    r"""A reproducible augmentation pipeline: the transforms applied in order.

    .. math::

        X' = f_k\bigl(\cdots f_2(f_1(X; \xi_1); \xi_2) \cdots; \xi_k\bigr), \qquad
        \xi_j \text{ drawn from one generator, in order}

    Calling the pipeline on a batch returns a new augmented batch; this is the hook a training
    loop calls once per mini-batch (new random draws each time, so every epoch sees new
    samples), and skips at evaluation::

        augment = Compose([RandomCrop(32, padding=4), RandomFlip(), RandomAffine(10),
                           ChannelShift(0.05)], seed=0)
        for X_batch, Y_batch in batches:
            X_batch = augment(X_batch)              # or augment(X_batch, rng)

    Consecutive geometric transforms with the same border mode run as one bilinear
    resampling (their inverse maps multiplied, an elastic warp only as the last of a run;
    mirrors and resized crops adopt the border mode of the transforms they join), and colour
    transforms that follow fold into that pass (a contrast change needs the image mean, so it
    runs as a second, element-wise pass); ``fuse=False`` applies every transform separately.

    Parameters
    ----------
    transforms : sequence
        :class:`RandomFlip`, :class:`RandomCrop`, :class:`RandomResizedCrop`,
        :class:`RandomAffine`, :class:`ElasticWarp`, :class:`ChannelShift`,
        :class:`PCAColour`, :class:`BrightnessContrast`.
    seed : int, optional
        Seed of the pipeline's own generator (used when a call passes no ``rng``); two
        pipelines with the same seed produce the same batches.
    rng : numpy.random.Generator, optional
        The pipeline's generator, instead of ``seed``.
    clip : (float, float), optional
        Clip the output to ``[low, high]`` (e.g. ``(0, 1)`` for images in that range).
    fuse : bool
        Run consecutive transforms in one pass (default) or one by one.
    """

    def __init__(self, transforms, seed=None, rng=None, clip=None, fuse=True):
        transforms = list(transforms)
        for k, t in enumerate(transforms):
            if not isinstance(t, _Transform):
                raise TypeError(f"transforms[{k}] must be a dlnotes augmentation transform, "
                                f"got {type(t).__name__}")
        self.transforms = transforms
        self.rng = as_rng(rng, seed)
        self.clip = _check_clip(clip)
        self.fuse = bool(fuse)

    def __repr__(self):
        inner = ", ".join(repr(t) for t in self.transforms)
        return f"Compose([{inner}], clip={self.clip!r}, fuse={self.fuse})"

    def __call__(self, X, rng=None):
        """Augment the batch ``X`` (m, n_H, n_W, n_C); returns a new array."""
        X = _check_images(X)
        rng = self.rng if rng is None else as_rng(rng)
        shape = X.shape
        steps = []
        for t in self.transforms:
            st = t._plan(rng, shape)
            steps.append(st)
            if isinstance(st, _Geometry):
                shape = (shape[0],) + tuple(st.out_hw) + (shape[3],)
        return self._run(X, steps)

    # -- execution -------------------------------------------------------------------------
    def _groups(self, steps):
        """Split the steps into runs that one kernel call can execute."""
        groups, k = [], 0
        while k < len(steps):
            geo, col = [], []
            if self.fuse:
                border = None
                while k < len(steps) and isinstance(steps[k], _Geometry):
                    st = steps[k]
                    if geo and geo[-1].disp is not None:
                        break
                    if st.mode is not None:
                        if border is not None and (st.mode, st.cval) != border:
                            break
                        border = (st.mode, st.cval)
                    geo.append(st)
                    k += 1
                while k < len(steps) and isinstance(steps[k], _Colour):
                    col.append(steps[k])
                    k += 1
            else:
                (geo if isinstance(steps[k], _Geometry) else col).append(steps[k])
                k += 1
            groups.append((geo, col))
        return groups

    def _run(self, X, steps):
        groups = self._groups(steps)
        if not groups:
            out = X.copy()
            return out if self.clip is None else np.clip(out, *self.clip, out=out)
        for n, (geo, col) in enumerate(groups):
            clip = self.clip if n == len(groups) - 1 else None
            needs_mean = any(st.mean_coef is not None for st in col)
            if geo:
                T = geo[0].T
                for st in geo[1:]:
                    T = T @ st.T
                last = geo[-1]
                border = next(((st.mode, st.cval) for st in geo if st.mode is not None),
                              (geo[0].fallback, 0.0))
                code, cval = _MODE_CODE[border[0]], border[1]
                if col and not needs_mean:
                    gain, offset = _merge_colour(col, None)
                    X = _sample(X, T, last.out_hw, code, cval, disp=last.disp, gain=gain,
                                offset=offset, clip=clip)
                    continue
                X = _sample(X, T, last.out_hw, code, cval, disp=last.disp,
                            clip=None if col else clip)
                if not col:
                    continue
                mu = X.mean(axis=(1, 2), dtype=np.float64)
                gain, offset = _merge_colour(col, mu)
                X = _colour(X, gain, offset, clip, out=X)
            else:
                mu = X.mean(axis=(1, 2), dtype=np.float64) if needs_mean else None
                gain, offset = _merge_colour(col, mu)
                X = _colour(X, gain, offset, clip)
        return X
