r"""Score filtering and non-max suppression (compiled greedy loop), and the course's
``yolo_eval`` pipeline.

The conventions (thresholds, box orders) are stated once, in
:mod:`dlnotes.vision.boxes`, the public home of these functions.
"""
from __future__ import annotations

import numpy as np

from dlnotes._kernels import boxes as _k
from dlnotes._validation import check_float_array, check_scalar
from dlnotes.vision.box_geometry import (_check_corners, _scale_safe, scale_boxes,
                                         yolo_boxes_to_corners)

__all__ = ["yolo_filter_boxes", "non_max_suppression", "batched_non_max_suppression",
           "yolo_non_max_suppression", "yolo_eval"]


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
