"""Shared helpers of :mod:`dlnotes.cnn.augment`: argument checks, the border modes and the
calls into the compiled sampler (``dlnotes._kernels.augment``) with the inverse maps they take.
"""
from __future__ import annotations

import numbers

import numpy as np

from dlnotes._kernels import augment as _k
from dlnotes._validation import check_choice, check_float_array, check_scalar

#: Largest displacement (pixels) :func:`displacement_warp` accepts: float32 coordinates
#: stop resolving whole pixels beyond 2**24.
MAX_DISPLACEMENT = 2**24

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


def _check_clip(clip):
    if clip is None:
        return None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip must be None or a pair (low, high), got {clip!r}")
    lo, hi = check_scalar(clip[0], "clip[0]"), check_scalar(clip[1], "clip[1]")
    if lo > hi:
        raise ValueError(f"clip must be (low, high) with low <= high, got {clip!r}")
    return (lo, hi)
