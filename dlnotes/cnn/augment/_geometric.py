r"""Geometric augmentation (the notes' families 1-3): mirroring, cropping, affine and elastic
warps, each one call of the compiled bilinear sampler.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.cnn.augment._common import (_MODE_CODE, MAX_DISPLACEMENT, _check_images,
                                         _check_mode, _check_size, _per_image, _resize_inverse,
                                         _sample, _translation)
from dlnotes.cnn.conv import MAX_SIDE


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
    X : ndarray of float32 or float64, shape (m, n_H, n_W, n_C)
        The batch.
    displacement : ndarray, shape (m, n_H, n_W, 2)
        :math:`(\Delta_x, \Delta_y)` in pixels, x (column) first.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
        Border handling (see :func:`affine_warp`).
    cval : float, default 0.0
        Value outside the image for ``mode="constant"``.

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
    X : ndarray of float32 or float64, shape (m, n_H, n_W, n_C)
        The batch.
    alpha, sigma : float
        Strength and smoothness in pixels.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
        Border handling (see :func:`affine_warp`).
    cval : float, default 0.0
        Value outside the image for ``mode="constant"``.
    rng : numpy.random.Generator, optional
        Source of the random field.
    seed : int, optional
        Seed of a new generator (when ``rng`` is not given).

    Returns
    -------
    ndarray, shape (m, n_H, n_W, n_C)
    """
    X = _check_images(X)
    m, n_H, n_W, _ = X.shape
    D = elastic_displacement((m, n_H, n_W), alpha, sigma, rng=rng, seed=seed, dtype=X.dtype)
    return displacement_warp(X, D, mode=mode, cval=cval)
