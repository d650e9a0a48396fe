"""Side-by-side cases: whole training epochs, the figure users feel.

Each case trains the same network from the same initial weights with the same
batches, loss and optimizer in dlnotes and in PyTorch; one call is one epoch
(the models keep training from call to call, as in a real run).  Agreement:
the mean training loss of the first epoch, within ``rtol`` (float32 Adam over
a hundred steps in two libraries drifts apart in the low digits, so the
tolerance is loose; the full-batch float64 network must agree closely).

* ``LeNet-5 epoch``: MNIST-5k (4,000 training images, 32x32x1), batch 32,
  Adam 2e-3, the network of :func:`dlnotes.models.lenet.lenet5` (ReLU,
  average pooling); PyTorch in channels-last.
* ``char-LSTM LM epoch``: the 1,500 generated names of
  :func:`dlnotes.models.char_lm.synthetic_names` cut into windows of 25
  characters, batch 32, LSTM ``n_a = 64`` plus a time-distributed softmax
  layer, gradients clipped to global norm 5, Adam 1e-2 (the defaults of
  ``train_char_lm``).
* ``digits dense epoch``: the CLI's ``dense`` model, 64-64-32-10 with ReLU
  and a softmax output on scikit-learn's digits (1,437 training images),
  float64, full-batch gradient descent with learning rate 0.5 (one epoch is
  one step).
"""
import numpy as np

LENET_BATCH = 32
LM_SEQ, LM_BATCH, LM_HIDDEN = 25, 32, 64


def _lenet_case(torch):
    from dlnotes.datasets.digits import one_hot
    from dlnotes.models.lenet import _make_adam, lenet5, load_lenet_data
    from dlnotes.nn.losses import softmax_cross_entropy_with_logits

    Xtr, _, ytr, _ = load_lenet_data("mnist", 0.2, seed=0)
    m = Xtr.shape[0]
    Ytr = one_hot(ytr, 10, dtype=np.float32)
    perm = np.random.default_rng(0).permutation(m)
    batches = [perm[i:i + LENET_BATCH] for i in range(0, m, LENET_BATCH)]
    net = lenet5(rng=np.random.default_rng(0))
    opt = _make_adam(net, 2e-3)
    opt.set_epoch(1)

    def dl():
        total = 0.0
        for idx in batches:
            cost, dZ = softmax_cross_entropy_with_logits(net.forward(Xtr[idx]), Ytr[:, idx])
            net.backward(dZ)
            opt.step(net.grads)
            total += cost
        return np.array([total / len(batches)])

    th = None
    if torch is not None:
        from lenet_vs_torch import torch_lenet

        tnet = torch_lenet(torch)
        with torch.no_grad():
            convs = [lay for lay in net.layers() if type(lay).__name__ == "Conv2D"]
            dense = [lay for lay in net.layers() if type(lay).__name__ == "Dense"]
            tconv = [mod for mod in tnet if isinstance(mod, torch.nn.Conv2d)]
            tlin = [mod for mod in tnet if isinstance(mod, torch.nn.Linear)]
            for lay, mod in zip(convs, tconv):
                mod.weight.copy_(torch.from_numpy(lay.params["W"].transpose(3, 2, 0, 1).copy()))
                mod.bias.copy_(torch.from_numpy(lay.params["b"].ravel().copy()))
            for k, (lay, mod) in enumerate(zip(dense, tlin)):
                W = lay.params["W"]
                if k == 0:  # dlnotes flattens (h, w, c), PyTorch (c, h, w)
                    W = W.reshape(-1, 5, 5, 16).transpose(0, 3, 1, 2).reshape(W.shape[0], -1)
                mod.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
                mod.bias.copy_(torch.from_numpy(lay.params["b"].ravel().copy()))
        tnet = tnet.to(memory_format=torch.channels_last)
        topt = torch.optim.Adam(tnet.parameters(), lr=2e-3)
        tX = torch.from_numpy(Xtr).permute(0, 3, 1, 2)  # NHWC memory = channels-last
        ty = torch.from_numpy(ytr.astype(np.int64))
        tbatches = [torch.from_numpy(b) for b in batches]
        lossf = torch.nn.CrossEntropyLoss()

        def th():
            total = 0.0
            for idx in tbatches:
                topt.zero_grad(set_to_none=True)
                loss = lossf(tnet(tX[idx]), ty[idx])
                loss.backward()
                topt.step()
                total += float(loss.detach())
            return np.array([total / len(tbatches)])

    return {"name": f"LeNet-5 epoch, MNIST-5k, batch {LENET_BATCH}, Adam", "flops": None,
            "rtol": 0.05, "impls": {"dlnotes": dl, "numpy": None, "torch": th}}


def _char_lm_case(torch):
    from dlnotes import rnn as F
    from dlnotes.models.char_lm import CharLanguageModel, synthetic_names
    from dlnotes.optim import Adam

    text = "\n".join(synthetic_names())
    chars = sorted(set(text))
    model = CharLanguageModel(chars, cell="lstm", n_a=LM_HIDDEN, seed=0, dtype=np.float32)
    ids = model.encode(text)
    n_win = (len(ids) - 1) // LM_SEQ
    starts = np.random.default_rng(0).permutation(n_win) * LM_SEQ
    offsets = np.arange(LM_SEQ + 1)
    windows = [ids[starts[i:i + LM_BATCH, None] + offsets]
               for i in range(0, n_win - LM_BATCH + 1, LM_BATCH)]
    opt = Adam(learning_rate=1e-2)
    params = model.params()

    def dl():
        total = 0.0
        for w in windows:
            total += model.loss_and_grads(w[:, :-1], w[:, 1:])
            grads, _ = F.clip_by_global_norm(model.grads(), 5.0)
            opt.step(params, grads)
        return np.array([total / len(windows)])

    th = None
    if torch is not None:
        V, n_a = len(chars), LM_HIDDEN
        lstm = torch.nn.LSTM(V, n_a)  # time-major (T, m, V)
        out = torch.nn.Linear(n_a, V)
        P = model.recurrent.params
        with torch.no_grad():  # PyTorch's gate order: i, f, g (= c), o
            W = np.vstack([P["Wi"], P["Wf"], P["Wc"], P["Wo"]])
            lstm.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(W[:, :n_a])))
            lstm.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(W[:, n_a:])))
            lstm.bias_ih_l0.copy_(torch.from_numpy(
                np.vstack([P["bi"], P["bf"], P["bc"], P["bo"]]).ravel()))
            lstm.bias_hh_l0.zero_()
            out.weight.copy_(torch.from_numpy(model.output.params["W"].copy()))
            out.bias.copy_(torch.from_numpy(model.output.params["b"].ravel().copy()))
        lstm.bias_hh_l0.requires_grad_(False)  # one bias per gate, as in the notes
        tparams = [p for p in list(lstm.parameters()) + list(out.parameters()) if p.requires_grad]
        topt = torch.optim.Adam(tparams, lr=1e-2)
        eye = torch.eye(V)
        tw = [torch.from_numpy(w.astype(np.int64)) for w in windows]
        lossf = torch.nn.CrossEntropyLoss()

        def th():
            total = 0.0
            for w in tw:
                topt.zero_grad(set_to_none=True)
                x = eye[w[:, :-1].T]  # (T, m, V) one-hot
                h, _ = lstm(x)
                loss = lossf(out(h).reshape(-1, V), w[:, 1:].T.reshape(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(tparams, 5.0)
                topt.step()
                total += float(loss.detach())
            return np.array([total / len(tw)])

    return {"name": f"char-LSTM LM epoch, n_a={LM_HIDDEN}, T={LM_SEQ}, batch {LM_BATCH}, Adam",
            "flops": None, "rtol": 0.02, "impls": {"dlnotes": dl, "numpy": None, "torch": th}}


def _dense_case(torch):
    from dlnotes.datasets.digits import load_digits, one_hot, train_test_split
    from dlnotes.nn.deep import (L_model_backward, L_model_forward, compute_cost,
                                 initialize_parameters_deep, update_parameters)

    X, y = load_digits(dtype=np.float64)
    Xtr, _, ytr, _ = train_test_split(X, y, 0.2, seed=0)
    Ytr = one_hot(ytr, 10, np.float64)
    dims = [X.shape[0], 64, 32, 10]
    state = {"p": initialize_parameters_deep(dims, rng=np.random.default_rng(0))}
    init = {k: v.copy() for k, v in state["p"].items()}

    def dl():
        AL, caches = L_model_forward(Xtr, state["p"], "relu", "softmax")
        cost = compute_cost(AL, Ytr, "softmax")
        state["p"] = update_parameters(state["p"], L_model_backward(AL, Ytr, caches), 0.5)
        return np.array([cost])

    th = None
    if torch is not None:
        layers = []
        for i in range(1, len(dims)):
            lin = torch.nn.Linear(dims[i - 1], dims[i]).double()
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(init[f"W{i}"]))
                lin.bias.copy_(torch.from_numpy(init[f"b{i}"].ravel()))
            layers += [lin, torch.nn.ReLU()]
        tnet = torch.nn.Sequential(*layers[:-1])
        topt = torch.optim.SGD(tnet.parameters(), lr=0.5)
        tX = torch.from_numpy(np.ascontiguousarray(Xtr.T))
        ty = torch.from_numpy(ytr.astype(np.int64))
        lossf = torch.nn.CrossEntropyLoss()

        def th():
            topt.zero_grad(set_to_none=True)
            loss = lossf(tnet(tX), ty)
            loss.backward()
            topt.step()
            return np.array([float(loss.detach())])

    return {"name": "digits dense epoch, 64-64-32-10, full batch, gradient descent",
            "flops": None, "rtol": 1e-6, "dtype": "float64", "impls": {"dlnotes": dl, "numpy": None, "torch": th}}


def cases(dtype, torch):
    """All three epochs in the float32 pass (the dense network runs in float64, as the CLI's)."""
    if dtype != "float32":
        return []
    return [_lenet_case(torch), _char_lm_case(torch), _dense_case(torch)]
