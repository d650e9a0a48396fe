r"""Detection metrics: PASCAL VOC average precision (all-point interpolation) and mAP.

The VOC rules (Everingham et al., the VOC2010+ devkit): for each class, the
detections of all images are sorted by decreasing score; each one is matched
to the ground-truth box of its image and class with the highest IoU; it is a
true positive when that IoU exceeds the threshold (``>``, as the devkit's
``ovmax > minoverlap``) and the box was not matched before; otherwise (a
duplicate of a detected object, a poor box, no object of that class) it is a
false positive.  There are no "difficult" objects here.  Boxes are continuous
coordinates (no "+1" pixel convention).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar
from dlnotes.vision.boxes import box_iou

__all__ = ["average_precision", "mean_average_precision"]


def average_precision(recall, precision):
    r"""All-point interpolated average precision (VOC2010 and later).

    The precision is made monotone from the right, then integrated over
    recall at every point where recall changes:

    .. math::

        p_{\text{interp}}(r) = \max_{\tilde r \ge r} p(\tilde r),\qquad
        \mathrm{AP} = \sum_{n} (r_{n} - r_{n-1})\, p_{\text{interp}}(r_n)

    with :math:`r_0 = 0`.

    Parameters
    ----------
    recall, precision : ndarray, shape (n,)
        Cumulative recall (non-decreasing) and precision after each detection,
        in decreasing score order.

    Returns
    -------
    float
        0 when there are no detections.
    """
    r = check_float_array(recall, "recall", ndim=1, dtype=np.float64, finite=True)
    p = check_float_array(precision, "precision", ndim=1, dtype=np.float64, finite=True)
    if r.shape != p.shape:
        raise ValueError(f"precision must have the shape of recall {r.shape}, got {p.shape}")
    if r.size and np.any(np.diff(r) < 0):
        raise ValueError("recall must be non-decreasing (detections in decreasing score order)")
    mrec = np.concatenate([[0.0], r, [1.0]])
    mpre = np.concatenate([[0.0], p, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _per_image(values, name, m, width=None, integer=False):
    if not isinstance(values, (list, tuple)) or len(values) != m:
        raise TypeError(f"{name} must be a list of {m} per-image arrays")
    out = []
    for i, v in enumerate(values):
        if integer:
            v = np.asarray(v)
            if v.dtype.kind not in "iu" or v.ndim != 1:
                raise ValueError(f"{name}[{i}] must be a 1-d integer array, got {v.dtype} "
                                 f"{v.shape}")
            out.append(v.astype(np.int64))
        elif width:
            out.append(check_float_array(v, f"{name}[{i}]", ndim=2, shape=(None, width),
                                         shape_names=(f"n_{i}", str(width)), dtype=np.float64,
                                         finite=True))
        else:
            out.append(check_float_array(v, f"{name}[{i}]", ndim=1, dtype=np.float64,
                                         finite=True))
    return out


def mean_average_precision(pred_boxes, pred_scores, pred_classes, gt_boxes, gt_classes,
                           n_classes, iou_threshold=0.5):
    r"""VOC-style AP per class and their mean (mAP) over a set of images.

    For class :math:`k` with :math:`n_k` ground-truth objects, after sorting its
    detections by score and marking each TP or FP (module docstring),

    .. math::

        \text{recall}_j = \frac{\mathrm{TP}_j}{n_k},\qquad
        \text{precision}_j = \frac{\mathrm{TP}_j}{\mathrm{TP}_j + \mathrm{FP}_j},\qquad
        \mathrm{mAP} = \frac{1}{|\{k : n_k > 0\}|}\sum_{k : n_k > 0} \mathrm{AP}_k

    with :math:`\mathrm{AP}_k` from :func:`average_precision`.  A class with no
    ground truth has an undefined AP (NaN, left out of the mean, as in the
    devkit, where its recall would be 0/0); its detections count nowhere.

    Parameters
    ----------
    pred_boxes : list of ndarray, shape (d_i, 4)
        Per image, detected corner boxes ``(x1, y1, x2, y2)`` (or all in
        ``(y1, x1, y2, x2)``: IoU does not depend on the order).
    pred_scores : list of ndarray, shape (d_i,)
    pred_classes : list of int ndarray, shape (d_i,)
    gt_boxes : list of ndarray, shape (n_i, 4)
    gt_classes : list of int ndarray, shape (n_i,)
    n_classes : int
    iou_threshold : float in [0, 1)
        A detection is a true positive when its IoU is ``> iou_threshold``.

    Returns
    -------
    dict
        ``"ap"``: ndarray ``(n_classes,)`` (NaN where a class has no ground
        truth), ``"map"``: float (NaN if no class has ground truth),
        ``"n_gt"``: int ndarray ``(n_classes,)``, ``"n_det"``: int ndarray.
    """
    if not isinstance(gt_boxes, (list, tuple)):
        raise TypeError("gt_boxes must be a list of per-image arrays")
    m = len(gt_boxes)
    pb = _per_image(pred_boxes, "pred_boxes", m, width=4)
    ps = _per_image(pred_scores, "pred_scores", m)
    pc = _per_image(pred_classes, "pred_classes", m, integer=True)
    gb = _per_image(gt_boxes, "gt_boxes", m, width=4)
    gc = _per_image(gt_classes, "gt_classes", m, integer=True)
    K = check_scalar(n_classes, "n_classes", low=1, integer=True)
    thr = check_scalar(iou_threshold, "iou_threshold", low=0.0, high=1.0,
                       high_inclusive=False)
    for i in range(m):
        if not (pb[i].shape[0] == ps[i].shape[0] == pc[i].shape[0]):
            raise ValueError(f"pred_boxes[{i}], pred_scores[{i}] and pred_classes[{i}] must "
                             "hold the same number of detections")
        if gb[i].shape[0] != gc[i].shape[0]:
            raise ValueError(f"gt_boxes[{i}] and gt_classes[{i}] must hold the same number of "
                             "objects")
        for name, c in ((f"pred_classes[{i}]", pc[i]), (f"gt_classes[{i}]", gc[i])):
            if c.size and (c.min() < 0 or c.max() >= K):
                raise ValueError(f"{name} must lie in [0, n_classes) = [0, {K})")
    ap = np.full(K, np.nan)
    n_gt = np.zeros(K, np.int64)
    n_det = np.zeros(K, np.int64)
    for k in range(K):
        gts = [gb[i][gc[i] == k] for i in range(m)]
        n_gt[k] = sum(g.shape[0] for g in gts)
        img = np.concatenate([np.full(int(np.sum(pc[i] == k)), i, np.int64) for i in range(m)]
                             or [np.zeros(0, np.int64)])
        det = np.concatenate([pb[i][pc[i] == k] for i in range(m)] or [np.zeros((0, 4))])
        sc = np.concatenate([ps[i][pc[i] == k] for i in range(m)] or [np.zeros(0)])
        n_det[k] = sc.size
        if n_gt[k] == 0:
            continue
        order = np.argsort(-sc, kind="stable")
        tp = np.zeros(sc.size)
        used = [np.zeros(g.shape[0], bool) for g in gts]
        for j, d in enumerate(order):
            g = gts[img[d]]
            if g.shape[0] == 0:
                continue
            ious = box_iou(det[d:d + 1], g)[0]
            best = int(np.argmax(ious))
            if ious[best] > thr and not used[img[d]][best]:
                used[img[d]][best] = True
                tp[j] = 1.0
        ctp = np.cumsum(tp)
        ap[k] = average_precision(ctp / n_gt[k], ctp / np.arange(1, sc.size + 1))
    valid = n_gt > 0
    return {"ap": ap, "map": float(np.mean(ap[valid])) if valid.any() else float("nan"),
            "n_gt": n_gt, "n_det": n_det}
