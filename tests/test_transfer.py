"""Transfer learning (freeze / unfreeze, feature extractors, new heads) and Model.fit(augment=...)."""
import numpy as np
import pytest

from dlnotes.cnn.augment import Compose, RandomAffine, RandomCrop, RandomFlip
from dlnotes.layers import Activation, Dense, Sequential
from dlnotes.layers.conv import Conv2D, Flatten, MaxPool2D
from dlnotes.models import Model
from dlnotes.models.transfer import copy_layer, feature_extractor, layer_index, transfer_model
from dlnotes.optim import SGD, Adam


def _cnn(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential([Conv2D(1, 3, 3, rng=rng, input_grad=False), Activation("relu"),
                       MaxPool2D(2, 2), Conv2D(3, 4, 3, rng=rng), Activation("relu"),
                       Flatten(), Dense(16, 6, rng=rng), Activation("relu"),
                       Dense(6, 3, rng=rng)])


def _images(rng, m=24):
    X = rng.random((m, 10, 10, 1))
    y = np.argmax(X.reshape(m, 2, 5, 2, 5).mean(axis=(2, 4)).reshape(m, 4)[:, :3], axis=1)
    return X, np.eye(3)[:, y]


def _snapshot(model):
    return {k: v.copy() for k, v in model.params.items()}


def test_freeze_and_unfreeze_reach_every_nested_layer():
    net = Sequential([Sequential([Dense(2, 3), Activation("relu")]), Dense(3, 2)])
    assert net[0].freeze() is net[0]
    assert [layer.trainable for layer in (net, net[0], net[0][0], net[0][1], net[1])] == \
        [True, False, False, False, True]
    assert [n for n, _ in net.named_parameters(trainable_only=True)] == ["1.W", "1.b"]
    net.freeze()
    assert list(net.named_parameters(trainable_only=True)) == []
    net.unfreeze()
    assert all(layer.trainable for layer in (net, net[0], net[0][0], net[1]))
    assert len(list(net.named_parameters(trainable_only=True))) == 4


def test_frozen_parameters_are_bit_identical_after_training_the_others_change(rng):
    X, Y = _images(rng)
    model = Model(_cnn(), batch_axis=0)
    assert model.freeze("Flatten") is model  # layers 0..5: both convolutions
    before = _snapshot(model)
    model.fit(X, Y, epochs=4, batch_size=8, optimizer=Adam(0.01), seed=0, progress=False)
    for k, v in model.params.items():
        if k.startswith(("0.", "3.")):
            np.testing.assert_array_equal(v, before[k], err_msg=k)
        else:
            assert not np.array_equal(v, before[k]), k
    assert sorted(model.optimizer.state) == ["6.W", "6.b", "8.W", "8.b"]


def test_gradient_flows_through_a_frozen_layer(rng):
    """Freezing the middle convolution changes nothing for the layers below it."""
    X, Y = _images(rng)
    free, part = Model(_cnn(), batch_axis=0), Model(_cnn(), batch_axis=0)
    part.network[3].freeze()
    for model in (free, part):
        model.fit(X, Y, epochs=1, batch_size=None, optimizer=SGD(0.1), progress=False)
    np.testing.assert_array_equal(part.params["3.W"], _cnn().params["3.W"])
    assert not np.array_equal(part.params["0.W"], _cnn().params["0.W"])
    for k in ("0.W", "0.b", "6.W", "8.W"):  # one step from the same start: same update
        np.testing.assert_allclose(part.params[k], free.params[k], rtol=1e-12, atol=1e-15,
                                   err_msg=k)


def test_frozen_flags_and_optimizer_state_survive_a_file_round_trip(rng, tmp_path):
    X, Y = _images(rng)
    features = feature_extractor(Model(_cnn(), batch_axis=0), "Flatten")
    model = transfer_model(features, [Dense(16, 3, seed=1)])
    model.fit(X, Y, epochs=2, batch_size=8, optimizer=Adam(0.01), seed=0, progress=False)
    back = Model.load(model.save(tmp_path / "tl.npz"))
    flags = [(n, layer.trainable) for n, layer in back.network.named_children()]
    assert flags == [("0", False), ("1", True)]
    assert all(not leaf.trainable for leaf in back.network[0].layers())
    assert sorted(back.optimizer.state) == ["1.0.W", "1.0.b"]
    for k, v in model.params.items():
        np.testing.assert_array_equal(back.params[k], v)
    frozen = {k: v.copy() for k, v in back.params.items() if k.startswith("0.")}
    back.fit(X, Y, epochs=1, batch_size=8, optimizer=back.optimizer, progress=False)
    for k, v in frozen.items():
        np.testing.assert_array_equal(back.params[k], v)
    back.unfreeze()
    path = back.save(tmp_path / "tl2.npz")
    assert all(leaf.trainable for leaf in Model.load(path).network.layers())


def test_layer_index_by_index_child_name_and_class_name():
    model = Model(_cnn(), batch_axis=0)
    assert layer_index(model, 3) == 3
    assert layer_index(model, -1) == 8
    assert layer_index(model.network, "4") == 4
    assert layer_index(model, "Flatten") == 5
    assert layer_index(model, "Conv2D") == 0  # the first of its class
    with pytest.raises(ValueError, match="'Dropout' names no layer"):
        layer_index(model, "Dropout")
    with pytest.raises(IndexError, match="out of range"):
        layer_index(model, 9)
    with pytest.raises(TypeError, match="layer must be an int or a str"):
        layer_index(model, 1.5)
    with pytest.raises(TypeError, match="network must be a Model built on a Sequential"):
        layer_index(Dense(2, 2), 0)


def test_feature_extractor_copies_the_first_layers(rng):
    X, _ = _images(rng, 5)
    source = Model(_cnn(), batch_axis=0)
    features = feature_extractor(source, "Flatten")
    assert len(features) == 6 and isinstance(features[-1], Flatten)
    expected = X
    for layer in list(source.network)[:6]:
        expected = layer.forward(expected, training=False)
    np.testing.assert_array_equal(features.forward(X, training=False), expected)
    features[0].params["W"] += 1.0  # a copy: the source is untouched
    assert not np.array_equal(features[0].params["W"], source.network[0].params["W"])
    shared = feature_extractor(source, 2, copy=False)
    assert shared[0] is source.network[0] and len(shared) == 3
    clone = copy_layer(source.network)
    assert clone is not source.network
    for (n, p), (_, q) in zip(clone.named_parameters(), source.network.named_parameters()):
        np.testing.assert_array_equal(p, q, err_msg=n)


def test_new_head_then_fine_tuning(rng):
    X, Y = _images(rng)
    source = Model(_cnn(), batch_axis=0)
    source.fit(X, Y, epochs=2, batch_size=8, seed=0, progress=False)
    model = transfer_model(feature_extractor(source, "Flatten"),
                           [Dense(16, 8, seed=0), Activation("relu"), Dense(8, 3, seed=1)])
    assert [n for n, _ in model.network.named_parameters(trainable_only=True)] == \
        ["1.0.W", "1.0.b", "1.2.W", "1.2.b"]
    start = _snapshot(model)
    model.fit(X, Y, epochs=2, batch_size=8, optimizer=Adam(0.01), seed=0, progress=False)
    assert all(np.array_equal(model.params[k], v) for k, v in start.items() if k[0] == "0")
    assert not np.array_equal(model.params["1.0.W"], start["1.0.W"])
    model.unfreeze()
    head = _snapshot(model)
    model.fit(X, Y, epochs=1, batch_size=8, optimizer=Adam(1e-3), seed=0, progress=False)
    assert not np.array_equal(model.params["0.0.W"], head["0.0.W"])
    assert sorted(model.optimizer.state) == sorted(model.params)
    with pytest.raises(TypeError, match="features must be a Layer"):
        transfer_model([Dense(2, 2)], [Dense(2, 2)])


# -- Model.fit(augment=...) -----------------------------------------------------------------

class _Recorder:
    """An augmentation that adds noise from the generator it is given, and records its calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, X, rng):
        out = X + 0.1 * rng.standard_normal(X.shape)
        self.calls.append((X.shape[0], out))
        return out


def test_augment_is_called_per_training_batch_only_with_fresh_samples(rng):
    X, Y = _images(rng, 20)
    rec = _Recorder()
    model = Model(_cnn(), batch_axis=0)
    model.fit(X, Y, epochs=3, batch_size=8, shuffle=False, seed=0, progress=False,
              validation_data=(X[:5], Y[:, :5]), augment=rec)
    assert [m for m, _ in rec.calls] == [8, 8, 4] * 3  # training batches only
    assert not np.array_equal(rec.calls[0][1], rec.calls[3][1])  # new samples each epoch
    model.evaluate(X, Y)
    model.predict(X)
    assert len(rec.calls) == 9


def test_augment_is_reproducible_and_leaves_the_shuffling_alone(rng):
    X, Y = _images(rng)
    pipeline = Compose([RandomCrop(10, padding=1), RandomFlip(), RandomAffine(10.0)])

    def train(seed, augment):
        model = Model(_cnn(), batch_axis=0)
        model.fit(X, Y, epochs=2, batch_size=8, optimizer=Adam(0.01), seed=seed,
                  progress=False, augment=augment)
        return model.params

    a, b, c = train(0, pipeline), train(0, pipeline), train(1, pipeline)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert not np.array_equal(a["0.W"], c["0.W"])
    plain, identity = train(3, None), train(3, lambda Xb, rng: Xb.copy())
    for k in plain:  # the augmentation's generator does not shift the batches
        np.testing.assert_array_equal(plain[k], identity[k], err_msg=k)


def test_bad_augment_is_refused(rng):
    X, Y = _images(rng, 8)
    model = Model(_cnn(), batch_axis=0)
    with pytest.raises(TypeError, match="augment must be a callable"):
        model.fit(X, Y, epochs=1, progress=False, augment="flip")
    with pytest.raises(ValueError, match="augment must return an array of the batch's shape"):
        model.fit(X, Y, epochs=1, progress=False, augment=lambda Xb, rng: Xb[:, :8, :8])


def test_frozen_batchnorm_keeps_its_statistics():
    from dlnotes.layers import Sequential
    from dlnotes.layers.normalization import BatchNorm

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 5, 5, 3)) * 3 + 2
    block = Sequential([BatchNorm(3)])
    before = {k: v.copy() for k, v in block.named_buffers()}
    block.forward(X, training=True)
    moved = {k: v.copy() for k, v in block.named_buffers()}
    assert any(not np.array_equal(before[k], moved[k]) for k in before)
    block.freeze()
    Y = block.forward(X, training=True)
    for k, v in block.named_buffers():
        np.testing.assert_array_equal(v, moved[k])
    np.testing.assert_array_equal(Y, block.forward(X, training=False))
