"""Batch norm, the graph model, the course's ResNet/inception blocks and the classic CNNs.

Gradient checks run in float64 (relative difference < 1e-7); PyTorch (float32,
relative error of the whole tensor < 1e-5) checks batch norm, a bottleneck block
and an inception module, training and eval modes.  The ImageNet models are built
with ``init="zeros"`` (no random draws) to check their parameter counts; their
forward and backward passes at 224/299 are in ``benchmarks/classic_cnns.py``.
"""
import numpy as np
import pytest

from dlnotes import layers as L
from dlnotes.cnn import architectures as arch
from dlnotes.models import classic as C
from dlnotes.nn.gradcheck import numerical_gradient, relative_difference
from dlnotes.nn.normalization import batchnorm_backward, batchnorm_forward


# ------------------------------------------------------------------------ helpers
def graph_gradient_check(net, X, rng, training=True, tol=1e-7):
    """Centred differences of J = sum(G * net(X)) for X and every parameter."""
    Y = net.forward(X, training=training)
    G = rng.standard_normal(Y.shape)
    dX = net.backward(G)
    grads = dict(net.named_gradients())

    def J():
        return float(np.sum(G * net.forward(X, training=training)))

    worst = {}
    for name, p in net.named_parameters():
        num = numerical_gradient(J, p)
        if np.linalg.norm(grads[name]) < 1e-12:
            # a bias right before batch norm: BN subtracts the batch mean, so its gradient
            # is exactly 0 (analytically ~1e-16); the centred difference then measures only
            # its own rounding noise (~1e-8 for J of order 10), and a relative difference of
            # two zeros means nothing: check it absolutely
            worst[name] = float(np.abs(num).max())
            assert worst[name] < 1e-6, name
            continue
        worst[name] = relative_difference(grads[name], num)
        assert worst[name] < tol, f"d{name}: {worst[name]:.2e}"
    diff = relative_difference(dX, numerical_gradient(J, X))
    assert diff < tol, f"dX: {diff:.2e}"
    return worst


def notes_batchnorm(Z, gamma, beta, eps, axis):
    """The notes' formulas, one feature at a time."""
    Z = np.moveaxis(Z, axis, -1)
    out = np.empty_like(Z)
    for k in range(Z.shape[-1]):
        z = Z[..., k]
        mu = z.sum() / z.size
        var = ((z - mu) ** 2).sum() / z.size
        out[..., k] = gamma[k] * (z - mu) / np.sqrt(var + eps) + beta[k]
    return np.moveaxis(out, -1, axis)


# ------------------------------------------------------------------------ batch norm
@pytest.mark.parametrize("shape,axis", [((3, 4, 5, 2), -1), ((4, 6), 0), ((1, 2, 3, 3), 3)])
def test_batchnorm_forward_matches_the_notes_formula(shape, axis):
    rng = np.random.default_rng(0)
    Z = rng.standard_normal(shape) * 3 + 1
    n = shape[axis]
    gamma, beta = rng.standard_normal(n), rng.standard_normal(n)
    Y, cache = batchnorm_forward(Z, gamma, beta, axis=axis, eps=1e-3)
    np.testing.assert_allclose(Y, notes_batchnorm(Z, gamma, beta, 1e-3, axis), rtol=1e-12,
                               atol=1e-12)
    assert cache[-2].shape == (n,) and cache[-1].shape == (n,)


@pytest.mark.parametrize("inference", [False, True], ids=["training", "inference"])
@pytest.mark.parametrize("shape,axis", [((3, 4, 5, 2), -1), ((4, 6), 0)], ids=["images", "dense"])
def test_batchnorm_gradient_check(shape, axis, inference):
    rng = np.random.default_rng(1)
    Z = rng.standard_normal(shape)
    n = shape[axis]
    params = {"gamma": rng.standard_normal(n), "beta": rng.standard_normal(n)}
    stats = ({"mean": rng.standard_normal(n), "var": rng.uniform(0.5, 2, n)} if inference
             else {})
    G = rng.standard_normal(shape)
    _, cache = batchnorm_forward(Z, params["gamma"], params["beta"], axis, 1e-3, **stats)
    dZ, dgamma, dbeta = batchnorm_backward(G, cache)

    def J():
        return float(np.sum(G * batchnorm_forward(Z, params["gamma"], params["beta"], axis,
                                                  1e-3, **stats)[0]))

    for got, arr in ((dZ, Z), (dgamma, params["gamma"]), (dbeta, params["beta"])):
        assert relative_difference(got, numerical_gradient(J, arr)) < 1e-7


def test_batchnorm_layer_running_statistics_and_modes():
    rng = np.random.default_rng(2)
    bn = L.BatchNorm(3, momentum=0.8)
    X = rng.standard_normal((4, 5, 5, 3)) * 2 + 3
    bn.forward(X)
    mu, var = X.mean(axis=(0, 1, 2)), X.var(axis=(0, 1, 2))
    buf = dict(bn.named_buffers())
    np.testing.assert_allclose(buf["running_mean"], 0.2 * mu)
    np.testing.assert_allclose(buf["running_var"], 0.8 + 0.2 * var)
    before = {k: v.copy() for k, v in buf.items()}
    Y = bn.forward(X, training=False)  # inference: running statistics, no update
    np.testing.assert_allclose(Y, (X - before["running_mean"])
                               / np.sqrt(before["running_var"] + 1e-3))
    assert all(np.array_equal(before[k], v) for k, v in bn.named_buffers())
    # frozen statistics: training mode normalises with the running ones and leaves them
    frozen = L.BatchNorm(3, freeze_statistics=True)
    for (_, dst), (_, src) in zip(frozen.named_buffers(), bn.named_buffers()):
        np.copyto(dst, src)
    np.testing.assert_allclose(frozen.forward(X, training=True), Y)
    assert all(np.array_equal(before[k], v) for k, v in frozen.named_buffers())
    frozen.backward(np.ones_like(Y))
    assert set(frozen.grads) == {"gamma", "beta"}
    assert bn.count_params() == 12 and bn.parameter_count() == 6


def test_batchnorm_bad_inputs():
    bn = L.BatchNorm(3)
    with pytest.raises(ValueError, match=r"\(m, n_H, n_W, 3\).*\(2, 4, 4, 2\)"):
        bn.forward(np.zeros((2, 4, 4, 2)))
    with pytest.raises(ValueError, match="images .* or dense columns"):
        bn.forward(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="momentum"):
        L.BatchNorm(3, momentum=1.0)
    with pytest.raises(ValueError, match="gamma must have shape"):
        batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(2), axis=0)
    with pytest.raises(ValueError, match="both mean and var"):
        batchnorm_forward(np.zeros((2, 3)), np.ones(2), np.zeros(2), axis=0, mean=np.zeros(2))


# ------------------------------------------------------------------------ merges, graph errors
def test_add_and_concatenate_name_both_inputs_and_shapes():
    x = L.Input((4, 4, 3), name="x")
    y = L.Conv2D(3, 5, 3, pad="same", seed=0)(x)
    with pytest.raises(ValueError, match=r"inputs\[0\] has shape \(m, 4, 4, 5\) but inputs\[1\] "
                                         r"has shape \(m, 4, 4, 3\)") as err:
        L.Add()([y, x])
    assert "Conv2D_" in str(err.value) and "x (None, 4, 4, 3)" in str(err.value)
    with pytest.raises(ValueError, match=r"inputs\[0\] has shape \(m, 4, 4, 5\) but inputs\[1\] "
                                         r"has shape \(m, 2, 2, 3\)"):
        L.Concatenate()([y, L.MaxPool2D(2)(x)])
    a, b = np.zeros((2, 4, 4, 5)), np.zeros((2, 4, 4, 3))
    with pytest.raises(ValueError, match=r"inputs\[0\] has shape \(2, 4, 4, 5\) but inputs\[1\] "
                                         r"has shape \(2, 4, 4, 3\)"):
        L.Add().forward([a, b])
    with pytest.raises(ValueError, match=r"inputs\[1\] has shape \(2, 3, 4, 3\)"):
        L.Concatenate().forward([a, np.zeros((2, 3, 4, 3))])
    with pytest.raises(TypeError, match="list of at least two"):
        L.Add().forward(a)


def test_graph_refuses_cycles_disconnected_outputs_unused_inputs_and_shared_layers():
    x = L.Input((3,))
    h = L.Dense(3, 3, seed=0)(x)
    y = L.Dense(3, 2, seed=1)(h)
    # a cycle: make the first layer's node read the second one's output
    h.node.inputs[0] = y
    with pytest.raises(ValueError, match="cycle"):
        L.Graph(x, y)
    other = L.Input((3,), name="other")
    with pytest.raises(ValueError, match=r"depends on other .* not among the graph's inputs: "
                                         "the graph is disconnected"):
        L.Graph(x, L.Dense(3, 2, seed=2)(other))
    x2 = L.Input((3,))
    with pytest.raises(ValueError, match=r"inputs \[1\] are not connected"):
        L.Graph([x, x2], L.Dense(3, 2, seed=3)(x))
    shared = L.Dense(3, 3, seed=4)
    with pytest.raises(ValueError, match="called twice"):
        L.Graph(x2, shared(shared(x2)))
    with pytest.raises(TypeError, match="must be a symbolic tensor"):
        L.Graph(x2, np.zeros(3))
    with pytest.raises(ValueError, match=r"expects columns of shape \(4, m\)"):
        L.Dense(4, 2)(x2)


def test_fan_out_gradients_are_summed():
    rng = np.random.default_rng(3)
    x = L.Input((4,))
    a, b = L.Dense(4, 3, seed=0), L.Dense(4, 3, seed=1)
    net = L.Graph(x, L.Add()([a(x), b(x)]))
    X, G = rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    net.forward(X)
    dX = net.backward(G)
    np.testing.assert_allclose(dX, a.params["W"].T @ G + b.params["W"].T @ G)


def test_graph_model_trains_saves_and_loads(tmp_path):
    from dlnotes.models.model import Model

    rng = np.random.default_rng(4)
    x = L.Input((6, 6, 1))
    y = C.identity_block(L.Conv2D(1, 4, 3, pad="same", seed=0)(x), 3, [2, 2, 4],
                         rng=np.random.default_rng(1))
    net = Model(L.Graph(x, L.Dense(4, 2, seed=2)(L.GlobalAveragePooling2D()(y))),
                batch_axis=0)
    X = rng.standard_normal((16, 6, 6, 1))
    Y = np.eye(2)[:, (X.mean(axis=(1, 2, 3)) > 0).astype(int)]
    h = net.fit(X, Y, epochs=3, batch_size=8, seed=0, progress=False)
    assert h["loss"][-1] < h["loss"][0]
    path = net.save(tmp_path / "g.npz")
    back = Model.load(path)
    assert [n for n, _ in back.network.named_parameters()] == \
        [n for n, _ in net.network.named_parameters()]
    for (_, p), (_, q) in zip(net.network.named_buffers(), back.network.named_buffers()):
        np.testing.assert_array_equal(p, q)   # running statistics are saved too
    np.testing.assert_allclose(back.predict(X), net.predict(X))


# ------------------------------------------------------------------------ blocks (float64)
def _block_graph(make, shape, seed=0):
    x = L.Input(shape)
    return L.Graph(x, make(x, np.random.default_rng(seed)))


@pytest.mark.parametrize("name,make,shape", [
    ("identity_block", lambda x, r: C.identity_block(x, 3, [2, 3, 3], rng=r), (3, 4, 3)),
    ("convolutional_block", lambda x, r: C.convolutional_block(x, 3, [2, 2, 3], s=2, rng=r),
     (4, 5, 2)),
    ("inception_module", lambda x, r: C.inception_module(x, 2, 2, 3, 1, 2, 2, rng=r),
     (4, 3, 2)),
])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_block_gradient_check_float64(name, make, shape, training):
    net = _block_graph(make, shape)
    rng = np.random.default_rng(5)
    for _, buf in net.named_buffers():   # eval mode: non-trivial running statistics
        buf[:] = rng.uniform(0.5, 1.5, buf.shape)
    graph_gradient_check(net, rng.standard_normal((2,) + shape), rng, training=training)


def test_blocks_shapes_and_bad_filters():
    x = L.Input((56, 56, 256))
    assert C.identity_block(x, 3, [64, 64, 256]).shape == (None, 56, 56, 256)
    assert C.convolutional_block(x, 3, [128, 128, 512], s=2).shape == (None, 28, 28, 512)
    assert C.inception_module(L.Input((28, 28, 192))).shape == (None, 28, 28, 256)
    with pytest.raises(ValueError, match="must equal F3 = 128"):
        C.identity_block(x, 3, [64, 64, 128])
    with pytest.raises(ValueError, match="list of 3 channel counts"):
        C.convolutional_block(x, 3, [64, 64])


# ------------------------------------------------------------------------ ImageNet models
@pytest.mark.parametrize("build,total,trainable,out", [
    (C.alexnet, 62_378_344, 62_378_344, (1000, None)),
    (C.vgg16, 138_357_544, 138_357_544, (1000, None)),
    (C.resnet50, 25_636_712, 25_583_592, (1000, None)),
    (C.inception_v3, 23_851_784, 23_817_352, (1000, None)),
], ids=["alexnet", "vgg16", "resnet50", "inception_v3"])
def test_imagenet_parameter_counts(build, total, trainable, out):
    model = build(init="zeros")   # no random draws; nothing runs
    net = model.network
    assert net.count_params() == total
    assert sum(p.size for _, p in net.named_parameters(trainable_only=True)) == trainable
    assert net.outputs[0].shape == out
    # the same count as the docs' shape arithmetic (dlnotes.cnn.architectures)
    with pytest.warns(DeprecationWarning):   # the table builders are deprecated
        assert getattr(arch, build.__name__)().total_params == total
    text = net.summary()
    assert f"Total params: {total:,}" in text and f"Trainable params: {trainable:,}" in text


def test_resnet50_shape_chain_matches_the_shape_arithmetic():
    net = C.resnet50(init="zeros", include_top=False).network
    assert net.outputs[0].shape == (None, 7, 7, 2048) and net.count_params() == 23_587_712
    adds = [n.output.shape[1:] for n in net._nodes if isinstance(n.layer, L.Add)]
    with pytest.warns(DeprecationWarning):
        assert adds == [s for s in arch.resnet50(include_top=False).shapes("add")]
    assert C.inception_v3(init="zeros", include_top=False).network.outputs[0].shape == \
        (None, 8, 8, 2048)


def test_small_resnet_runs_and_differs_from_plain_only_by_shortcuts():
    res, plain = C.small_resnet(seed=0), C.plain_cnn(seed=0)
    n_add = sum(isinstance(n.layer, L.Add) for n in res.network._nodes)
    assert n_add == 3 and not any(isinstance(n.layer, L.Add) for n in plain.network._nodes)
    # same depth: as many 3x3 convolutions in both
    conv3 = [sum(isinstance(n.layer, L.Conv2D) and n.layer.params["W"].shape[0] == 3
                 for n in m.network._nodes) for m in (res, plain)]
    assert conv3[0] == conv3[1] == 7
    X = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    assert res.predict(X).shape == (10, 2)


def test_random_shifts():
    X = np.zeros((50, 6, 6, 1))
    X[:, 2, 3, 0] = 1
    Y = C.random_shifts(X, 2, rng=np.random.default_rng(0))
    assert Y.shape == X.shape and np.all(Y.sum(axis=(1, 2, 3)) == 1)
    pos = np.argwhere(Y[..., 0] == 1)[:, 1:]
    assert np.all(np.abs(pos - [2, 3]) <= 2) and len({tuple(p) for p in pos}) > 5


def test_train_resnet_validation_split_leaves_the_test_digits_alone():
    r = C.train_resnet(epochs=1, n_train=64, validation=40, batch_size=32)
    assert r["test_accuracy"] is None
    acc = r["validation_accuracy"]
    assert 0 <= acc <= 100 and abs(acc * 40 / 100 - round(acc * 40 / 100)) < 1e-9
    assert len(r["history"]["lr"]) == 1 and r["history"]["lr"][0] == 3e-3   # cosine: epoch 1
    with pytest.raises(ValueError, match="validation"):
        C.train_resnet(epochs=1, validation=4000)


def test_small_resnet_dropout_before_the_classifier():
    from dlnotes.models import small_resnet as S

    net = C.small_resnet(dropout=0.5, seed=0)
    drops = [n.layer for n in net.network._nodes if isinstance(n.layer, L.Dropout)]
    assert len(drops) == 1 and drops[0].keep_prob == 0.5
    assert net.count_params() == C.small_resnet(seed=0).count_params()   # no parameters
    assert not any(isinstance(n.layer, L.Dropout) for n in C.plain_cnn(seed=0).network._nodes)
    X = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(net.predict(X), net.predict(X))    # inference: no dropout
    Z1, Z2 = (net.network.forward(X, training=True) for _ in range(2))
    assert not np.allclose(Z1, Z2)                                    # training: random masks
    with pytest.raises(ValueError, match="dropout"):
        C.plain_cnn(dropout=1.0)
    # the recipe's pieces: smoothed one-hot targets and the affine augmentation's ranges
    y = np.array([2, 0, 1, 2])
    eps = 0.1
    ref = np.full((3, 4), eps / 3)
    ref[y, np.arange(4)] += 1 - eps
    T = S._targets(y, 3, eps, np.float32)
    np.testing.assert_allclose(T, ref, rtol=1e-6)
    np.testing.assert_allclose(T.sum(axis=0), 1, rtol=1e-6)
    aug = S._augmentation((28, 28), 10, 3, 0.1, 8)
    cfg = aug.transforms[0]._config()
    assert cfg["scale"] == (0.9, 1.1) and cfg["shear"] == (-8.0, 8.0)
    assert cfg["rotation"] == (-10.0, 10.0) and cfg["translate"] == (3 / 28, 3 / 28)
    assert S._augmentation((28, 28), 0, 0, 0, 0) is None
    for bad in ({"label_smoothing": 1.0}, {"scale": -0.1}, {"shear": 90}, {"dropout": -0.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            C.train_resnet(epochs=1, n_train=8, **bad)


def test_train_resnet_label_smoothing_is_the_loss_against_smoothed_targets():
    """One epoch of one batch without augmentation: the reported training loss is the initial
    network's cross-entropy on those 32 digits against the smoothed targets (a NumPy
    reference)."""
    from dlnotes.datasets.digits import train_test_split
    from dlnotes.datasets.mnist import load_mnist_5k

    kw = dict(epochs=1, n_train=32, batch_size=32, validation=40, max_shift=0, rotation=0,
              scale=0, shear=0, widths=(8, 8, 8))
    r0, r1 = C.train_resnet(label_smoothing=0, **kw), C.train_resnet(label_smoothing=0.2, **kw)
    X, y = load_mnist_5k(pad_to=28, dtype=np.float32)
    Xtr, _, ytr, _ = train_test_split(X, y, 0.2, seed=0, batch_axis=0)
    Z = C.small_resnet(widths=(8, 8, 8), seed=0).network.forward(Xtr[:32], training=True)
    Z = Z.astype(np.float64)
    logp = Z - Z.max(axis=0) - np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))
    onehot = np.eye(10)[:, ytr[:32]]
    ref = {eps: -np.sum(((1 - eps) * onehot + eps / 10) * logp) / 32 for eps in (0.0, 0.2)}
    assert abs(ref[0.2] - ref[0.0]) > 1e-3 * ref[0.0]     # the check below can tell them apart
    for r, eps in ((r0, 0.0), (r1, 0.2)):
        assert abs(r["history"]["loss"][0] - ref[eps]) < 1e-4 * ref[eps]


# ------------------------------------------------------------------------ PyTorch (float32)
def rel_err(a, b):
    """Relative error of a whole tensor, ||a - b|| / ||b||."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def _nchw(torch, X):
    return torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2))).requires_grad_(True)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batchnorm2d_equals_pytorch(training):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    m, C_ = 4, 5
    X = (rng.standard_normal((m, 6, 7, C_)) * 2 + 1).astype(np.float32)
    G = rng.standard_normal(X.shape).astype(np.float32)
    ours = L.BatchNorm(C_, momentum=0.9, eps=1e-3, dtype=np.float32)
    ref = torch.nn.BatchNorm2d(C_, eps=1e-3, momentum=0.1)  # PyTorch's momentum = 1 - ours
    gamma, beta = rng.standard_normal(C_).astype(np.float32), rng.standard_normal(C_)
    mean, var = rng.standard_normal(C_), rng.uniform(0.5, 2, C_)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(gamma))
        ref.bias.copy_(torch.from_numpy(beta.astype(np.float32)))
        ref.running_mean.copy_(torch.from_numpy(mean.astype(np.float32)))
        ref.running_var.copy_(torch.from_numpy(var.astype(np.float32)))
    np.copyto(ours.params["gamma"], gamma)
    np.copyto(ours.params["beta"], beta)
    np.copyto(ours._buffers["running_mean"], mean)
    np.copyto(ours._buffers["running_var"], var)
    ref.train(training)
    Xt = _nchw(torch, X)
    Yt = ref(Xt)
    Yt.backward(torch.from_numpy(np.ascontiguousarray(G.transpose(0, 3, 1, 2))))
    Y = ours.forward(X, training=training)
    dX = ours.backward(G)
    assert Y.dtype == dX.dtype == np.float32
    assert rel_err(Y, Yt.detach().permute(0, 2, 3, 1).numpy()) < 1e-5
    assert rel_err(dX, Xt.grad.permute(0, 2, 3, 1).numpy()) < 1e-5
    assert rel_err(ours.grads["gamma"], ref.weight.grad.numpy()) < 1e-5
    assert rel_err(ours.grads["beta"], ref.bias.grad.numpy()) < 1e-5
    assert rel_err(ours._buffers["running_mean"], ref.running_mean.numpy()) < 1e-5
    rv = ref.running_var.numpy().astype(np.float64)
    if training:  # PyTorch averages the unbiased batch variance, this layer the biased one
        N = m * 6 * 7
        rv = 0.9 * var + (rv - 0.9 * var) * (N - 1) / N
    assert rel_err(ours._buffers["running_var"], rv) < 1e-5


def torch_forward_backward(torch, net, X, G, training):
    """Run a dlnotes Graph with torch.nn.functional ops, node by node, same weights.

    Returns (output NHWC/columns, dX NHWC, {parameter name: gradient in dlnotes layout},
    {buffer name: running statistic after the call}).
    """
    from dlnotes.cnn.conv import resolve_padding

    F = torch.nn.functional
    Xt = _nchw(torch, X)
    vals = {net.inputs[0].id: Xt}
    leaves, buffers = {}, {}

    def leaf(name, arr, perm=None):
        a = arr if perm is None else arr.transpose(perm)
        t = torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(True)
        leaves[name] = (t, perm)
        return t

    for i, node in enumerate(net._nodes):
        lay, args = node.layer, [vals[t.id] for t in node.inputs]
        a = args[0]
        if isinstance(lay, L.Conv2D):
            W = leaf(f"{i}.W", lay.params["W"], (3, 2, 0, 1))
            b = leaf(f"{i}.b", lay.params["b"].reshape(-1)) if lay.use_bias else None
            ph, pw = resolve_padding(lay.pad, *lay.params["W"].shape[:2])
            out = F.conv2d(a, W, b, stride=lay.stride, padding=(ph, pw))
        elif isinstance(lay, L.BatchNorm):
            rm = torch.from_numpy(lay._buffers["running_mean"].copy())
            rv = torch.from_numpy(lay._buffers["running_var"].copy())
            w = leaf(f"{i}.gamma", lay.params["gamma"]) if lay.scale else None
            bb = leaf(f"{i}.beta", lay.params["beta"]) if lay.center else None
            out = F.batch_norm(a, rm, rv, w, bb, training=training,
                               momentum=1 - lay.momentum, eps=lay.eps)
            buffers[f"{i}.running_mean"] = rm.numpy()
            buffers[f"{i}.running_var"] = (rv.numpy(), a.shape[0] * a.shape[2] * a.shape[3])
        elif isinstance(lay, L.Activation):
            assert lay.name == "relu"
            out = F.relu(a)
        elif isinstance(lay, L.Add):
            out = sum(args[1:], args[0])
        elif isinstance(lay, L.Concatenate):
            out = torch.cat(args, dim=1)   # channels: axis 3 of NHWC is dim 1 of NCHW
        elif isinstance(lay, L.MaxPool2D):
            out = F.max_pool2d(a, lay.f, lay.stride, padding=lay._p)
        else:  # pragma: no cover - the graphs below use only the layers above
            raise AssertionError(f"no torch mapping for {lay!r}")
        vals[node.output.id] = out
    Yt = vals[net.outputs[0].id]
    Yt.backward(torch.from_numpy(np.ascontiguousarray(G.transpose(0, 3, 1, 2))))
    grads = {}
    for name, (t, perm) in leaves.items():
        g = t.grad.numpy()
        grads[name] = g if perm is None else g.transpose(np.argsort(perm))
    return (Yt.detach().permute(0, 2, 3, 1).numpy(), Xt.grad.permute(0, 2, 3, 1).numpy(),
            grads, buffers)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("make,shape", [
    (lambda x, r: C.convolutional_block(x, 3, [4, 4, 8], s=2, rng=r), (7, 6, 5)),
    (lambda x, r: C.identity_block(x, 3, [3, 4, 6], rng=r), (5, 5, 6)),
    (lambda x, r: C.inception_module(x, 4, 3, 5, 2, 3, 2, rng=r), (6, 5, 4)),
], ids=["bottleneck-convolutional_block", "bottleneck-identity_block", "inception_module"])
def test_blocks_equal_pytorch(make, shape, training):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = L.Input(shape, dtype=np.float32)
    net = L.Graph(x, make(x, np.random.default_rng(0)))
    for _, p in net.named_parameters():   # non-trivial biases, gammas and betas
        p[...] = p + rng.uniform(-0.3, 0.3, p.shape).astype(p.dtype)
    for n, b in net.named_buffers():
        b[...] = rng.uniform(0.5, 1.5, b.shape) if n.endswith("var") else \
            rng.uniform(-0.3, 0.3, b.shape)
    X = rng.standard_normal((3,) + shape).astype(np.float32)
    G = rng.standard_normal((3,) + net.outputs[0].shape[1:]).astype(np.float32)
    before = {n: b.copy() for n, b in net.named_buffers()}
    Yt, dXt, gt, bt = torch_forward_backward(torch, net, X, G, training)
    Y = net.forward(X, training=training)
    dX = net.backward(G)
    assert Y.dtype == np.float32 and dX.dtype == np.float32
    assert rel_err(Y, Yt) < 1e-5
    assert rel_err(dX, dXt) < 1e-5
    grads = dict(net.named_gradients())
    assert set(grads) == set(gt)
    for name, g in gt.items():
        if np.linalg.norm(g) < 1e-6 * np.linalg.norm(Yt):   # a bias before batch norm: 0
            assert np.abs(grads[name]).max() < 1e-5, name
            continue
        assert rel_err(grads[name], g) < 1e-5, name
    bufs = dict(net.named_buffers())
    for name, ref in bt.items():
        if name.endswith("running_var"):
            ref, N = ref
            if training:  # PyTorch averages the unbiased batch variance, ours the biased
                m = net._nodes[int(name.split(".")[0])].layer.momentum
                old = before[name].astype(np.float64)
                ref = m * old + (ref - m * old) * (N - 1) / N
        assert rel_err(bufs[name], ref) < 1e-5, name


def test_model_functional_constructor_summary_and_count_params():
    from dlnotes.models.model import Model

    x = L.Input((6, 6, 2))
    y = L.Dense(8, 3, seed=1)(L.GlobalAveragePooling2D()(
        C.identity_block(L.Conv2D(2, 8, 3, pad="same", seed=0)(x), 3, [2, 2, 8],
                         rng=np.random.default_rng(0))))
    for model in (Model(inputs=x, outputs=y), Model(x, y)):
        assert isinstance(model.network, L.Graph) and model.batch_axis == 0
        assert model.loss == "softmax_cross_entropy"
        assert model.count_params() == model.network.count_params() == \
            model.network.parameter_count() + 2 * (2 + 2 + 8)   # BN(2), BN(2), BN(8): mean, var
    text = model.summary()
    assert "Total params: " + f"{model.count_params():,}" in text
    assert "Non-trainable params: 24" in text and "Add()" in text
    z = L.Input((3,))
    assert Model(inputs=z, outputs=L.Dense(3, 2, seed=0)(z)).batch_axis == 1
    with pytest.raises(TypeError, match="both inputs= and outputs="):
        Model(inputs=x)
    with pytest.raises(TypeError, match="not both"):
        Model([L.Dense(2, 2)], inputs=x, outputs=y)


def test_first_conv_without_input_gradient_spares_the_layers_before_it():
    x = L.Input((5, 5, 2))
    net = L.Graph(x, L.Conv2D(2, 3, 3, seed=0, input_grad=False)(L.ZeroPadding2D(1)(x)))
    X = np.random.default_rng(0).standard_normal((2, 5, 5, 2))
    assert net.backward(np.ones_like(net.forward(X))) is None
    assert dict(net.named_gradients())["1.W"].any()
    y = L.Conv2D(2, 3, 3, seed=0, input_grad=False)(L.Conv2D(2, 2, 1, seed=1)(x))
    net = L.Graph(x, y)
    with pytest.raises(RuntimeError, match="which has parameters: a layer after it was built "
                                           "with input_grad=False"):
        net.backward(np.ones_like(net.forward(X)))


def test_committed_summaries_are_current():
    """docs/chapters/figures/*_summary.txt come from benchmarks/architecture_summaries.py."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(root, "benchmarks"))
    try:
        from architecture_summaries import summary
    finally:
        sys.path.pop(0)
    for name in ("resnet50", "small_resnet"):
        with open(os.path.join(root, "docs", "chapters", "figures", f"{name}_summary.txt")) as f:
            assert f.read() == summary(name), f"regenerate {name}_summary.txt"
