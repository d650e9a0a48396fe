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
    corners = bx.yolo_boxes_to_corners(xy, wh)
    xy2, wh2 = bx.corners_to_centers(corners)
    np.testing.assert_allclose(xy2, xy, atol=1e-15)
    np.testing.assert_allclose(wh2, wh, atol=1e-15)
    yx = bx.yolo_boxes_to_corners(xy, wh, order="yxyx")
    np.testing.assert_array_equal(yx, corners[:, [1, 0, 3, 2]])


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


def test_scale_boxes():
    b = np.array([[0.1, 0.2, 0.5, 1.0]])
    np.testing.assert_allclose(bx.scale_boxes(b, (720, 1280)), [[128, 144, 640, 720]])
    with pytest.raises(ValueError, match="image_shape"):
        bx.scale_boxes(b, (720,))


# ------------------------------------------------------------------ 3.3 IoU
def test_iou_course_case():
    assert bx.iou((2, 1, 4, 3), (1, 2, 3, 4)) == pytest.approx(1 / 7, abs=1e-16)
    assert bx.iou((2, 1, 4, 3), (1, 2, 3, 4)) == 0.14285714285714285


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


# ------------------------------------------------------------------ 3.4 NMS and filtering
def test_filter_boxes_threshold_is_inclusive():
    conf = np.array([[0.5], [1.0], [0.9]])
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.1, 0.5]])   # scores 0.4, 0.6, 0.45
    boxes = np.arange(12.0).reshape(3, 4)
    s, b, c = bx.yolo_filter_boxes(conf, boxes, probs, threshold=0.6)
    np.testing.assert_allclose(s, [0.6])
    np.testing.assert_array_equal(b, boxes[1:2])
    np.testing.assert_array_equal(c, [0])
    s, b, c = bx.yolo_filter_boxes(conf, boxes, probs, threshold=0.41)
    np.testing.assert_array_equal(c, [0, 1])


def test_filter_boxes_course_shapes(rng):
    conf = rng.uniform(0, 1, (19, 19, 5, 1))
    boxes = rng.uniform(0, 1, (19, 19, 5, 4))
    probs = rng.uniform(0, 1, (19, 19, 5, 80))
    s, b, c = bx.yolo_filter_boxes(conf, boxes, probs, 0.5)
    scores = (conf * probs).reshape(-1, 80)
    keep = scores.max(-1) >= 0.5
    np.testing.assert_allclose(s, scores.max(-1)[keep])
    np.testing.assert_array_equal(c, scores.argmax(-1)[keep])
    assert b.shape == (keep.sum(), 4)
    with pytest.raises(ValueError, match=r"boxes must have shape \(19, 19, 5, 4\)"):
        bx.yolo_filter_boxes(conf, boxes[..., :3], probs)


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


def test_yolo_nms_is_per_class():
    b = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10.0]])
    s = np.array([0.9, 0.8, 0.7])
    c = np.array([0, 1, 0])
    ss, bb, cc = bx.yolo_non_max_suppression(s, b, c, max_boxes=10)
    np.testing.assert_allclose(ss, [0.9, 0.8])
    np.testing.assert_array_equal(cc, [0, 1])
    ss, _, _ = bx.yolo_non_max_suppression(s, b, c, max_boxes=1)
    np.testing.assert_allclose(ss, [0.9])


def test_yolo_eval_end_to_end(rng):
    feats = rng.standard_normal((19, 19, 5, 85))
    anchors = rng.uniform(0.5, 3, (5, 2))
    xy, wh, conf, probs = bx.yolo_decode(feats, anchors)
    s, b, c = bx.yolo_eval(xy, wh, conf, probs, (720.0, 1280.0), max_boxes=10,
                           score_threshold=0.05, iou_threshold=0.5)
    assert len(s) <= 10 and b.shape == (len(s), 4) and c.dtype == np.int64
    assert np.all(np.diff(s) <= 0) and np.all(s >= 0.05)


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


def test_verify_and_who_is_it(rng):
    # the "images" are just names; encode is a lookup with a little noise
    base = {k: face.l2_normalize(rng.standard_normal(16)) for k in ("ana", "bo", "cy")}
    def encode(img):
        return base[img] + 0.01 * rng.standard_normal(16)
    db = {k: encode(k) for k in ("ana", "bo")}
    d, ok = face.verify("ana", "ana", db, encode)
    assert ok and d < 0.1
    d, ok = face.verify("bo", "ana", db, encode)
    assert not ok and d > 0.7
    d, who = face.who_is_it("bo", db, encode)
    assert who == "bo"
    d, who = face.who_is_it("cy", db, encode, threshold=0.3)
    assert who is None and d > 0.3
    with pytest.raises(KeyError, match="not in the database"):
        face.verify("ana", "dan", db, encode)
    with pytest.raises(TypeError, match="encode must be a callable"):
        face.who_is_it("ana", db, None)
    with pytest.raises(TypeError, match="database"):
        face.who_is_it("ana", {}, encode)


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


def test_random_features_backward_gradcheck(rng):
    net = RandomConvFeatures = style.RandomConvFeatures((2, 3, 4), rng=rng)
    x = rng.standard_normal((6, 5, 2))
    acts, cache = net.forward(x)
    G = [rng.standard_normal(a.shape) for a in acts]
    dx = RandomConvFeatures.backward(G, cache)
    cost = lambda p: sum(float(np.sum(g * a)) for g, a in zip(G, net.forward(p["x"])[0]))
    assert float(gradient_check_n(cost, {"x": x}, {"dx": dx})) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_neural_style_transfer_decreases_cost(rng, dtype):
    content = rng.uniform(0, 1, (12, 12, 3)).astype(dtype)
    style_img = rng.uniform(0, 1, (12, 12, 3)).astype(dtype)
    G, costs = style.neural_style_transfer(content, style_img, num_iterations=40,
                                           learning_rate=0.02, seed=0)
    assert G.shape == content.shape and G.dtype == dtype
    assert len(costs) == 41
    assert costs[-1] < 0.5 * costs[0]


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
