"""Neural style transfer that paints: the feature extractors (random multi-scale filters, a
user-supplied VGG-19), the total cost's gradient with respect to the image (float64 gradient
checks, PyTorch autograd), and the optimisation with Adam and L-BFGS."""
import numpy as np
import pytest

from dlnotes.layers import Activation, AvgPool2D, Conv2D
from dlnotes.nn.gradcheck import gradient_check_n
from dlnotes.vision import style, transfer

STYLE_LAYERS = [("block1_conv1", 0.2), ("block2_conv1", 0.2), ("block3_conv1", 0.2),
                ("block4_conv1", 0.2), ("block5_conv1", 0.2)]


def _directional_check(f, x, dx, rng, eps=1e-5):
    """Relative difference of the centred difference of f along a random direction and
    <dx, direction> (a float64 gradient check that costs two evaluations)."""
    v = rng.standard_normal(x.shape)
    num = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    ana = float(np.sum(dx * v))
    return abs(num - ana) / max(abs(num), abs(ana))


def test_extractor_is_built_from_layers_and_backward_gradchecks(rng):
    ex = transfer.random_multiscale_features(3, (3, 5), 4, seed=1)
    assert [type(l) for l in ex.branches[0]] == [Conv2D, Activation]
    assert ex.names == ["conv3x3", "conv5x5"]
    x = rng.uniform(0, 1, (9, 8, 3))
    feats, cache = ex.forward(x)
    assert [f.shape for f in feats] == [(7, 6, 4), (5, 4, 4)]
    g = [rng.standard_normal(f.shape) for f in feats]
    dx = ex.backward(g, cache)

    def cost(p):
        return sum(float(np.sum(gi * fi)) for gi, fi in zip(g, ex.forward(p["x"])[0]))
    assert float(gradient_check_n(cost, {"x": x}, {"dx": dx})) < 1e-7
    # a tap with no gradient contributes nothing
    feats, cache = ex.forward(x)
    dx0 = ex.backward([g[0], None], cache)
    feats, cache = ex.forward(x)
    dx1 = ex.backward([None, g[1]], cache)
    np.testing.assert_allclose(dx0 + dx1, dx, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"grads\[0\] must have shape \(7, 6, 4\)"):
        feats, cache = ex.forward(x)
        ex.backward([np.ones((2, 2, 4)), None], cache)
    with pytest.raises(ValueError, match="too small for branch 1"):
        ex.forward(rng.uniform(0, 1, (4, 4, 3)))


def test_neural_style_cost_gradcheck_float64(rng):
    C, S, G = rng.uniform(0, 1, (3, 10, 9, 3))
    ex = transfer.random_multiscale_features(3, (3, 5), 4, seed=2)
    J, dG = transfer.neural_style_cost(G, C, S, ex, alpha=10, beta=40)
    diff = gradient_check_n(lambda p: transfer.neural_style_cost(p["G"], C, S, ex)[0],
                            {"G": G}, {"dG": dG})
    assert float(diff) < 1e-7
    # the notes' costs, assembled by hand
    fC, fS, fG = (ex.forward(x)[0] for x in (C, S, G))
    Jc = style.compute_content_cost(fC[0], fG[0])
    Js = style.compute_style_cost(fS, fG)
    assert J == pytest.approx(style.total_cost(Jc, Js, 10, 40), rel=1e-13)


def test_neural_style_cost_matches_torch_autograd(rng, torch):
    C, S, G = rng.uniform(0, 1, (3, 12, 11, 3))
    ex = transfer.random_multiscale_features(3, (3, 5, 7), 6, seed=3)
    J, dG = transfer.neural_style_cost(G, C, S, ex, alpha=10, beta=40)
    F = torch.nn.functional
    Ws = [torch.from_numpy(ch[0].params["W"]).permute(3, 2, 0, 1) for ch in ex.branches]
    bs = [torch.from_numpy(ch[0].params["b"].ravel()) for ch in ex.branches]

    def feats(x):
        return [F.relu(F.conv2d(x.permute(2, 0, 1)[None], W, b))[0] for W, b in zip(Ws, bs)]

    def gram(a):
        a = a.reshape(a.shape[0], -1)
        return a @ a.T

    tG = torch.tensor(G, requires_grad=True)
    fC, fS, fG = feats(torch.from_numpy(C)), feats(torch.from_numpy(S)), feats(tG)
    Jc = ((fC[0] - fG[0]) ** 2).sum() / (4 * fC[0].numel())
    Js = sum(((gram(s) - gram(g)) ** 2).sum() / (4 * s.shape[0] ** 2 * (s[0].numel()) ** 2)
             for s, g in zip(fS, fG)) / 3
    Jt = 10 * Jc + 40 * Js
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    np.testing.assert_allclose(dG, tG.grad.numpy(), rtol=1e-10, atol=1e-14 * np.abs(dG).max())


def _vgg_arrays(rng, n_layers=None, dtype=np.float32):
    """Random VGG-19 weights of the right shapes (the first n_layers convolutions)."""
    arrays, n_prev = {}, 3
    for item in transfer.VGG19_LAYERS:
        if n_layers is not None and len(arrays) == 2 * n_layers:
            break
        if item == "pool":
            continue
        name, n_C = item
        arrays[f"{name}_kernel"] = (rng.standard_normal((3, 3, n_prev, n_C))
                                    * np.sqrt(2 / (9 * n_prev))).astype(dtype)
        arrays[f"{name}_bias"] = (0.01 * rng.standard_normal(n_C)).astype(dtype)
        n_prev = n_C
    return arrays


@pytest.fixture(scope="module")
def vgg19(tmp_path_factory):
    """A VGG-19 .npz with random weights (20M float32 numbers), written once."""
    arrays = _vgg_arrays(np.random.default_rng(19))
    path = tmp_path_factory.mktemp("vgg") / "vgg19.npz"
    np.savez(path, **arrays)
    return path, arrays


def test_load_vgg19_random_weights(vgg19, rng, torch):
    path, arrays = vgg19
    ex = transfer.load_vgg19(path)
    assert len(ex) == 16 and ex.names[0] == "block1_conv1" and ex.names[-1] == "block5_conv4"
    convs = [l for l in ex.branches[0] if isinstance(l, Conv2D)]
    assert len(convs) == 16 and sum(isinstance(l, AvgPool2D) for l in ex.branches[0]) == 4
    np.testing.assert_array_equal(convs[5].params["W"], arrays["block3_conv2_kernel"])
    x = rng.uniform(0, 1, (16, 16, 3))
    feats, _ = ex.forward(x)
    assert feats[0].shape == (16, 16, 64) and feats[-1].shape == (1, 1, 512)
    # PyTorch oracle for the layout conversion (HWIO -> OIHW) and the chain, up to block3_conv1
    F = torch.nn.functional
    t = torch.from_numpy(x).permute(2, 0, 1)[None]
    for name in ("block1_conv1", "block1_conv2", "pool", "block2_conv1", "block2_conv2", "pool",
                 "block3_conv1"):
        if name == "pool":
            t = F.avg_pool2d(t, 2)
            continue
        W = torch.from_numpy(arrays[f"{name}_kernel"].astype(np.float64)).permute(3, 2, 0, 1)
        t = F.relu(F.conv2d(t, W, torch.from_numpy(arrays[f"{name}_bias"].astype(np.float64)),
                            padding=1))
    np.testing.assert_allclose(feats[ex.names.index("block3_conv1")],
                               t[0].permute(1, 2, 0).numpy(), rtol=1e-10, atol=1e-12)
    # the course's STYLE_LAYERS resolve by name
    assert transfer._resolve_layers(ex, "block5_conv4", STYLE_LAYERS) == (
        15, [0, 2, 4, 8, 12], [0.2] * 5)
    # float64 gradient check through the first three blocks (convs, ReLUs, average pools,
    # several taps on one branch).  A directional check: a full one would need 2 x 768 passes;
    # eps small enough that no ReLU changes side.
    layers = [("block1_conv1", 0.3), ("block2_conv2", 0.3), ("block3_conv1", 0.4)]
    C, S, G = rng.uniform(0, 1, (3, 16, 16, 3))
    objective = transfer._Objective(ex, C, S, "block2_conv2", layers, None, 10.0, 40.0)
    J, dG = objective(G)
    assert _directional_check(lambda g: objective(g)[0], G, dG, rng, eps=1e-6) < 1e-7


def test_load_vgg19_refuses_bad_files(tmp_path, rng):
    arrays = _vgg_arrays(rng, n_layers=2)          # block1 only: enough to reach each error
    bad = dict(arrays)
    del bad["block1_conv2_bias"]
    np.savez(tmp_path / "missing.npz", **bad)
    with pytest.raises(ValueError, match="no array 'block1_conv2_bias'"):
        transfer.load_vgg19(tmp_path / "missing.npz")
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(ValueError, match="no array 'block2_conv1_kernel'"):
        transfer.load_vgg19(tmp_path / "short.npz")
    bad = dict(arrays, block1_conv2_kernel=np.zeros((3, 3, 64, 32), np.float32))
    np.savez(tmp_path / "shape.npz", **bad)
    with pytest.raises(ValueError, match=r"block1_conv2_kernel must have shape \(3, 3, 64, 64\)"):
        transfer.load_vgg19(tmp_path / "shape.npz")
    bad = dict(arrays, block1_conv1_bias=np.array([object()] * 64))
    np.savez(tmp_path / "pickle.npz", **bad)
    with pytest.raises(ValueError, match="allow_pickle"):     # never unpickled
        transfer.load_vgg19(tmp_path / "pickle.npz")
    bad = dict(arrays, block1_conv1_bias=np.arange(64))
    np.savez(tmp_path / "int.npz", **bad)
    with pytest.raises(TypeError, match="block1_conv1_bias must be a floating array"):
        transfer.load_vgg19(tmp_path / "int.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="must be an .npz archive"):
        transfer.load_vgg19(tmp_path / "single.npy")
    with pytest.raises(ValueError, match="not a readable .npz"):
        transfer.load_vgg19(tmp_path / "nothing.npz")
    with pytest.raises(ValueError, match="pooling"):
        transfer.load_vgg19(tmp_path / "short.npz", pooling="median")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_neural_style_transfer_adam_and_lbfgs_paint(rng, dtype):
    C = rng.uniform(0, 1, (16, 16, 3)).astype(dtype)
    S = rng.uniform(0, 1, (16, 16, 3)).astype(dtype)
    ex = transfer.random_multiscale_features(3, (3, 5), 8, seed=4)
    seen = []
    G, costs = transfer.neural_style_transfer(C, S, ex, num_iterations=20, learning_rate=0.03,
                                           seed=0, callback=lambda t, G, J: seen.append((t, J)))
    assert G.shape == C.shape and G.dtype == dtype and len(costs) == 21
    assert costs[-1] < 0.5 * costs[0]
    assert [t for t, _ in seen] == list(range(1, 21)) and seen[-1][1] == costs[-1]
    G2, costs2 = transfer.neural_style_transfer(C, S, ex, optimizer="lbfgs", num_iterations=20,
                                             seed=0)
    assert G2.dtype == dtype and 2 <= len(costs2) <= 21
    assert costs2[-1] < 0.2 * costs2[0]
    G0, costs0 = transfer.neural_style_transfer(C, S, ex, num_iterations=0, seed=0)
    assert costs0 == costs[:1] == costs2[:1]
    # the default extractor (4 scales, 32 filters each) paints too
    G, costs = transfer.neural_style_transfer(C, S, num_iterations=5, learning_rate=0.03, seed=0)
    assert costs[-1] < costs[0]


def test_neural_style_transfer_errors(rng):
    C = rng.uniform(0, 1, (20, 20, 3))
    with pytest.raises(ValueError, match=r"style must have the shape of content \(20, 20, 3\)"):
        transfer.neural_style_transfer(C, C[:10])
    with pytest.raises(ValueError, match="optimizer must be one of"):
        transfer.neural_style_transfer(C, C, optimizer="sgd")
    with pytest.raises(ValueError, match="'block9' is not a layer of the extractor"):
        transfer.neural_style_transfer(C, C, content_layer="block9")
    with pytest.raises(ValueError, match="content_layer 7 is out of range for 4"):
        transfer.neural_style_transfer(C, C, content_layer=7)
    with pytest.raises(TypeError, match="extractor must have forward"):
        transfer.neural_style_transfer(C, C, extractor=object())
    with pytest.raises(TypeError, match="callback must be callable"):
        transfer.neural_style_transfer(C, C, callback=3)
