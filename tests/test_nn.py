"""The notes' "Basic NN" chapter: errata numeric tests, gradient checks, bad input, main job."""
import warnings

import numpy as np
import pytest

from dlnotes.nn import activations as act
from dlnotes.nn import deep, logistic, losses, regularization
from dlnotes.nn.diagnostics import diagnose_bias_variance
from dlnotes.nn.gradcheck import gradient_check_n, numerical_gradient, relative_difference
from dlnotes.nn.initializers import initialize_parameters, initialize_weights


# ---- errata §1: values the canonical formulas must give --------------------------------

def test_tanh_values_and_symmetry():
    assert float(act.tanh(np.array(0.5))) == pytest.approx(0.46211715726000974, rel=1e-15)
    d = act.tanh_backward(np.array(1.0), np.array(0.5))
    assert float(d) == pytest.approx(0.7864477329659274, rel=1e-14)
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(act.tanh(-z), -act.tanh(z), rtol=0, atol=0)


def test_sigmoid_values_and_symmetry():
    assert float(act.sigmoid(np.array(0.0))) == 0.5
    assert float(act.sigmoid(np.array(2.0))) == pytest.approx(0.8807970779778823, rel=1e-15)
    assert float(act.sigmoid_backward(np.array(1.0), np.array(2.0))) == pytest.approx(
        0.10499358540350662, rel=1e-14)
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(act.sigmoid(-z), 1 - act.sigmoid(z), atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_warning_for_huge_inputs(dtype):
    z = np.array([[-1e4, -1e3, 1e3, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        t = act.tanh(z)
        sm = act.softmax(z.T)
        ls = act.log_softmax(z.T)
        c, _ = losses.sigmoid_cross_entropy_with_logits(z, np.array([[1, 0, 1, 0]]))
    np.testing.assert_array_equal(s, [[0, 0, 1, 1]])
    np.testing.assert_array_equal(t, [[-1, -1, 1, 1]])
    assert np.isfinite(sm).all() and np.isfinite(ls).all() and np.isfinite(c)


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(act.relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0])),
                                  [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(act.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_softmax_values_shift_invariance_and_jacobian():
    expect = [0.0900305732, 0.2447284711, 0.6652409558]
    np.testing.assert_allclose(act.softmax(np.array([[1.0], [2.0], [3.0]])).ravel(), expect,
                               atol=1e-10)
    np.testing.assert_allclose(act.softmax(np.array([[1000.0], [1001.0], [1002.0]])).ravel(),
                               expect, atol=1e-10)
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((4, 6))
    S = act.softmax(Z)
    np.testing.assert_allclose(S.sum(axis=0), 1.0, rtol=1e-15)
    np.testing.assert_allclose(act.softmax(Z + rng.standard_normal((1, 6)) * 100), S, rtol=1e-12)
    # Jacobian diag(s) - s s^T, column by column through the backward pass.
    s = S[:, 0]
    J = np.diag(s) - np.outer(s, s)
    for j in range(4):
        e = np.zeros((4, 1))
        e[j] = 1
        np.testing.assert_allclose(act.softmax_backward(e, Z[:, :1]).ravel(), J[j], atol=1e-15)
    # The row-wise form of the notes: axis=1.
    np.testing.assert_allclose(act.softmax(Z.T, axis=1), S.T, rtol=1e-15)


def test_log_softmax_equals_log_of_softmax():
    Z = np.random.default_rng(1).standard_normal((5, 3)) * 10
    np.testing.assert_allclose(act.log_softmax(Z), np.log(act.softmax(Z)), rtol=1e-12)


def test_cross_entropy_values():
    assert losses.binary_cross_entropy(np.array([[0.8]]), np.array([[1]])) == pytest.approx(
        0.2231435513142097, rel=1e-14)
    for y in (0, 1):
        assert losses.binary_cross_entropy(np.array([[0.5]]), np.array([[y]])) == pytest.approx(
            np.log(2), rel=1e-15)
    # epsilon-safe: log(0) never happens
    c = losses.binary_cross_entropy(np.array([[0.0, 1.0]]), np.array([[1, 0]]))
    assert np.isfinite(c) and c > 20


def test_logistic_dL_dz_equals_a_minus_y():
    # errata 1.9: at z=0.3, y=1 the finite difference of dL/dz is a - y = -0.4255574832
    z = np.array([[0.3]])
    y = np.array([[1.0]])
    num = numerical_gradient(lambda: losses.sigmoid_cross_entropy_with_logits(z, y)[0], z)
    assert num[0, 0] == pytest.approx(-0.4255574832, abs=1e-9)
    assert (act.sigmoid(z) - y)[0, 0] == pytest.approx(-0.4255574832, abs=1e-10)


def test_total_versus_partial_derivative_E13():
    # f = x1 x2 with x2 = x1^2: dz/dx1 = 3 x1^2 = 6.75 at 1.5, df/dx1 (partial) = x2 = 2.25.
    x1 = np.array([1.5])
    total = numerical_gradient(lambda: float(x1[0] * x1[0] ** 2), x1)
    assert total[0] == pytest.approx(6.75, rel=1e-7)
    x2 = np.array([2.25])
    partial = numerical_gradient(lambda: float(x1[0] * x2[0]), x1)
    assert partial[0] == pytest.approx(2.25, rel=1e-7)


def test_chain_rule_course_graph():
    # J = 3(a + bc) at (5, 3, 2): J = 33, dJ/da = 3, dJ/db = 6, dJ/dc = 9
    p = np.array([5.0, 3.0, 2.0])
    J = lambda: 3 * (p[0] + p[1] * p[2])  # noqa: E731
    assert J() == 33
    np.testing.assert_allclose(numerical_gradient(J, p), [3, 6, 9], rtol=1e-6)


def test_gradient_descent_step_on_quadratic():
    w = np.array([[1.0], [-2.0]])
    grads = {"dW1": w.copy(), "db1": np.zeros((1, 1))}
    out = deep.update_parameters({"W1": w, "b1": np.zeros((1, 1))}, grads, 0.1)
    np.testing.assert_allclose(out["W1"], w * 0.9)


def test_vectorization_equals_loop():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 7))
    w = rng.standard_normal((4, 1))
    b = 0.3
    grads, cost = logistic.propagate(w, b, X, (rng.random((1, 7)) > 0.5).astype(float))
    Z = w.T @ X + b
    loop = np.array([[sum(w[j, 0] * X[j, i] for j in range(4)) + b for i in range(7)]])
    np.testing.assert_allclose(Z, loop, rtol=1e-14)


# ---- logistic regression -------------------------------------------------------------

def test_propagate_gradient_check_and_formula(rng):
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    w = rng.standard_normal((3, 1))
    b = 0.2
    grads, cost = logistic.propagate(w, b, X, Y)
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    np.testing.assert_allclose(grads["dw"], X @ (A - Y).T / 8, rtol=1e-12)
    assert grads["db"] == pytest.approx(np.mean(A - Y), rel=1e-12)
    assert cost == pytest.approx(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)), rel=1e-12)
    res = gradient_check_n(lambda p: logistic.propagate(p["w"], p["b"][0, 0], X, Y)[1],
                           {"w": w, "b": np.array([[b]])},
                           {"dw": grads["dw"], "db": np.array([[grads["db"]]])})
    assert res.difference < 1e-7


def test_propagate_matches_torch_autograd(rng, torch):
    X = rng.standard_normal((5, 11))
    Y = (rng.random((1, 11)) > 0.5).astype(float)
    w = rng.standard_normal((5, 1))
    grads, cost = logistic.propagate(w, -0.1, X, Y)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(-0.1, dtype=torch.float64, requires_grad=True)
    a = torch.sigmoid(wt.T @ torch.tensor(X) + bt)
    loss = torch.nn.functional.binary_cross_entropy(a, torch.tensor(Y))
    loss.backward()
    assert cost == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grads["dw"], wt.grad.numpy(), rtol=1e-10)
    assert grads["db"] == pytest.approx(bt.grad.item(), rel=1e-10)


def test_logistic_model_on_digits():
    from dlnotes.datasets import load_digits, train_test_split

    X, y = load_digits(binary=(3, 8))
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.25, seed=1)
    d = logistic.model(Xtr, ytr.reshape(1, -1), Xte, yte.reshape(1, -1), num_iterations=300,
                       learning_rate=0.5)
    assert d["train_accuracy"] > 97 and d["test_accuracy"] > 95
    assert d["costs"][0] == pytest.approx(np.log(2)) and d["costs"][-1] < d["costs"][0]
    assert d["Y_prediction_test"].shape == (1, Xte.shape[1])


def test_logistic_bad_inputs():
    X = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"w must have shape \(n_x=3, 1\)"):
        logistic.propagate(np.zeros((4, 1)), 0.0, X, np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m=4\)"):
        logistic.propagate(np.zeros((3, 1)), 0.0, X, np.ones((4, 1)))
    with pytest.raises(ValueError, match="learning_rate must be in"):
        logistic.optimize(np.zeros((3, 1)), 0.0, X, np.ones((1, 4)), learning_rate=-1)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        logistic.optimize(np.zeros((3, 1)), 0.0, Xn, np.ones((1, 4)))
    with pytest.raises(TypeError, match="complex"):
        logistic.propagate(np.zeros((3, 1)), 0.0, X.astype(complex), np.ones((1, 4)))


# ---- the deep network ----------------------------------------------------------------

@pytest.mark.parametrize("hidden", ["relu", "tanh", "leaky_relu", "sigmoid"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_L_model_backward_gradient_check(hidden, output, lambd):
    rng = np.random.default_rng(3)
    dims = [4, 5, 3, 3 if output == "softmax" else 1]
    p = initialize_parameters(dims, "xavier", seed=4)
    X = rng.standard_normal((4, 6))
    if output == "softmax":
        Y = np.eye(3)[:, rng.integers(0, 3, 6)]
    else:
        Y = (rng.random((1, 6)) > 0.5).astype(float)

    def cost(q):
        AL, _ = deep.L_model_forward(X, q, hidden, output)
        return deep.compute_cost_with_regularization(AL, Y, q, lambd, output)

    AL, caches = deep.L_model_forward(X, p, hidden, output)
    grads = deep.L_model_backward(AL, Y, caches, lambd=lambd)
    res = gradient_check_n(cost, p, grads)
    assert res.difference < 1e-7, res
    assert set(res.per_parameter) == set(p)
    for k, v in p.items():
        assert grads["d" + k].shape == v.shape


def test_gradient_check_names_the_worst_parameter():
    rng = np.random.default_rng(5)
    p = initialize_parameters([3, 4, 1], "xavier", seed=1)
    X = rng.standard_normal((3, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    AL, caches = deep.L_model_forward(X, p)
    grads = deep.L_model_backward(AL, Y, caches)
    grads["db1"] = grads["db1"] + 1e-2        # a deliberate bug
    res = gradient_check_n(lambda q: deep.compute_cost(deep.L_model_forward(X, q)[0], Y), p,
                           grads)
    assert res.difference > 1e-3 and res.worst_parameter == "b1"
    assert not res.passed()


def test_gradient_check_cubic_and_torch_gradcheck(torch):
    theta = np.random.default_rng(6).standard_normal((7, 1))
    res = gradient_check_n(lambda p: float(np.sum(p["t"] ** 3)), {"t": theta}, {"dt": 3 * theta**2})
    assert res.difference < 1e-9
    assert torch.autograd.gradcheck(lambda t: (t**3).sum(), torch.tensor(theta, requires_grad=True))


def test_relative_difference_definition():
    g, ga = np.array([3.0, 4.0]), np.array([3.0, 4.0 + 1e-6])
    assert relative_difference(g, ga) == pytest.approx(1e-6 / (5 + np.linalg.norm(ga)))
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0


def test_l2_cost_and_gradient_match_torch_weight_decay(torch):
    rng = np.random.default_rng(7)
    p = initialize_parameters([3, 4, 2], "he", seed=2)
    X = rng.standard_normal((3, 5))
    Y = (rng.random((2, 5)) > 0.5).astype(float)
    lambd, m = 0.3, 5
    AL, caches = deep.L_model_forward(X, p)
    J = deep.compute_cost(AL, Y)
    Jr = deep.compute_cost_with_regularization(AL, Y, p, lambd)
    assert Jr - J == pytest.approx(lambd / (2 * m) * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)))
    grads = deep.L_model_backward(AL, Y, caches, lambd=lambd)
    new = deep.update_parameters(p, grads, 0.1)
    # torch: SGD with weight_decay = lambda / m on the weights only
    W1 = torch.tensor(p["W1"], requires_grad=True)
    b1 = torch.tensor(p["b1"], requires_grad=True)
    W2 = torch.tensor(p["W2"], requires_grad=True)
    b2 = torch.tensor(p["b2"], requires_grad=True)
    opt = torch.optim.SGD([{"params": [W1, W2], "weight_decay": lambd / m},
                           {"params": [b1, b2], "weight_decay": 0.0}], lr=0.1)
    a1 = torch.relu(W1 @ torch.tensor(X) + b1)
    a2 = torch.sigmoid(W2 @ a1 + b2)
    loss = torch.nn.functional.binary_cross_entropy(a2, torch.tensor(Y), reduction="sum") / m
    loss.backward()
    opt.step()
    for k, t in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
        np.testing.assert_allclose(new[k], t.detach().numpy(), rtol=1e-12)


def test_network_bad_inputs():
    p = initialize_parameters([3, 4, 1], seed=0)
    X = np.ones((3, 5))
    with pytest.raises(ValueError, match=r"W1 must have shape \(n_1, n_x=5\).*transposed"):
        deep.L_model_forward(X.T, p)
    with pytest.raises(ValueError, match="keep_prob must be in"):
        deep.L_model_forward(X, p, keep_prob=0)
    with pytest.raises(ValueError, match="hidden_activation must be one of"):
        deep.L_model_forward(X, p, hidden_activation="swish")
    with pytest.raises(TypeError, match="X must be a floating"):
        deep.L_model_forward(X.astype(np.int32), p)
    with pytest.raises(ValueError, match="learning_rate must be in"):
        deep.update_parameters(p, {}, -0.1)
    with pytest.raises(ValueError, match="NaN"):
        deep.L_layer_model(np.full((3, 5), np.nan), np.ones((1, 5)), [3, 2, 1])
    with pytest.raises(ValueError, match="parameters must hold"):
        deep.L_model_forward(X, {"W1": np.ones((1, 3))})
    with pytest.raises(ValueError, match=r"layer_dims\[1\] must be in"):
        initialize_parameters([3, 0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_network_keeps_dtype(dtype):
    p = initialize_parameters([3, 4, 2], seed=0, dtype=dtype)
    X = np.ones((3, 5), dtype=dtype)
    AL, caches = deep.L_model_forward(X, p, output_activation="softmax")
    grads = deep.L_model_backward(AL, np.eye(2)[:, [0, 1, 0, 1, 1]], caches)
    assert AL.dtype == dtype and all(g.dtype == dtype for g in grads.values())


# ---- dropout --------------------------------------------------------------------------

def test_dropout_statistics_and_identity():
    A = np.full((1000, 1000), 2.0)
    out, D = regularization.dropout_forward(A, 0.8, seed=0)
    zero_frac = np.mean(out == 0)
    assert abs(zero_frac - 0.2) < 5 * np.sqrt(0.2 * 0.8 / A.size)
    mean = out.mean()
    assert abs(mean - 2.0) < 5 * 2.0 * np.sqrt(0.2 / 0.8 / A.size)
    assert set(np.unique(out)) == {0.0, 2.0 / 0.8}
    same, _ = regularization.dropout_forward(A[:3, :3], 1.0, seed=0)
    np.testing.assert_array_equal(same, A[:3, :3])


def test_dropout_backward_applies_the_mask():
    # numpy-ml's bug: the mask must be applied in backward.
    A = np.arange(1.0, 13.0).reshape(3, 4)
    _, D = regularization.dropout_forward(A, 0.5, seed=1)
    dA = regularization.dropout_backward(np.ones_like(A), D, 0.5)
    np.testing.assert_array_equal(dA, D / 0.5)
    assert (dA == 0).any() and (dA == 2).any()


def test_dropout_matches_torch_semantics(torch):
    A = np.random.default_rng(8).standard_normal((50, 40))
    out = torch.nn.functional.dropout(torch.tensor(A), p=0.3, training=True).numpy()
    mine, _ = regularization.dropout_forward(A, 0.7, seed=0)
    for o in (out, mine):
        ok = np.isclose(o, 0) | np.isclose(o, A / 0.7)
        assert ok.all()


def test_dropout_in_network_is_reproducible_and_off_at_test_time():
    p = initialize_parameters([3, 8, 1], seed=0)
    X = np.random.default_rng(0).standard_normal((3, 4))
    a1, _ = deep.L_model_forward(X, p, keep_prob=0.5, rng=np.random.default_rng(1))
    a2, _ = deep.L_model_forward(X, p, keep_prob=0.5, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a1, a2)
    t1, _ = deep.L_model_forward(X, p)
    t2, _ = deep.L_model_forward(X, p)
    np.testing.assert_array_equal(t1, t2)


def test_dropout_network_gradient_with_fixed_mask():
    rng = np.random.default_rng(9)
    p = initialize_parameters([4, 6, 1], "xavier", seed=3)
    X = rng.standard_normal((4, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    AL, caches = deep.L_model_forward(X, p, keep_prob=0.7, rng=np.random.default_rng(2))
    grads = deep.L_model_backward(AL, Y, caches, keep_prob=0.7)

    def cost(q):  # the same mask every evaluation
        ALq, _ = deep.L_model_forward(X, q, keep_prob=0.7, rng=np.random.default_rng(2))
        return deep.compute_cost(ALq, Y)

    assert gradient_check_n(cost, p, grads).difference < 1e-7


# ---- initializers ---------------------------------------------------------------------

def test_he_variance_and_torch_std(torch):
    W = initialize_weights((1000, 1000), "he", seed=0)
    assert abs(W.var() / 2e-3 - 1) < 0.01
    t = torch.empty(1000, 1000, dtype=torch.float64)
    torch.nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu")
    assert abs(t.std().item() / W.std() - 1) < 0.01
    # A conv filter's fan-in is f*f*n_C_prev.
    Wc = initialize_weights((5, 5, 16, 32), "he", fan_in=5 * 5 * 16, seed=1)
    assert abs(Wc.std() / np.sqrt(2 / 400) - 1) < 0.02


def test_he_keeps_activations_order_one_in_deep_relu_net():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 500))
    for method, ok in [("he", True), ("xavier", False)]:
        p = initialize_parameters([100] * 51, method, seed=1)
        A = X
        for l in range(1, 51):
            A = act.relu(p[f"W{l}"] @ A)
        msq = np.mean(A**2)
        assert (0.1 < msq < 10) == ok, (method, msq)


def test_initializers_reproducible_and_shapes():
    a = initialize_parameters([3, 5, 2], "glorot", seed=7)
    b = initialize_parameters([3, 5, 2], "glorot", seed=7)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    z = initialize_parameters([3, 5, 2], "zeros")
    assert all(not v.any() for v in z.values())
    r = initialize_parameters([3, 5, 2], "random", seed=0)
    assert r["W1"].std() < 0.05
    with pytest.raises(ValueError, match="method must be one of"):
        initialize_parameters([3, 2], "orthogonal")


# ---- bias / variance --------------------------------------------------------------------

def test_bias_variance_reproduces_the_notes_table():
    cols = [(1, 11, "high variance"), (15, 16, "high bias"), (15, 30, "high bias and high variance"),
            (0.5, 1, "low bias and low variance")]
    for train, dev, diagnosis in cols:
        assert diagnose_bias_variance(train, dev, 0).diagnosis == diagnosis
    r = diagnose_bias_variance(15, 16, bayes_error=15)
    assert r.avoidable_bias == 0 and r.variance == 1 and r.attack_first == "nothing"
    # Both high: the course's recipe fixes bias (training error) first.
    assert diagnose_bias_variance(15, 30).attack_first == "bias"
    r = diagnose_bias_variance(1, 11)
    assert r.attack_first == "variance" and "regularization (L2, dropout)" in r.remedies
    with pytest.raises(ValueError, match="bayes_error"):
        diagnose_bias_variance(1, 2, bayes_error=10)
    with pytest.raises(ValueError, match="train_error must be in"):
        diagnose_bias_variance(-1, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_and_yolo_use_the_one_softmax(dtype, rng):
    """Issue 11: the attention weights and YOLO's class probabilities are nn.activations'
    softmax, bit for bit (one stable-softmax definition, shared through its private helper)."""
    from dlnotes.nlp.attention import attention_weights
    from dlnotes.nn.activations import softmax
    from dlnotes.vision.yolo import yolo_decode

    e = (rng.standard_normal((3, 4, 7)) * 30).astype(dtype)
    np.testing.assert_array_equal(attention_weights(e), softmax(e, axis=-1))
    feats = rng.standard_normal((2, 3, 2, 5 + 4)).astype(dtype)
    probs = yolo_decode(feats, np.ones((2, 2), dtype))[3]
    assert probs.dtype == dtype
    np.testing.assert_array_equal(probs, softmax(feats[..., 5:], axis=-1))
