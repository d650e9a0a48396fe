"""Side-by-side cases for the CNN kernels (format: see the helper brief).

Each implementation runs forward + backward once on pre-built inputs and
returns ``(output, gradients...)`` as NumPy arrays in dlnotes layout (NHWC).
PyTorch runs in channels-last (NHWC memory, zero-copy from our arrays),
which measured faster than NCHW here on every case.
"""
import numpy as np

from dlnotes.cnn import conv_backward, conv_forward, pool_backward, pool_forward

CONV_CASES = [
    # name, m, H, W, C_in, C_out, f, pad
    ("conv m=32 32x32x16->32 f=3 same", 32, 32, 32, 16, 32, 3, "same"),
    ("conv m=64 32x32x3->6 f=5 valid", 64, 32, 32, 3, 6, 5, "valid"),
    ("conv m=8 56x56x64->64 f=3 same", 8, 56, 56, 64, 64, 3, "same"),
]
POOL_CASES = [
    ("maxpool m=32 32x32x32 f=2 s=2", "max", 32, 32, 32, 32, 2, 2),
    ("avgpool m=32 32x32x32 f=2 s=2", "average", 32, 32, 32, 32, 2, 2),
]


def _conv_case(name, m, H, W, C, F, f, pad, dtype, torch, rng):
    A = rng.standard_normal((m, H, W, C)).astype(dtype)
    Wt = (rng.standard_normal((f, f, C, F)) / np.sqrt(f * f * C)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, F)).astype(dtype)
    hp = {"stride": 1, "pad": pad}
    p = (f - 1) // 2 if pad == "same" else 0
    Ho, Wo = H + 2 * p - f + 1, W + 2 * p - f + 1
    dZ = rng.standard_normal((m, Ho, Wo, F)).astype(dtype)
    flops = 3 * 2.0 * m * Ho * Wo * F * f * f * C  # forward, dW and dA GEMMs

    def dl():
        Z, cache = conv_forward(A, Wt, b, hp)
        dA, dW, db = conv_backward(dZ, cache)
        return Z, dA, dW, db

    def np_ref():
        # plain NumPy im2col + GEMM (sliding_window_view), for scale
        Ap = np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))
        win = np.lib.stride_tricks.sliding_window_view(Ap, (f, f), axis=(1, 2))
        cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(m * Ho * Wo, f * f * C)
        Wm = Wt.reshape(f * f * C, F)
        Z = (cols @ Wm).reshape(m, Ho, Wo, F) + b
        dZm = dZ.reshape(-1, F)
        dW = (cols.T @ dZm).reshape(Wt.shape)
        db = dZm.sum(0).reshape(1, 1, 1, F)
        dcols = (dZm @ Wm.T).reshape(m, Ho, Wo, f, f, C)
        dAp = np.zeros_like(Ap)
        for u in range(f):
            for v in range(f):
                dAp[:, u:u + Ho, v:v + Wo, :] += dcols[:, :, :, u, v, :]
        return Z, dAp[:, p:p + H, p:p + W, :], dW, db

    th = None
    if torch is not None:
        At = torch.from_numpy(A).permute(0, 3, 1, 2)  # NHWC memory = channels-last
        At.requires_grad_(True)
        Wtt = torch.from_numpy(np.ascontiguousarray(Wt.transpose(3, 0, 1, 2))).permute(0, 3, 1, 2)
        Wtt.requires_grad_(True)
        bt = torch.from_numpy(b.reshape(F).copy()).requires_grad_(True)
        dZt = torch.from_numpy(dZ).permute(0, 3, 1, 2)

        def th():
            At.grad = Wtt.grad = bt.grad = None
            Z = torch.nn.functional.conv2d(At, Wtt, bt, padding=p)
            Z.backward(dZt)
            return (Z.detach().permute(0, 2, 3, 1).numpy(), At.grad.permute(0, 2, 3, 1).numpy(),
                    Wtt.grad.permute(2, 3, 1, 0).numpy(), bt.grad.numpy().reshape(1, 1, 1, F))

    return {"name": name, "flops": flops, "impls": {"dlnotes": dl, "numpy": np_ref, "torch": th},
            "gemm_share": C >= 64}  # the VGG-like case carries a GEMM-rate target


def _pool_case(name, mode, m, H, W, C, f, s, dtype, torch, rng):
    A = rng.standard_normal((m, H, W, C)).astype(dtype)
    hp = {"f": f, "stride": s}
    Ho, Wo = (H - f) // s + 1, (W - f) // s + 1
    dOut = rng.standard_normal((m, Ho, Wo, C)).astype(dtype)

    def dl():
        out, cache = pool_forward(A, hp, mode=mode)
        return out, pool_backward(dOut, cache, mode=mode)

    th = None
    if torch is not None:
        At = torch.from_numpy(A).permute(0, 3, 1, 2).requires_grad_(True)
        dOt = torch.from_numpy(dOut).permute(0, 3, 1, 2)
        fn = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d

        def th():
            At.grad = None
            out = fn(At, f, s)
            out.backward(dOt)
            return out.detach().permute(0, 2, 3, 1).numpy(), At.grad.permute(0, 2, 3, 1).numpy()

    return {"name": name, "flops": None, "impls": {"dlnotes": dl, "numpy": None, "torch": th}}


def cases(dtype, torch):
    rng = np.random.default_rng(0)
    out = [_conv_case(*c, dtype, torch, rng) for c in CONV_CASES]
    out += [_pool_case(*c, dtype, torch, rng) for c in POOL_CASES]
    return out
