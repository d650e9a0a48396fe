"""Classic architectures: shape chains, parameter counts, 1x1 cost, residual block
(errata 2.1, 2.3, 2.7-2.11)."""
import numpy as np
import pytest

from dlnotes.cnn import architectures as arch
from dlnotes.nn.gradcheck import gradient_check_n


@pytest.mark.parametrize("n, f, p, s, expected", [
    (7, 3, 0, 2, 3), (6, 3, 0, 2, 2), (4, 3, 1, 2, 2), (227, 11, 0, 4, 55), (224, 11, 0, 4, 54)])
def test_conv_output_size_errata_cases(n, f, p, s, expected):
    assert arch.conv_output_size(n, f, p, s) == expected


def test_conv_output_size_errors():
    with pytest.raises(ValueError, match="window does not fit"):
        arch.conv_output_size(2, 5, 1, 1)
    with pytest.raises(ValueError, match="stride must be in"):
        arch.conv_output_size(5, 3, 0, 0)
    with pytest.raises(TypeError, match="pad must be an integer"):
        arch.conv_output_size(5, 3, 0.5, 1)


def test_conv_output_shape_matches_torch_conv2d(torch):
    rng = np.random.default_rng(0)
    for _ in range(40):
        n_H, n_W = rng.integers(3, 20, 2)
        f = int(rng.integers(1, 6))
        p = int(rng.integers(0, 3))
        s = int(rng.integers(1, 4))
        if min(n_H, n_W) + 2 * p < f:
            continue
        conv = torch.nn.Conv2d(2, 3, f, stride=s, padding=p)
        out = conv(torch.zeros(1, 2, int(n_H), int(n_W)))
        assert arch.conv_output_shape((n_H, n_W, 2), f, 3, s, p) == (out.shape[2],
                                                                    out.shape[3], 3)


def test_same_padding(torch):
    assert arch.same_padding(3) == 1 and arch.same_padding(5) == 2
    for f in (1, 3, 5, 7):
        out = torch.nn.Conv2d(1, 1, f, padding="same")(torch.zeros(1, 1, 9, 9))
        assert arch.conv_output_shape((9, 9, 1), f, 1, 1, "same")[:2] == tuple(out.shape[2:])
    with pytest.raises(ValueError, match="odd filter size"):
        arch.same_padding(4)
    # TensorFlow SAME, stride 2, even total padding split floor/ceil
    assert arch.tf_same_padding(7, 3, 2) == (4, 1, 1)
    assert arch.tf_same_padding(8, 3, 2) == (4, 0, 1)
    assert arch.tf_same_padding(5, 4, 1) == (5, 1, 2)


def test_lenet5_errata_E8():
    """The deprecated table agrees with the runnable network's shapes and count."""
    from dlnotes.models.lenet import lenet5

    with pytest.warns(DeprecationWarning):
        net = arch.lenet5()
    assert net.shapes() == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,),
                            (120,), (84,), (10,)]
    assert net.total_params == 61_706 == lenet5(seed=0).parameter_count()
    with pytest.warns(DeprecationWarning):
        assert arch.lenet5((32, 32, 3)).total_params == 62_006
    assert [n for n, _, _ in net.layers][1].startswith("avgpool")
    with pytest.warns(DeprecationWarning):
        assert arch.lenet5(pooling="max").total_params == 61_706


def deprecated(builder, *args, **kwargs):
    """The table builders warn: the networks are dlnotes.models.classic's."""
    with pytest.warns(DeprecationWarning, match="dlnotes.models.classic"):
        return builder(*args, **kwargs)


def test_alexnet_chain():
    net = deprecated(arch.alexnet)
    spatial = [s[0] for s in net.shapes() if len(s) == 3]
    assert spatial == [55, 27, 27, 13, 13, 13, 13, 6]
    assert (9216,) in net.shapes() and net.output_shape == (1000,)
    assert net.total_params == 62_378_344
    with pytest.raises(ValueError, match="window does not fit|input_shape"):
        deprecated(arch.alexnet, (5, 5, 3))


def test_vgg16_keras_count():
    net = deprecated(arch.vgg16)
    pools = [s for n, s, _ in net.layers if n.startswith("maxpool")]
    assert [s[0] for s in pools] == [112, 56, 28, 14, 7]
    assert (25088,) in net.shapes()
    assert net.total_params == 138_357_544
    assert deprecated(arch.vgg16, include_top=False).total_params == 14_714_688


def test_resnet50_keras_count():
    net = deprecated(arch.resnet50)
    adds = [s for n, s, _ in net.layers if n == "add"]
    assert len(adds) == 16
    assert adds[0] == (56, 56, 256) and adds[3] == (28, 28, 512) and adds[-1] == (7, 7, 2048)
    assert net.total_params == 25_636_712
    assert deprecated(arch.resnet50, include_top=False).total_params == 23_587_712


def test_inception_v3_keras_count():
    net = deprecated(arch.inception_v3)
    mixed = [s for s in net.shapes("concat") if s[2] >= 256]
    assert mixed[:3] == [(35, 35, 256), (35, 35, 288), (35, 35, 288)]
    assert (17, 17, 768) in mixed and mixed[-1] == (8, 8, 2048)
    assert net.total_params == 23_851_784
    assert deprecated(arch.inception_v3, include_top=False).total_params == 21_802_784
    assert "total params: 23,851,784" in net.summary()


def test_inception_module_course_example():
    t = arch.ShapeTracker((28, 28, 192))
    b1 = t.fork().conv(64, 1)
    b3 = t.fork().conv(96, 1).conv(128, 3, pad="same")
    b5 = t.fork().conv(16, 1).conv(32, 5, pad="same")
    bp = t.fork().pool(3, 1, 1).conv(32, 1)
    b1.concat([b3, b5, bp])
    assert b1.shape == (28, 28, 256)


def test_bottleneck_cost_numbers():
    c = arch.bottleneck_cost((28, 28, 192), 32, 5, 16)
    assert c["direct"] == 120_422_400
    assert c["bottleneck_1x1"] == 2_408_448 and c["bottleneck_fxf"] == 10_035_200
    assert c["bottleneck_total"] == 12_443_648
    assert arch.conv_multiplications((28, 28, 32), 5, 192) == 120_422_400


# ------------------------------------------------------------------ residual block 2.10
def _params(rng, n0, n1, n2, proj=False, scale=0.5):
    p = {"W1": rng.standard_normal((n1, n0)) * scale, "b1": rng.standard_normal((n1, 1)) * 0.1,
         "W2": rng.standard_normal((n2, n1)) * scale, "b2": rng.standard_normal((n2, 1)) * 0.1}
    if proj:
        p["Ws"] = rng.standard_normal((n2, n0)) * scale
    return p


def test_residual_block_identity_when_weights_zero(rng):
    a = np.abs(rng.standard_normal((5, 4)))
    out, _ = arch.residual_block_forward(a, np.zeros((3, 5)), np.zeros((3, 1)),
                                         np.zeros((5, 3)), np.zeros((5, 1)))
    np.testing.assert_array_equal(out, a)


def test_residual_block_skip_passes_gradient(rng):
    a = np.abs(rng.standard_normal((5, 4))) + 0.1
    out, cache = arch.residual_block_forward(a, np.zeros((3, 5)), np.zeros((3, 1)),
                                             np.zeros((5, 3)), np.zeros((5, 1)))
    da = rng.standard_normal(out.shape)
    da_prev, _ = arch.residual_block_backward(da, cache)
    np.testing.assert_array_equal(da_prev, da)


@pytest.mark.parametrize("proj", [False, True])
def test_residual_block_gradcheck(rng, proj):
    n0, n1, n2, m = 4, 3, (6 if proj else 4), 5
    p = _params(rng, n0, n1, n2, proj)
    a = rng.standard_normal((n0, m))
    G = rng.standard_normal((n2, m))
    out, cache = arch.residual_block_forward(a, **p)
    da_prev, grads = arch.residual_block_backward(G, cache)
    grads["da"] = da_prev
    allp = dict(p, a=a)

    def cost(q):
        q = dict(q)
        x = q.pop("a")
        return float(np.sum(G * arch.residual_block_forward(x, **q)[0]))
    assert float(gradient_check_n(cost, allp, grads)) < 1e-7


def test_residual_block_matches_torch(torch, rng):
    p = _params(rng, 4, 3, 6, proj=True)
    a = rng.standard_normal((4, 5))
    out, cache = arch.residual_block_forward(a, **p)
    T = {k: torch.tensor(v, requires_grad=True) for k, v in dict(p, a=a).items()}
    z1 = T["W1"] @ T["a"] + T["b1"]
    ref = torch.relu(T["W2"] @ torch.relu(z1) + T["b2"] + T["Ws"] @ T["a"])
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12)
    G = rng.standard_normal(out.shape)
    ref.backward(torch.from_numpy(G))
    da, grads = arch.residual_block_backward(G, cache)
    np.testing.assert_allclose(da, T["a"].grad.numpy(), rtol=1e-10, atol=1e-13)
    for k in ("W1", "b1", "W2", "b2", "Ws"):
        np.testing.assert_allclose(grads["d" + k], T[k].grad.numpy(), rtol=1e-10, atol=1e-13)


def test_residual_block_errors(rng):
    a = rng.standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"needs Ws of shape \(n_2, n_0\) = \(6, 4\)"):
        arch.residual_block_forward(a, np.ones((3, 4)), np.ones((3, 1)), np.ones((6, 3)),
                                    np.ones((6, 1)))
    with pytest.raises(ValueError, match=r"W1 must have shape \(n_1, n_0=4\)"):
        arch.residual_block_forward(a, np.ones((3, 5)), np.ones((3, 1)), np.ones((4, 3)),
                                    np.ones((4, 1)))
