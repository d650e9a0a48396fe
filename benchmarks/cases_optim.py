"""Side-by-side cases: one optimizer step on one parameter array.

dlnotes: ``Adam.step`` / ``Momentum.step`` (fused Cython kernel, in place, one
pass, no temporaries).  NumPy: the notes' formulas written with in-place NumPy
operations (five full-size temporaries for Adam).  PyTorch: ``torch.optim.Adam``
/ ``torch.optim.SGD(momentum=beta, lr=alpha (1 - beta), dampening=0)`` (the
notes' momentum, erratum 1.17) with default settings on CPU.

Every implementation starts from the same parameters and zero state, so the
first call (step t = 1) returns the same updated parameters; later calls keep
stepping (the time per step does not depend on t).  The step is memory-bound
element-wise arithmetic, so ``flops`` is None.
"""
import numpy as np

SIZES = [(256, 256), (1024, 1024)]
LR, B1, B2, EPS, BETA = 1e-3, 0.9, 0.999, 1e-8, 0.9


def _inputs(shape, dtype):
    rng = np.random.default_rng(5)
    W = rng.standard_normal(shape).astype(dtype)
    G = (rng.standard_normal(shape) * 1e-2).astype(dtype)
    return W, G


def _adam_cases(shape, dtype, torch):
    from dlnotes.optim import Adam

    W, G = _inputs(shape, dtype)
    p = {"W": W.copy()}
    g = {"W": G}
    opt = Adam(LR, B1, B2, EPS)

    def run_dlnotes():
        opt.step(p, g)
        return (p["W"],)

    Wn, vn, sn = W.copy(), np.zeros_like(W), np.zeros_like(W)
    state = {"t": 0}

    def run_numpy():
        state["t"] += 1
        t = state["t"]
        vn[...] = B1 * vn + (1 - B1) * G
        sn[...] = B2 * sn + (1 - B2) * G * G
        Wn[...] = Wn - LR * (vn / (1 - B1 ** t)) / (np.sqrt(sn / (1 - B2 ** t)) + EPS)
        return (Wn,)

    run_torch = None
    if torch is not None:
        w = torch.nn.Parameter(torch.from_numpy(W.copy()))
        w.grad = torch.from_numpy(G.copy())
        topt = torch.optim.Adam([w], lr=LR, betas=(B1, B2), eps=EPS)

        def run_torch():
            with torch.no_grad():
                topt.step()
            return (w.detach().numpy(),)

    return {"dlnotes": run_dlnotes, "numpy": run_numpy, "torch": run_torch}


def _momentum_cases(shape, dtype, torch):
    from dlnotes.optim import Momentum

    W, G = _inputs(shape, dtype)
    p = {"W": W.copy()}
    g = {"W": G}
    opt = Momentum(LR, BETA)

    def run_dlnotes():
        opt.step(p, g)
        return (p["W"],)

    Wn, vn = W.copy(), np.zeros_like(W)

    def run_numpy():
        vn[...] = BETA * vn + (1 - BETA) * G
        Wn[...] = Wn - LR * vn
        return (Wn,)

    run_torch = None
    if torch is not None:
        w = torch.nn.Parameter(torch.from_numpy(W.copy()))
        w.grad = torch.from_numpy(G.copy())
        topt = torch.optim.SGD([w], lr=LR * (1 - BETA), momentum=BETA, dampening=0)

        def run_torch():
            with torch.no_grad():
                topt.step()
            return (w.detach().numpy(),)

    return {"dlnotes": run_dlnotes, "numpy": run_numpy, "torch": run_torch}


def cases(dtype, torch):
    out = []
    for shape in SIZES:
        label = f"{shape[0]}x{shape[1]}"
        out.append({"name": f"Adam step {label}", "flops": None,
                    "impls": _adam_cases(shape, dtype, torch)})
        out.append({"name": f"Momentum step {label}", "flops": None,
                    "impls": _momentum_cases(shape, dtype, torch)})
    return out
