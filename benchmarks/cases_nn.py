"""Side-by-side cases of the topic ``nn`` (:mod:`dlnotes.nn`), forward + backward.

Element-wise activations
------------------------
dlnotes: ``A = g(Z)`` then ``dZ = g_backward(dA, Z)`` (the compiled kernels of
``dlnotes._kernels.activations``).  PyTorch: ``torch.sigmoid`` / ``tanh`` /
``relu`` and autograd's ``A.backward(dA)``.  NumPy: the notes' formulas,
vectorized.  Every implementation returns ``(A, dZ)``.

The element-wise kernels are memory-bound, so no flop count is given.

The deep dense network
----------------------
dlnotes: the course API of ``dlnotes.nn.deep`` (``L_model_forward`` with ReLU
hidden layers and a softmax output, then ``L_model_backward`` from the
one-hot labels), examples in columns ``X (n_x, m)``.  PyTorch: the equivalent
``nn.Sequential(Linear, ReLU, ..., Linear)`` with ``F.cross_entropy`` (mean
over the batch) on the row layout ``X.T (m, n_x)``, which is torch's fast
one.  NumPy: the same network written out with ``@``.

Every implementation returns ``(AL, dW1..dWL, db1..dbL)`` in dlnotes' layout
(``AL (n_L, m)``, ``dW (n_l, n_{l-1})``, ``db (n_l, 1)``) for the gradient of
the mean cross-entropy.  Flops count the GEMMs a minimal implementation needs:
the forward products, ``dW`` of every layer and ``dA`` of layers 2..L
(``L_model_backward`` also returns ``dA0``, which costs one more product).
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


def _act_dlnotes(forward, backward, Z, dA):
    def run():
        return forward(Z), backward(dA, Z)
    return run


def _act_torch(torch, fn, Z, dA):
    z = torch.from_numpy(Z.copy())
    da = torch.from_numpy(dA.copy())

    def run():
        zz = z.detach().requires_grad_(True)
        a = fn(zz)
        a.backward(da)
        return a.detach().numpy(), zz.grad.numpy()
    return run


def _activation_cases(dtype, torch):
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
                    "dlnotes": _act_dlnotes(fwd, bwd, Z, dA),
                    "numpy": (lambda f=NUMPY[name], Z=Z, dA=dA: f(Z, dA)),
                    "torch": (_act_torch(torch, getattr(torch, name), Z, dA)
                              if torch is not None else None),
                },
            })
    return out


NETWORKS = [
    # (label, layer dims, batch m): the digits network of the course's chapter
    # on the 1797 real digits, and a wider MNIST-sized one (GEMM-bound).
    ("digits 64-128-64-10", [64, 128, 64, 10], None),
    ("dense 784-256-128-10 m=1024", [784, 256, 128, 10], 1024),
]


def _digits(dtype):
    from sklearn.datasets import load_digits

    d = load_digits()
    X = np.ascontiguousarray((d.data / 16.0).T, dtype=dtype)
    Y = np.zeros((10, X.shape[1]), dtype=dtype)
    Y[d.target, np.arange(X.shape[1])] = 1
    return X, Y


def _synthetic(n_x, n_y, m, dtype):
    rng = np.random.default_rng(11)
    X = rng.random((n_x, m)).astype(dtype)
    Y = np.zeros((n_y, m), dtype=dtype)
    Y[rng.integers(0, n_y, m), np.arange(m)] = 1
    return X, Y


def _flops(dims, m):
    mult = sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    # forward W@A, backward dW and dA_prev for every layer (the course's
    # L_model_backward returns dA0, the input gradient, so the peers compute it too)
    return 2.0 * m * 3 * mult


def _dense_dlnotes(deep, X, Y, params):
    L = len(params) // 2

    def run():
        AL, caches = deep.L_model_forward(X, params, hidden_activation="relu",
                                          output_activation="softmax")
        grads = deep.L_model_backward(AL, Y, caches)
        # the course's dA0 is the gradient of the summed loss (dA_prev = W^T dZ, no 1/m);
        # the peers' is the mean loss's: scaled here, the extra pass timed against dlnotes
        return ((AL, grads["dA0"] / X.shape[1]) + tuple(grads[f"dW{l}"] for l in range(1, L + 1))
                + tuple(grads[f"db{l}"] for l in range(1, L + 1)))
    return run


def _dense_numpy(X, Y, params):
    L = len(params) // 2
    Ws = [params[f"W{l}"] for l in range(1, L + 1)]
    bs = [params[f"b{l}"] for l in range(1, L + 1)]
    m = X.shape[1]

    def run():
        As, Zs = [X], []
        for l in range(L):
            Z = Ws[l] @ As[-1] + bs[l]
            Zs.append(Z)
            if l < L - 1:
                As.append(np.maximum(Z, 0))
            else:
                E = np.exp(Z - Z.max(axis=0, keepdims=True))
                As.append(E / E.sum(axis=0, keepdims=True))
        dZ = (As[-1] - Y) / m
        dWs, dbs = [None] * L, [None] * L
        for l in range(L - 1, -1, -1):
            dWs[l] = dZ @ As[l].T
            dbs[l] = dZ.sum(axis=1, keepdims=True)
            dA = Ws[l].T @ dZ
            if l > 0:
                dZ = dA * (Zs[l - 1] > 0)
        return (As[-1], dA) + tuple(dWs) + tuple(dbs)
    return run


def _dense_torch(torch, X, Y, params):
    nn, F = torch.nn, torch.nn.functional
    L = len(params) // 2
    dtype = getattr(torch, X.dtype.name)
    layers = []
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        lin = nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(params[f"b{l}"].ravel()))
        layers += [lin, nn.ReLU()] if l < L else [lin]
    model = nn.Sequential(*layers)
    linears = [mod for mod in model if isinstance(mod, nn.Linear)]
    # requires_grad: the course's L_model_backward returns dA0, so PyTorch computes it too
    x = torch.from_numpy(np.ascontiguousarray(X.T)).requires_grad_(True)
    labels = torch.from_numpy(Y.argmax(axis=0).astype(np.int64))

    def run():
        model.zero_grad(set_to_none=True)
        x.grad = None
        Z = model(x)
        F.cross_entropy(Z, labels).backward()
        AL = torch.softmax(Z.detach(), dim=1)
        return ((AL.numpy().T, x.grad.numpy().T) + tuple(lin.weight.grad.numpy() for lin in linears)
                + tuple(lin.bias.grad.numpy().reshape(-1, 1) for lin in linears))
    return run


def _dense_cases(dtype, torch):
    from dlnotes.nn import deep

    out = []
    for label, dims, m in NETWORKS:
        X, Y = _digits(dtype) if m is None else _synthetic(dims[0], dims[-1], m, dtype)
        params = deep.initialize_parameters_deep(dims, seed=5, dtype=dtype)
        out.append({
            "name": label,
            "flops": _flops(dims, X.shape[1]),
            "impls": {
                "dlnotes": _dense_dlnotes(deep, X, Y, params),
                "numpy": _dense_numpy(X, Y, params),
                "torch": _dense_torch(torch, X, Y, params) if torch is not None else None,
            },
        })
    return out


def cases(dtype, torch):
    return _activation_cases(dtype, torch) + _dense_cases(dtype, torch)
