"""Recurrent layers (dlnotes.layers.recurrent) and the character-level language model."""
import numpy as np
import pytest

from dlnotes.layers.base import Sequential
from dlnotes.layers.recurrent import GRU, LSTM, RNN, Bidirectional, TimeDistributedDense
from dlnotes.models.char_lm import (CharLanguageModel, sequence_softmax_cross_entropy,
                                    synthetic_names, train_char_lm)
from dlnotes.nn.gradcheck import gradient_check_n


def _check_layer_grads(layer, X, dY_shape, rng, initial_state=None):
    """Gradient check of all params and of the input, for J = sum(G * layer(X))."""
    G = rng.standard_normal(dY_shape)
    names = list(layer.params)

    def cost(p):
        for k in names:
            np.copyto(layer.params[k], p[k])
        kw = {} if initial_state is None else {"initial_state": initial_state}
        return float(np.sum(G * layer.forward(p["X"], **kw)))

    saved = {k: v.copy() for k, v in layer.params.items()}
    kw = {} if initial_state is None else {"initial_state": initial_state}
    layer.forward(X, **kw)
    dX = layer.backward(G)
    grads = {"d" + k: layer.grads[k].copy() for k in names}
    grads["dX"] = dX
    params = dict(saved, X=X)
    diff = float(gradient_check_n(cost, params, grads))
    for k in names:
        np.copyto(layer.params[k], saved[k])
    return diff


@pytest.mark.parametrize("make", [lambda: RNN(3, 4, seed=1), lambda: GRU(3, 4, seed=1),
                                  lambda: GRU(3, 4, reset="before", seed=1),
                                  lambda: LSTM(3, 4, seed=1),
                                  lambda: LSTM(3, 4, return_sequences=False, seed=1),
                                  lambda: Bidirectional(GRU(3, 4, seed=1), seed=2),
                                  lambda: Bidirectional(RNN(3, 4, return_sequences=False,
                                                            seed=1), seed=2)],
                         ids=["rnn", "gru", "gru-before", "lstm", "lstm-last", "bi-gru",
                              "bi-rnn-last"])
def test_layer_gradients(make, rng):
    layer = make()
    X = rng.standard_normal((3, 2, 4))
    out = layer.forward(X)
    diff = _check_layer_grads(layer, X, out.shape, rng)
    assert diff < 1e-7


def test_bidirectional_output_is_forward_and_reversed_backward(rng):
    fwd, bwd = LSTM(3, 4, seed=1), LSTM(3, 4, seed=2)
    bi = Bidirectional(fwd, bwd)
    X = rng.standard_normal((3, 2, 5))
    out = bi.forward(X)
    assert out.shape == (8, 2, 5)
    np.testing.assert_allclose(out[:4], LSTM(3, 4, seed=1).forward(X))
    np.testing.assert_allclose(out[4:], LSTM(3, 4, seed=2).forward(X[:, :, ::-1])[:, :, ::-1])
    assert set(bi.params) == {f"{d}.{k}" for d in ("fwd", "bwd") for k in fwd.params}


def test_initial_state_and_its_gradient(rng):
    layer = LSTM(3, 4, seed=0, dtype=np.float64)
    X = rng.standard_normal((3, 2, 3))
    a0, c0 = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    out = layer.forward(X, initial_state=(a0, c0))
    G = rng.standard_normal(out.shape)
    layer.backward(G)
    da0, dc0 = layer.d_initial_state

    def cost(p):
        return float(np.sum(G * layer.forward(X, initial_state=(p["a0"], p["c0"]))))
    assert float(gradient_check_n(cost, {"a0": a0, "c0": c0}, {"da0": da0, "dc0": dc0})) < 1e-7
    with pytest.raises(ValueError, match="initial_state must hold 2"):
        layer.forward(X, initial_state=a0)
    with pytest.raises(ValueError, match=r"a0 must have shape \(n_a=4, m=2\)"):
        layer.forward(X, initial_state=(a0[:3], c0))


def test_layers_match_torch_lstm(rng, torch):
    layer = LSTM(3, 5, seed=0)
    X = rng.standard_normal((3, 4, 6))
    out = layer.forward(X)
    mod = torch.nn.LSTM(3, 5).double()
    P = layer.params
    W = np.vstack([P["Wi"], P["Wf"], P["Wc"], P["Wo"]])
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.tensor(W[:, 5:]))
        mod.weight_hh_l0.copy_(torch.tensor(W[:, :5]))
        mod.bias_ih_l0.copy_(torch.tensor(np.vstack([P["bi"], P["bf"], P["bc"], P["bo"]])[:, 0]))
        mod.bias_hh_l0.zero_()
    ref, _ = mod(torch.tensor(X.transpose(2, 1, 0).copy()))
    np.testing.assert_allclose(out, ref.detach().numpy().transpose(2, 1, 0), rtol=1e-10,
                               atol=1e-12)


def test_time_distributed_dense_and_sequential(rng):
    model = Sequential([GRU(3, 4, seed=0), TimeDistributedDense(4, 2, seed=1)])
    X = rng.standard_normal((3, 2, 5))
    Z = model.forward(X)
    assert Z.shape == (2, 2, 5)
    dense = model[1]
    np.testing.assert_allclose(Z[:, :, 3], dense.params["W"] @ model[0].forward(X)[:, :, 3]
                               + dense.params["b"], rtol=1e-12)
    G = rng.standard_normal(Z.shape)
    model.forward(X)
    model.backward(G)
    assert set(model.grads) == set(model.params)
    sm = TimeDistributedDense(4, 3, activation="softmax", seed=0)
    A = rng.standard_normal((4, 2, 3))
    np.testing.assert_allclose(sm.forward(A).sum(axis=0), 1.0, rtol=1e-12)
    assert _check_layer_grads(sm, A, (3, 2, 3), rng) < 1e-7


def test_sequence_cross_entropy_gradient(rng):
    Z = rng.standard_normal((5, 3, 4))
    Y = rng.integers(0, 5, size=(3, 4))
    cost, dZ = sequence_softmax_cross_entropy(Z, Y)
    e = np.exp(Z - Z.max(axis=0))
    p = e / e.sum(axis=0)
    ref = -np.mean([np.log(p[Y[i, t], i, t]) for i in range(3) for t in range(4)])
    assert cost == pytest.approx(ref, rel=1e-12)
    diff = gradient_check_n(lambda q: sequence_softmax_cross_entropy(q["Z"], Y)[0], {"Z": Z},
                            {"dZ": dZ})
    assert float(diff) < 1e-7
    with pytest.raises(ValueError, match="integer array of shape"):
        sequence_softmax_cross_entropy(Z, Y.astype(float))


def test_synthetic_names_are_reproducible():
    a, b = synthetic_names(50, seed=3), synthetic_names(50, seed=3)
    assert a == b and a != synthetic_names(50, seed=4)
    assert all(n.isalpha() and n.islower() for n in a)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_lm_learns_and_samples_reproducibly(cell, tmp_path):
    text = "\n".join(synthetic_names(1200, seed=0)) + "\n"
    path = tmp_path / "names.txt"
    path.write_text(text, encoding="utf-8")
    model = train_char_lm(str(path), cell=cell, n_a=48, seq_length=20, batch_size=32,
                          num_iterations=250, learning_rate=0.02, seed=0)
    losses = np.array(model.history["loss"])
    assert model.uniform_loss == pytest.approx(np.log(len(set(text))))
    assert losses[:5].mean() > 0.85 * model.uniform_loss
    assert losses[-25:].mean() < 0.5 * model.uniform_loss  # well below log(V)
    s1 = [model.sample(seed=i) for i in range(5)]
    assert s1 == [model.sample(seed=i) for i in range(5)]
    assert all(set(s) <= set(model.chars) - {"\n"} for s in s1)
    assert model.sample(seed=0, temperature=0.3, max_length=7, stop=None).__len__() == 7
    again = train_char_lm(text, cell=cell, n_a=48, seq_length=20, batch_size=32,
                          num_iterations=3, learning_rate=0.02, seed=0)
    np.testing.assert_array_equal(again.history["loss"], model.history["loss"][:3])


def test_char_lm_rejects_bad_input():
    with pytest.raises(ValueError, match="at least seq_length"):
        train_char_lm("abc\n", seq_length=25)
    with pytest.raises(TypeError, match="path_or_text"):
        train_char_lm(123)
    with pytest.raises(ValueError, match="cell must be one of"):
        CharLanguageModel(list("ab"), cell="transformer")
    model = CharLanguageModel(list("ab\n"), n_a=3)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        model.sample(prefix="z")
    with pytest.raises(ValueError, match="temperature must be in"):
        model.sample(temperature=0)


def test_layers_serialize_and_rebuild(rng):
    from dlnotes.models.model import deserialize_layer, serialize_layer

    model = Sequential([Bidirectional(LSTM(3, 4, forget_bias=0.5, seed=0, dtype=np.float32)),
                        GRU(8, 5, reset="before", return_sequences=False, seed=1,
                            dtype=np.float32),
                        ])
    head = TimeDistributedDense(4, 2, activation="softmax", seed=2)
    for layer in (model, head, RNN(3, 4, seed=3)):
        clone = deserialize_layer(serialize_layer(layer))
        assert type(clone) is type(layer)
        assert {k: (v.shape, v.dtype) for k, v in clone.params.items()} == \
            {k: (v.shape, v.dtype) for k, v in layer.params.items()}
        for k in layer.params:
            np.copyto(clone.params[k], layer.params[k])
        X = rng.standard_normal((3 if layer is not head else 4, 2, 5))
        np.testing.assert_array_equal(clone.forward(X), layer.forward(X))


def test_recurrent_layers_check_once_then_run_the_unchecked_internals(monkeypatch, rng):
    """Issue 11: a recurrent layer checks X, its initial states and dY itself and owns its
    parameters, so it runs dlnotes.rnn's unchecked internals, never the public functions
    (whose checks would repeat its own); a Bidirectional checks X and dY once for both
    directions.  Bad input still gets a clear error naming the argument."""
    from dlnotes.rnn import basic, gru, lstm

    def public(*args, **kwargs):
        raise AssertionError("a layer called a public (checking) dlnotes.rnn function")

    for mod, names in ((basic, ("rnn_forward", "rnn_backward")),
                       (gru, ("gru_forward", "gru_backward")),
                       (lstm, ("lstm_forward", "lstm_backward"))):
        for name in names:
            monkeypatch.setattr(mod, name, public)
    X = rng.standard_normal((3, 5, 4))
    layers = [RNN(3, 4, seed=0), GRU(3, 4, seed=0), GRU(3, 4, reset="before", seed=0),
              LSTM(3, 4, seed=0), LSTM(3, 4, return_sequences=False, seed=0),
              Bidirectional(GRU(3, 4, seed=0), seed=1)]
    for layer in layers:
        Y = layer.forward(X)
        assert layer.backward(np.ones_like(Y)).shape == X.shape

    with pytest.raises(RuntimeError, match="LSTM.backward called before forward"):
        LSTM(3, 4, seed=0).backward(np.ones((4, 5, 4)))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        Bidirectional(RNN(3, 4, seed=0), seed=1).backward(np.ones((8, 5, 4)))
    bi = layers[-1]
    with pytest.raises(ValueError, match=r"dY.*2 n_a"):
        bi.backward(np.ones((4, 5, 4)))
    with pytest.raises(ValueError, match="X"):
        bi.forward(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match="T_x >= 1"):
        layers[0].forward(np.ones((3, 5, 0)))
