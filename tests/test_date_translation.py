"""The date-translation attention model: full-model gradient check, API, saving, training."""
import numpy as np
import pytest

from dlnotes.nlp.date_translation import (DateTranslator, attention_map, exact_match_accuracy,
                                          load_translator, save_translator,
                                          train_date_translator, translate_date)
from dlnotes.nlp.dates import make_date_dataset, preprocess_dates
from dlnotes.nn.gradcheck import numerical_gradient, relative_difference


def _small(relu, seed):
    model = DateTranslator(n_x=4, n_y=3, T_y=3, n_a=2, n_s=3, n_e=3, relu=relu, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 2, 5))
    Y = rng.integers(0, 3, (2, 3))
    return model, X, Y


@pytest.mark.parametrize("relu", [True, False])
def test_full_model_gradient_check_float64(relu):
    model, X, Y = _small(relu, seed=3)
    # larger attention weights, so the weights alpha vary and their gradients are far above
    # the centred difference's rounding (~1e-10); v > 0 keeps the relu (the course's form)
    # active and away from its kink
    for k in "WU":
        model.params[k] *= 4
    model.params["v"][...] = 2 * np.abs(model.params["v"]) + 0.5
    model.params["b"][...] = 0.5  # with v > 0: about half the energies positive
    model.loss_and_grads(X, Y)
    grads = dict(model.named_gradients())
    names = [k for k, _ in model.named_parameters()]
    # every part is covered: encoder (both directions), attention, post-attention LSTM, output
    assert {n.split(".")[0] for n in names} >= {"encoder", "post", "out", "W", "U", "b", "v"}
    assert any(n.startswith("encoder.bwd.") for n in names)
    if relu:
        # pre-relu energies v^T h: none at the kink (the check is valid), some active
        pre = np.concatenate([np.einsum("e,emt->mt", st[0][4][:, 0], st[0][7]).ravel()
                              for st in model._cache[1]])
        assert np.min(np.abs(pre)) > 1e-4 and np.mean(pre > 0) > 0.15
    for name, p in model.named_parameters():
        if not relu and "." in name:
            continue  # the linear-energy variant differs only in the attention parameters
        num = numerical_gradient(lambda: model.loss_and_grads(X, Y), p, epsilon=1e-6)
        assert relative_difference(grads[name], num) < 1e-5, name
    # and the input
    model.loss_and_grads(X, Y)
    dX = model._last_dX
    num = numerical_gradient(lambda: model.loss_and_grads(X, Y), X, epsilon=1e-6)
    assert relative_difference(dX, num) < 1e-5


def test_attention_weights_rows_sum_to_one_and_shapes():
    model, X, _ = _small(True, seed=0)
    Z = model.forward(X)
    assert Z.shape == (3, 2, 3)
    assert model.alphas.shape == (2, 3, 5)
    np.testing.assert_allclose(model.alphas.sum(axis=-1), 1.0)
    assert model.predict(X).shape == (2, 3)


def test_bad_input_is_named():
    model = DateTranslator(n_x=4, n_y=3, T_y=3, n_a=2, n_s=3, n_e=3, seed=0)
    with pytest.raises(ValueError, match="X"):
        model.forward(np.zeros((5, 2, 4)))
    with pytest.raises(TypeError, match="relu"):
        DateTranslator(relu=1)
    with pytest.raises(ValueError, match="n_s"):
        DateTranslator(n_s=0)
    with pytest.raises(TypeError, match="model"):
        translate_date("not a model", "3 may 1979")
    with pytest.raises(TypeError, match="dates"):
        translate_date(DateTranslator(seed=0), [3])


def test_training_learns_and_round_trips(tmp_path):
    seen = []
    r = train_date_translator(m=300, epochs=2, n_test=50, n_a=8, n_s=16, seed=0,
                              dtype=np.float32, callback=lambda *a: seen.append(a))
    h = r["history"]
    assert len(seen) == 2 and h[1]["cost"] < h[0]["cost"] < np.log(11)
    model = r["model"]
    out = translate_date(model, ["3 may 1979", "tuesday april 2 2024"])
    assert len(out) == 2 and all(len(s) == 10 for s in out)
    alphas, text = attention_map(model, "3 may 1979")
    assert alphas.shape == (10, len("3 may 1979")) and text == translate_date(model, "3 may 1979")
    path = tmp_path / "m.npz"
    save_translator(model, path)
    again = load_translator(path)
    _, Y, X, _ = preprocess_dates(make_date_dataset(40, seed=5))
    X = X.astype(np.float32)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert exact_match_accuracy(again, X, Y) == exact_match_accuracy(model, X, Y)
