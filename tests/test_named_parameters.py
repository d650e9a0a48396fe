"""One naming scheme: the layers name their parameters, the optimizer, Model and the
file format use those names whatever the training path; frozen layers stay put."""
import json

import numpy as np
import pytest

from dlnotes.layers import (LSTM, Activation, Bidirectional, Dense, Sequential,
                            TimeDistributedDense)
from dlnotes.models import Model
from dlnotes.nn.losses import softmax_cross_entropy_with_logits
from dlnotes.optim import Adam


def _seq_net():
    return Sequential([Bidirectional(LSTM(3, 2, seed=0), seed=1),
                       TimeDistributedDense(4, 3, seed=2)])


def _mlp():
    inner = Sequential([Dense(4, 5, seed=0), Activation("tanh")])
    return Sequential([inner, Dense(5, 2, seed=1)])


def test_names_follow_the_structure():
    assert [n for n, _ in _seq_net().named_parameters()][:3] == ["0.fwd.Wf", "0.fwd.bf",
                                                                  "0.fwd.Wi"]
    assert [n for n, _ in _mlp().named_parameters()] == ["0.0.W", "0.0.b", "1.W", "1.b"]


def test_optimizer_state_has_the_same_names_on_every_path(rng):
    X = rng.standard_normal((4, 6))
    Y = np.eye(2)[:, rng.integers(0, 2, 6)]
    nets, opts = [_mlp(), _mlp()], [Adam(0.01), Adam(0.01)]
    for path, (net, opt) in enumerate(zip(nets, opts)):
        cost, dZ = softmax_cross_entropy_with_logits(net.forward(X), Y)
        net.backward(dZ)
        if path == 0:
            opt.step_layers(net)
        else:
            opt.step(dict(net.named_parameters()), dict(net.named_gradients()))
    assert sorted(opts[0].state) == sorted(opts[1].state) == ["0.0.W", "0.0.b", "1.W", "1.b"]
    for (n, p), (_, q) in zip(nets[0].named_parameters(), nets[1].named_parameters()):
        np.testing.assert_array_equal(p, q, err_msg=n)
    model = Model(_mlp())
    model.fit(X, Y, epochs=1, batch_size=3, optimizer=Adam(0.01), progress=False)
    assert sorted(model.optimizer.state) == sorted(opts[0].state)


def test_frozen_layers_are_not_updated_and_get_no_state(rng):
    X = rng.standard_normal((4, 16))
    Y = np.eye(2)[:, (X[0] > 0).astype(int)]
    net = _mlp()
    net[0].trainable = False
    frozen = {k: v.copy() for k, v in net.named_parameters() if k.startswith("0.")}
    model = Model(net)
    model.fit(X, Y, epochs=3, batch_size=4, optimizer=Adam(0.05), progress=False, seed=0)
    for k, v in frozen.items():
        np.testing.assert_array_equal(model.params[k], v)
    assert sorted(model.optimizer.state) == ["1.W", "1.b"]
    assert not np.array_equal(model.params["1.W"], Dense(5, 2, seed=1).params["W"])


def test_save_and_load_keep_names_and_frozen_flags(rng, tmp_path):
    net = _seq_net()
    net[0].trainable = False
    model = Model(net, loss="mse")
    back = Model.load(model.save(tmp_path / "m.npz"))
    assert list(back.params) == list(model.params)
    assert back.network[0].trainable is False and back.network[1].trainable is True


def test_version_1_files_still_load(rng, tmp_path):
    """Version 1 named parameters by leaf index and kept containers' children in "layers"."""
    net = _seq_net()
    model = Model(net, loss="mse")
    X = rng.standard_normal((3, 2, 5))
    path = model.save(tmp_path / "v2.npz")
    with np.load(path) as f:
        d = {k: f[k] for k in f.files}
    arch = json.loads(str(d["architecture"][0]))
    arch["network"] = {"class": arch["network"]["class"],
                       "layers": arch["network"]["config"]["layers"]}
    leaf_names = {"0.fwd.": "0.", "0.bwd.": "1.", "1.": "2."}
    v1 = {"__format__": d["__format__"], "__version__": np.array(1),
          "architecture": np.array([json.dumps(arch)])}
    for k, v in d.items():
        if k.startswith("param/"):
            name = k[len("param/"):]
            prefix = next(p for p in leaf_names if name.startswith(p))
            v1["param/" + leaf_names[prefix] + name[len(prefix):]] = v
    np.savez(tmp_path / "v1.npz", **v1)
    back = Model.load(tmp_path / "v1.npz")
    for k, v in model.params.items():
        np.testing.assert_array_equal(back.params[k], v)
    np.testing.assert_array_equal(back.network.forward(X, training=False),
                                  model.network.forward(X, training=False))
    fresh = Model(_seq_net(), loss="mse")
    fresh.load_weights(tmp_path / "v1.npz")
    for k, v in model.params.items():
        np.testing.assert_array_equal(fresh.params[k], v)
    with pytest.raises(Exception, match="differs"):
        Model(_mlp(), loss="mse").load_weights(tmp_path / "v1.npz")
