r"""Bounding boxes for YOLO: decoding, IoU, score filtering and non-max suppression
(notes, "YOLO").

Box formats (the course's conventions, function by function)
------------------------------------------------------------
* **centre** ``(b_x, b_y, b_w, b_h)``: the notes' box, midpoint plus width and height.
* **corner** boxes come in two orders, as in the course:

  - ``(y_1, x_1, y_2, x_2)`` ("yxyx"): what the course's YOLO pipeline carries
    (``yolo_boxes_to_corners`` returns it because TensorFlow's NMS wants it,
    ``scale_boxes`` multiplies it by ``(H, W, H, W)``, ``yolo_eval`` returns it).
    :func:`yolo_boxes_to_corners`, :func:`scale_boxes` and :func:`yolo_eval`
    use it by default; ``order="xyxy"`` gives the other order.
  - ``(x_1, y_1, x_2, y_2)`` ("xyxy"): what the course's ``iou`` exercise uses,
    and :func:`iou`, :func:`box_iou`, :func:`box_area`, :func:`corners_to_centers`.

  IoU and non-max suppression do not depend on the order as long as every box
  of one call uses the same one (swapping the x and y axes of both boxes keeps
  both areas and the intersection), so :func:`box_iou`,
  :func:`non_max_suppression` and :func:`yolo_non_max_suppression` accept
  either.  Every corner box must have ``min <= max`` on both axes.

Threshold conventions (errata 3.4)
----------------------------------
* Score filtering keeps a box when its score is **>= threshold** (the course's
  ``box_class_scores >= threshold``; the notes: discard scores ``< 0.6``).
* Non-max suppression discards a remaining box when its IoU with a kept box is
  **>= iou_threshold** (the lecture's rule, ``suppress_equal=True``, the
  default).  ``tf.image.non_max_suppression`` and ``torchvision.ops.nms``
  discard only IoU **>** threshold: pass ``suppress_equal=False`` for that.

Performance
-----------
The IoU matrix and greedy NMS (class-agnostic and per class) run in the
compiled kernel ``dlnotes._kernels.boxes``; the arguments are validated here
first.  NMS sorts the scores once (stable) and runs the greedy loop in C over
the sorted boxes, each kept box suppressing the later boxes it overlaps, so it
costs ``O(N * kept)`` IoUs with no Python per box.  Measured figures against a
torch-written peer are on the YOLO page of the docs.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import boxes as _k
from dlnotes._validation import check_choice, check_float_array, check_scalar

__all__ = ["iou", "box_iou", "box_area", "yolo_boxes_to_corners", "corners_to_centers",
           "scale_boxes", "yolo_decode", "assign_anchor", "yolo_filter_boxes",
           "non_max_suppression", "batched_non_max_suppression",
           "yolo_non_max_suppression", "yolo_eval"]


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


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def yolo_decode(feats, anchors):
    r"""Decode raw YOLOv2 outputs into boxes, confidences and class probabilities.

    For the cell :math:`(c_y, c_x)` of an :math:`S_H \times S_W` grid and anchor
    :math:`(p_w, p_h)` (in grid-cell units), Redmon & Farhadi (2017):

    .. math::

        b_x = \frac{\sigma(t_x) + c_x}{S_W},\quad
        b_y = \frac{\sigma(t_y) + c_y}{S_H},\quad
        b_w = \frac{p_w e^{t_w}}{S_W},\quad
        b_h = \frac{p_h e^{t_h}}{S_H},\quad
        p_c = \sigma(t_o),\quad c = \mathrm{softmax}(t_{c})

    so the returned boxes are relative to the whole image (in [0, 1] for the
    midpoints), as in the course's ``yolo_head``.

    Parameters
    ----------
    feats : ndarray, shape (S_H, S_W, n_anchors, 5 + K)
        Last axis ``(t_x, t_y, t_w, t_h, t_o, t_c1, ..., t_cK)``.
    anchors : ndarray, shape (n_anchors, 2)
        Anchor widths and heights :math:`(p_w, p_h)` in grid-cell units.

    Returns
    -------
    box_xy : ndarray, shape (S_H, S_W, n_anchors, 2)
    box_wh : ndarray, shape (S_H, S_W, n_anchors, 2)
    box_confidence : ndarray, shape (S_H, S_W, n_anchors, 1)
    box_class_probs : ndarray, shape (S_H, S_W, n_anchors, K)
    """
    f = check_float_array(feats, "feats", ndim=4, finite=True)
    a = check_float_array(anchors, "anchors", ndim=2, dtype=f.dtype, finite=True)
    S_H, S_W, A, D = f.shape
    if D < 6:
        raise ValueError(f"feats must have shape (S_H, S_W, n_anchors, 5 + K) with K >= 1, "
                         f"got {f.shape}")
    if a.shape != (A, 2):
        raise ValueError(f"anchors must have shape (n_anchors, 2) = ({A}, 2), got {a.shape}")
    cy, cx = np.meshgrid(np.arange(S_H, dtype=f.dtype), np.arange(S_W, dtype=f.dtype),
                         indexing="ij")
    grid = np.stack([cx, cy], axis=-1)[:, :, None, :]          # (S_H, S_W, 1, 2)
    dims = np.array([S_W, S_H], dtype=f.dtype)
    box_xy = (_sigmoid(f[..., 0:2]) + grid) / dims
    box_wh = a[None, None, :, :] * np.exp(f[..., 2:4]) / dims
    conf = _sigmoid(f[..., 4:5])
    t = f[..., 5:]
    e = np.exp(t - t.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    return box_xy, box_wh, conf, probs


def assign_anchor(box_xy, box_wh, anchors, grid_shape):
    r"""Grid cell and anchor box responsible for each ground-truth object (anchor boxes).

    The object goes to the cell containing its midpoint and, in that cell, to the
    anchor whose shape has the highest IoU with the object's box, both centred
    at the same point:

    .. math::

        c_x = \lfloor b_x S_W \rfloor,\quad c_y = \lfloor b_y S_H \rfloor,\qquad
        k = \arg\max_k
            \frac{\min(w, p_{w,k})\,\min(h, p_{h,k})}
                 {w h + p_{w,k} p_{h,k} - \min(w, p_{w,k})\,\min(h, p_{h,k})}

    with the box size :math:`(w, h) = (b_w S_W, b_h S_H)` in grid-cell units.

    Parameters
    ----------
    box_xy : ndarray, shape (n, 2)
        Midpoints relative to the image, in [0, 1].
    box_wh : ndarray, shape (n, 2)
        Widths and heights relative to the image, positive.
    anchors : ndarray, shape (n_anchors, 2)
        Anchor widths and heights in grid-cell units (as in :func:`yolo_decode`).
    grid_shape : (S_H, S_W)

    Returns
    -------
    cells : ndarray of int64, shape (n, 2)
        ``(c_y, c_x)`` of each object.
    anchor_index : ndarray of int64, shape (n,)
    """
    xy = check_float_array(box_xy, "box_xy", ndim=2, finite=True)
    wh = check_float_array(box_wh, "box_wh", ndim=2, dtype=xy.dtype, finite=True)
    a = check_float_array(anchors, "anchors", ndim=2, dtype=xy.dtype, finite=True)
    if xy.shape[1] != 2 or wh.shape != xy.shape:
        raise ValueError(f"box_xy and box_wh must both have shape (n, 2), got {xy.shape} and "
                         f"{wh.shape}")
    if a.shape[1] != 2 or a.shape[0] < 1 or np.any(a <= 0):
        raise ValueError(f"anchors must have shape (n_anchors, 2) with positive sizes, got "
                         f"{a.shape}")
    if xy.size and (np.any(xy < 0) or np.any(xy > 1)):
        raise ValueError("box_xy must be relative to the image, in [0, 1]")
    if wh.size and np.any(wh <= 0):
        raise ValueError("box_wh must be positive")
    if not isinstance(grid_shape, (tuple, list)) or len(grid_shape) != 2:
        raise ValueError(f"grid_shape must be (S_H, S_W), got {grid_shape!r}")
    S_H = check_scalar(grid_shape[0], "grid_shape[0]", low=1, integer=True)
    S_W = check_scalar(grid_shape[1], "grid_shape[1]", low=1, integer=True)
    cx = np.minimum(np.floor(xy[:, 0] * S_W), S_W - 1).astype(np.int64)
    cy = np.minimum(np.floor(xy[:, 1] * S_H), S_H - 1).astype(np.int64)
    w = wh[:, 0:1] * S_W
    h = wh[:, 1:2] * S_H
    inter = np.minimum(w, a[None, :, 0]) * np.minimum(h, a[None, :, 1])
    ious = inter / (w * h + a[None, :, 0] * a[None, :, 1] - inter)
    k = np.argmax(ious, axis=1).astype(np.int64) if ious.size else np.zeros(0, np.int64)
    return np.stack([cy, cx], axis=1), k


def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=0.6):
    r"""Keep the boxes whose best class score reaches the threshold (the course's signature).

    .. math::

        \text{score}_{k} = p_c \cdot c_k, \qquad
        \hat k = \arg\max_k \text{score}_k, \qquad
        \text{keep} \iff \text{score}_{\hat k} \ge \text{threshold}

    Parameters
    ----------
    boxes : ndarray, shape (..., 4)
        Boxes in any 4-number format (the course: ``(y1, x1, y2, x2)`` from
        :func:`yolo_boxes_to_corners`), returned unchanged for the kept ones.
    box_confidence : ndarray, shape (..., 1)
        :math:`p_c` per box (the course: ``(19, 19, 5, 1)``).
    box_class_probs : ndarray, shape (..., K)
    threshold : float
        Keep when the score is ``>= threshold`` (the course's convention).

    Returns
    -------
    scores : ndarray, shape (n_kept,)
    boxes : ndarray, shape (n_kept, 4)
    classes : ndarray of int64, shape (n_kept,)
        In the order of a C-order flattening of the leading axes (the order of
        the course's ``tf.boolean_mask``).
    """
    b = check_float_array(boxes, "boxes", finite=True)
    conf = check_float_array(box_confidence, "box_confidence", dtype=b.dtype, finite=True)
    p = check_float_array(box_class_probs, "box_class_probs", dtype=b.dtype, finite=True)
    threshold = check_scalar(threshold, "threshold")
    if b.ndim and conf.ndim and b.shape[-1] == 1 and conf.shape[-1] == 4:
        raise ValueError("boxes must have shape (..., 4) and box_confidence (..., 1), got "
                         f"{b.shape} and {conf.shape}: the course's order is "
                         "yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold)")
    if conf.ndim == 0 or conf.shape[-1] != 1:
        raise ValueError(f"box_confidence must have shape (..., 1), got {conf.shape}")
    lead = conf.shape[:-1]
    if b.shape != lead + (4,):
        raise ValueError(f"boxes must have shape {lead + (4,)}, got {b.shape}")
    if p.ndim != conf.ndim or p.shape[:-1] != lead or p.shape[-1] < 1:
        raise ValueError(f"box_class_probs must have shape {lead + ('K',)}, got {p.shape}")
    scores = (conf * p).reshape(-1, p.shape[-1])
    classes = np.argmax(scores, axis=-1) if scores.size else np.zeros(0, np.int64)
    best = scores[np.arange(scores.shape[0]), classes] if scores.size else scores[:, 0]
    mask = best >= threshold
    return best[mask], b.reshape(-1, 4)[mask], classes[mask].astype(np.int64)


def _nms(b, s, iou_threshold, max_boxes, suppress_equal, classes=None):
    """Trusting greedy NMS (compiled): corner boxes b (N,4) through _scale_safe, scores s
    (N,), optional int64 classes (N,) for per-class NMS -> kept indices (int64) by
    decreasing score; equal scores keep the lower index first."""
    n = b.shape[0]
    if max_boxes is None:
        max_boxes = n
    order = np.argsort(-s, kind="stable")
    sb = np.ascontiguousarray(b[order], dtype=np.float64)
    cls = (np.zeros(n, np.int64) if classes is None
           else np.ascontiguousarray(classes[order], dtype=np.int64))
    keep = np.empty(n, np.int64)
    k = _k.nms_sorted(sb, cls, classes is not None, float(iou_threshold), bool(suppress_equal),
                      int(max_boxes), np.zeros(n, np.uint8), keep)
    return order[keep[:k]]


def non_max_suppression(boxes, scores, iou_threshold=0.5, max_boxes=10, suppress_equal=True):
    r"""Greedy non-max suppression (class-agnostic).

    While boxes remain: output the highest-scoring one and discard every
    remaining box :math:`B` with :math:`\mathrm{IoU}(B_{\text{kept}}, B) \ge`
    ``iou_threshold`` (``>`` with ``suppress_equal=False``, the rule of
    ``torchvision.ops.nms`` and ``tf.image.non_max_suppression``).  Stops after
    ``max_boxes`` boxes.  Ties in score keep the earlier box first.

    .. math::

        k = \arg\max_{i \in R} s_i,\qquad
        R \leftarrow \{\, j \in R \setminus \{k\} : \mathrm{IoU}(B_k, B_j) < \tau \,\}

    Parameters
    ----------
    boxes : ndarray, shape (N, 4)
        Corner boxes ``(x1, y1, x2, y2)`` or ``(y1, x1, y2, x2)`` (the result
        does not depend on the order).
    scores : ndarray, shape (N,)
    iou_threshold : float in [0, 1]
    max_boxes : int >= 0 or None
        ``None``: no limit (``torchvision.ops.nms``).
    suppress_equal : bool
        Whether IoU exactly equal to the threshold suppresses.

    Returns
    -------
    keep : ndarray of int64, shape (n_kept,)
        Indices into ``boxes``, by decreasing score.
    """
    b, s, _, thr, mb = _check_nms(boxes, scores, None, iou_threshold, max_boxes,
                                  suppress_equal=suppress_equal)
    return _nms(_scale_safe(b)[0], s, thr, mb, bool(suppress_equal))


def batched_non_max_suppression(boxes, scores, classes, iou_threshold=0.5, max_boxes=None,
                                suppress_equal=True):
    r"""Per-class greedy non-max suppression in one compiled pass (``batched_nms``).

    Greedy NMS in the order of decreasing score where a kept box suppresses only
    the remaining boxes *of its own class* (the lecture: "carry out NMS
    independently for each class"); the result equals running
    :func:`non_max_suppression` on each class and merging by score, and
    ``torchvision.ops.batched_nms`` (with ``suppress_equal=False``), without
    its trick of offsetting the boxes of each class.

    .. math::

        k = \arg\max_{i \in R} s_i,\qquad
        R \leftarrow \{\, j \in R \setminus \{k\} : c_j \ne c_k \ \lor
                      \ \mathrm{IoU}(B_k, B_j) < \tau \,\}

    Parameters
    ----------
    boxes : ndarray, shape (N, 4)
        Corner boxes, either order (see :func:`non_max_suppression`).
    scores : ndarray, shape (N,)
    classes : ndarray of int, shape (N,)
        Class (or image) of each box.
    iou_threshold : float in [0, 1]
    max_boxes : int >= 0 or None
        Keep at most this many boxes overall (the best ones); ``None``: all.
    suppress_equal : bool
        Whether IoU exactly equal to the threshold suppresses.

    Returns
    -------
    keep : ndarray of int64, shape (n_kept,)
        Indices into ``boxes``, by decreasing score; equal scores keep the lower
        index first.
    """
    b, s, c, thr, mb = _check_nms(boxes, scores, classes, iou_threshold, max_boxes,
                                  suppress_equal=suppress_equal)
    return _nms(_scale_safe(b)[0], s, thr, mb, bool(suppress_equal), classes=c)


def _check_nms(boxes, scores, classes, iou_threshold, max_boxes, **flags):
    """Validate the NMS arguments; classes (if given) become int64 labels 0..K-1."""
    b = _check_corners(boxes, "boxes", order=None)
    s = check_float_array(scores, "scores", ndim=1, dtype=b.dtype, finite=True)
    if b.ndim != 2:
        raise ValueError(f"boxes must have shape (N, 4), got {b.shape}")
    if s.shape[0] != b.shape[0]:
        raise ValueError(f"scores must have shape (N,) = ({b.shape[0]},), got {s.shape}")
    c = None
    if classes is not None:
        c = np.asarray(classes)
        if c.dtype.kind not in "iu":
            raise TypeError(f"classes must be an integer array, got dtype {c.dtype}")
        if c.shape != s.shape:
            raise ValueError(f"classes must have shape (N,) = ({b.shape[0]},), got {c.shape}")
        # relabel (uint64 ids beyond the int64 range are fine)
        c = np.unique(c, return_inverse=True)[1].reshape(-1).astype(np.int64)
    iou_threshold = check_scalar(iou_threshold, "iou_threshold", low=0, high=1)
    if max_boxes is not None:
        max_boxes = check_scalar(max_boxes, "max_boxes", low=0, integer=True)
    for name, flag in flags.items():
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {flag!r}")
    return b, s, c, iou_threshold, max_boxes


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5,
                             per_class=False, suppress_equal=True):
    r"""The course's ``yolo_non_max_suppression``: NMS, then the ``max_boxes`` best.

    With ``per_class=False`` (default, the course: one
    ``tf.image.non_max_suppression`` over all boxes) a box may suppress a box of
    another class.  With ``per_class=True`` (the lecture's advice, "carry out
    NMS independently for each class"; ``torchvision.ops.batched_nms``) a box
    only suppresses boxes of its own class; the survivors of every class are
    merged and the ``max_boxes`` highest scores kept.

    .. math::

        \text{kept} = \operatorname{top}_{\text{max\_boxes}}
            \bigcup_{k} \mathrm{NMS}\big(\{\, i : \hat k_i = k \,\}\big)
            \quad(\text{per\_class}),\qquad
        \operatorname{top}_{\text{max\_boxes}} \mathrm{NMS}(\text{all})\quad(\text{otherwise})

    Parameters
    ----------
    scores : ndarray, shape (N,)
    boxes : ndarray, shape (N, 4)
        Corner boxes, ``(y1, x1, y2, x2)`` (the course) or ``(x1, y1, x2, y2)``:
        the result does not depend on the order.
    classes : ndarray of int, shape (N,)
    max_boxes : int
    iou_threshold : float
    per_class : bool
    suppress_equal : bool
        As in :func:`non_max_suppression`.

    Returns
    -------
    scores : ndarray, shape (n_kept,)
        Decreasing.
    boxes : ndarray, shape (n_kept, 4)
    classes : ndarray of int64, shape (n_kept,)
    """
    if max_boxes is None:
        raise TypeError("max_boxes must be an integer, got None")
    b, s, c, thr, mb = _check_nms(boxes, scores, classes, iou_threshold, max_boxes,
                                  per_class=per_class, suppress_equal=suppress_equal)
    kept = _nms(_scale_safe(b)[0], s, thr, mb, bool(suppress_equal),
                classes=c if per_class else None)
    return s[kept], b[kept], np.asarray(classes)[kept].astype(np.int64)


def yolo_eval(yolo_outputs, image_shape=(720.0, 1280.0), max_boxes=10, score_threshold=0.6,
              iou_threshold=0.5, per_class=False):
    r"""The course's ``yolo_eval``: corners, score filter, scale, non-max suppression.

    .. math::

        (b_x, b_y, b_w, b_h) \mapsto (y_1, x_1, y_2, x_2),\quad
        \text{keep} \iff p_c c_{\hat k} \ge \text{score\_threshold},\quad
        \text{then NMS with } \mathrm{IoU} \ge \text{iou\_threshold}

    Parameters
    ----------
    yolo_outputs : tuple (box_xy, box_wh, box_confidence, box_class_probs)
        The course's order.  ``box_xy``, ``box_wh``: ``(..., 2)`` relative
        midpoints and sizes (e.g. from :func:`yolo_decode`);
        ``box_confidence``: ``(..., 1)``; ``box_class_probs``: ``(..., K)``.
    image_shape : (height, width)
    max_boxes : int
    score_threshold, iou_threshold : float
    per_class : bool
        ``False`` (the course): one NMS over all boxes; ``True``: per class
        (see :func:`yolo_non_max_suppression`).

    Returns
    -------
    scores : ndarray, shape (n,)
    boxes : ndarray, shape (n, 4)
        Corner boxes ``(y1, x1, y2, x2)`` in pixels, as in the course.
    classes : ndarray of int64, shape (n,)
    """
    if not isinstance(yolo_outputs, (tuple, list)) or len(yolo_outputs) != 4:
        raise TypeError("yolo_outputs must be a tuple (box_xy, box_wh, box_confidence, "
                        "box_class_probs)")
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    s, b, c = yolo_filter_boxes(boxes, box_confidence, box_class_probs, score_threshold)
    b = scale_boxes(b, image_shape)
    return yolo_non_max_suppression(s, b, c, max_boxes=max_boxes, iou_threshold=iou_threshold,
                                    per_class=per_class)

