"""Side-by-side cases: neural style transfer, forward + backward.

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


def cases(dtype, torch):
    from dlnotes.vision import style

    rng = np.random.default_rng(11)
    return _gram_cases(dtype, torch, rng, style) + _style_cases(dtype, torch, rng, style)
