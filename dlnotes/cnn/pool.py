r"""Max and average pooling (the notes' CNN section), forward and backward.

Images are ``(m, n_H, n_W, n_C)``; pooling acts on each channel separately,
has no parameters, and its output size per spatial axis is

.. math::

    n_{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1 .

**Padding.** ``hparameters["pad"]`` (optional, default 0) is an integer
``p`` with ``0 <= p <= f // 2`` (so that every window holds at least one real
pixel, PyTorch's rule) or ``"same"`` / ``"valid"`` (see
:func:`dlnotes.cnn.conv.resolve_padding`; ``"same"`` is the 3x3, stride 1
max pool inside an inception module).  Max pooling pads with
:math:`-\infty` (padding never wins a window); average pooling pads with
zeros and divides by :math:`f^2` (PyTorch's ``count_include_pad=True``; Keras'
``padding="same"`` average divides by the number of real pixels instead).
Any other key in ``hparameters`` is refused rather than ignored.

**Ties in max pooling.** The course's backward pass builds the mask
``x == max(x)`` over each window, which sends the gradient to *every* tied
entry (after a ReLU, an all-zero window passes ``f*f`` copies of the
gradient: the result is no longer the derivative of anything).  Here the
forward pass records the index of the *first* maximum of each window
(row-major window order) and the backward pass sends the whole gradient to
that one entry: a valid (sub)gradient, and the same choice as PyTorch.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import pool as _k
from dlnotes._threads import kernel_threads
from dlnotes._validation import check_choice, check_float_array, check_keys, check_scalar
from dlnotes.cnn.conv import MAX_SIDE, _output_size, check_image_size, resolve_padding

__all__ = ["pool_forward", "pool_backward"]

_MODES = ("max", "average")

#: A pooling call runs on more than one OpenMP thread only from this many window reads
#: (``m n_H n_W n_C f^2`` forward, ``m n_H n_W n_C`` for the max-pool backward), and only
#: when the package's thread policy allows it (:func:`dlnotes._threads.kernel_threads`:
#: one thread on an oversubscribed machine, where a descheduled second thread stalls the
#: loop's barrier: measured 10 ms stalls of a 0.2 ms pool at load 12 on 2 cores).
#: ``benchmarks/thread_crossover.py`` measures the crossover.
POOL_PARALLEL_MIN = 262_144


def _threads(work):
    return 1 if work < POOL_PARALLEL_MIN else kernel_threads()


def _pool_hparameters(hparameters):
    """``(f, stride, pad)`` from ``{"f", "stride"[, "pad"]}``; unknown keys are refused."""
    check_keys(hparameters, "hparameters", ("f", "stride"))
    unknown = sorted(set(hparameters) - {"f", "stride", "pad"}, key=str)
    if unknown:
        raise KeyError(f"hparameters has unknown keys {unknown} (pooling takes 'f', 'stride' "
                       "and optionally 'pad')")
    f = check_scalar(hparameters["f"], "hparameters['f']", low=1, high=MAX_SIDE, integer=True)
    s = check_scalar(hparameters["stride"], "hparameters['stride']", low=1, high=MAX_SIDE,
                     integer=True)
    pad = hparameters.get("pad", 0)
    try:
        p, _ = resolve_padding(pad, f, f)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"hparameters['pad']: {exc}") from None
    if p > f // 2:
        raise ValueError(f"hparameters['pad'] = {p} is larger than f // 2 = {f // 2}: a window "
                         "could hold padding only")
    return f, s, p


def _padded(A_prev, p, mode):
    """``A_prev`` with ``p`` rows/columns of -inf (max) or 0 (average) on each side."""
    if p == 0:
        return A_prev
    m, n_H, n_W, n_C = A_prev.shape
    fill = -np.inf if mode == "max" else 0.0
    out = np.full((m, n_H + 2 * p, n_W + 2 * p, n_C), fill, dtype=A_prev.dtype)
    out[:, p:p + n_H, p:p + n_W, :] = A_prev
    return out


class _Argmax(np.ndarray):
    """The argmax array of a :func:`pool_forward` cache: read-only, and tagged with the
    geometry it was recorded for, so :func:`pool_backward` can trust it without a full
    check.  Arrays derived from it (copies, ``np.full_like``, slices) carry no tag."""

    geometry = None

    def __array_finalize__(self, obj):
        self.geometry = None


def _check_argmax_range(bad, n_H_prev, n_W_prev):
    if bad:
        raise ValueError(f"cache[2] (argmax) holds indices outside the {n_H_prev}x{n_W_prev} "
                         "image: the cache does not belong to this A_prev")


def _check_argmax(argmax, dA, n_H_prev, n_W_prev, f, s):
    """Validate a max-pool argmax before the kernel scatters through it.

    Every entry must be the flat index ``y * n_W_prev + x`` of a pixel inside its own
    window.  A tagged, read-only array from :func:`pool_forward` with this geometry only gets
    the (cheap) range check; any other array gets the full window check.
    """
    geometry = (n_H_prev, n_W_prev, f, s)
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.int32 \
            or argmax.shape != dA.shape:
        what = (f"{argmax.dtype} array of shape {argmax.shape}"
                if isinstance(argmax, np.ndarray) else type(argmax).__name__)
        raise ValueError(f"cache[2] (argmax) must be the int32 array of shape {dA.shape} "
                         f"returned by pool_forward(mode='max') on these inputs, got {what}")
    trusted = (isinstance(argmax, _Argmax) and argmax.geometry == geometry
               and not argmax.flags.writeable)
    argmax = np.ascontiguousarray(argmax).view(np.ndarray)
    if argmax.size == 0:
        return argmax
    # the range check (indices inside the image) is the kernel's, during the scatter
    if not trusted:
        _check_argmax_range(argmax.min() < 0 or argmax.max() >= n_H_prev * n_W_prev,
                            n_H_prev, n_W_prev)
        _, n_H, n_W, _ = argmax.shape
        start = ((np.arange(n_H) * s)[:, None] * n_W_prev + np.arange(n_W) * s)[..., None]
        dy, dx = np.divmod(argmax - start, n_W_prev)
        if not ((dy >= 0) & (dy < f) & (dx >= 0) & (dx < f)).all():
            raise ValueError(f"cache[2] (argmax) holds indices outside their {f}x{f} "
                             f"windows (stride {s}): the cache does not belong to this A_prev")
    return argmax


def _check_A(A_prev, name="A_prev"):
    return check_float_array(A_prev, name, ndim=4, shape=(None,) * 4,
                             shape_names=("m", "n_H_prev", "n_W_prev", "n_C"))


def pool_forward(A_prev, hparameters, mode="max"):
    r"""Forward pass of a pooling layer (the course's ``pool_forward``).

    .. math::

        A[i, h, w, c] = \max_{0 \le u, v < f} A_{prev}[i,\, hs + u,\, ws + v,\, c]
        \quad\text{or}\quad
        \frac{1}{f^2}\sum_{0 \le u, v < f} A_{prev}[i,\, hs + u,\, ws + v,\, c]

    Parameters
    ----------
    A_prev : ndarray, shape (m, n_H_prev, n_W_prev, n_C)
    hparameters : dict
        ``{"f": f, "stride": s}`` (window size and stride, both >= 1) and
        optionally ``"pad"`` (see the module note; other keys raise ``KeyError``).
    mode : {"max", "average"}

    Returns
    -------
    A : ndarray, shape (m, n_H, n_W, n_C)
        :math:`n_H = \lfloor (n_{H,prev} + 2p - f)/s \rfloor + 1`, same for :math:`n_W`.
    cache : tuple
        ``(A_prev, hparameters, argmax)``; ``argmax`` (int32, shape of ``A``) is
        the flat spatial index ``y * n_W_pad + x`` (in the padded image) of the
        first maximum of each window (None for average pooling).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotes.cnn import pool_forward
    >>> A = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    >>> pool_forward(A, {"f": 2, "stride": 2})[0][0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    check_choice(mode, "mode", _MODES)
    f, s, p = _pool_hparameters(hparameters)
    A_prev = _check_A(A_prev)
    geometry = pool_geometry(A_prev.shape, f, s, p)
    A, argmax = _pool_forward(A_prev, geometry, mode)
    if argmax is not None:
        argmax = argmax.view(_Argmax)
        argmax.geometry = (A_prev.shape[1] + 2 * p, A_prev.shape[2] + 2 * p, f, s)
        argmax.flags.writeable = False
    return A, (A_prev, hparameters, argmax)


def pool_geometry(input_shape, f, s, p, name="A_prev"):
    """``(f, s, p, n_H, n_W)`` of a pooling of checked integers over images of
    ``input_shape``; refuses a window that does not fit and an image too large for the
    kernels (``name`` is the input's)."""
    n_H = _output_size(input_shape[1], f, p, s, f"{name} (height)")
    n_W = _output_size(input_shape[2], f, p, s, f"{name} (width)")
    check_image_size(input_shape[1] + 2 * p, input_shape[2] + 2 * p, name)
    return f, s, p, n_H, n_W


# The public functions check their arguments once and call these unchecked internals, which
# the pooling layers (dlnotes.layers.conv) call directly after their own checks.

def _pool_forward(A_prev, geometry, mode):
    """:func:`pool_forward` without the checks: ``A_prev`` C-contiguous float32/float64,
    ``geometry`` from :func:`pool_geometry`; returns ``A`` and the argmax (a plain int32
    array for ``mode="max"``, None for ``"average"``)."""
    f, s, p, n_H, n_W = geometry
    m, _, _, n_C = A_prev.shape
    A = np.empty((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    A_pad = _padded(A_prev, p, mode)
    if mode == "max":
        argmax = np.empty((m, n_H, n_W, n_C), dtype=np.int32)
        _k.max_pool_forward(A_pad, A, argmax, f, s, _threads(A.size * f * f))
    else:
        argmax = None
        _k.avg_pool_forward(A_pad, A, f, s, _threads(A.size * f * f))
    return A, argmax


_NO_ARGMAX = np.zeros((1, 1, 1, 1), dtype=np.int32)  # average pooling has no argmax


def _pool_backward(dA, argmax, input_shape, geometry, mode):
    """:func:`pool_backward` without the checks: ``dA`` C-contiguous of the output's shape
    and the input's dtype, ``argmax`` a C-contiguous int32 array of that shape whose entries
    lie in their windows (max mode; ignored for average), ``input_shape`` and ``geometry``
    those of the forward pass."""
    f, s, p, _, _ = geometry
    m, n_H_prev, n_W_prev, n_C = input_shape
    n_H_pad, n_W_pad = n_H_prev + 2 * p, n_W_prev + 2 * p
    # the kernel writes every element (each unit zeroes its own rows, in cache)
    dA_prev = np.empty((m, n_H_pad, n_W_pad, n_C), dtype=dA.dtype)
    if mode != "max":
        argmax = _NO_ARGMAX
    work = dA.size * (1 if mode == "max" else f * f)
    # the kernel's own guard: it skips (and counts) an index outside the padded image
    _check_argmax_range(_k.pool_backward(dA, argmax, dA_prev, f, s, mode == "max",
                                         _threads(work)), n_H_pad, n_W_pad)
    if p:
        dA_prev = np.ascontiguousarray(dA_prev[:, p:p + n_H_prev, p:p + n_W_prev, :])
    return dA_prev


def pool_backward(dA, cache, mode="max"):
    r"""Backward pass of a pooling layer (the course's ``pool_backward``).

    Max pooling sends each gradient to the recorded argmax of its window (one
    entry, the first maximum; see the module note on ties):

    .. math::

        dA_{prev}[i,\, y^*,\, x^*,\, c] \mathrel{+}= dA[i, h, w, c],\qquad
        (y^*, x^*) = \operatorname{first\,argmax}_{(hs+u,\; ws+v)} A_{prev}[i, \cdot, \cdot, c]

    Average pooling spreads it evenly over the window:

    .. math::

        dA_{prev}[i,\, hs + u,\, ws + v,\, c] \mathrel{+}= \frac{dA[i, h, w, c]}{f^2}

    Overlapping windows (``s < f``) add up; with padding the gradient is
    computed on the padded image and its border is dropped.

    Parameters
    ----------
    dA : ndarray, shape (m, n_H, n_W, n_C)
    cache : tuple
        From :func:`pool_forward`; the course's 2-tuple ``(A_prev, hparameters)``
        is also accepted (the argmax is then recomputed).
    mode : {"max", "average"}
        Must be the mode of the forward pass.

    Returns
    -------
    dA_prev : ndarray, shape (m, n_H_prev, n_W_prev, n_C)
    """
    check_choice(mode, "mode", _MODES)
    if not isinstance(cache, tuple) or len(cache) not in (2, 3):
        raise TypeError("cache must be the (A_prev, hparameters, argmax) tuple returned by "
                        "pool_forward")
    A_prev, hparameters = cache[0], cache[1]
    argmax = cache[2] if len(cache) == 3 else None
    f, s, p = _pool_hparameters(hparameters)
    A_prev = _check_A(A_prev)
    geometry = pool_geometry(A_prev.shape, f, s, p)
    dA = check_pool_upstream(dA, "dA", A_prev.shape, geometry, A_prev.dtype)
    if mode == "max":
        if argmax is None:  # the course's 2-tuple: recompute it (then it needs no check)
            argmax = _pool_forward(A_prev, geometry, "max")[1]
        else:
            argmax = _check_argmax(argmax, dA, A_prev.shape[1] + 2 * p,
                                   A_prev.shape[2] + 2 * p, f, s)
    return _pool_backward(dA, argmax, A_prev.shape, geometry, mode)


def check_pool_upstream(dA, name, input_shape, geometry, dtype):
    """The upstream gradient of a pooling, checked against its output shape."""
    shape = (input_shape[0], geometry[3], geometry[4], input_shape[3])
    return check_float_array(dA, name, ndim=4, shape=shape,
                             shape_names=("m", "n_H", "n_W", "n_C"), dtype=dtype)
