"""The YOLO detector: shapes scenes, k-means anchors, grid targets, the YOLO loss (gradient
check, Model integration), VOC mAP against a NumPy reference, decoding, saving, tiny training."""
import numpy as np
import pytest

from dlnotes.nn.gradcheck import numerical_gradient, relative_difference
from dlnotes.nn.losses import LOSSES, YoloLoss, get_loss
from dlnotes.vision import boxes as bx
from dlnotes.vision.detection_metrics import average_precision, mean_average_precision
from dlnotes.vision.yolo import kmeans_anchors, wh_iou, yolo_loss, yolo_targets

pytest.importorskip("skimage")


# -- data -------------------------------------------------------------------------------------
def test_shapes_deterministic_and_valid():
    from dlnotes.datasets.shapes import SHAPE_CLASSES, make_shapes

    X, B, C = make_shapes(12, seed=3)
    X2, B2, C2 = make_shapes(12, seed=3)
    assert X.shape == (12, 64, 64, 3) and X.dtype == np.float32
    assert np.array_equal(X, X2)
    assert all(np.array_equal(a, b) for a, b in zip(B, B2))
    assert all(np.array_equal(a, b) for a, b in zip(C, C2))
    assert 0.0 <= X.min() and X.max() <= 1.0
    for b, c in zip(B, C):
        assert b.shape == (c.size, 4) and 1 <= c.size <= 4
        assert np.all((b >= 0) & (b <= 1)) and np.all(b[:, 2:] > b[:, :2])
        assert c.dtype == np.int64 and np.all((c >= 0) & (c < len(SHAPE_CLASSES)))
    assert not np.array_equal(make_shapes(2, seed=4)[0], X[:2])


def test_shapes_box_is_the_drawn_extent():
    """With one shape per scene the label box is the extent of the non-white pixels."""
    from dlnotes.datasets.shapes import make_shapes

    X, B, C = make_shapes(20, min_shapes=1, max_shapes=1, seed=1, dtype=np.float64)
    for x, b in zip(X, B):
        r, c = np.nonzero(np.any(x < 1, axis=-1))
        ext = np.array([c.min(), r.min(), c.max() + 1, r.max() + 1]) / 64
        assert np.abs(b[0] - ext).max() <= 1 / 64 + 1e-12


def test_shapes_errors():
    from dlnotes.datasets.shapes import make_shapes

    with pytest.raises(ValueError, match="max_shapes"):
        make_shapes(1, min_shapes=3, max_shapes=2)
    with pytest.raises(TypeError, match="dtype"):
        make_shapes(1, dtype=np.int32)


# -- anchors ----------------------------------------------------------------------------------
def _kmeans_reference(wh, k, seed, n_iter=100):
    """Plain NumPy transcription of YOLOv2's k-means with d = 1 - IoU."""
    rng = np.random.default_rng(seed)
    cent = wh[rng.choice(len(wh), size=k, replace=False)].copy()
    prev = None
    for _ in range(n_iter):
        d = np.empty((len(wh), k))
        for i, (w, h) in enumerate(wh):
            for j, (cw, ch) in enumerate(cent):
                inter = min(w, cw) * min(h, ch)
                d[i, j] = 1 - inter / (w * h + cw * ch - inter)
        a = d.argmin(axis=1)
        if prev is not None and (a == prev).all():
            break
        prev = a
        for j in range(k):
            if (a == j).any():
                cent[j] = wh[a == j].mean(axis=0)
    return cent[np.argsort(cent[:, 0] * cent[:, 1], kind="stable")]


def _mean_best_iou(wh, anchors):
    return wh_iou(wh, anchors).max(axis=1).mean()


def test_kmeans_anchors_matches_reference():
    wh = np.random.default_rng(0).uniform(0.5, 4, size=(150, 2))
    got = kmeans_anchors(wh, 4, seed=7)
    np.testing.assert_allclose(got, _kmeans_reference(wh, 4, 7), rtol=1e-12)
    assert np.all(np.diff(got.prod(axis=1)) >= 0)


@pytest.mark.parametrize("seed", range(8))
def test_kmeans_anchors_beat_random_anchors(seed):
    """Property: the clustered anchors cover the boxes better (mean best IoU) than k
    training boxes picked at random, on average over 20 draws."""
    rng = np.random.default_rng(seed)
    wh = np.exp(rng.normal(0, 0.6, size=(200, 2)))
    k = int(rng.integers(2, 6))
    anchors = kmeans_anchors(wh, k, seed=seed)
    random_iou = np.mean([_mean_best_iou(wh, wh[rng.choice(200, k, replace=False)])
                          for _ in range(20)])
    assert _mean_best_iou(wh, anchors) > random_iou


def test_wh_iou_and_kmeans_errors():
    np.testing.assert_allclose(wh_iou([[2.0, 2.0]], [[1.0, 1.0], [2.0, 2.0], [4.0, 1.0]]),
                               [[0.25, 1.0, 2 / 6]])
    with pytest.raises(ValueError, match="positive"):
        wh_iou([[0.0, 1.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"k must be in \[1, 2\]"):
        kmeans_anchors([[1.0, 1.0], [2.0, 2.0]], 3)
    with pytest.raises(ValueError, match=r"wh must have shape \(n, 2\)"):
        kmeans_anchors(np.ones((3, 3)), 1)


# -- targets ----------------------------------------------------------------------------------
def test_yolo_targets_hand_example():
    anchors = np.array([[1.0, 1.0], [2.0, 3.0]])
    boxes = np.array([[0.1, 0.1, 0.4, 0.5],     # centre (1.0, 1.2) cells, size 1.2 x 1.6
                      [0.5, 0.5, 0.9, 0.7],     # centre (2.8, 2.4), size 1.6 x 0.8
                      [0.15, 0.1, 0.35, 0.5]])  # same cell and best anchor as the first
    t = yolo_targets(boxes, np.array([1, 2, 0]), anchors, (4, 4), 3)
    assert t.shape == (1, 4, 4, 2, 8)
    want = np.zeros((4, 4, 2, 8))
    want[1, 1, 0] = [0.0, 0.2, np.log(1.2), np.log(1.6), 1, 0, 1, 0]
    want[2, 2, 0] = [0.8, 0.4, np.log(1.6), np.log(0.8), 1, 0, 0, 1]
    # the third object's best anchor (0) is taken: it gets the next one, (2, 3)
    want[1, 1, 1] = [0.0, 0.2, np.log(0.8 / 2), np.log(1.6 / 3), 1, 1, 0, 0]
    np.testing.assert_allclose(t[0], want, atol=1e-12)
    # decoding the target's slots gives back the boxes
    feats = want.copy()
    obj = want[..., 4] == 1
    feats[..., 0:2] = np.log(np.clip(want[..., 0:2], 1e-9, None)
                             / np.clip(1 - want[..., 0:2], 1e-9, None))
    xy, wh, _, _ = bx.yolo_decode(feats, anchors)
    corners = bx.yolo_boxes_to_corners(xy[obj], wh[obj], order="xyxy")
    np.testing.assert_allclose(np.sort(corners, axis=0), np.sort(boxes, axis=0), atol=1e-7)


def test_yolo_targets_errors():
    a = np.ones((1, 2))
    with pytest.raises(ValueError, match=r"classes\[0\] must lie in"):
        yolo_targets([np.array([[0.1, 0.1, 0.2, 0.2]])], [np.array([3])], a, (2, 2), 3)
    with pytest.raises(ValueError, match=r"boxes\[0\] must be \(x1, y1, x2, y2\)"):
        yolo_targets([np.array([[0.3, 0.1, 0.2, 0.2]])], [np.array([0])], a, (2, 2), 3)
    with pytest.raises(ValueError, match="grid_shape"):
        yolo_targets([], [], a, 4, 3)


# -- loss -------------------------------------------------------------------------------------
def _example(m=2, S=3, A=2, K=3, seed=0):
    rng = np.random.default_rng(seed)
    anchors = np.array([[1.0, 1.5], [2.0, 1.0]])[:A]
    boxes, classes = [], []
    for _ in range(m):
        lo = rng.uniform(0, 0.6, size=(3, 2))
        boxes.append(np.concatenate([lo, lo + rng.uniform(0.1, 0.4, size=(3, 2))], axis=1))
        classes.append(rng.integers(0, K, size=3))
    t = yolo_targets(boxes, classes, anchors, (S, S), K)
    return rng.standard_normal(t.shape), t


def test_yolo_loss_value_by_hand():
    """One slot with an object, one empty slot, K = 2."""
    f = np.array([[[0.3, -0.2, 0.1, 0.4, 0.5, 1.0, -1.0],
                   [0.0, 0.0, 0.0, 0.0, -1.5, 0.0, 0.0]]])
    t = np.array([[[0.6, 0.4, 0.2, 0.1, 1.0, 0.0, 1.0],
                   [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]])
    s = 1 / (1 + np.exp(-np.array([0.3, -0.2])))
    box = 5 * ((s[0] - 0.6) ** 2 + (s[1] - 0.4) ** 2 + (0.1 - 0.2) ** 2 + (0.4 - 0.1) ** 2)
    obj = np.log(1 + np.exp(-0.5))
    noobj = 0.5 * np.log(1 + np.exp(-1.5))
    cls = -(-1.0 - np.log(np.exp(1.0) + np.exp(-1.0)))
    cost, _ = yolo_loss(f, t)
    assert cost == pytest.approx(box + obj + noobj + cls, rel=1e-12)


def test_yolo_loss_gradient_check_float64():
    f, t = _example()
    cost, d = yolo_loss(f, t, lambda_coord=5.0, lambda_noobj=0.5)
    num = numerical_gradient(lambda: yolo_loss(f, t)[0], f, epsilon=1e-6)
    assert d.shape == f.shape
    assert relative_difference(d, num) < 1e-7


def test_yolo_loss_through_model_gradient_check():
    """The registry's YoloLoss in a Model: the parameters' gradient through a 1x1 conv and
    Flatten matches centred differences (float64)."""
    from dlnotes.layers import Conv2D, Flatten
    from dlnotes.models import Model

    f, t = _example(m=2, S=3, A=2, K=3)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 3, 3, 4))
    net = [Conv2D(4, 2 * 8, 1, seed=0), Flatten()]
    model = Model(net, loss=YoloLoss(3), batch_axis=0)
    Y = t.reshape(2, -1).T
    loss = model._loss_fn

    def cost():
        return loss(model.network.forward(X, training=True), Y)[0]

    _, dZ = loss(model.network.forward(X, training=True), Y)
    model.network.backward(dZ)
    grads = {k: g.copy() for k, g in model.network.named_gradients()} \
        if hasattr(model.network, "named_gradients") else None
    for name, p in model.params.items():
        num = numerical_gradient(cost, p, epsilon=1e-6)
        g = grads[name] if grads is not None else model.network.grads[name]
        assert relative_difference(g, num) < 1e-7, name


def test_yolo_loss_registry_and_model_file(tmp_path):
    from dlnotes.layers import Conv2D, Flatten
    from dlnotes.models import Model

    assert LOSSES["yolo"] is YoloLoss
    name, fn, cfg = get_loss("yolo", {"n_classes": 3})
    assert name == "yolo" and fn == YoloLoss(3) and cfg["lambda_coord"] == 5.0
    with pytest.raises(ValueError, match="needs its options"):
        get_loss("yolo")
    with pytest.raises(ValueError, match="loss must be one of"):
        get_loss("hinge")
    with pytest.raises(TypeError, match="loss must be a name of LOSSES"):
        get_loss(object())
    with pytest.raises(ValueError, match=r"S_H S_W A \* 8 rows"):
        YoloLoss(3)(np.zeros((9, 2)), np.zeros((9, 2)))
    f, t = _example(m=4)
    X = np.random.default_rng(2).standard_normal((4, 3, 3, 4))
    model = Model([Conv2D(4, 16, 1, seed=0), Flatten()], loss=YoloLoss(3, lambda_noobj=1.0),
                  batch_axis=0)
    h = model.fit(X, t.reshape(4, -1).T, epochs=3, batch_size=2, progress=False, seed=0)
    assert h["loss"][-1] < h["loss"][0]
    path = model.save(tmp_path / "yolo.npz")
    back = Model.load(path)
    assert back.loss == "yolo" and back.loss_config == model.loss_config
    assert back.evaluate(X, t.reshape(4, -1).T) == model.evaluate(X, t.reshape(4, -1).T)


# -- mAP --------------------------------------------------------------------------------------
def _iou_ref(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _voc_ap_reference(dets, gts, k, thr=0.5):
    """Plain transcription of the VOC devkit's VOCevaldet + VOCap for one class.
    dets: list of (image, score, box, class); gts: list of (image, box, class)."""
    g = [(i, b) for i, b, c in gts if c == k]
    if not g:
        return np.nan
    d = sorted([(s, i, b) for i, s, b, c in dets if c == k], key=lambda x: -x[0])
    used = [False] * len(g)
    tp, fp = [], []
    for s, i, b in d:
        best, jbest = -np.inf, -1
        for j, (gi, gb) in enumerate(g):
            if gi == i:
                o = _iou_ref(b, gb)
                if o > best:
                    best, jbest = o, j
        if best > thr and not used[jbest]:
            used[jbest] = True
            tp.append(1), fp.append(0)
        else:
            tp.append(0), fp.append(1)
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    rec = tp / len(g)
    prec = tp / np.maximum(tp + fp, 1e-300)
    mrec = np.concatenate([[0], rec, [1]])
    mpre = np.concatenate([[0], prec, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mpre[idx]))


def _as_lists(dets, gts, m):
    pb = [np.array([d[2] for d in dets if d[0] == i], float).reshape(-1, 4) for i in range(m)]
    ps = [np.array([d[1] for d in dets if d[0] == i], float) for i in range(m)]
    pc = [np.array([d[3] for d in dets if d[0] == i], np.int64) for i in range(m)]
    gb = [np.array([g[1] for g in gts if g[0] == i], float).reshape(-1, 4) for i in range(m)]
    gc = [np.array([g[2] for g in gts if g[0] == i], np.int64) for i in range(m)]
    return pb, ps, pc, gb, gc


HAND_GTS = [(0, [0, 0, 10, 10], 0), (0, [20, 20, 30, 30], 0), (1, [5, 5, 15, 15], 0),
            (1, [0, 0, 8, 8], 1), (2, [10, 10, 20, 20], 2)]
HAND_DETS = [(0, 0.9, [0, 0, 10, 10], 0),      # TP
             (0, 0.8, [0, 0, 10, 11], 0),      # duplicate of the same object: FP
             (0, 0.7, [21, 21, 31, 31], 0),    # TP (IoU 0.68)
             (1, 0.85, [30, 30, 40, 40], 0),   # no overlap: FP
             (1, 0.6, [6, 5, 16, 15], 0),      # TP (IoU 0.82)
             (1, 0.5, [0, 0, 8, 8], 1),        # TP
             (2, 0.4, [10, 10, 16, 16], 2),    # IoU 0.36: FP
             (2, 0.3, [50, 50, 60, 60], 3)]    # class 3 has no ground truth


def test_map_matches_voc_reference_on_hand_case():
    r = mean_average_precision(*_as_lists(HAND_DETS, HAND_GTS, 3), n_classes=4)
    ref = [_voc_ap_reference(HAND_DETS, HAND_GTS, k) for k in range(4)]
    np.testing.assert_allclose(r["ap"], ref, rtol=1e-12)
    # class 0 by hand: TP FP FP TP TP over 3 objects -> precision envelope 1, 0.6, 0.6
    assert r["ap"][0] == pytest.approx(1 / 3 + 0.6 * 2 / 3)
    assert r["ap"][1] == 1.0 and r["ap"][2] == 0.0 and np.isnan(r["ap"][3])
    assert r["map"] == pytest.approx(np.mean(ref[:3]))
    assert r["n_gt"].tolist() == [3, 1, 1, 0] and r["n_det"].tolist() == [5, 1, 1, 1]


def test_map_random_cases_match_reference():
    rng = np.random.default_rng(5)
    for trial in range(5):
        m, K = 4, 3
        gts, dets = [], []
        for i in range(m):
            for _ in range(rng.integers(0, 4)):
                lo = rng.uniform(0, 50, 2)
                b = list(np.concatenate([lo, lo + rng.uniform(5, 20, 2)]))
                c = int(rng.integers(K))
                gts.append((i, b, c))
                for _ in range(rng.integers(0, 3)):  # jittered copies: TPs and duplicates
                    dets.append((i, float(rng.random()), list(np.array(b) + rng.normal(0, 2, 4)
                                                              * [1, 1, 0, 0]), c))
            for _ in range(rng.integers(0, 3)):
                lo = rng.uniform(0, 50, 2)
                dets.append((i, float(rng.random()), list(np.concatenate([lo, lo + 10])),
                             int(rng.integers(K))))
        dets = [(i, s, [min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])], c)
                for i, s, b, c in dets]
        r = mean_average_precision(*_as_lists(dets, gts, m), n_classes=K)
        ref = [_voc_ap_reference(dets, gts, k) for k in range(K)]
        np.testing.assert_allclose(r["ap"], ref, rtol=1e-12, err_msg=f"trial {trial}")


def test_average_precision_edges_and_errors():
    assert average_precision([], []) == 0.0
    assert average_precision([0.5, 1.0], [1.0, 1.0]) == 1.0
    assert average_precision([0.0, 0.5], [0.0, 0.5]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="non-decreasing"):
        average_precision([0.5, 0.2], [1, 1])
    with pytest.raises(TypeError, match="pred_boxes must be a list of 1"):
        mean_average_precision([], [], [], [np.zeros((0, 4))], [np.zeros(0, int)], 2)
    with pytest.raises(ValueError, match=r"gt_classes\[0\] must lie in"):
        mean_average_precision([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, int)],
                               [np.array([[0, 0, 1, 1.0]])], [np.array([5])], 2)
    r = mean_average_precision([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, int)],
                               [np.zeros((0, 4))], [np.zeros(0, int)], 2)
    assert np.isnan(r["map"])


# -- the detector -----------------------------------------------------------------------------
def test_detector_decode_feeds_yolo_eval_and_saves(tmp_path):
    from dlnotes.models.yolo import YoloDetector

    det = YoloDetector(np.array([[1.0, 1.0], [2.5, 2.0]]), n_classes=4, image_size=32,
                       widths=(4, 8, 8), seed=0)
    assert det.grid == 8
    X = np.random.default_rng(0).random((3, 32, 32, 3)).astype(np.float32)
    feats = det.raw_outputs(X)
    assert feats.shape == (3, 8, 8, 2, 9)
    # a fresh detector predicts low objectness everywhere (the -4 bias start)
    assert bx.yolo_decode(feats[0], det.anchors.astype(np.float32))[2].max() < 0.2
    feats[0, 2, 5, 1] = [0.0, 0.0, 0.0, 0.0, 6.0, 5.0, 0.0, 0.0, 0.0]
    xy, wh, conf, probs = bx.yolo_decode(feats[0], det.anchors.astype(np.float32))
    s, b, c = bx.yolo_eval((xy, wh, conf, probs), image_shape=(32.0, 32.0),
                           score_threshold=0.5)
    assert c.tolist() == [0]
    # midpoint (5.5, 2.5) cells = (22, 10) px, size 2.5 x 2 cells = 10 x 8 px; (y1, x1, y2, x2)
    np.testing.assert_allclose(b[0], [6, 17, 14, 27], atol=1e-4)
    dets = det.detect(X, score_threshold=0.0, max_boxes=5)
    assert len(dets) == 3 and all(d[1].shape == (5, 4) for d in dets)
    path = det.save(tmp_path / "det")
    back = YoloDetector.load(path)
    np.testing.assert_array_equal(back.raw_outputs(X), det.raw_outputs(X))
    with pytest.raises(ValueError, match=r"X must have shape \(m, 32, 32, 3\)"):
        det.raw_outputs(np.zeros((1, 16, 16, 3)))
    with pytest.raises(ValueError, match="multiple of the network's stride 4"):
        YoloDetector(np.ones((1, 2)), image_size=30, widths=(4, 8, 8))


def test_train_yolo_shapes_tiny_run():
    from dlnotes.models.yolo import train_yolo_shapes

    r = train_yolo_shapes(n_train=24, n_test=8, epochs=2, batch_size=8, widths=(4, 8, 8, 8),
                          seed=0)
    h = r["history"]
    assert len(h) == 2 and np.isfinite(h[-1]["loss"]) and h[-1]["loss"] < h[0]["loss"]
    assert r["map"]["ap"].shape == (4,) and 0.0 <= r["map"]["map"] <= 1.0
