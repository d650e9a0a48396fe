"""The layer protocol: Dense, Activation, Dropout, Sequential (true derivatives, no 1/m)."""
import numpy as np
import pytest

from dlnotes.layers import Activation, Dense, Dropout, Sequential
from dlnotes.nn.gradcheck import gradient_check_n
from dlnotes.nn.losses import softmax_cross_entropy_with_logits


def _net(seed=0):
    return Sequential([Dense(4, 6, seed=seed), Activation("tanh"), Dense(6, 3, seed=seed + 1)])


def test_sequential_gradient_check():
    rng = np.random.default_rng(0)
    net = _net()
    X = rng.standard_normal((4, 7))
    Y = np.eye(3)[:, rng.integers(0, 3, 7)]
    cost, dZ = softmax_cross_entropy_with_logits(net.forward(X), Y)
    dX = net.backward(dZ)
    assert dX.shape == X.shape

    def J(p):
        saved = {k: v.copy() for k, v in net.params.items()}
        for k, v in p.items():
            net.params[k][...] = v
        out = softmax_cross_entropy_with_logits(net.forward(X), Y)[0]
        for k, v in saved.items():
            net.params[k][...] = v
        return out

    res = gradient_check_n(J, net.params, net.grads)
    assert res.difference < 1e-7


def test_dense_matches_torch_linear(torch):
    rng = np.random.default_rng(1)
    layer = Dense(5, 3, seed=2)
    X = rng.standard_normal((5, 4))
    G = rng.standard_normal((3, 4))
    Y = layer.forward(X)
    dX = layer.backward(G)
    lin = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.params["W"]))
        lin.bias.copy_(torch.tensor(layer.params["b"].ravel()))
    x = torch.tensor(X.T, requires_grad=True)
    y = lin(x)
    y.backward(torch.tensor(G.T))
    np.testing.assert_allclose(Y, y.detach().numpy().T, rtol=1e-12)
    np.testing.assert_allclose(dX, x.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], lin.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"].ravel(), lin.bias.grad.numpy(), rtol=1e-12)


def test_dropout_layer_train_and_eval():
    layer = Dropout(0.5, seed=0)
    X = np.ones((10, 10))
    out = layer.forward(X, training=True)
    assert set(np.unique(out)) <= {0.0, 2.0} and (out == 0).any()
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), out)
    np.testing.assert_array_equal(layer.forward(X, training=False), X)
    with pytest.raises(ValueError, match="keep_prob must be in"):
        Dropout(0)


def test_layer_errors_and_repr():
    with pytest.raises(ValueError, match=r"X must have shape \(n_in=4, m\)"):
        Dense(4, 2, seed=0).forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="activation must be one of"):
        Activation("gelu")
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Layer"):
        Sequential([Dense(2, 2, seed=0), "relu"])
    net = _net()
    assert "Dense(4, 6)" in repr(net) and len(net) == 3 and net.parameter_count() == 4 * 6 + 6 + 6 * 3 + 3
    assert len(net.layers()) == 3
