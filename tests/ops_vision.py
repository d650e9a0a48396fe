"""OpInfo descriptions of the vision applications (notes: "YOLO", "Face recognition",
"Neural Style transfer")."""
import importlib.util
from pathlib import Path

import numpy as np

from dlnotes.nn.gradcheck import gradient_check_n
from dlnotes.vision import boxes as bx
from dlnotes.vision import face, style
from opinfo import ErrorInput, OpInfo, SampleInput


# ----------------------------------------------------------------------------- boxes
def _rand_boxes(rng, n, dtype):
    xy = rng.uniform(0, 10, (n, 2))
    wh = rng.uniform(0.5, 5, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(dtype)


def _ref_box_iou(b1, b2):
    """Loop transcription of the notes' IoU picture (errata 3.3)."""
    out = np.zeros((len(b1), len(b2)), dtype=np.asarray(b1).dtype)
    for i, (a1, b1_, c1, d1) in enumerate(b1):
        for j, (a2, b2_, c2, d2) in enumerate(b2):
            inter = max(0.0, min(c1, c2) - max(a1, a2)) * max(0.0, min(d1, d2) - max(b1_, b2_))
            union = (c1 - a1) * (d1 - b1_) + (c2 - a2) * (d2 - b2_) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


def _box_iou_samples(rng, dtype):
    yield SampleInput((_rand_boxes(rng, 7, dtype), _rand_boxes(rng, 5, dtype)), desc="7x5")
    yield SampleInput((_rand_boxes(rng, 1, dtype), _rand_boxes(rng, 1, dtype)), desc="1x1")
    b = _rand_boxes(rng, 4, dtype)
    yield SampleInput((b, b.copy()), desc="self")
    yield SampleInput((np.array([[0, 0, 1, 1], [1, 0, 2, 1]], dtype),
                       np.array([[2, 2, 3, 3], [0, 0, 1, 1]], dtype)), desc="touching/diagonal")
    yield SampleInput((np.zeros((0, 4), dtype), _rand_boxes(rng, 3, dtype)), desc="empty")


def _box_iou_errors():
    yield ErrorInput((np.ones((3, 3)), np.ones((2, 4))),
                     match=r"boxes1 must have shape \(\.\.\., 4\)")
    yield ErrorInput((np.array([[2.0, 0, 1, 1]]), np.ones((2, 4))), match="x1 <= x2")
    yield ErrorInput((np.ones(4), np.ones((2, 4))), match=r"boxes1 must have shape \(N, 4\)")
    yield ErrorInput((np.ones((1, 4), int), np.ones((2, 4))), exc=TypeError, match="boxes1")
    yield ErrorInput((np.array([[0, 0, np.nan, 1.0]]), np.ones((2, 4))), match="NaN")


def _torch_box_iou(torch, b1, b2):
    # torchvision is not installed here (it would replace the CI's torch): box_iou written with
    # torch ops, the PyTorch peer of benchmarks/cases_vision.py
    spec = importlib.util.spec_from_file_location(
        "_cases_vision", Path(__file__).resolve().parents[1] / "benchmarks" / "cases_vision.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._torch_iou(torch, torch.from_numpy(b1), torch.from_numpy(b2)).numpy()


def _ref_nms(boxes, scores, iou_threshold=0.5, max_boxes=10, suppress_equal=True):
    """Plain-Python greedy NMS (the lecture's loop)."""
    remaining = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    while remaining and len(keep) < max_boxes:
        best = remaining.pop(0)
        keep.append(best)
        ious = [_ref_box_iou(boxes[best:best + 1], boxes[j:j + 1])[0, 0] for j in remaining]
        remaining = [j for j, o in zip(remaining, ious)
                     if (o < iou_threshold if suppress_equal else o <= iou_threshold)]
    return np.array(keep, dtype=np.int64)


def _nms_samples(rng, dtype):
    b = _rand_boxes(rng, 40, dtype)
    s = rng.uniform(0, 1, 40).astype(dtype)
    yield SampleInput((b, s), desc="40 boxes")
    yield SampleInput((b, s), dict(iou_threshold=0.1, max_boxes=100), desc="tight threshold")
    yield SampleInput((b[:1], s[:1]), desc="one box")
    yield SampleInput((b[:0], s[:0]), desc="empty")
    yield SampleInput((b, s), dict(max_boxes=0), desc="max_boxes=0")
    # IoU exactly 1/3: (0,0,2,1) vs (1,0,3,1): inter 1, union 3
    eq = np.array([[0, 0, 2, 1], [1, 0, 3, 1]], dtype)
    yield SampleInput((eq, np.array([0.9, 0.8], dtype)), dict(iou_threshold=1 / 3),
                      desc="IoU == threshold, suppress")
    yield SampleInput((eq, np.array([0.9, 0.8], dtype)),
                      dict(iou_threshold=1 / 3, suppress_equal=False),
                      desc="IoU == threshold, keep")


def _nms_errors():
    b = np.array([[0, 0, 1, 1.0]])
    yield ErrorInput((b, np.ones(2)), match=r"scores must have shape \(N,\) = \(1,\)")
    yield ErrorInput((b, np.ones(1)), dict(iou_threshold=1.5), match=r"iou_threshold must be in")
    yield ErrorInput((b, np.ones(1)), dict(max_boxes=-1), match="max_boxes")
    yield ErrorInput((b, np.ones(1)), dict(max_boxes=2.5), exc=TypeError, match="max_boxes")
    yield ErrorInput((b, np.ones(1)), dict(suppress_equal="yes"), exc=TypeError,
                     match="suppress_equal")


# ----------------------------------------------------------------------------- face
def _ref_triplet(y_true, y_pred, alpha=0.2):
    A, P, N = (np.asarray(a, np.float64) for a in y_pred)
    J = 0.0
    for i in range(A.shape[0]):
        J += max(np.sum((A[i] - P[i]) ** 2) - np.sum((A[i] - N[i]) ** 2) + alpha, 0.0)
    return J


def _triplet_samples(rng, dtype):
    for m, n, alpha in ((5, 128, 0.2), (1, 3, 0.2), (7, 16, 2.0), (4, 8, 0.0)):
        y = tuple(rng.standard_normal((m, n)).astype(dtype) * 0.3 for _ in range(3))
        yield SampleInput((None, y), dict(alpha=alpha), desc=f"m={m} n_e={n} alpha={alpha}")


def _triplet_errors():
    a = np.ones((2, 3))
    yield ErrorInput((None, (a, a)), exc=TypeError, match="anchor, positive, negative")
    yield ErrorInput((None, (a, np.ones((2, 4)), a)), match=r"positive must have the shape")
    yield ErrorInput((None, (np.ones(3), a, a)), match="anchor must be 2-dimensional")
    yield ErrorInput((None, (a, a, a)), dict(alpha=-1), match="alpha must be in")


def _triplet_gradcheck(sample, rng):
    y = [np.asarray(a, np.float64) for a in sample.args[1]]
    alpha = sample.kwargs.get("alpha", 0.2)
    # keep every hinge away from its kink
    pos = np.sum((y[0] - y[1]) ** 2, -1)
    neg = np.sum((y[0] - y[2]) ** 2, -1)
    if np.min(np.abs(pos - neg + alpha)) < 1e-3:
        return 0.0
    dA, dP, dN = face.triplet_loss_backward(y, alpha)
    params = {"A": y[0], "P": y[1], "N": y[2]}
    return float(gradient_check_n(
        lambda p: face.triplet_loss(None, (p["A"], p["P"], p["N"]), alpha), params,
        {"dA": dA, "dP": dP, "dN": dN}))


def _ref_semi_hard(E, y, alpha):
    """Loop transcription of FaceNet's semi-hard rule: for each (a, p), the closest negative
    with D_ap < D_an < D_ap + alpha, else the closest negative of all (ties: lowest index)."""
    m = len(y)
    D = [[float(np.sum((np.float64(E[i]) - np.float64(E[j])) ** 2)) for j in range(m)]
         for i in range(m)]
    ia, ip, inn = [], [], []
    for a in range(m):
        for p in range(m):
            if p == a or y[p] != y[a]:
                continue
            negs = [n for n in range(m) if y[n] != y[a]]
            if not negs:
                continue
            band = [n for n in negs if D[a][p] < D[a][n] < D[a][p] + alpha]
            pool = band if band else negs
            best = pool[0]
            for n in pool:
                if D[a][n] < D[a][best]:
                    best = n
            ia.append(a), ip.append(p), inn.append(best)
    return np.array(ia, np.int64), np.array(ip, np.int64), np.array(inn, np.int64)


def _ref_batch_triplet(embeddings, labels, alpha=0.2, triplets=None, normalize=True):
    E = np.asarray(embeddings, np.float64)
    norms = np.sqrt(np.sum(E * E, axis=1, keepdims=True)) if normalize else np.ones((len(E), 1))
    Eh = E / norms
    ia, ip, inn = _ref_semi_hard(Eh, list(labels), alpha) if triplets is None else triplets
    t = len(ia)
    J, G = 0.0, np.zeros_like(Eh)
    for a, p, n in zip(ia, ip, inn):
        h = np.sum((Eh[a] - Eh[p]) ** 2) - np.sum((Eh[a] - Eh[n]) ** 2) + alpha
        if h > 0:
            J += h / t
            G[a] += 2 * (Eh[n] - Eh[p]) / t
            G[p] += 2 * (Eh[p] - Eh[a]) / t
            G[n] += 2 * (Eh[a] - Eh[n]) / t
    if normalize:  # d(x/|x|) = (I - x^ x^T) / |x|
        G = np.stack([(np.eye(E.shape[1]) - np.outer(Eh[i], Eh[i])) @ G[i] / norms[i, 0]
                      for i in range(len(E))])
    return J, G, ia, ip, inn


def _batch_triplet_samples(rng, dtype):
    cases = [((12, 5), np.repeat(np.arange(4), 3), 0.2, True, "4 ids x 3"),
             ((16, 8), np.repeat([3, 7], 8), 0.5, True, "2 ids x 8, alpha 0.5"),
             ((9, 4), np.array([0, 0, 0, 1, 1, 2, 3, 3, 4]), 0.3, True, "singletons"),
             ((10, 6), np.repeat(np.arange(5), 2), 0.0, True, "alpha 0: hardest only"),
             ((3, 2), np.array([0, 0, 1]), 0.2, True, "m=3"),
             ((12, 16), np.tile(np.arange(3), 4), 1.0, False, "unnormalised")]
    for shape, y, alpha, norm, desc in cases:
        E = rng.standard_normal(shape)
        if not norm:
            E /= np.linalg.norm(E, axis=1, keepdims=True)
        yield SampleInput((E.astype(dtype), y), dict(alpha=alpha, normalize=norm), desc=desc)


def _batch_triplet_errors():
    E, y = np.ones((4, 3)), np.array([0, 0, 1, 1])
    yield ErrorInput((np.ones(4), y), match="embeddings must be 2-dimensional")
    yield ErrorInput((E, y.astype(float)), exc=TypeError, match="labels must be integer")
    yield ErrorInput((E, y[:3]), match=r"labels must have shape \(m,\) = \(4,\)")
    yield ErrorInput((E + np.arange(3), np.zeros(4, int)), match="holds no triplet")
    yield ErrorInput((E, y), dict(alpha=-0.1), match="alpha must be in")
    yield ErrorInput((E, y), dict(triplets=([0], [1])), exc=TypeError, match="triplets must be")
    yield ErrorInput((E, y), dict(triplets=([0], [1], [4])), match="triplet indices must be in")


def _batch_triplet_gradcheck(sample, rng):
    E, y = sample.args
    kw = sample.kwargs
    _, G, trip = face.batch_triplet_loss(E, y, **kw)
    Eh = E / np.linalg.norm(E, axis=1, keepdims=True) if kw["normalize"] else E
    ia, ip, inn = trip
    margin = (np.sum((Eh[ia] - Eh[ip]) ** 2, 1) - np.sum((Eh[ia] - Eh[inn]) ** 2, 1)
              + kw["alpha"])
    assert np.min(np.abs(margin)) > 1e-4, "a hinge sits on its kink: choose another sample"
    return float(gradient_check_n(
        lambda p: face.batch_triplet_loss(p["E"], y, triplets=trip, **kw)[0], {"E": E},
        {"E": G}))


def _torch_batch_triplet(torch, embeddings, labels, alpha=0.2, normalize=True):
    """Autograd through torch's normalisation and loss, on the brute-force selection."""
    E = torch.tensor(np.asarray(embeddings, np.float64), requires_grad=True)
    Eh = torch.nn.functional.normalize(E, dim=1, eps=0.0) if normalize else E
    ia, ip, inn = _ref_semi_hard(Eh.detach().numpy(), list(labels), alpha)
    if alpha > 0:
        J = torch.nn.TripletMarginWithDistanceLoss(
            distance_function=lambda x, z: ((x - z) ** 2).sum(-1), margin=alpha,
            reduction="mean")(Eh[ia], Eh[ip], Eh[inn])
    else:  # torch's module requires margin > 0: the same formula with torch ops
        J = torch.clamp(((Eh[ia] - Eh[ip]) ** 2).sum(-1) - ((Eh[ia] - Eh[inn]) ** 2).sum(-1),
                        min=0).mean()
    J.backward()
    return J.item(), E.grad.numpy(), ia, ip, inn


def _torch_triplet(torch, y_true, y_pred, alpha=0.2):
    if alpha == 0:  # torch's module requires margin > 0: same formula with torch ops
        a, p, n = (torch.from_numpy(t) for t in y_pred)
        return float(torch.clamp(((a - p) ** 2).sum(-1) - ((a - n) ** 2).sum(-1), min=0).sum())
    loss = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: ((x - y) ** 2).sum(-1), margin=alpha, reduction="sum")
    return float(loss(*(torch.from_numpy(a) for a in y_pred)))


# ----------------------------------------------------------------------------- style
def _acts(rng, shape, dtype):
    return rng.standard_normal((1,) + shape).astype(dtype)


def _gram_samples(rng, dtype):
    yield SampleInput((rng.standard_normal((3, 20)).astype(dtype),), desc="(3,20)")
    yield SampleInput((rng.standard_normal((1, 1)).astype(dtype),), desc="(1,1)")
    yield SampleInput((rng.standard_normal((17, 5)).astype(dtype),), desc="(17,5)")
    yield SampleInput((rng.standard_normal((64, 196)).astype(dtype),), desc="(64,196)")
    yield SampleInput((np.zeros((0, 5), dtype),), desc="empty n_C")
    yield SampleInput((np.zeros((3, 0), dtype),), desc="empty positions")
    for method in ("gemm", "syrk"):
        for shape in ((17, 5), (64, 196), (1, 1)):
            yield SampleInput((rng.standard_normal(shape).astype(dtype),), dict(method=method),
                              desc=f"{shape} {method} kernel")


def _ref_gram(A, method=None):
    """G[i, j] = sum_k A[i, k] A[j, k], summed in float64 (not the implementation's GEMM)."""
    A = np.asarray(A)
    G = np.zeros((A.shape[0], A.shape[0]))
    for k in range(A.shape[1]):
        col = A[:, k].astype(np.float64)
        G += np.multiply.outer(col, col)
    return G.astype(A.dtype)


def _gram_errors():
    yield ErrorInput((np.ones((2, 3, 4)),), match="A must be 2-dimensional")
    yield ErrorInput((np.ones((2, 3)),), dict(method="blas"), match="method must be one of")
    yield ErrorInput((np.ones((2, 3), int),), exc=TypeError, match="A must be a floating")


def _ref_gram_act(a, method=None):
    a = np.asarray(a)
    a3 = a[0] if a.ndim == 4 else a
    return np.einsum("hwc,hwd->cd", a3, a3).astype(a.dtype)


def _act_samples(rng, dtype):
    yield SampleInput((_acts(rng, (4, 3, 5), dtype),), desc="(1,4,3,5)")
    yield SampleInput((_acts(rng, (1, 1, 1), dtype),), desc="(1,1,1,1)")
    yield SampleInput((rng.standard_normal((7, 2, 3)).astype(dtype),), desc="3-d (7,2,3)")
    for method in ("gemm", "syrk"):
        yield SampleInput((_acts(rng, (9, 11, 6), dtype),), dict(method=method),
                          desc=f"(1,9,11,6) {method} kernel")


def _pair_samples(rng, dtype):
    for shape in ((4, 3, 5), (1, 1, 1), (6, 5, 3), (1, 2, 2)):
        yield SampleInput((_acts(rng, shape, dtype), _acts(rng, shape, dtype)), desc=str(shape))


def _pair_errors(n1, n2):
    def errors():
        a = np.ones((1, 2, 3, 4))
        yield ErrorInput((a, np.ones((1, 2, 3, 5))), match=rf"{n2} must have the shape of {n1}")
        yield ErrorInput((np.ones((2, 2, 3, 4)), np.ones((2, 2, 3, 4))),
                         match=rf"{n1} must have shape \(1, n_H, n_W, n_C\)")
        yield ErrorInput((np.ones((2, 3)), a), match=rf"{n1} must be 3 or 4-dimensional")
        yield ErrorInput((np.zeros((1, 0, 3, 4)), np.zeros((1, 0, 3, 4))), match="not be empty")
    return errors


def _ref_content(a_C, a_G):
    _, n_H, n_W, n_C = a_C.shape
    return float(np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * n_H * n_W * n_C))


def _ref_layer_style(a_S, a_G):
    _, n_H, n_W, n_C = a_S.shape
    # reshape to (n_H*n_W, n_C) then transpose (errata 5.2)
    S = a_S.astype(np.float64).reshape(n_H * n_W, n_C).T
    G = a_G.astype(np.float64).reshape(n_H * n_W, n_C).T
    return float(np.sum((S @ S.T - G @ G.T) ** 2) / (4 * n_C ** 2 * (n_H * n_W) ** 2))


def _cost_gradcheck(cost, backward):
    def check(sample, rng):
        a_X, a_G = (np.asarray(a, np.float64) for a in sample.args)
        g = backward(a_X, a_G)
        return float(gradient_check_n(lambda p: cost(a_X, p["a_G"]), {"a_G": a_G}, {"da_G": g}))
    return check


def _torch_content(torch, a_C, a_G):
    c, g = torch.from_numpy(a_C), torch.from_numpy(a_G)
    return float(((c - g) ** 2).sum() / (4 * a_C.size))


def _torch_layer_style(torch, a_S, a_G):
    _, n_H, n_W, n_C = a_S.shape
    S = torch.from_numpy(a_S).reshape(-1, n_C)
    G = torch.from_numpy(a_G).reshape(-1, n_C)
    return float(((S.T @ S - G.T @ G) ** 2).sum() / (4 * n_C ** 2 * (n_H * n_W) ** 2))


_F32 = {np.float32: 2e-5, np.float64: 1e-10}

OPS = [
    OpInfo("box_iou", bx.box_iou, _ref_box_iou, _box_iou_samples, _box_iou_errors,
           torch_reference=_torch_box_iou, float_args=(0, 1)),
    OpInfo("non_max_suppression", bx.non_max_suppression, _ref_nms, _nms_samples, _nms_errors,
           float_args=(0, 1)),
    OpInfo("triplet_loss", face.triplet_loss, _ref_triplet, _triplet_samples, _triplet_errors,
           gradcheck=_triplet_gradcheck, torch_reference=_torch_triplet, float_args=(1,),
           rtol=dict(_F32), atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("batch_triplet_loss", face.batch_triplet_loss, _ref_batch_triplet,
           _batch_triplet_samples, _batch_triplet_errors,
           output=lambda out: (out[0], out[1], *out[2]),
           gradcheck=_batch_triplet_gradcheck, torch_reference=_torch_batch_triplet,
           rtol={np.float32: 1e-4, np.float64: 1e-10},
           atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("gram_matrix", style.gram_matrix, _ref_gram,
           _gram_samples, _gram_errors,
           torch_reference=lambda torch, A, method=None: (torch.from_numpy(A)
                                                         @ torch.from_numpy(A).T).numpy(),
           rtol=dict(_F32), atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("gram_from_activations", style.gram_from_activations, _ref_gram_act, _act_samples,
           lambda: iter([ErrorInput((np.ones((2, 3)),), match="a must be 3 or 4-dimensional")]),
           rtol=dict(_F32), atol={np.float32: 1e-5, np.float64: 1e-12}),
    OpInfo("compute_content_cost", style.compute_content_cost, _ref_content, _pair_samples,
           _pair_errors("a_C", "a_G"),
           gradcheck=_cost_gradcheck(style.compute_content_cost,
                                     style.compute_content_cost_backward),
           torch_reference=_torch_content, float_args=(0, 1), rtol=dict(_F32)),
    OpInfo("compute_layer_style_cost", style.compute_layer_style_cost, _ref_layer_style,
           _pair_samples, _pair_errors("a_S", "a_G"),
           gradcheck=_cost_gradcheck(style.compute_layer_style_cost,
                                     style.compute_layer_style_cost_backward),
           torch_reference=_torch_layer_style, float_args=(0, 1),
           rtol={np.float32: 1e-4, np.float64: 1e-10}),
]
