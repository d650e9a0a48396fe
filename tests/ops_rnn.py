"""OpInfo descriptions of the recurrent networks (notes, "RNN", "GRU", "LSTM").

Oracles:
* NumPy transcriptions, written here step by step, of the notes' forward
  equations (with the errata's canonical GRU, E1-E2) and of the canonical
  backward formulas (errata E3-E7, BPTT);
* PyTorch: ``nn.RNN(nonlinearity="tanh")``, ``nn.LSTM``, ``nn.GRU`` (reset after)
  with mapped weights, and torch autograd through hand-written ops for the
  reset-before GRU, which PyTorch does not offer;
* float64 gradient checks of every backward.
"""
import numpy as np

from dlnotes import rnn
from dlnotes.nn.gradcheck import gradient_check_n
from opinfo import ErrorInput, OpInfo, SampleInput

# (n_x, n_a, m, T_x): odd sizes, m = 1, T_x = 1 (the threaded batch split: test_rnn.py).
SIZES = [(3, 5, 4, 6), (1, 2, 1, 1), (4, 3, 1, 5), (2, 4, 3, 1), (6, 7, 2, 3)]
N_Y = 3


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _softmax0(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# --------------------------------------------------------------------------- parameters
def _rnn_params(rng, n_x, n_a, dtype, output=True):
    P = {"Wax": rng.standard_normal((n_a, n_x)) * 0.6, "Waa": rng.standard_normal((n_a, n_a)) * 0.5,
         "ba": rng.standard_normal((n_a, 1)) * 0.3}
    if output:
        P["Wya"] = rng.standard_normal((N_Y, n_a))
        P["by"] = rng.standard_normal((N_Y, 1))
    return {k: v.astype(dtype) for k, v in P.items()}


def _gated_params(rng, n_x, n_a, dtype, gates, output=True, extra=()):
    P = {}
    for k in gates:
        P["W" + k] = rng.standard_normal((n_a, n_a + n_x)) * 0.5
        P["b" + k] = rng.standard_normal((n_a, 1)) * 0.3
    for k in extra:
        P[k] = rng.standard_normal((n_a, 1)) * 0.3
    if output:
        P["Wy"] = rng.standard_normal((N_Y, n_a))
        P["by"] = rng.standard_normal((N_Y, 1))
    return {k: v.astype(dtype) for k, v in P.items()}


def _seq_samples(make_params):
    def samples(rng, dtype):
        for n_x, n_a, m, T in SIZES:
            x = rng.standard_normal((n_x, m, T)).astype(dtype)
            a0 = (rng.standard_normal((n_a, m)) * 0.5).astype(dtype)
            for kw in make_params.kwargs_list:
                P = make_params(rng, n_x, n_a, dtype, **kw.get("params", {}))
                yield SampleInput((x, a0, P), dict(kw.get("call", {})),
                                  desc=f"n_x={n_x} n_a={n_a} m={m} T={T} {kw}")
    return samples


def _mk_rnn(rng, n_x, n_a, dtype):
    return _rnn_params(rng, n_x, n_a, dtype)


_mk_rnn.kwargs_list = [{}]


def _mk_lstm(rng, n_x, n_a, dtype):
    return _gated_params(rng, n_x, n_a, dtype, "fico")


_mk_lstm.kwargs_list = [{}]


def _mk_gru(rng, n_x, n_a, dtype, reset="before"):
    return _gated_params(rng, n_x, n_a, dtype, "urc", extra=("bhc",) if reset == "after" else ())


_mk_gru.kwargs_list = [{"call": {"reset": "before"}},
                       {"call": {"reset": "after"}, "params": {"reset": "after"}}]


def _cell_samples(seq_samples):
    """One time step of each sequence sample (plus the state arguments)."""
    def samples(rng, dtype):
        for s in seq_samples(rng, dtype):
            x, a0, P = s.args
            yield SampleInput((np.ascontiguousarray(x[:, :, 0]), a0, P), s.kwargs, desc=s.desc)
    return samples


def _lstm_cell_samples(rng, dtype):
    for s in _seq_samples(_mk_lstm)(rng, dtype):
        x, a0, P = s.args
        c0 = (rng.standard_normal(a0.shape) * 0.5).astype(dtype)
        yield SampleInput((np.ascontiguousarray(x[:, :, 0]), a0, c0, P), desc=s.desc)


# --------------------------------------------------------------------------- NumPy oracles
def np_rnn_forward(x, a0, P):
    """Notes: a<t> = tanh(Waa a<t-1> + Wax x<t> + ba), y<t> = softmax(Wya a<t> + by)."""
    dt = x.dtype
    x, a_prev = x.astype(np.float64), a0.astype(np.float64)
    P = {k: v.astype(np.float64) for k, v in P.items()}
    n_x, m, T = x.shape
    a = np.zeros((a0.shape[0], m, T))
    y = np.zeros((P["Wya"].shape[0], m, T))
    for t in range(T):
        a_prev = np.tanh(P["Waa"] @ a_prev + P["Wax"] @ x[:, :, t] + P["ba"])
        a[:, :, t] = a_prev
        y[:, :, t] = _softmax0(P["Wya"] @ a_prev + P["by"])
    return a.astype(dt), y.astype(dt)


def np_lstm_forward(x, a0, P, c0=None):
    """Notes' LSTM equations (no peepholes); c0 = 0 as in the course."""
    dt = x.dtype
    x, a_prev = x.astype(np.float64), a0.astype(np.float64)
    P = {k: v.astype(np.float64) for k, v in P.items()}
    c_prev = np.zeros_like(a_prev) if c0 is None else c0.astype(np.float64)
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    a, c = np.zeros((n_a, m, T)), np.zeros((n_a, m, T))
    y = np.zeros((P["Wy"].shape[0], m, T))
    for t in range(T):
        concat = np.concatenate([a_prev, x[:, :, t]])
        ft = _sig(P["Wf"] @ concat + P["bf"])
        it = _sig(P["Wi"] @ concat + P["bi"])
        cct = np.tanh(P["Wc"] @ concat + P["bc"])
        c_prev = ft * c_prev + it * cct
        ot = _sig(P["Wo"] @ concat + P["bo"])
        a_prev = ot * np.tanh(c_prev)
        a[:, :, t], c[:, :, t] = a_prev, c_prev
        y[:, :, t] = _softmax0(P["Wy"] @ a_prev + P["by"])
    return a.astype(dt), y.astype(dt), c.astype(dt)


def np_gru_forward(x, a0, P, reset="before"):
    """Canonical full GRU (errata E1, E2); reset before or after the recurrent product."""
    dt = x.dtype
    x, c_prev = x.astype(np.float64), a0.astype(np.float64)
    P = {k: v.astype(np.float64) for k, v in P.items()}
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    a = np.zeros((n_a, m, T))
    y = np.zeros((P["Wy"].shape[0], m, T))
    for t in range(T):
        xt = x[:, :, t]
        gu = _sig(P["Wu"] @ np.concatenate([c_prev, xt]) + P["bu"])
        gr = _sig(P["Wr"] @ np.concatenate([c_prev, xt]) + P["br"])
        if reset == "before":
            cct = np.tanh(P["Wc"] @ np.concatenate([gr * c_prev, xt]) + P["bc"])
        else:
            cct = np.tanh(P["Wc"][:, n_a:] @ xt + P["bc"]
                          + gr * (P["Wc"][:, :n_a] @ c_prev + P["bhc"]))
        c_prev = gu * cct + (1 - gu) * c_prev
        a[:, :, t] = c_prev
        y[:, :, t] = _softmax0(P["Wy"] @ c_prev + P["by"])
    return a.astype(dt), y.astype(dt)


def _upstream(a_shape, dtype, seed=11):
    return np.random.default_rng(seed).standard_normal(a_shape).astype(dtype)


def np_rnn_bptt(x, a0, P):
    """Errata §6.2, canonical: dz = da_next (1 - a^2); dWax = dz x^T, ..., summed over t."""
    dt = x.dtype
    a, _ = np_rnn_forward(x.astype(np.float64), a0.astype(np.float64), P)
    da = _upstream(a.shape, np.float64)
    P = {k: v.astype(np.float64) for k, v in P.items()}
    x = x.astype(np.float64)
    n_x, m, T = x.shape
    g = {"dx": np.zeros(x.shape), "dWax": 0, "dWaa": 0, "dba": 0}
    da_next = np.zeros_like(a0, dtype=np.float64)
    for t in reversed(range(T)):
        a_prev = a[:, :, t - 1] if t > 0 else a0.astype(np.float64)
        dz = (da[:, :, t] + da_next) * (1 - a[:, :, t] ** 2)
        g["dx"][:, :, t] = P["Wax"].T @ dz
        g["dWax"] = g["dWax"] + dz @ x[:, :, t].T
        g["dWaa"] = g["dWaa"] + dz @ a_prev.T
        g["dba"] = g["dba"] + dz.sum(axis=1, keepdims=True)
        da_next = P["Waa"].T @ dz
    g["da0"] = da_next
    return tuple(g[k].astype(dt) for k in ("dx", "da0", "dWax", "dWaa", "dba"))


def np_lstm_bptt(x, a0, P):
    """Errata §6.5, canonical, with the sliced da_prev / dx of E7."""
    dt = x.dtype
    P = {k: v.astype(np.float64) for k, v in P.items()}
    x, a0 = x.astype(np.float64), a0.astype(np.float64)
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    steps, a_prev, c_prev = [], a0, np.zeros_like(a0)
    for t in range(T):
        concat = np.concatenate([a_prev, x[:, :, t]])
        ft, it = _sig(P["Wf"] @ concat + P["bf"]), _sig(P["Wi"] @ concat + P["bi"])
        cct, ot = np.tanh(P["Wc"] @ concat + P["bc"]), _sig(P["Wo"] @ concat + P["bo"])
        c_next = ft * c_prev + it * cct
        a_next = ot * np.tanh(c_next)
        steps.append((concat, c_prev, ft, it, cct, ot, c_next))
        a_prev, c_prev = a_next, c_next
    da = _upstream((n_a, m, T), np.float64)
    g = {"dx": np.zeros(x.shape)}
    for k in "fico":
        g["dW" + k], g["db" + k] = 0, 0
    da_next, dc_next = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T)):
        concat, c_prev, ft, it, cct, ot, c_next = steps[t]
        dan = da[:, :, t] + da_next
        tc = np.tanh(c_next)
        dgo = dan * tc * ot * (1 - ot)
        dpc = (dc_next * it + ot * (1 - tc ** 2) * it * dan) * (1 - cct ** 2)
        dgi = (dc_next * cct + ot * (1 - tc ** 2) * cct * dan) * it * (1 - it)
        dgf = (dc_next * c_prev + ot * (1 - tc ** 2) * c_prev * dan) * ft * (1 - ft)
        d = {"f": dgf, "i": dgi, "c": dpc, "o": dgo}
        for k in "fico":
            g["dW" + k] = g["dW" + k] + d[k] @ concat.T
            g["db" + k] = g["db" + k] + d[k].sum(axis=1, keepdims=True)
        da_next = sum(P["W" + k][:, :n_a].T @ d[k] for k in "fico")
        g["dx"][:, :, t] = sum(P["W" + k][:, n_a:].T @ d[k] for k in "fico")
        dc_next = dc_next * ft + ot * (1 - tc ** 2) * ft * dan
    g["da0"] = da_next
    keys = ["dx", "da0"] + [p + k for k in "fico" for p in ("dW", "db")]
    return tuple(g[k].astype(dt) for k in keys)


def np_gru_bptt(x, a0, P, reset="before"):
    """Errata §6.3 backward (reset before) and its reset-after counterpart."""
    dt = x.dtype
    P = {k: v.astype(np.float64) for k, v in P.items()}
    x, a0 = x.astype(np.float64), a0.astype(np.float64)
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    Wu, Wr, Wc = P["Wu"], P["Wr"], P["Wc"]
    steps, c_prev = [], a0
    for t in range(T):
        xt = x[:, :, t]
        cx = np.concatenate([c_prev, xt])
        gu, gr = _sig(Wu @ cx + P["bu"]), _sig(Wr @ cx + P["br"])
        hn = None
        if reset == "before":
            cct = np.tanh(Wc @ np.concatenate([gr * c_prev, xt]) + P["bc"])
        else:
            hn = Wc[:, :n_a] @ c_prev + P["bhc"]
            cct = np.tanh(Wc[:, n_a:] @ xt + P["bc"] + gr * hn)
        steps.append((cx, c_prev, xt, gu, gr, cct, hn))
        c_prev = gu * cct + (1 - gu) * c_prev
    da = _upstream((n_a, m, T), np.float64)
    g = {"dx": np.zeros(x.shape), "dbhc": 0}
    for k in "urc":
        g["dW" + k], g["db" + k] = 0, 0
    dnext = np.zeros((n_a, m))
    for t in reversed(range(T)):
        cx, c_prev, xt, gu, gr, cct, hn = steps[t]
        dc = da[:, :, t] + dnext
        dzc = dc * gu * (1 - cct ** 2)
        dzu = dc * (cct - c_prev) * gu * (1 - gu)
        dprev = dc * (1 - gu)
        if reset == "before":
            drc = Wc[:, :n_a].T @ dzc
            dzr = drc * c_prev * gr * (1 - gr)
            dprev = dprev + drc * gr
            g["dWc"] = g["dWc"] + dzc @ np.concatenate([gr * c_prev, xt]).T
        else:
            dzr = dzc * hn * gr * (1 - gr)
            dhn = dzc * gr
            dprev = dprev + Wc[:, :n_a].T @ dhn
            g["dWc"] = g["dWc"] + np.concatenate([dhn @ c_prev.T, dzc @ xt.T], axis=1)
            g["dbhc"] = g["dbhc"] + dhn.sum(axis=1, keepdims=True)
        dprev = dprev + Wu[:, :n_a].T @ dzu + Wr[:, :n_a].T @ dzr
        g["dx"][:, :, t] = Wu[:, n_a:].T @ dzu + Wr[:, n_a:].T @ dzr + Wc[:, n_a:].T @ dzc
        g["dWu"] = g["dWu"] + dzu @ cx.T
        g["dWr"] = g["dWr"] + dzr @ cx.T
        g["dbu"] = g["dbu"] + dzu.sum(axis=1, keepdims=True)
        g["dbr"] = g["dbr"] + dzr.sum(axis=1, keepdims=True)
        g["dbc"] = g["dbc"] + dzc.sum(axis=1, keepdims=True)
        dnext = dprev
    g["da0"] = dnext
    keys = _gru_grad_keys(reset)
    return tuple(g[k].astype(dt) for k in keys)


def _gru_grad_keys(reset):
    keys = ["dx", "da0"] + [p + k for k in "urc" for p in ("dW", "db")]
    return keys + (["dbhc"] if reset == "after" else [])


# --------------------------------------------------------------------------- ops under test
def rnn_grads(x, a0, P):
    """Forward + BPTT with the fixed upstream gradient of the oracles."""
    a, _, caches = rnn.rnn_forward(x, a0, P)
    g = rnn.rnn_backward(_upstream(a.shape, a.dtype), caches)
    return tuple(g[k] for k in ("dx", "da0", "dWax", "dWaa", "dba"))


def lstm_grads(x, a0, P):
    a, _, _, caches = rnn.lstm_forward(x, a0, P)
    g = rnn.lstm_backward(_upstream(a.shape, a.dtype), caches)
    return tuple(g[k] for k in ["dx", "da0"] + [p + k for k in "fico" for p in ("dW", "db")])


def gru_grads(x, a0, P, reset="before"):
    a, _, caches = rnn.gru_forward(x, a0, P, reset=reset)
    g = rnn.gru_backward(_upstream(a.shape, a.dtype), caches)
    return tuple(g[k] for k in _gru_grad_keys(reset))


# --------------------------------------------------------------------------- gradient checks
def _seq_gradcheck(forward, backward, outputs=lambda out: out[0], extra_cost=None):
    """J = sum(G * a) (+ the LSTM's sum(Gc * c)); checks parameters, x and a0."""
    def check(sample, rng):
        x, a0, P = sample.args
        kw = sample.kwargs
        params = {k: v.astype(np.float64) for k, v in P.items() if k not in ("Wya", "Wy", "by")}
        params["x"], params["a0"] = x.astype(np.float64), a0.astype(np.float64)
        out = forward(params["x"], params["a0"], params, **kw)
        G = rng.standard_normal(outputs(out).shape)

        def cost(p):
            return float(np.sum(G * outputs(forward(p["x"], p["a0"], p, **kw))))
        grads = backward(G, out[-1])
        return float(gradient_check_n(cost, params, grads))
    return check


def _cell_gradcheck(forward, backward, n_state=1):
    def check(sample, rng):
        args = [a.astype(np.float64) for a in sample.args[:-1]]
        P = {k: v.astype(np.float64) for k, v in sample.args[-1].items()
             if k not in ("Wya", "Wy", "by")}
        names = ["xt", "a_prev", "c_prev"][:len(args)]
        params = dict(P, **dict(zip(names, args)))
        kw = sample.kwargs
        out = forward(*args, P, **kw)
        Gs = [rng.standard_normal(out[0].shape) for _ in range(n_state)]

        def cost(p):
            o = forward(*[p[n] for n in names], p, **kw)
            return float(sum(np.sum(G * o[i]) for i, G in enumerate(Gs)))
        grads = backward(*Gs, out[-1])
        return float(gradient_check_n(cost, params, grads))
    return check


# --------------------------------------------------------------------------- torch oracles
def _T(torch, a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), requires_grad=grad)


def _torch_seq(torch, kind, x, a0, P, reset="after"):
    """Run the torch module (or hand-written torch ops) and return outputs and grads."""
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    X = _T(torch, x.transpose(2, 1, 0), True)
    H0 = _T(torch, a0.T[None], True)
    dtype = X.dtype
    params = {}
    if kind == "rnn":
        mod = torch.nn.RNN(n_x, n_a, nonlinearity="tanh").to(dtype)
        W_ih, W_hh, b_ih = P["Wax"], P["Waa"], P["ba"][:, 0]
    elif kind == "lstm":
        mod = torch.nn.LSTM(n_x, n_a).to(dtype)  # gate order i, f, g, o
        W = np.vstack([P["Wi"], P["Wf"], P["Wc"], P["Wo"]])
        W_ih, W_hh = W[:, n_a:], W[:, :n_a]
        b_ih = np.vstack([P["bi"], P["bf"], P["bc"], P["bo"]])[:, 0]
    elif kind == "gru" and reset == "after":
        mod = torch.nn.GRU(n_x, n_a).to(dtype)  # gate order r, z, n with z = 1 - Gamma_u
        W = np.vstack([P["Wr"], -P["Wu"], P["Wc"]])
        W_ih, W_hh = W[:, n_a:], W[:, :n_a]
        b_ih = np.vstack([P["br"], -P["bu"], P["bc"]])[:, 0]
    else:
        return _torch_gru_before(torch, X, H0, P)
    with torch.no_grad():
        mod.weight_ih_l0.copy_(_T(torch, W_ih))
        mod.weight_hh_l0.copy_(_T(torch, W_hh))
        mod.bias_ih_l0.copy_(_T(torch, b_ih))
        mod.bias_hh_l0.zero_()
        if kind == "gru":
            mod.bias_hh_l0[2 * n_a:] = _T(torch, P["bhc"][:, 0])
    if kind == "lstm":
        out, (hn, cn) = mod(X, (H0, torch.zeros_like(H0)))
    else:
        out, hn = mod(X, H0)
    params = {"W_ih": mod.weight_ih_l0, "W_hh": mod.weight_hh_l0, "b_ih": mod.bias_ih_l0,
              "b_hh": mod.bias_hh_l0}
    return out, X, H0, params


def _torch_gru_before(torch, X, H0, P):
    """Reset-before GRU written with torch ops; autograd is the oracle."""
    n_a = H0.shape[2]
    Pt = {k: _T(torch, v, True) for k, v in P.items() if k not in ("Wy", "by")}
    h = H0[0]
    outs = []
    for t in range(X.shape[0]):
        xt = X[t]
        hx = torch.cat([h, xt], dim=1)
        gu = torch.sigmoid(hx @ Pt["Wu"].T + Pt["bu"][:, 0])
        gr = torch.sigmoid(hx @ Pt["Wr"].T + Pt["br"][:, 0])
        cct = torch.tanh(torch.cat([gr * h, xt], dim=1) @ Pt["Wc"].T + Pt["bc"][:, 0])
        h = gu * cct + (1 - gu) * h
        outs.append(h)
    assert n_a == h.shape[1]
    return torch.stack(outs), X, H0, Pt


def _torch_forward(kind):
    def ref(torch, x, a0, P, **kw):
        out, *_ = _torch_seq(torch, kind, x, a0, P, **kw)
        a = out.detach().numpy().transpose(2, 1, 0)
        Wy = P["Wya"] if kind == "rnn" else P["Wy"]
        Zy = torch.einsum("ya,tma->ytm", _T(torch, Wy), out.detach()) + _T(torch, P["by"])[:, :, None]
        y = torch.softmax(Zy, dim=0).numpy().transpose(0, 2, 1)
        return a, y
    return ref


def _torch_grads(kind):
    def ref(torch, x, a0, P, **kw):
        reset = kw.get("reset", "after")
        out, X, H0, tp = _torch_seq(torch, kind, x, a0, P, reset=reset)
        G = _upstream((a0.shape[0], x.shape[1], x.shape[2]), x.dtype)
        out.backward(_T(torch, G.transpose(2, 1, 0)))
        dx = X.grad.numpy().transpose(2, 1, 0)
        da0 = H0.grad.numpy()[0].T
        n_a = a0.shape[0]
        if kind == "gru" and reset == "before":
            g = {k: v.grad.numpy() for k, v in tp.items()}
            return (dx, da0) + tuple(g[k] for k in _gru_grad_keys("before")[2:] for k in [k[1:]])
        dW = np.concatenate([tp["W_hh"].grad.numpy(), tp["W_ih"].grad.numpy()], axis=1)
        db = tp["b_ih"].grad.numpy()[:, None]
        if kind == "rnn":
            return dx, da0, dW[:, n_a:], dW[:, :n_a], db
        if kind == "lstm":
            blocks = dict(zip("ifco", range(4)))
            res = [dx, da0]
            for k in "fico":
                j = blocks[k]
                res += [dW[j * n_a:(j + 1) * n_a], db[j * n_a:(j + 1) * n_a]]
            return tuple(res)
        blocks = {"r": (0, 1), "u": (1, -1), "c": (2, 1)}  # torch z = -u
        res = [dx, da0]
        for k in "urc":
            j, s = blocks[k]
            res += [s * dW[j * n_a:(j + 1) * n_a], s * db[j * n_a:(j + 1) * n_a]]
        res.append(tp["b_hh"].grad.numpy()[2 * n_a:, None])
        return tuple(res)
    return ref


# --------------------------------------------------------------------------- bad inputs
def _errors_for(make_params):
    def errors():
        rng = np.random.default_rng(0)
        n_x, n_a, m, T = 3, 4, 2, 5
        P = make_params(rng, n_x, n_a, np.float64)
        x = rng.standard_normal((n_x, m, T))
        a0 = rng.standard_normal((n_a, m))
        yield ErrorInput((x, rng.standard_normal((n_a + 1, m)), P), exc=ValueError,
                         match=r"must have shape \(n_a=5", desc="n_a of a0 != n_a of weights")
        yield ErrorInput((x[:, :, :0], a0, P), exc=ValueError, match="at least one time step",
                         desc="T_x = 0")
        yield ErrorInput((x[:, :, 0], a0, P), exc=ValueError, match="x must be 3-dimensional",
                         desc="wrong ndim")
        yield ErrorInput((x.astype(np.int64), a0, P), exc=TypeError, match="x must be a floating",
                         desc="integer x")
        yield ErrorInput((x, a0.astype(np.int32), P), exc=TypeError,
                         match="a0 must be a floating", desc="integer a0")
        yield ErrorInput((x, a0[:, :1], P), exc=ValueError, match=r"a0 must have shape",
                         desc="m mismatch")
        bias = [k for k in P if k.startswith("b") and k != "by"][0]
        yield ErrorInput((x, a0, {k: v for k, v in P.items() if k != bias}),
                         exc=ValueError, match=f"parameters is missing '{bias}'",
                         desc="missing bias")
        yield ErrorInput((x, a0, "params"), exc=TypeError, match="parameters must be",
                         desc="not a dict")
    return errors


def _cell_errors(make_params):
    def errors():
        rng = np.random.default_rng(0)
        n_x, n_a, m = 3, 4, 2
        P = make_params(rng, n_x, n_a, np.float64)
        yield ErrorInput((rng.standard_normal((n_x, m)), rng.standard_normal((n_a + 2, m)), P),
                         exc=ValueError, match=r"must have shape \(n_a=6")
        yield ErrorInput((rng.standard_normal((n_x, m, 1)), rng.standard_normal((n_a, m)), P),
                         exc=ValueError, match="xt must be 2-dimensional")
        yield ErrorInput((np.ones((n_x, m), int), rng.standard_normal((n_a, m)), P),
                         exc=TypeError, match="xt must be a floating")
    return errors


def _lstm_cell_errors():
    rng = np.random.default_rng(0)
    n_x, n_a, m = 3, 4, 2
    P = _mk_lstm(rng, n_x, n_a, np.float64)
    xt, a = rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m))
    yield ErrorInput((xt, a, rng.standard_normal((n_a + 1, m)), P), exc=ValueError,
                     match=r"c_prev must have shape \(n_a=4")
    yield ErrorInput((xt, rng.standard_normal((n_a + 1, m)), a, P), exc=ValueError,
                     match=r"c_prev must have shape \(n_a=5")


def _lstm_fwd_op(x, a0, P):
    return rnn.lstm_forward(x, a0, P)


def _gru_cell_ref(xt, a_prev, P, reset="before"):
    a, y = np_gru_forward(xt[:, :, None], a_prev, P, reset)
    return a[:, :, 0], y[:, :, 0]


def _rnn_cell_ref(xt, a_prev, P):
    a, y = np_rnn_forward(xt[:, :, None], a_prev, P)
    return a[:, :, 0], y[:, :, 0]


def _lstm_cell_ref(xt, a_prev, c_prev, P):
    a, y, c = np_lstm_forward(xt[:, :, None], a_prev, P, c0=c_prev)
    return a[:, :, 0], c[:, :, 0], y[:, :, 0]


_RTOL = {np.float32: 2e-4, np.float64: 1e-9}
_ATOL = {np.float32: 2e-5, np.float64: 1e-11}

OPS = [
    OpInfo("rnn_forward", rnn.rnn_forward, np_rnn_forward, _seq_samples(_mk_rnn),
           _errors_for(_mk_rnn), output=lambda o: o[:2],
           gradcheck=_seq_gradcheck(rnn.rnn_forward, rnn.rnn_backward),
           torch_reference=_torch_forward("rnn"), float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("rnn_backward", rnn_grads, np_rnn_bptt, _seq_samples(_mk_rnn),
           torch_reference=_torch_grads("rnn"), float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("rnn_cell_forward", rnn.rnn_cell_forward, _rnn_cell_ref,
           _cell_samples(_seq_samples(_mk_rnn)), _cell_errors(_mk_rnn), output=lambda o: o[:2],
           gradcheck=_cell_gradcheck(rnn.rnn_cell_forward, rnn.rnn_cell_backward),
           float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("lstm_forward", _lstm_fwd_op, lambda x, a0, P: np_lstm_forward(x, a0, P),
           _seq_samples(_mk_lstm), _errors_for(_mk_lstm),
           output=lambda o: (o[0], o[1]) + (o[2],),
           gradcheck=_seq_gradcheck(_lstm_fwd_op, rnn.lstm_backward),
           float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("lstm_backward", lstm_grads, np_lstm_bptt, _seq_samples(_mk_lstm),
           torch_reference=_torch_grads("lstm"), float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("lstm_cell_forward", rnn.lstm_cell_forward, _lstm_cell_ref, _lstm_cell_samples,
           _lstm_cell_errors, output=lambda o: (o[0], o[1], o[2]),
           gradcheck=_cell_gradcheck(rnn.lstm_cell_forward, rnn.lstm_cell_backward, n_state=2),
           float_args=(0, 1, 2), rtol=_RTOL, atol=_ATOL),
    OpInfo("gru_forward", rnn.gru_forward, np_gru_forward, _seq_samples(_mk_gru),
           _errors_for(_mk_gru), output=lambda o: o[:2],
           gradcheck=_seq_gradcheck(rnn.gru_forward, rnn.gru_backward),
           torch_reference=_torch_forward("gru"), float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("gru_backward", gru_grads, np_gru_bptt, _seq_samples(_mk_gru),
           torch_reference=_torch_grads("gru"), float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
    OpInfo("gru_cell_forward", rnn.gru_cell_forward, _gru_cell_ref,
           _cell_samples(_seq_samples(_mk_gru)), _cell_errors(_mk_gru), output=lambda o: o[:2],
           gradcheck=_cell_gradcheck(rnn.gru_cell_forward, rnn.gru_cell_backward),
           float_args=(0, 1), rtol=_RTOL, atol=_ATOL),
]
