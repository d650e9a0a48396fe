r"""Box geometry: corner/centre conversions, scaling, areas and IoU (compiled matrix).

The conventions (which order each function takes) are stated once, in
:mod:`dlnotes.vision.boxes`, the public home of these functions.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import boxes as _k
from dlnotes._validation import check_choice, check_float_array, check_scalar

__all__ = ["iou", "box_iou", "box_area", "yolo_boxes_to_corners", "corners_to_centers",
           "scale_boxes"]


ORDERS = ("yxyx", "xyxy")
_FMT = {"xyxy": "(x1, y1, x2, y2)", "yxyx": "(y1, x1, y2, x2)", None: "(x1, y1, x2, y2) or "
        "(y1, x1, y2, x2)"}


def _check_corners(b, name, dtype=None, order="xyxy"):
    """Corner boxes (..., 4) with min <= max on both axes; ``order=None``: either order."""
    fmt = _FMT[order]
    b = check_float_array(b, name, dtype=dtype, finite=True)
    if b.ndim == 0 or b.shape[-1] != 4:
        raise ValueError(f"{name} must have shape (..., 4) holding {fmt}, got "
                         f"shape {b.shape}")
    if b.size and (np.any(b[..., 2] < b[..., 0]) or np.any(b[..., 3] < b[..., 1])):
        raise ValueError(f"{name} must be corner boxes {fmt} with x1 <= x2 and y1 <= y2")
    return b


def box_area(boxes):
    r"""Area of corner boxes.

    .. math::

        A = (x_2 - x_1)(y_2 - y_1)

    Parameters
    ----------
    boxes : ndarray, shape (..., 4)

    Returns
    -------
    area : ndarray, shape (...)
    """
    b = _check_corners(boxes, "boxes")
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


#: float64 boxes beyond this magnitude are divided by a power of two first, so that a
#: difference x2 - x1 cannot overflow (issue 10).
_BIG = 2.0 ** 1000


def _scale_safe(*boxes):
    """Rescale float64 box arrays by one common power of two when they are huge.

    IoU is invariant under a common scaling of all coordinates, and a power of
    two scales exactly (no rounding), so the result is the IoU of the given
    boxes.  float32 boxes need nothing: their differences cannot overflow in
    float64, where the IoU is computed.
    """
    if boxes[0].dtype != np.float64:
        return boxes
    m = max((float(np.max(np.abs(b))) for b in boxes if b.size), default=0.0)
    if m <= _BIG:
        return boxes
    e = int(np.frexp(m)[1])
    return tuple(np.ldexp(b, -e) for b in boxes)


def _pairwise_iou(b1, b2):
    """Trusting: b1 (N,4), b2 (M,4) C-contiguous corner boxes of one dtype, already
    through _scale_safe -> (N, M) in that dtype (compiled, dlnotes/_kernels/boxes.pyx).

    Scale-safe (issue 10): computed in float64; a pair whose side lengths leave
    [2**-400, 2**400] has them divided by its larger width and height before any
    product, so no area can overflow or underflow.
    """
    out = np.empty((b1.shape[0], b2.shape[0]), dtype=b1.dtype)
    _k.box_iou(b1, b2, out)
    return out


def iou(box1, box2):
    r"""Intersection over union of two corner boxes.

    .. math::

        \text{inter} &= \max(0, \min(x_2, x_2') - \max(x_1, x_1'))
                        \cdot \max(0, \min(y_2, y_2') - \max(y_1, y_1')) \\
        \text{union} &= A_1 + A_2 - \text{inter}, \qquad
        \mathrm{IoU} = \frac{\text{inter}}{\text{union}}

    Both :math:`\max(0,\cdot)` clamps are needed: for diagonally separated
    boxes both overlaps are negative and their product would be positive.
    Two boxes of zero area (so a zero union) have IoU 0 by convention.

    Scale-safe: the arithmetic is done in float64, where float32 boxes cannot
    overflow; float64 pairs with side lengths outside :math:`[2^{-400}, 2^{400}]`
    have them divided by the pair's larger width and height before any product
    (IoU is invariant under scaling each axis), and float64 boxes beyond
    :math:`2^{1000}` are first divided by a common power of two (exact), so huge
    or tiny finite coordinates give the right IoU, not 0 or NaN.

    Parameters
    ----------
    box1, box2 : array_like, shape (4,)
        Corner boxes ``(x1, y1, x2, y2)`` with ``x1 <= x2`` and ``y1 <= y2``.

    Returns
    -------
    float

    Examples
    --------
    The course's four cases (intersecting, disjoint, touching at a vertex, at an edge):

    >>> iou((2, 1, 4, 3), (1, 2, 3, 4))
    0.14285714285714285
    >>> iou((1, 2, 3, 4), (5, 6, 7, 8)), iou((1, 1, 2, 2), (2, 2, 3, 3))
    (0.0, 0.0)
    >>> iou((1, 1, 3, 3), (2, 3, 3, 4))
    0.0
    """
    b1 = _check_corners(box1, "box1")
    b2 = _check_corners(box2, "box2", dtype=b1.dtype)
    if b1.shape != (4,):
        raise ValueError(f"box1 must have shape (4,), got {b1.shape}; use box_iou for arrays")
    if b2.shape != (4,):
        raise ValueError(f"box2 must have shape (4,), got {b2.shape}; use box_iou for arrays")
    b1, b2 = _scale_safe(b1[None, :], b2[None, :])
    return float(_pairwise_iou(b1, b2)[0, 0])


def box_iou(boxes1, boxes2):
    r"""Pairwise IoU matrix of two sets of corner boxes.

    .. math::

        \mathrm{IoU}_{ij} = \frac{|B^{(1)}_i \cap B^{(2)}_j|}{|B^{(1)}_i \cup B^{(2)}_j|}

    Same semantics as ``torchvision.ops.box_iou``.

    Parameters
    ----------
    boxes1 : ndarray, shape (N, 4)
        Corner boxes ``(x1, y1, x2, y2)``, or ``(y1, x1, y2, x2)`` if
        ``boxes2`` uses that order too (the IoU is the same).
    boxes2 : ndarray, shape (M, 4)

    Returns
    -------
    ndarray, shape (N, M), the dtype of ``boxes1``
    """
    b1 = _check_corners(boxes1, "boxes1", order=None)
    b2 = _check_corners(boxes2, "boxes2", dtype=b1.dtype, order=None)
    if b1.ndim != 2:
        raise ValueError(f"boxes1 must have shape (N, 4), got {b1.shape}")
    if b2.ndim != 2:
        raise ValueError(f"boxes2 must have shape (M, 4), got {b2.shape}")
    return _pairwise_iou(*_scale_safe(b1, b2))


def yolo_boxes_to_corners(box_xy, box_wh, order="yxyx"):
    r"""Centre boxes to corner boxes, in the course's order ``(y_min, x_min, y_max, x_max)``.

    .. math::

        x_1 = b_x - b_w/2,\quad y_1 = b_y - b_h/2,\quad
        x_2 = b_x + b_w/2,\quad y_2 = b_y + b_h/2

    returned as :math:`(y_1, x_1, y_2, x_2)`, like the course's
    ``yolo_boxes_to_corners`` (TensorFlow's NMS wants that order).

    Parameters
    ----------
    box_xy : ndarray, shape (..., 2)
        Midpoints :math:`(b_x, b_y)`.
    box_wh : ndarray, shape (..., 2)
        Widths and heights :math:`(b_w, b_h)`, non-negative.
    order : {"yxyx", "xyxy"}
        ``"yxyx"`` (default, the course): ``(y1, x1, y2, x2)``; ``"xyxy"``:
        ``(x1, y1, x2, y2)``, the order of :func:`iou`.

    Returns
    -------
    ndarray, shape (..., 4)

    Examples
    --------
    >>> yolo_boxes_to_corners(np.array([0.5, 0.4]), np.array([0.2, 0.6]))
    array([0.1, 0.4, 0.7, 0.6])
    >>> yolo_boxes_to_corners(np.array([0.5, 0.4]), np.array([0.2, 0.6]), order="xyxy")
    array([0.4, 0.1, 0.6, 0.7])
    """
    xy = check_float_array(box_xy, "box_xy", finite=True)
    wh = check_float_array(box_wh, "box_wh", dtype=xy.dtype, finite=True)
    check_choice(order, "order", ORDERS)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"box_xy must have shape (..., 2), got {xy.shape}")
    if wh.shape != xy.shape:
        raise ValueError(f"box_wh must have the shape of box_xy {xy.shape}, got {wh.shape}")
    if wh.size and np.any(wh < 0):
        raise ValueError("box_wh must be non-negative")
    lo = xy - wh / 2
    hi = xy + wh / 2
    if order == "xyxy":
        return np.concatenate([lo, hi], axis=-1)
    return np.concatenate([lo[..., ::-1], hi[..., ::-1]], axis=-1)


def corners_to_centers(boxes, order="xyxy"):
    r"""Corner boxes to centre boxes ``(b_x, b_y, b_w, b_h)``.

    .. math::

        b_x = \frac{x_1 + x_2}{2},\quad b_y = \frac{y_1 + y_2}{2},\quad
        b_w = x_2 - x_1,\quad b_h = y_2 - y_1

    Inverse of :func:`yolo_boxes_to_corners` with the same ``order``.

    Parameters
    ----------
    boxes : ndarray, shape (..., 4)
    order : {"xyxy", "yxyx"}
        The order of ``boxes`` (default ``(x1, y1, x2, y2)``).

    Returns
    -------
    box_xy, box_wh : ndarray, shape (..., 2) each
    """
    check_choice(order, "order", ORDERS)
    b = _check_corners(boxes, "boxes", order=order)
    if order == "yxyx":
        b = b[..., [1, 0, 3, 2]]
    return (b[..., 0:2] + b[..., 2:4]) / 2, b[..., 2:4] - b[..., 0:2]


def scale_boxes(boxes, image_shape, order="yxyx"):
    r"""Scale boxes in relative coordinates ([0, 1]) to pixel coordinates.

    The course's ``scale_boxes``: boxes ``(y1, x1, y2, x2)`` times
    ``(H, W, H, W)``:

    .. math::

        (y_1, x_1, y_2, x_2) \mapsto (H y_1, W x_1, H y_2, W x_2)

    Parameters
    ----------
    boxes : ndarray, shape (..., 4)
        Corner boxes in ``order``.
    image_shape : (height, width)
        Positive numbers (the course's default image is ``(720., 1280.)``).
    order : {"yxyx", "xyxy"}
        ``"yxyx"`` (default, the course) or ``"xyxy"``, which multiplies by
        ``(W, H, W, H)``.

    Returns
    -------
    ndarray, shape (..., 4)

    Examples
    --------
    >>> scale_boxes(np.array([0.1, 0.2, 0.5, 0.6]), (720., 1280.))
    array([ 72., 256., 360., 768.])
    """
    check_choice(order, "order", ORDERS)
    b = _check_corners(boxes, "boxes", order=order)
    if not isinstance(image_shape, (tuple, list, np.ndarray)) or len(image_shape) != 2:
        raise ValueError(f"image_shape must be (height, width), got {image_shape!r}")
    h = check_scalar(image_shape[0], "image_shape[0] (height)", low=0, low_inclusive=False)
    w = check_scalar(image_shape[1], "image_shape[1] (width)", low=0, low_inclusive=False)
    dims = [h, w, h, w] if order == "yxyx" else [w, h, w, h]
    return b * np.array(dims, dtype=b.dtype)
