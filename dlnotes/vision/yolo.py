r"""YOLOv2 training pieces: anchors by k-means, the grid targets and the YOLO loss.

The network's output for one image is read as ``(S_H, S_W, A, 5 + K)``, last
axis ``(t_x, t_y, t_w, t_h, t_o, t_{c_1}, ..., t_{c_K})``, the layout of
:func:`dlnotes.vision.boxes.yolo_decode`.  Anchors are in grid-cell units.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_float_array, check_scalar
from dlnotes.nn.activations import _softmax, log_softmax, sigmoid, softmax

__all__ = ["yolo_decode", "assign_anchor", "wh_iou", "kmeans_anchors", "yolo_targets",
           "yolo_loss"]


def wh_iou(wh, anchors):
    r"""IoU of box shapes with anchor shapes, both centred at the same point.

    .. math::

        \mathrm{IoU}\big((w, h), (p_w, p_h)\big) =
        \frac{\min(w, p_w)\min(h, p_h)}{w h + p_w p_h - \min(w, p_w)\min(h, p_h)}

    Parameters
    ----------
    wh : ndarray, shape (n, 2)
        Widths and heights, positive.
    anchors : ndarray, shape (k, 2)
        Anchor widths and heights, positive (same units).

    Returns
    -------
    ndarray, shape (n, k)
    """
    wh = check_float_array(wh, "wh", ndim=2, shape=(None, 2), shape_names=("n", "2"),
                           finite=True)
    a = check_float_array(anchors, "anchors", ndim=2, shape=(None, 2),
                          shape_names=("k", "2"), dtype=wh.dtype, finite=True)
    if (wh.size and np.any(wh <= 0)) or (a.size and np.any(a <= 0)):
        raise ValueError("wh and anchors must hold positive widths and heights")
    return _wh_iou(wh, a)


def _wh_iou(wh, a):
    inter = np.minimum(wh[:, None, 0], a[None, :, 0]) * np.minimum(wh[:, None, 1], a[None, :, 1])
    return inter / (wh[:, None, 0] * wh[:, None, 1] + a[None, :, 0] * a[None, :, 1] - inter)


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
    box_xy = (sigmoid(f[..., 0:2]) + grid) / dims
    box_wh = a[None, None, :, :] * np.exp(f[..., 2:4]) / dims
    conf = sigmoid(f[..., 4:5])
    probs = _softmax(f[..., 5:], -1)  # f is checked above
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
    ious = _wh_iou(np.concatenate([w, h], axis=1), a)
    k = np.argmax(ious, axis=1).astype(np.int64) if ious.size else np.zeros(0, np.int64)
    return np.stack([cy, cx], axis=1), k


def kmeans_anchors(wh, k=5, n_iter=100, seed=None, rng=None):
    r"""Anchor shapes by k-means on box widths and heights with the distance 1 - IoU (YOLOv2).

    Redmon & Farhadi (2017) cluster the training boxes' ``(w, h)`` with

    .. math::

        d(\text{box}, \text{centroid}) = 1 - \mathrm{IoU}(\text{box}, \text{centroid})

    (both centred at the origin, :func:`wh_iou`), so that large boxes do not
    dominate as they would with the Euclidean distance.  Lloyd's iterations:
    assign each box to its nearest centroid, then move each centroid to the
    mean ``(w, h)`` of its boxes; the initial centroids are ``k`` distinct boxes
    drawn at random.  A centroid that loses all its boxes keeps its place.
    The result maximises (locally) the mean IoU of a box with its best anchor.

    Parameters
    ----------
    wh : ndarray, shape (n, 2)
        Box widths and heights (any unit; the anchors come in the same one).
    k : int, ``1 <= k <= n``
    n_iter : int >= 1
        Maximum iterations (stops earlier when the assignment no longer changes).
    seed : int, optional
        Seeds the initial draw.
    rng : numpy.random.Generator, optional
        A generator for the initial draw instead of ``seed``.

    Returns
    -------
    anchors : ndarray, shape (k, 2)
        Sorted by area, increasing.
    """
    wh = check_float_array(wh, "wh", ndim=2, shape=(None, 2), shape_names=("n", "2"),
                           finite=True)
    if wh.size and np.any(wh <= 0):
        raise ValueError("wh must hold positive widths and heights")
    k = check_scalar(k, "k", low=1, high=max(wh.shape[0], 1), integer=True)
    if wh.shape[0] == 0:
        raise ValueError("wh must hold at least one box, got shape (0, 2)")
    n_iter = check_scalar(n_iter, "n_iter", low=1, integer=True)
    rng = as_rng(rng, seed)
    centroids = wh[rng.choice(wh.shape[0], size=k, replace=False)].copy()
    assign = None
    for _ in range(n_iter):
        new = np.argmax(_wh_iou(wh, centroids), axis=1)
        if assign is not None and np.array_equal(new, assign):
            break
        assign = new
        for j in range(k):
            members = wh[assign == j]
            if members.shape[0]:
                centroids[j] = members.mean(axis=0)
    return centroids[np.argsort(centroids[:, 0] * centroids[:, 1], kind="stable")]


def yolo_targets(boxes, classes, anchors, grid_shape, n_classes, dtype=np.float64):
    r"""Encode ground-truth boxes into the YOLOv2 grid target ``(S_H, S_W, A, 5 + K)``.

    An object with relative midpoint :math:`(b_x, b_y)` and size
    :math:`(b_w, b_h)` belongs to the cell :math:`c_x = \lfloor S_W b_x \rfloor`,
    :math:`c_y = \lfloor S_H b_y \rfloor` and to the anchor :math:`k` with the
    best shape IoU (:func:`wh_iou`, in grid-cell units); if that slot is
    already taken by an earlier object of the image, the next best free
    anchor of the cell (an object is dropped only when all ``A`` are taken).
    Its slot holds the values the network should produce after the YOLOv2
    parameterisation (:func:`~dlnotes.vision.boxes.yolo_decode`):

    .. math::

        \hat x = S_W b_x - c_x,\quad \hat y = S_H b_y - c_y
        \quad(\text{targets of } \sigma(t_x), \sigma(t_y)),\qquad
        \hat w = \log\frac{S_W b_w}{p_{w,k}},\quad \hat h = \log\frac{S_H b_h}{p_{h,k}}
        \quad(\text{targets of } t_w, t_h),

    objectness 1 and the one-hot class; every other slot is all zeros
    (objectness 0).

    Parameters
    ----------
    boxes : list of ndarray, shape (n_i, 4), or one ndarray (n, 4)
        Per image, corner boxes ``(x1, y1, x2, y2)`` relative to the image.
    classes : list of ndarray of int, shape (n_i,), or one ndarray (n,)
    anchors : ndarray, shape (A, 2)
        In grid-cell units.
    grid_shape : (S_H, S_W)
    n_classes : int
    dtype : float32 or float64

    Returns
    -------
    ndarray, shape (m, S_H, S_W, A, 5 + K)
        ``m`` images (one image, ``m = 1``, when arrays were passed).
    """
    single = isinstance(boxes, np.ndarray)
    if single:
        boxes, classes = [boxes], [classes]
    if not isinstance(boxes, (list, tuple)) or not isinstance(classes, (list, tuple)) \
            or len(boxes) != len(classes):
        raise TypeError("boxes and classes must be lists of per-image arrays of one length")
    a = check_float_array(anchors, "anchors", ndim=2, shape=(None, 2),
                          shape_names=("A", "2"), dtype=np.float64, finite=True)
    if a.shape[0] < 1 or np.any(a <= 0):
        raise ValueError(f"anchors must have shape (A, 2) with positive sizes, got {a.shape}")
    if not isinstance(grid_shape, (tuple, list)) or len(grid_shape) != 2:
        raise ValueError(f"grid_shape must be (S_H, S_W), got {grid_shape!r}")
    S_H = check_scalar(grid_shape[0], "grid_shape[0]", low=1, integer=True)
    S_W = check_scalar(grid_shape[1], "grid_shape[1]", low=1, integer=True)
    K = check_scalar(n_classes, "n_classes", low=1, integer=True)
    A = a.shape[0]
    out = np.zeros((len(boxes), S_H, S_W, A, 5 + K), dtype=dtype)
    for i, (b, c) in enumerate(zip(boxes, classes)):
        b = check_float_array(b, f"boxes[{i}]", ndim=2, shape=(None, 4),
                              shape_names=("n_i", "4"), dtype=np.float64, finite=True)
        c = np.asarray(c)
        if c.dtype.kind not in "iu" or c.shape != (b.shape[0],):
            raise ValueError(f"classes[{i}] must be integers of shape ({b.shape[0]},), got "
                             f"{c.dtype} {c.shape}")
        if c.size and (c.min() < 0 or c.max() >= K):
            raise ValueError(f"classes[{i}] must lie in [0, n_classes) = [0, {K})")
        if b.size and (np.any(b < 0) or np.any(b > 1) or np.any(b[:, 2:] <= b[:, :2])):
            raise ValueError(f"boxes[{i}] must be (x1, y1, x2, y2) in [0, 1] with x1 < x2 and "
                             "y1 < y2")
        gx = (b[:, 0] + b[:, 2]) / 2 * S_W
        gy = (b[:, 1] + b[:, 3]) / 2 * S_H
        gw = (b[:, 2] - b[:, 0]) * S_W
        gh = (b[:, 3] - b[:, 1]) * S_H
        cx = np.minimum(gx.astype(np.int64), S_W - 1)
        cy = np.minimum(gy.astype(np.int64), S_H - 1)
        ranks = np.argsort(-_wh_iou(np.stack([gw, gh], axis=1), a), axis=1, kind="stable")
        for j in range(b.shape[0]):
            for k in ranks[j]:
                slot = out[i, cy[j], cx[j], k]
                if slot[4] == 0:
                    slot[:5] = (gx[j] - cx[j], gy[j] - cy[j], np.log(gw[j] / a[k, 0]),
                                np.log(gh[j] / a[k, 1]), 1.0)
                    slot[5 + c[j]] = 1.0
                    break
    return out


def yolo_loss(feats, targets, lambda_coord=5.0, lambda_noobj=0.5):
    r"""The YOLOv2 loss of raw outputs against :func:`yolo_targets`, and its gradient.

    With :math:`\mathbb 1^{obj}` the objectness of the target slot,

    .. math::

        J = \frac{1}{m}\sum_{\text{slots}} \Big[
            \lambda_{coord}\,\mathbb 1^{obj}\big((\sigma(t_x) - \hat x)^2
              + (\sigma(t_y) - \hat y)^2 + (t_w - \hat w)^2 + (t_h - \hat h)^2\big)
            - \mathbb 1^{obj}\log\sigma(t_o)
            - \lambda_{noobj}(1 - \mathbb 1^{obj})\log\big(1 - \sigma(t_o)\big)
            - \mathbb 1^{obj}\sum_{k} \hat c_k \log\operatorname{softmax}(t_c)_k \Big]

    the notes' sum of squared box errors weighted by :math:`\lambda_{coord}`
    (on the YOLOv2 offsets, so the width and height terms compare log-sizes),
    objectness as a binary cross-entropy with the empty slots weighted by
    :math:`\lambda_{noobj}`, and a softmax cross-entropy over the classes of the
    responsible slots.  The gradient:

    .. math::

        \frac{\partial J}{\partial t_x} = \frac{2\lambda_{coord}}{m}\mathbb 1^{obj}
            (\sigma(t_x) - \hat x)\,\sigma(t_x)(1 - \sigma(t_x)),\qquad
        \frac{\partial J}{\partial t_w} = \frac{2\lambda_{coord}}{m}\mathbb 1^{obj}(t_w - \hat w),

    .. math::

        \frac{\partial J}{\partial t_o} = \frac{1}{m}\Big(\mathbb 1^{obj}(\sigma(t_o) - 1)
            + \lambda_{noobj}(1 - \mathbb 1^{obj})\,\sigma(t_o)\Big),\qquad
        \frac{\partial J}{\partial t_c} = \frac{1}{m}\mathbb 1^{obj}
            \big(\operatorname{softmax}(t_c) - \hat c\big)

    Parameters
    ----------
    feats : ndarray, shape (m, ..., 5 + K)
        Raw outputs, last axis ``(t_x, t_y, t_w, t_h, t_o, t_c...)``; the middle
        axes (grid cells and anchors) are summed over.
    targets : ndarray, shape of ``feats``
        From :func:`yolo_targets`.
    lambda_coord, lambda_noobj : float >= 0

    Returns
    -------
    cost : float
    dfeats : ndarray, shape of ``feats``
    """
    f = check_float_array(feats, "feats", finite=True)
    t = check_float_array(targets, "targets", dtype=f.dtype, finite=True)
    if f.ndim < 2 or f.shape[-1] < 6:
        raise ValueError(f"feats must have shape (m, ..., 5 + K) with K >= 1, got {f.shape}")
    if t.shape != f.shape:
        raise ValueError(f"targets must have the shape of feats {f.shape}, got {t.shape}")
    if f.shape[0] == 0:
        raise ValueError("feats must hold at least one example (m >= 1)")
    lc = check_scalar(lambda_coord, "lambda_coord", low=0.0)
    ln = check_scalar(lambda_noobj, "lambda_noobj", low=0.0)
    return _yolo_loss(f, t, lc, ln)


def _yolo_loss(f, t, lc, ln):
    """Trusting :func:`yolo_loss` on checked arrays."""
    m, shape = f.shape[0], f.shape
    f = f.reshape(-1, shape[-1])
    t = t.reshape(-1, shape[-1])
    obj = t[..., 4]
    noobj = 1.0 - obj
    sxy = sigmoid(f[..., 0:2])
    exy = sxy - t[..., 0:2]
    ewh = f[..., 2:4] - t[..., 2:4]
    to = f[..., 4]
    # -log sigma(z) = softplus(-z); -log(1 - sigma(z)) = softplus(z)
    sp_neg = np.logaddexp(0.0, -to)
    sp_pos = np.logaddexp(0.0, to)
    logp = log_softmax(f[..., 5:], axis=-1)
    cost = (lc * np.sum(obj[..., None] * (exy * exy)) + lc * np.sum(obj[..., None] * (ewh * ewh))
            + np.sum(obj * sp_neg) + ln * np.sum(noobj * sp_pos)
            - np.sum(obj[..., None] * t[..., 5:] * logp)) / m
    d = np.empty_like(f)
    d[..., 0:2] = 2 * lc * obj[..., None] * exy * sxy * (1 - sxy)
    d[..., 2:4] = 2 * lc * obj[..., None] * ewh
    so = sigmoid(to)
    d[..., 4] = obj * (so - 1) + ln * noobj * so
    d[..., 5:] = obj[..., None] * (softmax(f[..., 5:], axis=-1) - t[..., 5:])
    d /= m
    return float(cost), d.reshape(shape)
