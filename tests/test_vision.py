"""Numeric tests of the errata (§3 YOLO, §4 face recognition, §5 style transfer)."""
import numpy as np
import pytest

from dlnotes.nn.gradcheck import gradient_check_n
from dlnotes.vision import boxes as bx
from dlnotes.vision import face, style


# ------------------------------------------------------------------ 3.1 boxes, decoding
def test_center_corner_round_trip(rng):
    xy = rng.uniform(0, 1, (6, 2))
    wh = rng.uniform(0, 1, (6, 2))
    corners = bx.yolo_boxes_to_corners(xy, wh, order="xyxy")
    xy2, wh2 = bx.corners_to_centers(corners)
    np.testing.assert_allclose(xy2, xy, atol=1e-15)
    np.testing.assert_allclose(wh2, wh, atol=1e-15)
    yx = bx.yolo_boxes_to_corners(xy, wh)           # the course's default order
    np.testing.assert_array_equal(yx, corners[:, [1, 0, 3, 2]])
    xy3, wh3 = bx.corners_to_centers(yx, order="yxyx")
    np.testing.assert_allclose(xy3, xy, atol=1e-15)
    np.testing.assert_allclose(wh3, wh, atol=1e-15)


def test_course_yolo_boxes_to_corners_order():
    # yad2k / the course: concatenate(y_min, x_min, y_max, x_max)
    xy = np.array([[0.5, 0.4], [0.25, 0.75]])
    wh = np.array([[0.2, 0.6], [0.5, 0.1]])
    np.testing.assert_allclose(bx.yolo_boxes_to_corners(xy, wh),
                               [[0.1, 0.4, 0.7, 0.6], [0.7, 0.0, 0.8, 0.5]], atol=1e-15)
    np.testing.assert_allclose(bx.yolo_boxes_to_corners(xy, wh, order="xyxy"),
                               [[0.4, 0.1, 0.6, 0.7], [0.0, 0.7, 0.5, 0.8]], atol=1e-15)


def test_yolo_decode_zero_logits_give_cell_centre_and_anchor_size():
    S_H, S_W, A, K = 3, 4, 2, 5
    anchors = np.array([[1.0, 2.0], [0.5, 0.25]])
    xy, wh, conf, probs = bx.yolo_decode(np.zeros((S_H, S_W, A, 5 + K)), anchors)
    cy, cx = 1, 2
    np.testing.assert_allclose(xy[cy, cx, 0] * [S_W, S_H], [cx + 0.5, cy + 0.5])
    np.testing.assert_allclose(wh[cy, cx, 1] * [S_W, S_H], anchors[1])
    np.testing.assert_allclose(conf, 0.5)
    np.testing.assert_allclose(probs, 1 / K)


def test_assign_anchor_cell_and_shape():
    anchors = np.array([[1.0, 3.0], [3.0, 1.0], [2.0, 2.0]])          # tall, wide, square
    xy = np.array([[0.51, 0.12], [0.99, 0.99], [0.0, 0.5]])
    wh = np.array([[0.1, 0.3], [0.3, 0.1], [0.2, 0.2]])   # 10x10 grid: 1x3, 3x1, 2x2
    cells, k = bx.assign_anchor(xy, wh, anchors, (10, 10))
    np.testing.assert_array_equal(cells, [[1, 5], [9, 9], [5, 0]])
    np.testing.assert_array_equal(k, [0, 1, 2])
    # the chosen anchor has the highest centred IoU
    for i in range(3):
        w, h = wh[i] * 10
        ious = [bx.iou((-w / 2, -h / 2, w / 2, h / 2), (-p / 2, -q / 2, p / 2, q / 2))
                for p, q in anchors]
        assert k[i] == int(np.argmax(ious))
    with pytest.raises(ValueError, match=r"box_xy must be relative"):
        bx.assign_anchor(xy * 2, wh, anchors, (10, 10))


def test_scale_boxes_course_numbers():
    # issue 13: the course scales (y1, x1, y2, x2) by (H, W, H, W)
    b = np.array([0.1, 0.2, 0.5, 0.6])
    np.testing.assert_allclose(bx.scale_boxes(b, (720.0, 1280.0)), [72, 256, 360, 768])
    np.testing.assert_allclose(bx.scale_boxes(b[None], (720, 1280), order="xyxy"),
                               [[128, 144, 640, 432]])
    with pytest.raises(ValueError, match="image_shape"):
        bx.scale_boxes(b, (720,))
    with pytest.raises(ValueError, match=r"\(y1, x1, y2, x2\) with x1 <= x2"):
        bx.scale_boxes(np.array([0.5, 0.2, 0.1, 0.6]), (720, 1280))


# ------------------------------------------------------------------ 3.3 IoU
def test_iou_course_cases():
    # the course's four test cases, boxes as (x1, y1, x2, y2)
    assert bx.iou((2, 1, 4, 3), (1, 2, 3, 4)) == pytest.approx(1 / 7, abs=1e-16)
    assert bx.iou((2, 1, 4, 3), (1, 2, 3, 4)) == 0.14285714285714285
    assert bx.iou((1, 2, 3, 4), (5, 6, 7, 8)) == 0.0     # no intersection
    assert bx.iou((1, 1, 2, 2), (2, 2, 3, 3)) == 0.0     # vertices only
    assert bx.iou((1, 1, 3, 3), (2, 3, 3, 4)) == 0.0     # edge only
    # the IoU does not depend on the order if both boxes share it
    assert bx.iou((1, 2, 3, 4), (2, 1, 4, 3)) == bx.iou((2, 1, 4, 3), (1, 2, 3, 4))


def test_iou_edge_cases(rng):
    assert bx.iou((1, 1, 3, 4), (1, 1, 3, 4)) == 1.0
    assert bx.iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0          # edge touching
    # diagonally separated: without max(0, .) the product of two negative overlaps is +1
    assert bx.iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert bx.iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0          # zero union convention
    a, b = bx.yolo_boxes_to_corners(rng.uniform(0, 2, (2, 2)), rng.uniform(0.5, 2, (2, 2)))
    assert bx.iou(a, b) == bx.iou(b, a)
    M = bx.box_iou(np.stack([a, b]), np.stack([a, b]))
    np.testing.assert_allclose(M, M.T)
    np.testing.assert_allclose(np.diag(M), 1.0)
    with pytest.raises(ValueError, match="use box_iou"):
        bx.iou(np.ones((2, 4)), (0, 0, 1, 1))


def test_iou_scale_safe_issue10():
    # issue 10, defect 10: float32 from about 1e19 overflowed the areas (IoU 0.0, not 1/7)
    b1 = np.array([0, 0, 2, 2], np.float32) * np.float32(1e20)
    b2 = np.array([1, 1, 3, 3], np.float32) * np.float32(1e20)
    assert bx.iou(b1, b2) == pytest.approx(1 / 7, rel=1e-6)
    assert bx.box_iou(b1[None], b2[None]).dtype == np.float32
    assert bx.box_iou(b1[None], b2[None])[0, 0] == pytest.approx(1 / 7, rel=1e-6)
    # the largest float32 boxes, and float64 where even x2 - x1 overflows
    big = np.float32(1.7e38)
    assert bx.iou(np.array([-big, -big, big, big]), np.array([0, 0, big, big])) == \
        pytest.approx(0.25, rel=1e-7)
    big = 1.7e308
    assert bx.iou((-big, -big, big, big), (0, 0, big, big)) == pytest.approx(0.25, rel=1e-15)
    assert bx.iou(np.array([0, 0, 2, 2]) * 1e300, np.array([1, 1, 3, 3]) * 1e300) == \
        pytest.approx(1 / 7, rel=1e-15)
    # tiny float32 boxes: their areas underflowed float32 to 0
    t = np.float32(1e-30)
    assert bx.iou(np.array([0, 0, 2, 2], np.float32) * t,
                  np.array([1, 1, 3, 3], np.float32) * t) == pytest.approx(1 / 7, rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_box_iou_exactly_scale_invariant(rng, dtype):
    b1 = rng.uniform(0, 10, (30, 4)).astype(dtype)
    b1[:, 2:] += b1[:, :2]
    b2 = b1[rng.permutation(30)] + dtype(0.5)
    ref = bx.box_iou(b1, b2)
    exps = (-100, 60, 100) if dtype == np.float32 else (-300, 300)
    for k in exps:     # a power of two scales exactly: the IoU must be bit-identical
        np.testing.assert_array_equal(bx.box_iou(np.ldexp(b1, k), np.ldexp(b2, k)), ref)
    if dtype == np.float64:   # extreme lengths take the normalised path: same to rounding
        for k in (-1000, -600, 600, 1018):
            np.testing.assert_allclose(bx.box_iou(np.ldexp(b1, k), np.ldexp(b2, k)), ref,
                                       rtol=1e-14, atol=0)


def test_nms_scale_safe_issue10():
    # NMS kept overlapping huge boxes because their IoU came out 0
    b = np.array([[0, 0, 2, 2], [0.1, 0, 2, 2], [5, 5, 6, 6]], np.float32) * np.float32(1e20)
    s = np.array([0.9, 0.8, 0.7], np.float32)
    np.testing.assert_array_equal(bx.non_max_suppression(b, s), [0, 2])
    np.testing.assert_array_equal(bx.non_max_suppression(b.astype(float) * 1e287, s), [0, 2])
    ss, _, _ = bx.yolo_non_max_suppression(s, b, np.array([1, 1, 1]), per_class=True)
    np.testing.assert_allclose(ss, [0.9, 0.7])


# ------------------------------------------------------------------ 3.4 NMS and filtering
def test_filter_boxes_threshold_is_inclusive():
    conf = np.array([[0.5], [1.0], [0.9]])
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.1, 0.5]])   # scores 0.4, 0.6, 0.45
    boxes = np.arange(12.0).reshape(3, 4)
    s, b, c = bx.yolo_filter_boxes(boxes, conf, probs, threshold=0.6)
    np.testing.assert_allclose(s, [0.6])
    np.testing.assert_array_equal(b, boxes[1:2])
    np.testing.assert_array_equal(c, [0])
    s, b, c = bx.yolo_filter_boxes(boxes, conf, probs, threshold=0.41)
    np.testing.assert_array_equal(c, [0, 1])
    # the old (pre-course) argument order is refused with the course's signature
    with pytest.raises(ValueError, match=r"yolo_filter_boxes\(boxes, box_confidence"):
        bx.yolo_filter_boxes(conf, boxes, probs)


def test_filter_boxes_course_shapes(rng):
    conf = rng.uniform(0, 1, (19, 19, 5, 1))
    boxes = rng.uniform(0, 1, (19, 19, 5, 4))
    probs = rng.uniform(0, 1, (19, 19, 5, 80))
    s, b, c = bx.yolo_filter_boxes(boxes, conf, probs, 0.5)
    s6, _, _ = bx.yolo_filter_boxes(boxes, conf, probs)      # the course's default .6
    assert np.all(s6 >= 0.6) and len(s6) == int(np.sum((conf * probs).max(-1) >= 0.6))
    scores = (conf * probs).reshape(-1, 80)
    keep = scores.max(-1) >= 0.5
    np.testing.assert_allclose(s, scores.max(-1)[keep])
    np.testing.assert_array_equal(c, scores.argmax(-1)[keep])
    assert b.shape == (keep.sum(), 4)
    with pytest.raises(ValueError, match=r"boxes must have shape \(19, 19, 5, 4\)"):
        bx.yolo_filter_boxes(boxes[..., :3], conf, probs)


def test_nms_hand_example():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9.0]])
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    keep = bx.non_max_suppression(boxes, scores, iou_threshold=0.5)
    np.testing.assert_array_equal(keep, [3, 2])   # 3 suppresses 0 (IoU .9) and 1; 2 is far
    assert np.all(np.diff(scores[keep]) <= 0)


def test_nms_properties(rng):
    b = bx.yolo_boxes_to_corners(rng.uniform(0, 10, (200, 2)), rng.uniform(1, 4, (200, 2)))
    s = rng.uniform(0, 1, 200)
    keep = bx.non_max_suppression(b, s, 0.4, max_boxes=1000)
    assert np.all(np.diff(s[keep]) <= 0)
    M = bx.box_iou(b[keep], b[keep])
    np.fill_diagonal(M, 0)
    assert M.max() < 0.4
    # every dropped box overlaps a kept box with a higher score
    dropped = np.setdiff1d(np.arange(200), keep)
    ov = bx.box_iou(b[dropped], b[keep])
    assert np.all(np.any((ov >= 0.4) & (s[keep][None, :] >= s[dropped][:, None]), axis=1))


def test_yolo_nms_course_is_class_agnostic_per_class_optional():
    b = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10.0]])
    s = np.array([0.9, 0.8, 0.7])
    c = np.array([0, 1, 0])
    # the course: one tf.image.non_max_suppression over all boxes
    ss, bb, cc = bx.yolo_non_max_suppression(s, b, c, max_boxes=10)
    np.testing.assert_allclose(ss, [0.9])
    ss, bb, cc = bx.yolo_non_max_suppression(s, b, c, max_boxes=10, per_class=True)
    np.testing.assert_allclose(ss, [0.9, 0.8])
    np.testing.assert_array_equal(cc, [0, 1])
    ss, _, _ = bx.yolo_non_max_suppression(s, b, c, max_boxes=1, per_class=True)
    np.testing.assert_allclose(ss, [0.9])
    with pytest.raises(TypeError, match="per_class must be a bool"):
        bx.yolo_non_max_suppression(s, b, c, per_class="yes")


def test_yolo_eval_end_to_end(rng):
    feats = rng.standard_normal((19, 19, 5, 85))
    anchors = rng.uniform(0.5, 3, (5, 2))
    xy, wh, conf, probs = bx.yolo_decode(feats, anchors)
    s, b, c = bx.yolo_eval((xy, wh, conf, probs), (720.0, 1280.0), max_boxes=10,
                           score_threshold=0.05, iou_threshold=0.5)
    assert len(s) <= 10 and b.shape == (len(s), 4) and c.dtype == np.int64
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0.05)
    # the course's pipeline step by step, boxes (y1, x1, y2, x2) in pixels
    boxes = bx.scale_boxes(bx.yolo_boxes_to_corners(xy, wh).reshape(-1, 4), (720, 1280))
    scores = (conf * probs).reshape(-1, 85 - 5)
    best = scores.max(-1)
    i = np.flatnonzero(best >= 0.05)
    keep = bx.non_max_suppression(boxes[i], best[i], 0.5, max_boxes=10)
    np.testing.assert_allclose(s, best[i][keep])
    np.testing.assert_allclose(b, boxes[i][keep])
    np.testing.assert_array_equal(c, scores.argmax(-1)[i][keep])
    # defaults: image_shape=(720., 1280.), max_boxes=10, score_threshold=.6, iou_threshold=.5
    s6, b6, _ = bx.yolo_eval((xy, wh, conf, probs))
    assert np.all(s6 >= 0.6) and len(s6) <= 10
    with pytest.raises(TypeError, match="yolo_outputs must be a tuple"):
        bx.yolo_eval(xy, wh)


def test_yolo_eval_course_hand_example():
    # three cells, one anchor, two classes; boxes 0 and 1 overlap with IoU 1/3, box 2 has a
    # low score (0.25)
    xy = np.array([[[0.5, 0.5]], [[0.6, 0.5]], [[0.2, 0.2]]])
    wh = np.array([[[0.2, 0.2]], [[0.2, 0.2]], [[0.1, 0.1]]])
    conf = np.array([[[0.9]], [[0.8]], [[0.5]]])
    probs = np.array([[[0.9, 0.1]], [[0.2, 0.8]], [[0.5, 0.5]]])
    out = (xy, wh, conf, probs)
    s, b, c = bx.yolo_eval(out, image_shape=(100.0, 200.0), iou_threshold=0.5)
    np.testing.assert_allclose(s, [0.81, 0.64])
    np.testing.assert_allclose(b, [[40, 80, 60, 120], [40, 100, 60, 140]])   # (y1, x1, y2, x2)
    np.testing.assert_array_equal(c, [0, 1])
    s, b, c = bx.yolo_eval(out, image_shape=(100.0, 200.0), iou_threshold=0.3)
    np.testing.assert_allclose(s, [0.81])                # class-agnostic, as the course
    s, b, c = bx.yolo_eval(out, image_shape=(100.0, 200.0), iou_threshold=0.3, per_class=True)
    np.testing.assert_allclose(s, [0.81, 0.64])
    s, b, c = bx.yolo_eval(out, image_shape=(100.0, 200.0), score_threshold=0.2)
    np.testing.assert_allclose(s, [0.81, 0.64, 0.25])


# ------------------------------------------------------------------ 4 face recognition
def test_triplet_loss_errata_example():
    A, P, N = np.array([[1.0, 0]]), np.array([[0.8, 0.6]]), np.array([[0.0, 1]])
    assert face.triplet_loss(None, (A, P, N), 0.2) == 0.0
    assert face.triplet_loss(None, (A, P, N), 2.0) == pytest.approx(0.4, abs=1e-15)
    dA, dP, dN = face.triplet_loss_backward((A, P, N), 0.2)   # inactive hinge
    assert not dA.any() and not dP.any() and not dN.any()
    dA, dP, dN = face.triplet_loss_backward((A, P, N), 2.0)
    np.testing.assert_allclose(dA, 2 * (N - P))


def test_triplet_loss_matches_torch_autograd(torch, rng):
    y = [rng.standard_normal((6, 128)) * 0.1 for _ in range(3)]
    ts = [torch.tensor(a, requires_grad=True) for a in y]
    loss = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, z: ((x - z) ** 2).sum(-1), margin=0.2, reduction="sum")
    out = loss(*ts)
    out.backward()
    assert face.triplet_loss(None, y) == pytest.approx(out.item(), rel=1e-12)
    for g, t in zip(face.triplet_loss_backward(y), ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_l2_normalize(rng):
    x = rng.standard_normal((4, 128))
    np.testing.assert_allclose(np.linalg.norm(face.l2_normalize(x), axis=1), 1.0)
    with pytest.raises(ValueError, match="zero vector"):
        face.l2_normalize(np.zeros((2, 3)))


class _LinearEncoder:
    """A Keras-like model: predict_on_batch(x (1, H, W, C)) -> (1, n_e)."""

    def __init__(self, rng, n_pix, n_e=16):
        self.P = rng.standard_normal((n_pix, n_e)) / np.sqrt(n_pix)
        self.calls = 0

    def predict_on_batch(self, x):
        self.calls += 1
        assert x.shape[0] == 1 and x.max() <= 1.0      # img_to_encoding scaled by 1/255
        return x.reshape(1, -1) @ self.P


def test_img_to_encoding(rng):
    img = rng.integers(0, 256, (8, 6, 3)).astype(np.uint8)
    model = _LinearEncoder(rng, img.size)
    e = face.img_to_encoding(img, model)
    raw = (img / 255.0).reshape(1, -1) @ model.P
    np.testing.assert_allclose(e, raw / np.linalg.norm(raw), rtol=1e-12)
    assert e.shape == (1, 16)
    # a plain callable and an object with predict() work too
    np.testing.assert_allclose(face.img_to_encoding(img, lambda x: x.reshape(1, -1) @ model.P), e)
    with pytest.raises(TypeError, match="model must have a predict_on_batch"):
        face.img_to_encoding(img, object())
    with pytest.raises(ValueError, match="image must be 3-dimensional"):
        face.img_to_encoding(img[..., 0], model)
    with pytest.raises(ValueError, match=r"model output must have shape \(1, n_e\)"):
        face.img_to_encoding(img, lambda x: np.ones(4))


def test_verify_and_who_is_it_course_signatures(rng, capsys):
    people = {k: rng.integers(0, 256, (8, 8, 3)).astype(float) for k in ("ana", "bo", "cy")}
    model = _LinearEncoder(rng, 8 * 8 * 3)

    def photo(name):     # another picture of the same person
        return np.clip(people[name] + rng.normal(0, 2, (8, 8, 3)), 0, 255)

    db = {k: face.img_to_encoding(people[k], model) for k in ("ana", "bo")}
    dist, door_open = face.verify(photo("ana"), "ana", db, model)
    assert door_open and dist < 0.1
    assert capsys.readouterr().out == "It's ana, welcome in!\n"
    dist, door_open = face.verify(photo("bo"), "ana", db, model)
    assert not door_open and dist >= 0.7
    assert capsys.readouterr().out == "It's not ana, please go away\n"
    min_dist, identity = face.who_is_it(photo("bo"), db, model)
    assert identity == "bo" and min_dist < 0.1
    assert capsys.readouterr().out.startswith("it's bo, the distance is ")
    # nobody close: the course still returns (min_dist, closest name) and says so
    far = {k: -db[k] for k in db}
    p = photo("ana")
    min_dist, identity = face.who_is_it(p, far, model)
    assert min_dist > 0.7
    e = face.img_to_encoding(p, model)
    assert identity == min(far, key=lambda k: np.linalg.norm(e - far[k]))
    assert min_dist == pytest.approx(min(np.linalg.norm(e - v) for v in far.values()))
    assert capsys.readouterr().out == "Not in the database.\n"
    face.who_is_it(photo("ana"), far, model, verbose=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(KeyError, match="not in the database"):
        face.verify(photo("ana"), "dan", db, model)
    with pytest.raises(TypeError, match="database"):
        face.who_is_it(photo("ana"), {}, model)


# ------------------------------------------------------------------ 5 style transfer
A_S = np.array([[[[1.0, 3.0], [2.0, 4.0]]]])     # a_S[0,0,:]=(1,3), a_S[0,1,:]=(2,4)
A_G = np.array([[[[1.0, 0.0], [0.0, 1.0]]]])


def test_style_worked_example():
    np.testing.assert_array_equal(style.gram_from_activations(A_S), [[5, 11], [11, 25]])
    np.testing.assert_array_equal(style.gram_from_activations(A_G), np.eye(2))
    assert style.compute_layer_style_cost(A_S, A_G) == 13.03125 == 834 / 64
    assert style.compute_content_cost(A_S, A_G) == 1.375


def test_gram_wrong_reshape_is_detected(rng):
    a = rng.standard_normal((1, 3, 4, 5))
    right = style.gram_matrix(style.unroll(a))
    wrong = style.gram_matrix(a.reshape(5, 12))        # the pitfall of errata 5.2
    np.testing.assert_allclose(right, np.einsum("hwc,hwd->cd", a[0], a[0]))
    assert not np.allclose(right, wrong)
    np.testing.assert_allclose(right, style.gram_from_activations(a))


def test_gram_properties(rng):
    a = rng.standard_normal((5, 6, 7))
    G = style.gram_from_activations(a)
    np.testing.assert_allclose(G, G.T)
    assert np.linalg.eigvalsh(G).min() > -1e-10
    perm = rng.permutation(30)
    a_perm = a.reshape(30, 7)[perm].reshape(5, 6, 7)
    np.testing.assert_allclose(style.gram_from_activations(a_perm), G)


def test_content_and_style_scaling(rng):
    c, g = rng.standard_normal((2, 1, 3, 4, 5))
    assert style.compute_content_cost(c, c) == 0.0
    assert style.compute_layer_style_cost(c, c) == 0.0
    J = style.compute_content_cost(c, g)
    assert style.compute_content_cost(3 * c, 3 * g) == pytest.approx(9 * J, rel=1e-12)
    J = style.compute_layer_style_cost(c, g)
    assert style.compute_layer_style_cost(3 * c, 3 * g) == pytest.approx(81 * J, rel=1e-12)


def test_style_cost_over_layers_and_total(rng):
    S = [rng.standard_normal((1, 4, 4, 3)), rng.standard_normal((1, 2, 2, 6))]
    G = [rng.standard_normal((1, 4, 4, 3)), rng.standard_normal((1, 2, 2, 6))]
    w = [0.3, 0.7]
    J = style.compute_style_cost(S, G, w)
    expect = sum(wl * style.compute_layer_style_cost(s, g) for wl, s, g in zip(w, S, G))
    assert J == pytest.approx(expect, rel=1e-14)
    assert style.compute_style_cost(S, G) == pytest.approx(
        0.5 * sum(style.compute_layer_style_cost(s, g) for s, g in zip(S, G)))
    grads = style.compute_style_cost_backward(S, G, w)
    diff = gradient_check_n(lambda p: style.compute_style_cost(S, [p["g0"], p["g1"]], w),
                            {"g0": G[0], "g1": G[1]}, {"dg0": grads[0], "dg1": grads[1]})
    assert float(diff) < 1e-7
    assert style.compute_style_cost(S, G, [("block1_conv1", 0.3), ("block2_conv1", 0.7)]) == J
    assert style.total_cost(2.0, 3.0) == 10 * 2 + 40 * 3
    assert style.total_cost(2.0, 3.0, alpha=1, beta=0) == 2.0
    with pytest.raises(ValueError, match="weights must have one entry per layer"):
        style.compute_style_cost(S, G, [1.0])


def test_layer_style_gradient_matches_torch(torch, rng):
    a_S, a_G = rng.standard_normal((2, 1, 5, 4, 6))
    tG = torch.tensor(a_G, requires_grad=True)
    n_C = 6
    S = torch.from_numpy(a_S).reshape(-1, n_C)
    X = tG.reshape(-1, n_C)
    J = ((S.T @ S - X.T @ X) ** 2).sum() / (4 * n_C ** 2 * 20 ** 2)
    J.backward()
    np.testing.assert_allclose(style.compute_layer_style_cost_backward(a_S, a_G),
                               tG.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_gram_backward_gradcheck_and_torch(rng, torch):
    A = rng.standard_normal((4, 9))
    dG = rng.standard_normal((4, 4))
    dA = style.gram_matrix_backward(dG, A)
    diff = gradient_check_n(lambda p: float(np.sum(dG * style.gram_matrix(p["A"]))), {"A": A},
                            {"dA": dA})
    assert float(diff) < 1e-7
    t = torch.tensor(A, requires_grad=True)
    (t @ t.T).backward(torch.from_numpy(dG))
    np.testing.assert_allclose(dA, t.grad.numpy(), rtol=1e-12)
    J, g = style.layer_style_cost_and_grad(A_S, A_G)
    assert J == 13.03125
    np.testing.assert_allclose(g, style.compute_layer_style_cost_backward(A_S, A_G))
    with pytest.raises(ValueError, match=r"dG must have shape \(n_C=4, n_C=4\)"):
        style.gram_matrix_backward(np.ones((3, 3)), A)
