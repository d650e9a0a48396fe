"""The Model container: fit/evaluate/predict, history, early stopping, save/load."""
import json
import os
import sys

import numpy as np
import pytest

from dlnotes.layers import Activation, Dense, Dropout, Layer, Sequential
from dlnotes.models import EarlyStopping, Model, ModelFileError, plot_learning_curves
from dlnotes.optim import SGD, Adam, InverseTimeDecay, Momentum


def _blobs(rng, m=120, n_x=5, n_y=3):
    centers = rng.standard_normal((n_x, n_y)) * 3
    y = rng.integers(0, n_y, m)
    X = centers[:, y] + rng.standard_normal((n_x, m))
    return X, np.eye(n_y)[:, y], y


def _net(n_x=5, n_y=3, hidden=8, keep_prob=1.0, dtype=np.float64):
    layers = [Dense(n_x, hidden, seed=0, dtype=dtype), Activation("relu")]
    if keep_prob < 1:
        layers.append(Dropout(keep_prob, seed=3))
    layers.append(Dense(hidden, n_y, seed=1, dtype=dtype))
    return layers


class Flatten(Layer):
    """Test-only image layer: (m, H, W, C) -> (H*W*C, m), to show batch_axis=0 works."""

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, X, training=True):
        self._shape = X.shape
        return X.reshape(X.shape[0], -1).T.copy()

    def backward(self, dY):
        return dY.T.reshape(self._shape)

    def get_config(self):
        return {}


def test_fit_learns_and_history(rng):
    X, Y, y = _blobs(rng)
    model = Model(_net(), loss="softmax_cross_entropy")
    h = model.fit(X, Y, epochs=15, batch_size=32, optimizer=Adam(0.05), seed=0,
                  validation_data=(X, Y), progress=False)
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert h.epochs == 15 and all(len(v) == 15 for v in h.values())
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert h["val_accuracy"][-1] > 0.9
    ev = model.evaluate(X, Y)
    assert ev["loss"] == pytest.approx(h["val_loss"][-1])
    P = model.predict(X)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    assert (model.predict_classes(X) == np.argmax(P, axis=0)).all()
    assert np.mean(model.predict_classes(X) == y) == pytest.approx(ev["accuracy"])
    assert "total parameters: 75" in model.summary()


def test_fit_is_reproducible_with_seed_and_float32(rng):
    X, Y, _ = _blobs(rng)
    runs = []
    for _ in range(2):
        model = Model(_net(dtype=np.float32))
        h = model.fit(X.astype(np.float32), Y, epochs=3, batch_size=16,
                      optimizer=Momentum(0.1), seed=5, progress=False)
        runs.append((h["loss"], model.params["0.W"].copy()))
        assert model.params["0.W"].dtype == np.float32
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_one_fit_epoch_equals_manual_minibatch_loop(rng):
    """fit = forward, loss, backward, step over the seeded permutation (no hidden extras)."""
    from dlnotes.optim import mini_batch_indices
    X, Y, _ = _blobs(rng, m=50)
    a, b = Model(_net()), Model(_net())
    a.fit(X, Y, epochs=1, batch_size=16, optimizer=SGD(0.1), seed=9, progress=False)
    opt = SGD(0.1)
    for idx in mini_batch_indices(50, 16, rng=np.random.default_rng(9)):
        Z = b.network.forward(X[:, idx])
        dZ = (np.exp(Z) / np.exp(Z).sum(0) - Y[:, idx]) / len(idx)
        b.network.backward(dZ)
        opt.step_layers(b.network)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-14)


def test_predict_has_no_dropout_and_sigmoid_mse(rng):
    X, Y, _ = _blobs(rng, n_y=2)
    model = Model(_net(n_y=1, keep_prob=0.5), loss="sigmoid_cross_entropy")
    Yb = Y[:1]
    model.fit(X, Yb, epochs=2, batch_size=None, optimizer="adam", progress=False)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    assert set(np.unique(model.predict_classes(X))) <= {0, 1}
    assert model.predict(X, batch_size=7).shape == (1, X.shape[1])
    reg = Model(_net(n_y=2), loss="mse")
    h = reg.fit(X, X[:2] * 0.5, epochs=20, batch_size=40, optimizer=Adam(0.02), progress=False)
    assert "accuracy" not in h and h["loss"][-1] < h["loss"][0]
    with pytest.raises(ValueError, match="classification loss"):
        reg.predict_classes(X)


def test_images_with_batch_axis_0(rng):
    m = 40
    X = rng.standard_normal((m, 3, 3, 2))
    y = (X[:, 0, 0, 0] > 0).astype(int)
    model = Model([Flatten(), Dense(18, 2, seed=0)], batch_axis=0)
    h = model.fit(X, np.eye(2)[:, y], epochs=30, batch_size=8, optimizer=Adam(0.05),
                  seed=0, progress=False)
    assert h["accuracy"][-1] > 0.9
    assert model.predict(X).shape == (2, m)


def test_schedule_and_epoch_counting_across_fits(rng):
    X, Y, _ = _blobs(rng, m=20)
    opt = SGD(InverseTimeDecay(0.2, 1.0))
    model = Model(_net())
    h1 = model.fit(X, Y, epochs=2, batch_size=10, optimizer=opt, progress=False)
    h2 = model.fit(X, Y, epochs=2, batch_size=10, optimizer=opt, progress=False)
    np.testing.assert_allclose(h1["lr"] + h2["lr"], [0.1, 0.2 / 3, 0.05, 0.04])
    assert opt.t == 8 and model.epochs_trained == 4


def test_early_stopping_restores_best(rng):
    X, Y, _ = _blobs(rng, m=60)
    Xd, Yd, _ = _blobs(np.random.default_rng(1), m=30)
    snapshots = {}
    model = Model(_net())

    def remember(model, epoch, logs):
        snapshots[epoch] = {k: v.copy() for k, v in model.params.items()}

    # a huge learning rate makes the dev loss go up after a while
    es = EarlyStopping(patience=1, min_delta=0.0, restore_best=True)
    h = model.fit(X, Y, epochs=40, batch_size=60, optimizer=SGD(3.0), seed=0,
                  validation_data=(Xd, Yd), early_stopping=es, callbacks=[remember],
                  progress=False)
    best_epoch, best = h.best("val_loss")
    assert es.best_epoch == best_epoch and h.epochs < 40
    assert h.epochs == es.stopped_epoch
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, snapshots[best_epoch][k])
    assert model.evaluate(Xd, Yd)["loss"] == pytest.approx(best)


def test_callback_can_stop(rng):
    X, Y, _ = _blobs(rng, m=20)
    h = Model(_net()).fit(X, Y, epochs=10, optimizer="sgd", progress=False,
                          callbacks=[lambda model, epoch, logs: epoch == 3])
    assert h.epochs == 3


def test_progress_bar_on_and_off(rng, capsys):
    X, Y, _ = _blobs(rng, m=20)
    Model(_net()).fit(X, Y, epochs=1, batch_size=5, progress=False)
    assert capsys.readouterr().err == ""
    Model(_net()).fit(X, Y, epochs=1, batch_size=5, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1" in err and "loss=" in err


BAD_FIT = [
    (dict(Y=np.ones((3, 7))), ValueError, r"Y must have shape \(n_y, m\) with m = 20"),
    (dict(batch_size=0), ValueError, "batch_size must be in"),
    (dict(epochs=-1), ValueError, "epochs must be in"),
    (dict(optimizer="lbfgs"), ValueError, "optimizer must be"),
    (dict(validation_data=np.ones(3)), TypeError, "validation_data must be a tuple"),
    (dict(early_stopping="yes"), TypeError, "early_stopping must be"),
    (dict(early_stopping=EarlyStopping(monitor="val_accuracy")), ValueError,
     "needs validation_data"),
    (dict(X=np.ones((4, 20))), ValueError, "X must have shape"),
    (dict(X=np.ones((5, 20), dtype=int)), TypeError, "X must be a floating"),
]


@pytest.mark.parametrize("kw,exc,match", BAD_FIT)
def test_bad_fit_arguments(kw, exc, match, rng):
    X, Y, _ = _blobs(rng, m=20)
    args = dict(X=X, Y=Y, progress=False)
    args.update(kw)
    with pytest.raises(exc, match=match):
        Model(_net()).fit(**args)


def test_bad_model_arguments():
    with pytest.raises(ValueError, match="loss must be one of"):
        Model(_net(), loss="hinge")
    with pytest.raises(TypeError, match="layers must be a Layer"):
        Model(3)
    with pytest.raises(TypeError, match=r"layers\[0\] must be a Layer"):
        Model(["dense"])


# ----------------------------------------------------------------------------------------
# save / load
def _trained(rng, keep_prob=1.0):
    X, Y, _ = _blobs(rng)
    model = Model(_net(keep_prob=keep_prob))
    model.fit(X, Y, epochs=3, batch_size=32, optimizer=Adam(0.01), seed=0, progress=False)
    return model, X, Y


def test_save_load_round_trip(rng, tmp_path):
    model, X, Y = _trained(rng, keep_prob=0.8)
    np.testing.assert_array_equal(Model.load(model.save(tmp_path / "d")).predict(X),
                                  model.predict(X))
    model, X, Y = _trained(rng)  # no dropout: continued training must match exactly
    path = model.save(tmp_path / "m")
    assert path.endswith("m.npz") and os.path.exists(path)
    with np.load(path, allow_pickle=False) as f:        # plain arrays only, no pickle
        arch = json.loads(str(f["architecture"][0]))
        assert all(f[k].dtype != object for k in f.files)
    assert arch["loss"] == "softmax_cross_entropy"
    back = Model.load(path)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert back.epochs_trained == 3 and isinstance(back.optimizer, Adam)
    assert back.optimizer.t == model.optimizer.t
    # continued training is identical (optimizer state restored)
    h1 = model.fit(X, Y, epochs=2, batch_size=32, optimizer=model.optimizer, seed=1,
                   progress=False)
    model2 = Model.load(path)
    h2 = model2.fit(X, Y, epochs=2, batch_size=32, optimizer=model2.optimizer, seed=1,
                    progress=False)
    assert h1["loss"] == pytest.approx(h2["loss"], rel=1e-10)


def test_save_load_custom_layer_and_float32(rng, tmp_path):
    model = Model([Flatten(), Dense(8, 2, seed=0, dtype=np.float32)], batch_axis=0)
    X = rng.standard_normal((5, 2, 2, 2)).astype(np.float32)
    back = Model.load(model.save(tmp_path / "img.npz"))
    assert back.batch_axis == 0 and back.params["1.W"].dtype == np.float32
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def _corruptions(tmp_path, good):
    raw = open(good, "rb").read()
    out = {}
    out["truncated"] = raw[: len(raw) // 2]
    out["garbage"] = bytes(range(256)) * 4
    flipped = bytearray(raw)
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        flipped[i] ^= 0xFF
    out["bit flips"] = bytes(flipped)
    paths = {}
    for name, data in out.items():
        p = tmp_path / f"{name.replace(' ', '_')}.npz"
        p.write_bytes(data)
        paths[name] = str(p)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.ones(3))
    paths["foreign npz"] = str(foreign)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    paths["npy"] = str(npy)
    pick = tmp_path / "pickled.npz"
    np.save(pick, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    os.replace(str(pick) + ".npy", pick) if os.path.exists(str(pick) + ".npy") else None
    paths["pickle"] = str(pick)
    # right format marker, wrong parameter shapes
    with np.load(good) as f:
        d = {k: f[k] for k in f.files}
    d["param/0.W"] = np.zeros((2, 2))
    bad_shape = tmp_path / "bad_shape.npz"
    np.savez(bad_shape, **d)
    paths["wrong shapes"] = str(bad_shape)
    d2 = dict(d)
    d2["architecture"] = np.array(["{not json"])
    bad_json = tmp_path / "bad_json.npz"
    np.savez(bad_json, **d2)
    paths["bad json"] = str(bad_json)
    return paths


def test_corrupt_or_foreign_files_raise_and_change_nothing(rng, tmp_path):
    model, X, _ = _trained(rng)
    good = model.save(tmp_path / "good.npz")
    before = {k: v.copy() for k, v in model.params.items()}
    for name, path in _corruptions(tmp_path, good).items():
        with pytest.raises(ModelFileError, match="dlnotes model file|parameter|architecture"):
            Model.load(path)
        with pytest.raises(ModelFileError):
            model.load_weights(path)
        for k, v in model.params.items():
            np.testing.assert_array_equal(v, before[k], err_msg=name)
    with pytest.raises(FileNotFoundError):
        Model.load(tmp_path / "missing.npz")
    other = Model(_net(hidden=4))
    with pytest.raises(ModelFileError, match="architecture differs"):
        other.load_weights(good)
    model.load_weights(good)  # the good file still loads


def test_unknown_layer_class_is_refused(rng, tmp_path):
    model, _, _ = _trained(rng)
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as f:
        d = {k: f[k] for k in f.files}
    arch = json.loads(str(d["architecture"][0]))
    arch["network"]["config"]["layers"][0]["class"] = "os.system"
    d["architecture"] = np.array([json.dumps(arch)])
    np.savez(tmp_path / "evil.npz", **d)
    with pytest.raises(ModelFileError, match="unknown layer class 'os.system'"):
        Model.load(tmp_path / "evil.npz")


def test_plot_learning_curves(rng, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="matplotlib is optional")
    X, Y, _ = _blobs(rng, m=30)
    h = Model(_net()).fit(X, Y, epochs=3, validation_data=(X, Y), progress=False)
    out = plot_learning_curves(h, tmp_path / "curves.png", title="blobs")
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_learning_curves(h, tmp_path / "x.png")


def test_sequential_instance_is_used_as_is(rng):
    net = Sequential(_net())
    model = Model(net)
    assert model.network is net
    X, Y, _ = _blobs(rng, m=10)
    model.fit(X, Y, epochs=1, progress=False)
    assert net[0].params["W"] is model.params["0.W"]


def test_conv_network_trains_and_round_trips(rng, tmp_path):
    """The CNN helper's layers plug into Model (batch_axis=0) and save/load with it."""
    conv = pytest.importorskip("dlnotes.layers.conv", reason="CNN layers not merged yet")
    m = 48
    X = rng.standard_normal((m, 6, 6, 1)).astype(np.float32)
    y = (X[:, :3].sum(axis=(1, 2, 3)) > X[:, 3:].sum(axis=(1, 2, 3))).astype(int)
    first = conv.Conv2D(1, 4, 3, pad="same", seed=0, dtype=np.float32)
    first.input_grad = False
    net = [first, Activation("relu"), conv.MaxPool2D(2), conv.Flatten(),
           Dense(36, 2, seed=1, dtype=np.float32)]
    model = Model(net, batch_axis=0)
    h = model.fit(X, np.eye(2)[:, y], epochs=25, batch_size=16, optimizer=Adam(0.02), seed=0,
                  progress=False)
    assert h["loss"][-1] < 0.6 * h["loss"][0]
    back = Model.load(model.save(tmp_path / "cnn.npz"))
    assert back.network[0].input_grad is False and back.params["0.W"].dtype == np.float32
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


# ----------------------------------------------------------------------------------------
# issue 10 regressions
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_and_evaluate_refuse_non_finite_inputs(bad, rng):
    """NaN in X trained into NaN parameters; NaN in validation_data was accepted (defect 6)."""
    X, Y, _ = _blobs(rng)
    model = Model(_net())
    before = {k: v.copy() for k, v in model.params.items()}
    Xb = X.copy()
    Xb[2, 7] = bad
    with pytest.raises(ValueError, match="^X contains NaN or infinity"):
        model.fit(Xb, Y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="^X_dev contains NaN or infinity"):
        model.fit(X, Y, epochs=1, progress=False, validation_data=(Xb, Y))
    Yb = Y.copy()
    Yb[0, 3] = bad
    with pytest.raises(ValueError, match="^Y_dev contains NaN or infinity"):
        model.fit(X, Y, epochs=1, progress=False, validation_data=(X, Yb))
    with pytest.raises(ValueError, match="^X contains NaN or infinity"):
        model.evaluate(Xb, Y)
    with pytest.raises(ValueError, match="^X contains NaN or infinity"):
        model.predict(Xb)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])
    assert model.epochs_trained == 0


def _rewrite(src, dst, **changes):
    with np.load(src) as f:
        d = {k: f[k] for k in f.files}
    for k, v in changes.items():
        k = k.replace("__SLASH__", "/").replace("__COLON__", ":")
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    np.savez(dst, **d)
    return str(dst)


def _with_arch(src, dst, edit):
    with np.load(src) as f:
        arch = json.loads(str(f["architecture"][0]))
    edit(arch)
    return _rewrite(src, dst, architecture=np.array([json.dumps(arch)]))


def test_load_weights_is_all_or_nothing(rng, tmp_path):
    """A file with valid parameters but a corrupt optimizer state or epochs_trained
    overwrote the parameters before failing (defect 7); state shapes were never checked."""
    model, X, Y = _trained(rng)
    good = model.save(tmp_path / "good.npz")
    model.fit(X, Y, epochs=2, batch_size=32, seed=1, progress=False)   # now differs from file
    before = {k: v.copy() for k, v in model.params.items()}
    opt_before, ep_before = model.optimizer, model.epochs_trained
    with np.load(good) as f:
        vkey = next(k for k in f.files if k.startswith("optim/v:"))
        shape = f[vkey].shape
    def set_epochs(v):
        return lambda a: a.__setitem__("epochs_trained", v)
    bad = {
        "state shape": _rewrite(good, tmp_path / "a.npz", **{vkey: np.zeros(shape + (2,))}),
        "state nan": _rewrite(good, tmp_path / "b.npz", **{vkey: np.full(shape, np.nan)}),
        "state int": _rewrite(good, tmp_path / "c.npz", **{vkey: np.zeros(shape, np.int64)}),
        "state missing slot": _rewrite(good, tmp_path / "d.npz", **{vkey: None}),
        "state unknown param": _rewrite(good, tmp_path / "e.npz",
                                        **{"optim/v:9.W": np.zeros(3), "optim/s:9.W": np.zeros(3)}),
        "t not int": _rewrite(good, tmp_path / "f.npz", **{"optim/t": np.array("x")}),
        "epochs str": _with_arch(good, tmp_path / "g.npz", set_epochs("abc")),
        "epochs float": _with_arch(good, tmp_path / "h.npz", set_epochs(1.5)),
        "epochs negative": _with_arch(good, tmp_path / "i.npz", set_epochs(-3)),
        "optimizer not dict": _with_arch(good, tmp_path / "j.npz",
                                         lambda a: a.__setitem__("optimizer", [1])),
        "optimizer bad beta": _with_arch(good, tmp_path / "k.npz",
                                         lambda a: a["optimizer"].__setitem__("beta1", 7)),
    }
    for name, path in bad.items():
        with pytest.raises(ModelFileError):
            model.load_weights(path)
        for k, v in model.params.items():
            np.testing.assert_array_equal(v, before[k], err_msg=name)
        assert model.optimizer is opt_before and model.epochs_trained == ep_before, name
        with pytest.raises(ModelFileError):
            Model.load(path)
    model.load_weights(good)
    assert model.epochs_trained == 3


@pytest.mark.parametrize("version", [np.array(1.5), np.array("abc"), np.array([1, 1]),
                                     np.array(3), np.array(True), None])
def test_model_file_version_is_parsed_strictly(version, rng, tmp_path):
    """``__version__=1.5`` was read as 1; "abc" / [1, 1] raised bare errors (defect 8)."""
    model, _, _ = _trained(rng)
    path = _rewrite(model.save(tmp_path / "g.npz"), tmp_path / "v.npz", __version__=version)
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(ModelFileError, match="version"):
        Model.load(path)
    with pytest.raises(ModelFileError, match="version"):
        model.load_weights(path)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_model_file_architecture_is_parsed_strictly(rng, tmp_path):
    """Deep nesting raised RecursionError, a 10^10-wide layer MemoryError (defect 8)."""
    model, _, _ = _trained(rng)
    good = model.save(tmp_path / "g.npz")
    deep = "[" * 100000 + "]" * 100000
    nested = {"class": "dlnotes.layers.base.Sequential", "layers": []}
    for _ in range(200):
        nested = {"class": "dlnotes.layers.base.Sequential", "layers": [nested]}

    def net(desc):
        return lambda a: a.__setitem__("network", desc)
    wide = {"class": "dlnotes.layers.base.Dense",
            "config": {"n_in": 10**5, "n_out": 10**5, "dtype": "float64"}}
    bad = {
        "deep json": _rewrite(good, tmp_path / "a.npz", architecture=np.array([deep])),
        "deep layers": _with_arch(good, tmp_path / "b.npz", net(nested)),
        "huge layer": _with_arch(good, tmp_path / "c.npz", net(wide)),
        "wide sequential": _with_arch(good, tmp_path / "c2.npz", net(
            {"class": "dlnotes.layers.base.Sequential", "layers": [wide]})),
        "negative width": _with_arch(good, tmp_path / "d.npz", net(
            {"class": "dlnotes.layers.base.Dense",
             "config": {"n_in": -1, "n_out": 3, "dtype": "float64"}})),
        "arch is a list": _rewrite(good, tmp_path / "e.npz", architecture=np.array(["[1, 2]"])),
        "arch 2-d": _rewrite(good, tmp_path / "f.npz", architecture=np.array([["{}"]])),
        "arch numbers": _rewrite(good, tmp_path / "g2.npz", architecture=np.array([1.0])),
        "batch_axis float": _with_arch(good, tmp_path / "h.npz",
                                       lambda a: a.__setitem__("batch_axis", 1.5)),
        "loss list": _with_arch(good, tmp_path / "i.npz", lambda a: a.__setitem__("loss", [1])),
        "class int": _with_arch(good, tmp_path / "j.npz", net({"class": 3})),
        "config list": _with_arch(good, tmp_path / "k.npz", net(
            {"class": "dlnotes.layers.base.Dense", "config": [1]})),
    }
    before = {k: v.copy() for k, v in model.params.items()}
    for name, path in bad.items():
        with pytest.raises(ModelFileError):
            Model.load(path)
        with pytest.raises(ModelFileError):
            model.load_weights(path)
        for k, v in model.params.items():
            np.testing.assert_array_equal(v, before[k], err_msg=name)


def test_float32_model_refuses_parameters_beyond_its_range(tmp_path):
    model = Model(_net(dtype=np.float32))
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as f:
        W = f["param/0.W"].astype(np.float64)
    W[0, 0] = 1e300
    bad = _rewrite(path, tmp_path / "big.npz", **{"param/0.W": W})
    with pytest.raises(ModelFileError, match="range of float32"):
        model.load_weights(bad)
    assert np.isfinite(model.params["0.W"]).all()
