"""Side-by-side cases: element-wise activations, forward + backward.

dlnotes: ``A = g(Z)`` then ``dZ = g_backward(dA, Z)`` (the compiled kernels of
``dlnotes._kernels.activations``).  PyTorch: ``torch.sigmoid`` / ``tanh`` /
``relu`` and autograd's ``A.backward(dA)``.  NumPy: the notes' formulas,
vectorized.  Every implementation returns ``(A, dZ)``.

The element-wise kernels are memory-bound, so no flop count is given.
"""
import numpy as np

SHAPES = [(256, 512), (2048, 2048)]


def _numpy_sigmoid(Z, dA):
    A = 1.0 / (1.0 + np.exp(-Z))
    return A, dA * A * (1 - A)


def _numpy_tanh(Z, dA):
    A = np.tanh(Z)
    return A, dA * (1 - A * A)


def _numpy_relu(Z, dA):
    return np.maximum(Z, 0), dA * (Z > 0)


NUMPY = {"sigmoid": _numpy_sigmoid, "tanh": _numpy_tanh, "relu": _numpy_relu}


def _dlnotes_impl(forward, backward, Z, dA):
    def run():
        return forward(Z), backward(dA, Z)
    return run


def _torch_impl(torch, fn, Z, dA):
    z = torch.from_numpy(Z.copy())
    da = torch.from_numpy(dA.copy())

    def run():
        zz = z.detach().requires_grad_(True)
        a = fn(zz)
        a.backward(da)
        return a.detach().numpy(), zz.grad.numpy()
    return run


def cases(dtype, torch):
    from dlnotes.nn import activations as act

    rng = np.random.default_rng(7)
    out = []
    for shape in SHAPES:
        Z = rng.standard_normal(shape).astype(dtype)
        dA = rng.standard_normal(shape).astype(dtype)
        for name in ("sigmoid", "tanh", "relu"):
            fwd, bwd = getattr(act, name), getattr(act, name + "_backward")
            out.append({
                "name": f"{name} {shape[0]}x{shape[1]}",
                "flops": None,
                "impls": {
                    "dlnotes": _dlnotes_impl(fwd, bwd, Z, dA),
                    "numpy": (lambda f=NUMPY[name], Z=Z, dA=dA: f(Z, dA)),
                    "torch": (_torch_impl(torch, getattr(torch, name), Z, dA)
                              if torch is not None else None),
                },
            })
    return out
