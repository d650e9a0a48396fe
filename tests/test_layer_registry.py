"""Checks run on every entry of ``tests/layerinfo.py`` (one per layer configuration)."""
import numpy as np
import pytest

from dlnotes import layers as L
from dlnotes.nn.gradcheck import numerical_gradient, relative_difference
from layerinfo import LAYERS

IDS = [info.name for info in LAYERS]


def test_every_layer_class_has_an_entry():
    exported = {getattr(L, n) for n in L.__all__}
    classes = {c for c in exported if isinstance(c, type) and issubclass(c, L.Layer)}
    covered = {type(info.make()) for info in LAYERS}
    missing = sorted(c.__name__ for c in classes - covered - {L.Layer})
    assert not missing, f"layers without a LayerInfo entry: {missing}"


@pytest.mark.parametrize("info", LAYERS, ids=IDS)
def test_gradient_check_float64(info):
    """Centred differences of J = sum(G * layer(X)) for the input and every parameter."""
    rng = np.random.default_rng(0)
    layer = info.make()
    X = info.input(rng)
    Y = info.forward(layer, X)
    G = rng.standard_normal(Y.shape)
    dX = layer.backward(G)
    grads = dict(layer.named_gradients())
    params = dict(layer.named_parameters())
    assert set(grads) == set(params)

    def J():
        return float(np.sum(G * info.forward(layer, X)))

    for name, p in params.items():
        diff = relative_difference(grads[name], numerical_gradient(J, p))
        assert diff < 1e-7, f"{info.name}: d{name} gradient check {diff:.2e}"
    if dX is None:
        assert getattr(layer, "input_grad", True) is False
        return
    Xs, dXs = (X, dX) if isinstance(X, list) else ([X], [dX])  # several inputs: a list
    assert len(dXs) == len(Xs)
    for i, (x, dx) in enumerate(zip(Xs, dXs)):
        assert dx.shape == x.shape and dx.dtype == np.float64
        diff = relative_difference(dx, numerical_gradient(J, x))
        assert diff < 1e-7, f"{info.name}: dX[{i}] gradient check {diff:.2e}"


@pytest.mark.parametrize("info", LAYERS, ids=IDS)
def test_save_and_rebuild_round_trip(info):
    rng = np.random.default_rng(1)
    layer = info.make()
    layer.trainable = False
    desc = L.serialize_layer(layer)
    clone = L.deserialize_layer(desc)
    assert type(clone) is type(layer) and clone.trainable is False
    own = sum(p.size for p in layer._params.values())
    assert type(layer).declared_size(desc["config"]) == own  # checked before allocating
    assert L.serialize_layer(clone) == desc
    names = [n for n, _ in layer.named_parameters()]
    assert [n for n, _ in clone.named_parameters()] == names
    for (_, p), (_, q) in zip(layer.named_parameters(), clone.named_parameters()):
        assert p.shape == q.shape and p.dtype == q.dtype
        np.copyto(q, p)
    buffers = [(n, b.shape, b.dtype) for n, b in layer.named_buffers()]
    assert [(n, b.shape, b.dtype) for n, b in clone.named_buffers()] == buffers
    for (_, p), (_, q) in zip(layer.named_buffers(), clone.named_buffers()):
        np.copyto(q, p)  # running statistics travel with the parameters
    X = info.input(rng)
    np.testing.assert_array_equal(info.forward(clone, X, training=False),
                                  info.forward(layer, X, training=False))


@pytest.mark.parametrize("info", LAYERS, ids=IDS)
def test_parameter_names_are_stable_and_name_the_live_arrays(info):
    layer = info.make()
    before = [(n, id(p)) for n, p in layer.named_parameters()]
    names = [n for n, _ in before]
    assert len(set(names)) == len(names), f"duplicate names {names}"
    assert list(layer.params) == names
    rng = np.random.default_rng(2)
    Y = info.forward(layer, info.input(rng))
    layer.backward(np.ones_like(Y))
    assert [(n, id(p)) for n, p in layer.named_parameters()] == before
    assert [n for n, _ in layer.named_gradients()] == names
    assert list(layer.grads) == names
    assert layer.parameter_count() == sum(p.size for _, p in layer.named_parameters())


@pytest.mark.parametrize("info", [i for i in LAYERS if i.make().params], ids=lambda i: i.name)
def test_frozen_layers_leave_the_trainable_set(info):
    layer = info.make()
    all_names = [n for n, _ in layer.named_parameters()]
    assert [n for n, _ in layer.named_parameters(trainable_only=True)] == all_names
    layer.trainable = False
    assert list(layer.named_parameters(trainable_only=True)) == []
    assert [n for n, _ in layer.named_parameters()] == all_names
    children = list(layer.named_children())
    if children:  # freezing one child keeps the others trainable
        layer.trainable = True
        first, child = next((n, c) for n, c in children if c.params)
        child.trainable = False
        left = [n for n, _ in layer.named_parameters(trainable_only=True)]
        assert left == [n for n in all_names if not n.startswith(first + ".")]
