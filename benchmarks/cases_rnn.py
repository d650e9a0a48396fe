"""Side-by-side cases: a whole sequence through RNN, GRU and LSTM, forward + backward.

Sizes of the issue: ``n_x=64, n_a=128, m=32, T_x=50`` and the inference-style
``m=1``.  dlnotes: ``rnn_forward``/``rnn_backward``, ``gru_forward(reset="after")``
/``gru_backward`` and ``lstm_forward``/``lstm_backward`` on the notes' layout
``x (n_x, m, T_x)``, hidden states only (no softmax output layer).  PyTorch:
``nn.RNN(nonlinearity="tanh")``, ``nn.GRU`` and ``nn.LSTM`` on its fast,
time-major layout ``(T_x, m, n_x)``, with the weights mapped (gate order i, f, g, o;
r, z, n with z = 1 - Gamma_u).  NumPy: a vectorised time loop (one matmul per
step plus the element-wise gate arithmetic).

Every implementation runs the forward pass and backpropagation of the same
upstream gradient ``da`` of all hidden states, and returns, in dlnotes' layout,
``(a, dx, da0, dW_x, dW_h, db)`` where ``dW_x``/``dW_h`` are the gate weights
stacked in PyTorch's order (its ``weight_ih``/``weight_hh``) and ``db`` the input
bias gradient (``bias_ih``).  Flops: ``6 m T_x G (n_a + n_x)`` with ``G`` gate
rows (the forward products, and ``dW`` plus ``dx``/``da`` in the backward pass).
"""
import sys

import numpy as np

SIZES = [(64, 128, 32, 50), (64, 128, 1, 50)]  # (n_x, n_a, m, T_x)
KINDS = [("RNN", 1), ("GRU", 3), ("LSTM", 4)]


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _params(kind, n_x, n_a, dtype, rng):
    s = 1 / np.sqrt(n_a)

    def u(shape):
        return rng.uniform(-s, s, shape).astype(dtype)
    if kind == "RNN":
        return {"Wax": u((n_a, n_x)), "Waa": u((n_a, n_a)), "ba": u((n_a, 1))}
    gates = "urc" if kind == "GRU" else "fico"
    P = {}
    for k in gates:
        P["W" + k], P["b" + k] = u((n_a, n_a + n_x)), u((n_a, 1))
    if kind == "GRU":
        P["bhc"] = u((n_a, 1))
    return P


def _torch_layout(kind, P, n_a):
    """(W_x, W_h, b_ih, b_hh) in PyTorch's gate order, from the dlnotes parameters."""
    if kind == "RNN":
        return P["Wax"], P["Waa"], P["ba"][:, 0], np.zeros(n_a, P["ba"].dtype)
    if kind == "LSTM":
        W = np.vstack([P["Wi"], P["Wf"], P["Wc"], P["Wo"]])
        b = np.vstack([P["bi"], P["bf"], P["bc"], P["bo"]])[:, 0]
        return W[:, n_a:], W[:, :n_a], b, np.zeros_like(b)
    W = np.vstack([P["Wr"], -P["Wu"], P["Wc"]])
    b = np.vstack([P["br"], -P["bu"], P["bc"]])[:, 0]
    bh = np.concatenate([np.zeros(2 * n_a, b.dtype), P["bhc"][:, 0]])
    return W[:, n_a:], W[:, :n_a], b, bh


def _from_grads(kind, g, n_a):
    """dlnotes gradients -> (dW_x, dW_h, db) in PyTorch's stacked order."""
    if kind == "RNN":
        return g["dWax"], g["dWaa"], g["dba"][:, 0]
    if kind == "LSTM":
        dW = np.vstack([g["dWi"], g["dWf"], g["dWc"], g["dWo"]])
        db = np.vstack([g["dbi"], g["dbf"], g["dbc"], g["dbo"]])[:, 0]
    else:
        dW = np.vstack([g["dWr"], -g["dWu"], g["dWc"]])
        db = np.vstack([g["dbr"], -g["dbu"], g["dbc"]])[:, 0]
    return dW[:, n_a:], dW[:, :n_a], db


def _dlnotes_impl(kind, x, a0, P, da):
    from dlnotes import rnn
    n_a = a0.shape[0]

    def run():
        if kind == "RNN":
            a, _, caches = rnn.rnn_forward(x, a0, P)
            g = rnn.rnn_backward(da, caches)
        elif kind == "GRU":
            a, _, caches = rnn.gru_forward(x, a0, P, reset="after")
            g = rnn.gru_backward(da, caches)
        else:
            a, _, _, caches = rnn.lstm_forward(x, a0, P)
            g = rnn.lstm_backward(da, caches)
        return (a, g["dx"], g["da0"]) + _from_grads(kind, g, n_a)
    return run


def _numpy_impl(kind, x, a0, P, da):
    """A vectorised NumPy BPTT in the time-major row layout (the fast one for NumPy)."""
    n_a = a0.shape[0]
    Wx, Wh, b, bh = _torch_layout(kind, P, n_a)
    X = np.ascontiguousarray(x.transpose(2, 1, 0))      # (T, m, n_x)
    dA = np.ascontiguousarray(da.transpose(2, 1, 0))
    T = X.shape[0]

    def run():
        XP = X @ Wx.T + b                                # one GEMM for all steps
        h = a0.T.copy()
        hs, cache = [h], []
        c = np.zeros_like(h)
        for t in range(T):
            hp = h @ Wh.T
            if kind == "RNN":
                h = np.tanh(XP[t] + hp)
                cache.append(None)
            elif kind == "LSTM":
                z = XP[t] + hp
                i, f = _sig(z[:, :n_a]), _sig(z[:, n_a:2 * n_a])
                g, o = np.tanh(z[:, 2 * n_a:3 * n_a]), _sig(z[:, 3 * n_a:])
                c_prev = c
                c = f * c + i * g
                tc = np.tanh(c)
                h = o * tc
                cache.append((i, f, g, o, c_prev, tc))
            else:
                hp = hp + bh
                r = _sig(XP[t][:, :n_a] + hp[:, :n_a])
                z = _sig(XP[t][:, n_a:2 * n_a] + hp[:, n_a:2 * n_a])
                n = np.tanh(XP[t][:, 2 * n_a:] + r * hp[:, 2 * n_a:])
                cache.append((r, z, n, hp[:, 2 * n_a:]))
                h = (1 - z) * n + z * h
            hs.append(h)
        H = np.stack(hs)
        dG = np.empty((T,) + XP.shape[1:], XP.dtype)
        dGh = dG if kind != "GRU" else np.empty_like(dG)
        dh_next = np.zeros_like(h)
        dc = np.zeros_like(h)
        for t in range(T - 1, -1, -1):
            dh = dA[t] + dh_next
            if kind == "RNN":
                dG[t] = dh * (1 - H[t + 1] ** 2)
                dh_next = dG[t] @ Wh
            elif kind == "LSTM":
                i, f, g, o, c_prev, tc = cache[t]
                dct = dc + dh * o * (1 - tc ** 2)
                dG[t] = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                                        dct * i * (1 - g ** 2), dh * tc * o * (1 - o)], axis=1)
                dc = dct * f
                dh_next = dG[t] @ Wh
            else:
                r, z, n, hn = cache[t]
                dn = dh * (1 - z) * (1 - n ** 2)
                dz = dh * (H[t] - n) * z * (1 - z)
                dr = dn * hn * r * (1 - r)
                dG[t] = np.concatenate([dr, dz, dn], axis=1)
                dGh[t] = np.concatenate([dr, dz, dn * r], axis=1)
                dh_next = dh * z + dGh[t] @ Wh
        m = X.shape[1]
        dG2 = dG.reshape(T * m, -1)
        dWx = dG2.T @ X.reshape(T * m, -1)
        dWh = dGh.reshape(T * m, -1).T @ H[:-1].reshape(T * m, -1)
        dx = (dG2 @ Wx).reshape(T, m, -1)
        return (H[1:].transpose(2, 1, 0), dx.transpose(2, 1, 0), dh_next.T, dWx, dWh,
                dG2.sum(axis=0))
    return run


def _torch_impl(torch, kind, x, a0, P, da):
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    dtype = getattr(torch, x.dtype.name)
    mod = {"RNN": lambda: torch.nn.RNN(n_x, n_a, nonlinearity="tanh"),
           "GRU": lambda: torch.nn.GRU(n_x, n_a),
           "LSTM": lambda: torch.nn.LSTM(n_x, n_a)}[kind]().to(dtype)
    Wx, Wh, b, bh = _torch_layout(kind, P, n_a)
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wx)))
        mod.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wh)))
        mod.bias_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(b)))
        mod.bias_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(bh)))
    X = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0))).requires_grad_(True)
    H0 = torch.from_numpy(np.ascontiguousarray(a0.T[None])).requires_grad_(True)
    C0 = torch.zeros_like(H0)
    dA = torch.from_numpy(np.ascontiguousarray(da.transpose(2, 1, 0)))

    def run():
        mod.zero_grad(set_to_none=True)
        X.grad = None
        H0.grad = None
        out, _ = mod(X, (H0, C0)) if kind == "LSTM" else mod(X, H0)
        out.backward(dA)
        return (out.detach().numpy().transpose(2, 1, 0), X.grad.numpy().transpose(2, 1, 0),
                H0.grad.numpy()[0].T, mod.weight_ih_l0.grad.numpy(),
                mod.weight_hh_l0.grad.numpy(), mod.bias_ih_l0.grad.numpy())
    return run


def cases(dtype, torch):
    try:
        import dlnotes.rnn  # noqa: F401
    except ImportError as exc:  # the recurrent chapter has not landed in this checkout
        print(f"cases_rnn: skipped, dlnotes.rnn is not available ({exc})", file=sys.stderr)
        return []
    out = []
    for n_x, n_a, m, T in SIZES:
        for kind, n_gates in KINDS:
            rng = np.random.default_rng(5)
            x = rng.standard_normal((n_x, m, T)).astype(dtype)
            a0 = (0.1 * rng.standard_normal((n_a, m))).astype(dtype)
            da = rng.standard_normal((n_a, m, T)).astype(dtype)
            P = _params(kind, n_x, n_a, dtype, rng)
            label = "GRU (reset after)" if kind == "GRU" else kind
            out.append({
                "name": f"{label} n_x={n_x} n_a={n_a} m={m} T={T}",
                "flops": 6.0 * m * T * n_gates * n_a * (n_a + n_x),
                "impls": {
                    "dlnotes": _dlnotes_impl(kind, x, a0, P, da),
                    "numpy": _numpy_impl(kind, x, a0, P, da),
                    "torch": (_torch_impl(torch, kind, x, a0, P, da)
                              if torch is not None else None),
                },
            })
    return out
