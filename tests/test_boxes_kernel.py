"""The compiled IoU matrix and (per-class) non-max suppression (dlnotes/_kernels/boxes.pyx).

Oracles: a plain-NumPy transcription of the notes' formula and of the greedy loop written
here, and for the IoU matrix the same formula in PyTorch ops (``torchvision.ops.box_iou`` /
``batched_nms`` cannot be used: installing torchvision would replace the torch build the CI
uses).  On 10,000 random boxes with score ties, duplicated boxes, degenerate (zero-width or
zero-height) boxes and pairs whose IoU equals the threshold exactly, the keep lists must be
identical.
"""
import numpy as np
import pytest

from dlnotes.vision import boxes as bx
from ops_vision import _torch_box_iou


def ref_iou(b1, b2):
    """The notes' IoU in float64: inter / (A1 + A2 - inter), 0 when the union is 0."""
    b1 = np.asarray(b1, np.float64)
    b2 = np.asarray(b2, np.float64)
    iw = np.minimum(b1[:, None, 2], b2[None, :, 2]) - np.maximum(b1[:, None, 0], b2[None, :, 0])
    ih = np.minimum(b1[:, None, 3], b2[None, :, 3]) - np.maximum(b1[:, None, 1], b2[None, :, 1])
    inter = np.maximum(iw, 0) * np.maximum(ih, 0)
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    union = a1[:, None] + a2[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=inter > 0)
    return out


def ref_nms(boxes, scores, iou_threshold, suppress_equal=True, classes=None, max_boxes=None):
    """Greedy NMS as the lecture states it: best remaining box, drop its overlaps, repeat.
    Equal scores: the lower index first."""
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    b = np.asarray(boxes, np.float64)[order]
    c = None if classes is None else np.asarray(classes)[order]
    alive = np.ones(len(order), bool)
    keep = []
    for i in range(len(order)):
        if not alive[i]:
            continue
        keep.append(order[i])
        if max_boxes is not None and len(keep) == max_boxes:
            break
        rest = i + 1 + np.flatnonzero(alive[i + 1:])
        if c is not None:
            rest = rest[c[rest] == c[i]]
        o = ref_iou(b[i:i + 1], b[rest])[0]
        alive[rest[(o >= iou_threshold) if suppress_equal else (o > iou_threshold)]] = False
    return np.array(keep, np.int64)


def random_boxes(rng, n, dtype):
    """n boxes with many overlaps, exact duplicates, degenerate boxes and exact-threshold pairs;
    scores with ties; 5 classes."""
    xy = rng.uniform(0, 100, (n, 2))
    wh = rng.uniform(1, 25, (n, 2))
    b = np.concatenate([xy, xy + wh], axis=1)
    k = n // 20
    b[:k] = b[rng.integers(k, n, k)]                            # exact duplicates
    deg = rng.integers(k, n, k)
    b[deg[: k // 3], 2] = b[deg[: k // 3], 0]                   # zero width
    b[deg[k // 3: 2 * k // 3], 3] = b[deg[k // 3: 2 * k // 3], 1]   # zero height
    b[deg[2 * k // 3:], 2:] = b[deg[2 * k // 3:], :2]           # points
    # integer pairs with IoU exactly 1/3 ((0,0,2,1) vs (1,0,3,1)) and 1/2 ((0,0,3,1) vs (1,0,4,1))
    off = rng.integers(0, 100, (k, 2)).astype(float)
    pairs = np.array([[0, 0, 2, 1], [1, 0, 3, 1], [0, 0, 3, 1], [1, 0, 4, 1]], float)
    for t in range(k // 4):
        b[n - 4 * (t + 1): n - 4 * t] = pairs + np.tile(off[t], 2)
    scores = np.round(rng.uniform(0, 1, n), 2)                   # ~100 distinct values: ties
    classes = rng.integers(0, 5, n)
    return b.astype(dtype), scores.astype(dtype), classes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nms_identical_keep_lists_10000_boxes(rng, dtype):
    b, s, c = random_boxes(rng, 10_000, dtype)
    # (the reference loop costs ~1 s per 3,000 kept boxes: a few settings per dtype)
    plain = ((1 / 3, True), (0.5, False)) if dtype == np.float64 else ((1 / 3, False),)
    for thr, eq in plain:
        keep = bx.non_max_suppression(b, s, thr, max_boxes=None, suppress_equal=eq)
        assert len(keep) > 2_000
        np.testing.assert_array_equal(keep, ref_nms(b, s, thr, eq))
    thr, eq = (0.5, True) if dtype == np.float64 else (1 / 3, True)
    keep = bx.batched_non_max_suppression(b, s, c, thr, suppress_equal=eq)
    np.testing.assert_array_equal(keep, ref_nms(b, s, thr, eq, classes=c))
    # per-class NMS = NMS on each class merged by score (the lecture's recipe)
    keep = bx.batched_non_max_suppression(b, s, c, 0.5)
    merged = np.concatenate([np.flatnonzero(c == k)[bx.non_max_suppression(
        b[c == k], s[c == k], 0.5, max_boxes=None)] for k in range(5)])
    merged = merged[np.lexsort((merged, -s[merged].astype(np.float64)))]
    np.testing.assert_array_equal(keep, merged)


def test_nms_max_boxes_and_yolo_per_class(rng):
    b, s, c = random_boxes(rng, 2_000, np.float64)
    full = ref_nms(b, s, 0.5, classes=c)
    np.testing.assert_array_equal(bx.batched_non_max_suppression(b, s, c, 0.5, max_boxes=10),
                                  full[:10])
    np.testing.assert_array_equal(bx.non_max_suppression(b, s, 0.5, max_boxes=7),
                                  ref_nms(b, s, 0.5)[:7])
    ss, bb, cc = bx.yolo_non_max_suppression(s, b, c, max_boxes=10, per_class=True)
    np.testing.assert_array_equal(ss, s[full[:10]])
    np.testing.assert_array_equal(bb, b[full[:10]])
    np.testing.assert_array_equal(cc, c[full[:10]])
    assert len(bx.batched_non_max_suppression(b, s, c, 0.5, max_boxes=0)) == 0
    # class ids need not be small: uint64 beyond the int64 range
    big = np.array([2 ** 64 - 1, 0], np.uint64)[c % 2]
    np.testing.assert_array_equal(bx.batched_non_max_suppression(b, s, big, 0.5),
                                  ref_nms(b, s, 0.5, classes=c % 2))


def test_nms_kernel_errors():
    b = np.array([[0, 0, 1, 1.0], [0, 0, 1, 1.0]])
    s = np.ones(2)
    with pytest.raises(TypeError, match="classes must be an integer array"):
        bx.batched_non_max_suppression(b, s, np.zeros(2))
    with pytest.raises(ValueError, match=r"classes must have shape \(N,\) = \(2,\)"):
        bx.batched_non_max_suppression(b, s, np.zeros(3, int))
    with pytest.raises(ValueError, match="x1 <= x2"):
        bx.batched_non_max_suppression(b[:, [2, 1, 0, 3]], s, np.zeros(2, int))
    with pytest.raises(ValueError, match="NaN"):
        bx.batched_non_max_suppression(b, np.array([1, np.nan]), np.zeros(2, int))
    with pytest.raises(TypeError, match="max_boxes"):
        bx.yolo_non_max_suppression(s, b, np.zeros(2, int), max_boxes=None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_box_iou_matrix_numpy_and_torch(rng, torch, dtype):
    b, _, _ = random_boxes(rng, 10_000, dtype)
    b1, b2 = b[:2_000], b[-500:]              # includes duplicates, points, exact 1/3 and 1/2
    got = bx.box_iou(b1, b2)                  # 10^6 pairs: the threaded path
    assert got.dtype == dtype and got.shape == (2_000, 500)
    # the same formula in float64 NumPy, rounded once to the dtype: the same bits
    np.testing.assert_array_equal(got, ref_iou(b1, b2).astype(dtype))
    # PyTorch ops (torchvision.ops.box_iou's formula), in float64
    expect = _torch_box_iou(torch, b1.astype(np.float64), b2.astype(np.float64))
    np.testing.assert_allclose(got, expect, rtol=1e-6 if dtype == np.float32 else 1e-15,
                               atol=0)
    # exact values the threshold tests rely on
    assert bx.iou((0, 0, 2, 1), (1, 0, 3, 1)) == 1 / 3
    assert bx.iou((0, 0, 3, 1), (1, 0, 4, 1)) == 0.5
    assert bx.iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_box_iou_non_contiguous_and_empty(rng):
    b, _, _ = random_boxes(rng, 100, np.float64)
    view = np.asfortranarray(b)[::-2]
    np.testing.assert_array_equal(bx.box_iou(view, b), ref_iou(view, b))
    assert bx.box_iou(b[:0], b).shape == (0, 100)
    assert bx.box_iou(b, b[:0]).shape == (100, 0)
    assert len(bx.non_max_suppression(b[:0], np.zeros(0), max_boxes=None)) == 0
