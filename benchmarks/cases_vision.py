"""Side-by-side cases of the topic ``vision`` (:mod:`dlnotes.vision`).

Boxes (YOLO)
------------
* ``box_iou N x M``: the pairwise IoU matrix
  (:func:`dlnotes.vision.boxes.box_iou`, compiled ``dlnotes._kernels.boxes``).
* ``nms N``: class-agnostic greedy NMS, no box limit
  (:func:`dlnotes.vision.boxes.non_max_suppression` with ``max_boxes=None``).
* ``batched nms N, K classes``: per-class greedy NMS
  (:func:`dlnotes.vision.boxes.batched_non_max_suppression`).

The PyTorch peer is written with torch ops here: ``torchvision.ops.box_iou`` /
``nms`` / ``batched_nms`` would be the natural peers, but installing
torchvision replaces the torch build the CI uses, so it is not installed.
The torch NMS is the usual loop over kept boxes (the best remaining box, one
vectorised IoU against the remaining ones of its class, drop the overlaps),
in float64 like dlnotes' kernel, so both make the same decisions; the NumPy
column is the same loop in NumPy.  Every NMS implementation returns the keep
list (indices, by decreasing score), which must agree exactly.

Boxes: midpoints uniform in [0, 100]^2, sides uniform in [1, 25], scores
uniform (no ties), so about 40% of 10,000 boxes survive an IoU threshold of 0.5.

Neural style transfer
---------------------
* ``gram``: ``G = A A^T`` and ``dA = (dG + dG^T) A`` for an upstream ``dG``
  (dlnotes: :func:`dlnotes.vision.style.gram_matrix` + ``gram_matrix_backward``;
  the ``gemm`` / ``syrk`` variants run the compiled ``dlnotes._kernels.gram``).
* ``style``: one layer's style cost and its gradient with respect to ``a_G``
  (:func:`dlnotes.vision.style.layer_style_cost_and_grad`, both Gram matrices
  computed once).

Shapes are the course's VGG-19 style layers for a 300 x 400 image
(conv3_1: 75 x 100 x 256, conv4_1: 38 x 50 x 512) and conv2_1 at half size.
PyTorch works on the channels-last ``(n_H n_W, n_C)`` view (no copy) with
autograd.  Every implementation returns ``(G, dA)`` or ``(J, da_G)`` in the
dlnotes layout.
"""
import numpy as np

N_IOU = [(1000, 1000), (10_000, 1000)]
N_NMS = [1805, 10_000]          # 1805 = 19 x 19 x 5, the assignment's grid
THRESHOLD = 0.5
CLASSES = 5


def _boxes(rng, n, dtype):
    xy = rng.uniform(0, 100, (n, 2))
    wh = rng.uniform(1, 25, (n, 2))
    return (np.concatenate([xy, xy + wh], axis=1).astype(dtype),
            rng.uniform(0, 1, n).astype(dtype), rng.integers(0, CLASSES, n))


def _torch_iou(torch, t1, t2):
    """torchvision.ops.box_iou's formula in torch ops (0 for a zero union, where torchvision
    gives NaN).  Also the tests' PyTorch oracle (tests/ops_vision.py)."""
    lt = torch.max(t1[:, None, :2], t2[None, :, :2])
    rb = torch.min(t1[:, None, 2:], t2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    a1 = (t1[:, 2] - t1[:, 0]) * (t1[:, 3] - t1[:, 1])
    a2 = (t2[:, 2] - t2[:, 0]) * (t2[:, 3] - t2[:, 1])
    union = a1[:, None] + a2[None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(union))


def _np_iou(b1, b2):
    lt = np.maximum(b1[:, None, :2], b2[None, :, :2])
    rb = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    wh = np.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    return inter / (a1[:, None] + a2[None, :] - inter)


def _np_nms(b, s, c):
    order = np.argsort(-s, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        o = _np_iou(b[i:i + 1], b[rest])[0]
        drop = o >= THRESHOLD
        if c is not None:
            drop &= c[rest] == c[i]
        order = rest[~drop]
    return (np.array(keep, np.int64),)


def _torch_nms(torch, tb, ts, tc):
    order = torch.sort(ts, descending=True, stable=True).indices
    keep = []
    while order.numel():
        i = order[0]
        keep.append(i)
        rest = order[1:]
        o = _torch_iou(torch, tb[i:i + 1], tb[rest])[0]
        drop = o >= THRESHOLD
        if tc is not None:
            drop &= tc[rest] == tc[i]
        order = rest[~drop]
    return (torch.stack(keep).numpy() if keep else np.zeros(0, np.int64),)


def _box_cases(dtype, torch):
    from dlnotes.vision import boxes as bx

    rng = np.random.default_rng(13)
    out = []
    for n, m in N_IOU:
        b1, _, _ = _boxes(rng, n, dtype)
        b2, _, _ = _boxes(rng, m, dtype)
        impls = {"dlnotes": lambda b1=b1, b2=b2: (bx.box_iou(b1, b2),),
                 "numpy": lambda b1=b1, b2=b2: (_np_iou(b1, b2),), "torch": None}
        if torch is not None:
            t1, t2 = torch.from_numpy(b1), torch.from_numpy(b2)
            impls["torch"] = lambda t1=t1, t2=t2: (_torch_iou(torch, t1, t2).numpy(),)
        out.append({"name": f"box_iou {n}x{m}", "flops": None, "impls": impls})
    for n in N_NMS:
        b, s, c = _boxes(rng, n, dtype)
        b64, s64 = b.astype(np.float64), s.astype(np.float64)
        for name, cls in ((f"nms {n}", None), (f"batched nms {n}, {CLASSES} classes", c)):
            if cls is None:
                def dl(b=b, s=s):
                    return (bx.non_max_suppression(b, s, THRESHOLD, max_boxes=None),)
            else:
                def dl(b=b, s=s, cls=cls):
                    return (bx.batched_non_max_suppression(b, s, cls, THRESHOLD),)
            impls = {"dlnotes": dl,
                     "numpy": lambda b64=b64, s64=s64, cls=cls: _np_nms(b64, s64, cls),
                     "torch": None}
            if torch is not None:
                tb, ts = torch.from_numpy(b64), torch.from_numpy(s64)
                tc = None if cls is None else torch.from_numpy(cls)
                impls["torch"] = lambda tb=tb, ts=ts, tc=tc: _torch_nms(torch, tb, ts, tc)
            out.append({"name": name, "flops": None, "impls": impls, "rtol": 0.0})
    return out


SHAPES = [(75, 100, 128), (75, 100, 256), (38, 50, 512)]


def _gram_cases(dtype, torch, rng, style):
    out = []
    for (h, w, c) in SHAPES:
        A = np.ascontiguousarray(rng.standard_normal((c, h * w)).astype(dtype) / np.sqrt(h * w))
        dG = rng.standard_normal((c, c)).astype(dtype)
        N = h * w

        def dl(method, A=A, dG=dG):
            def run():
                return style.gram_matrix(A, method=method), style.gram_matrix_backward(dG, A)
            return run

        def npy(A=A, dG=dG):
            return A @ A.T, (dG + dG.T) @ A

        impls = {"dlnotes": dl("matmul"), "numpy": npy, "torch": None}
        if torch is not None:
            tA = torch.from_numpy(A.copy())
            tdG = torch.from_numpy(dG)

            def trun(tA=tA, tdG=tdG):
                a = tA.detach().requires_grad_(True)
                G = a @ a.T
                G.backward(tdG)
                return G.detach().numpy(), a.grad.numpy()
            impls["torch"] = trun
        out.append({"name": f"gram {c}x{N}", "flops": 4.0 * c * c * N, "impls": impls})
        for method in ("gemm", "syrk"):
            out.append({"name": f"gram {c}x{N} kernel={method}", "flops": 4.0 * c * c * N,
                        "impls": {"dlnotes": dl(method), "numpy": npy,
                                  "torch": impls["torch"]}})
    return out


def _style_cases(dtype, torch, rng, style):
    out = []
    for (h, w, c) in SHAPES:
        a_S = rng.standard_normal((1, h, w, c)).astype(dtype)
        a_G = rng.standard_normal((1, h, w, c)).astype(dtype)
        norm = 4.0 * c * c * float(h * w) ** 2

        def dl(a_S=a_S, a_G=a_G):
            J, g = style.layer_style_cost_and_grad(a_S, a_G)
            return np.array(J), g

        def npy(a_S=a_S, a_G=a_G, h=h, w=w, c=c, norm=norm):
            S = a_S.reshape(h * w, c).T
            G = a_G.reshape(h * w, c).T
            GS, GG = S @ S.T, G @ G.T
            D = GG - GS
            J = np.sum(D * D) / norm
            dA = (D @ G) * (4.0 / norm)
            return np.array(J), dA.T.reshape(a_G.shape)

        impls = {"dlnotes": dl, "numpy": npy, "torch": None}
        if torch is not None:
            tS = torch.from_numpy(a_S.reshape(h * w, c))
            tG = torch.from_numpy(a_G.copy())

            def trun(tS=tS, tG=tG, h=h, w=w, c=c, norm=norm):
                g = tG.detach().requires_grad_(True)
                X = g.reshape(h * w, c)
                D = X.T @ X - tS.T @ tS
                J = (D * D).sum() / norm
                J.backward()
                return np.array(J.item()), g.grad.numpy()
            impls["torch"] = trun
        out.append({"name": f"layer style cost {h}x{w}x{c}", "flops": 6.0 * c * c * h * w,
                    "impls": impls})
    return out


def _style_transfer_cases(dtype, torch):
    from dlnotes.vision import style

    rng = np.random.default_rng(11)
    return _gram_cases(dtype, torch, rng, style) + _style_cases(dtype, torch, rng, style)


def cases(dtype, torch):
    return _box_cases(dtype, torch) + _style_transfer_cases(dtype, torch)
