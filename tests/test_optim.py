"""Optimisation chapter: update rules, schedules, mini-batches (errata 1.16-1.22)."""
import math

import numpy as np
import pytest

from dlnotes.layers import Activation, Dense, Sequential
from dlnotes.optim import (SGD, Adam, CosineDecay, ExponentialDecay, InverseSqrtDecay, InverseTimeDecay,
                           ManualSchedule, Momentum, RMSprop, ScheduledDecay, exponential_decay,
                           initialize_adam, initialize_rmsprop, initialize_velocity,
                           inverse_sqrt_decay, inverse_time_decay, mini_batch_indices,
                           random_mini_batches, schedule_lr_decay, update_lr, cosine_decay,
                           update_parameters_with_adam, update_parameters_with_gd,
                           update_parameters_with_momentum, update_parameters_with_rmsprop)

N_STEPS = 7


# ----------------------------------------------------------------------------------------
# NumPy transcriptions of the notes' formulas (written here, independently of dlnotes)
def ref_gd(W, grads, alpha):
    out = []
    for g in grads:
        W = W - alpha * g
        out.append(W.copy())
    return out


def ref_momentum(W, grads, alpha, beta):
    v = np.zeros_like(W)
    out = []
    for g in grads:
        v = beta * v + (1 - beta) * g
        W = W - alpha * v
        out.append(W.copy())
    return out


def ref_rmsprop(W, grads, alpha, beta2, eps, inside=False):
    s = np.zeros_like(W)
    out = []
    for g in grads:
        s = beta2 * s + (1 - beta2) * g ** 2
        W = W - alpha * g / (np.sqrt(s + eps) if inside else np.sqrt(s) + eps)
        out.append(W.copy())
    return out


def ref_adam(W, grads, alpha, b1, b2, eps):
    v = np.zeros_like(W)
    s = np.zeros_like(W)
    out = []
    for t, g in enumerate(grads, start=1):
        v = b1 * v + (1 - b1) * g
        s = b2 * s + (1 - b2) * g ** 2
        vc = v / (1 - b1 ** t)
        sc = s / (1 - b2 ** t)
        W = W - alpha * vc / (np.sqrt(sc) + eps)
        out.append(W.copy())
    return out


CASES = [
    ("sgd", lambda: SGD(0.1), lambda W, G: ref_gd(W, G, 0.1)),
    ("momentum", lambda: Momentum(0.05, beta=0.8), lambda W, G: ref_momentum(W, G, 0.05, 0.8)),
    ("rmsprop", lambda: RMSprop(0.01, beta2=0.9, epsilon=1e-6),
     lambda W, G: ref_rmsprop(W, G, 0.01, 0.9, 1e-6)),
    ("rmsprop-inside", lambda: RMSprop(0.01, beta2=0.9, epsilon=1e-3, eps_inside=True),
     lambda W, G: ref_rmsprop(W, G, 0.01, 0.9, 1e-3, inside=True)),
    ("adam", lambda: Adam(0.02, 0.85, 0.99, 1e-7),
     lambda W, G: ref_adam(W, G, 0.02, 0.85, 0.99, 1e-7)),
]


def _grad_seq(rng, shape, dtype=np.float64):
    return [rng.standard_normal(shape).astype(dtype) * 10.0 ** rng.integers(-3, 2)
            for _ in range(N_STEPS)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_object_matches_numpy_transcription(name, make, ref, dtype, rng):
    W0 = rng.standard_normal((4, 3)).astype(dtype)
    b0 = rng.standard_normal((4, 1)).astype(dtype)
    GW, Gb = _grad_seq(rng, W0.shape, dtype), _grad_seq(rng, b0.shape, dtype)
    params = {"W1": W0.copy(), "b1": b0.copy()}
    W_id = id(params["W1"])
    opt = make()
    refW = ref(W0.astype(np.float64), [g.astype(np.float64) for g in GW])
    refb = ref(b0.astype(np.float64), [g.astype(np.float64) for g in Gb])
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for k in range(N_STEPS):
        opt.step(params, {"W1": GW[k], "b1": Gb[k]})
        assert opt.t == k + 1
        assert id(params["W1"]) == W_id and params["W1"].dtype == dtype  # in place, dtype kept
        np.testing.assert_allclose(params["W1"], refW[k], **tol)
        np.testing.assert_allclose(params["b1"], refb[k], **tol)


FUNCTIONAL = {
    "sgd": lambda p, g, st, t: (update_parameters_with_gd(p, g, 0.1), st),
    "momentum": lambda p, g, st, t: update_parameters_with_momentum(p, g, st, 0.8, 0.05),
    "rmsprop": lambda p, g, st, t: update_parameters_with_rmsprop(p, g, st, 0.01, 0.9, 1e-6),
    "rmsprop-inside": lambda p, g, st, t: update_parameters_with_rmsprop(
        p, g, st, 0.01, 0.9, 1e-3, eps_inside=True),
    "adam": lambda p, g, st, t: update_parameters_with_adam(
        p, g, st[0], st[1], t, 0.02, 0.85, 0.99, 1e-7)[:3],
}


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_course_functions_match_transcription_and_leave_inputs(name, make, ref, rng):
    W0, b0 = rng.standard_normal((3, 5)), rng.standard_normal((3, 1))
    GW, Gb = _grad_seq(rng, W0.shape), _grad_seq(rng, b0.shape)
    params = {"W1": W0.copy(), "b1": b0.copy()}
    st = {"sgd": None, "momentum": initialize_velocity(params),
          "rmsprop": initialize_rmsprop(params), "rmsprop-inside": initialize_rmsprop(params),
          "adam": initialize_adam(params)}[name]
    refW = ref(W0, GW)
    for k in range(N_STEPS):
        before = params["W1"]
        snapshot = before.copy()
        out = FUNCTIONAL[name](params, {"dW1": GW[k], "db1": Gb[k]}, st, k + 1)
        params = out[0]
        st = out[1] if len(out) == 2 else out[1:]
        np.testing.assert_array_equal(before, snapshot)  # caller's array untouched
        np.testing.assert_allclose(params["W1"], refW[k], rtol=1e-12, atol=1e-14)


def test_adam_returns_bias_corrected_moments(rng):
    p = {"W1": rng.standard_normal((2, 2))}
    g = {"dW1": rng.standard_normal((2, 2))}
    v, s = initialize_adam(p)
    _, v, s, vc, sc = update_parameters_with_adam(p, g, v, s, 1, 0.01)
    np.testing.assert_allclose(vc["dW1"], g["dW1"], rtol=1e-12)      # v/(1-b1) at t=1
    np.testing.assert_allclose(sc["dW1"], g["dW1"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(v["dW1"], 0.1 * g["dW1"], rtol=1e-12)


# ----------------------------------------------------------------------------------------
# PyTorch torch.optim as a second oracle
def _torch_run(torch, make_opt, W0, grads):
    w = torch.nn.Parameter(torch.tensor(W0.copy(), dtype=torch.float64))
    opt = make_opt([w])
    out = []
    for g in grads:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(w.detach().numpy().copy())
    return out


TORCH_CASES = [
    # Momentum: torch's buffer b_t = beta b_{t-1} + g_t (b_1 = g_1) is v_t / (1 - beta), so the
    # notes' rule with (alpha, beta) IS torch SGD(lr=alpha (1-beta), momentum=beta, dampening=0).
    ("momentum", lambda: Momentum(0.1, beta=0.9),
     lambda t, ps: t.optim.SGD(ps, lr=0.1 * (1 - 0.9), momentum=0.9, dampening=0)),
    ("sgd", lambda: SGD(0.3), lambda t, ps: t.optim.SGD(ps, lr=0.3)),
    # RMSprop: same definition (torch's alpha is the notes' beta2, eps outside the root).
    ("rmsprop", lambda: RMSprop(0.01, beta2=0.99, epsilon=1e-8),
     lambda t, ps: t.optim.RMSprop(ps, lr=0.01, alpha=0.99, eps=1e-8, momentum=0,
                                   centered=False)),
    # Adam: identical expression (Kingma & Ba Algorithm 1).
    ("adam", lambda: Adam(1e-2, 0.9, 0.999, 1e-8),
     lambda t, ps: t.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)),
]


@pytest.mark.parametrize("name,make,make_torch", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_matches_torch_optim_step_for_step(name, make, make_torch, torch, rng):
    W0 = rng.standard_normal((5, 4))
    grads = _grad_seq(rng, W0.shape)
    ref = _torch_run(torch, lambda ps: make_torch(torch, ps), W0, grads)
    opt = make()
    p = {"W": W0.copy()}
    for k, g in enumerate(grads):
        opt.step(p, {"W": g})
        np.testing.assert_allclose(p["W"], ref[k], rtol=1e-12, atol=1e-15)


def test_momentum_errata_1_17_numbers(torch):
    grads = [1.0, 0.5, -0.25, 2.0]
    p = {"W": np.array([1.0])}
    opt = Momentum(0.1, beta=0.9)
    for g in grads:
        opt.step(p, {"W": np.array([g])})
    ref = _torch_run(torch, lambda ps: torch.optim.SGD(ps, lr=0.1 * 0.1, momentum=0.9,
                                                       dampening=0),
                     np.array([1.0]), [np.array([g]) for g in grads])[-1]
    assert p["W"][0] == pytest.approx(0.93681, abs=5e-6)
    np.testing.assert_allclose(p["W"], ref, rtol=1e-14)
    # dampening=beta is NOT the same rule (torch fills the buffer with g at step 1)
    damp = _torch_run(torch, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.9),
                      np.array([1.0]), [np.array([g]) for g in grads])[-1]
    assert abs(damp[0] - p["W"][0]) > 1e-3


def test_rmsprop_errata_1_18_epsilon_placement():
    g = np.array([1e-6])
    out = RMSprop(1.0, beta2=0.999, epsilon=1e-8)
    ins = RMSprop(1.0, beta2=0.999, epsilon=1e-8, eps_inside=True)
    p1, p2 = {"W": np.zeros(1)}, {"W": np.zeros(1)}
    out.step(p1, {"W": g})
    ins.step(p2, {"W": g})
    assert -p1["W"][0] == pytest.approx(24.03, abs=0.005)
    assert -p2["W"][0] == pytest.approx(0.0100, abs=5e-5)
    # eps-inside option against alpha g / sqrt((1-beta2) g^2 + eps) at step 1
    assert -p2["W"][0] == pytest.approx(1e-6 / math.sqrt(1e-3 * 1e-12 + 1e-8), rel=1e-12)
    # for g = 0.5 the two forms agree to about 2e-5 relative
    q1, q2 = {"W": np.zeros(1)}, {"W": np.zeros(1)}
    RMSprop(1.0, 0.999, 1e-8).step(q1, {"W": np.array([0.5])})
    RMSprop(1.0, 0.999, 1e-8, eps_inside=True).step(q2, {"W": np.array([0.5])})
    rel = abs(q1["W"][0] - q2["W"][0]) / abs(q1["W"][0])
    assert 1e-6 < rel < 5e-5


def test_adam_errata_1_19_first_step():
    p = {"W": np.zeros(3)}
    Adam(1e-3).step(p, {"W": np.array([0.5, -2.0, 1e-3])})
    np.testing.assert_allclose(p["W"], [-9.9999998e-4, 9.99999995e-4, -9.9999e-4], rtol=1e-7)


def test_one_gd_step_on_half_square_norm():
    p = {"W": np.array([2.0, -4.0])}
    SGD(0.25).step(p, {"W": p["W"].copy()})  # J = ||w||^2 / 2 -> dJ/dw = w
    np.testing.assert_allclose(p["W"], [1.5, -3.0])


# ----------------------------------------------------------------------------------------
# Layers, state, validation
def test_step_on_sequential_params_updates_leaf_layers_in_place(rng):
    net = Sequential([Dense(3, 4, seed=0), Activation("relu"), Dense(4, 2, seed=1)])
    X = rng.standard_normal((3, 6))
    net.forward(X)
    net.backward(rng.standard_normal((2, 6)))
    W0 = net[0].params["W"].copy()
    dW = net[0].grads["W"].copy()
    opt = SGD(0.5)
    opt.step(net.params, net.grads)
    np.testing.assert_allclose(net[0].params["W"], W0 - 0.5 * dW)
    # step_layers is the same thing read from the layers; state keyed by their dotted names
    net.forward(X)
    net.backward(rng.standard_normal((2, 6)))
    W1, dW1 = net[2].params["W"].copy(), net[2].grads["W"].copy()
    adam = Adam(0.01)
    adam.step_layers(net)
    assert set(adam.state) == {"0.W", "0.b", "2.W", "2.b"}
    np.testing.assert_allclose(net[2].params["W"], W1 - 0.01 * dW1 / (np.abs(dW1) + 1e-8),
                               rtol=1e-10)


def test_state_dict_round_trip_continues_identically(rng):
    W0 = rng.standard_normal((3, 3))
    grads = _grad_seq(rng, W0.shape)
    a = Adam(0.01)
    pa = {"W": W0.copy()}
    for g in grads[:3]:
        a.step(pa, {"W": g})
    sd = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    b = Adam(0.01)
    b.load_state_dict(sd)
    pb = {"W": pa["W"].copy()}
    for g in grads[3:]:
        a.step(pa, {"W": g})
        b.step(pb, {"W": g})
    np.testing.assert_array_equal(pa["W"], pb["W"])
    assert b.t == a.t == len(grads)
    with pytest.raises(ValueError, match="unexpected optimizer state"):
        Momentum().load_state_dict(sd)
    assert b.t == len(grads)


BAD = [
    (lambda: SGD(-0.1), ValueError, r"learning_rate must be in \[0"),
    (lambda: Momentum(0.1, beta=1.0), ValueError, r"beta must be in \[0.0, 1.0\)"),
    (lambda: Momentum(0.1, beta=-0.1), ValueError, "beta must be in"),
    (lambda: RMSprop(0.1, beta2=1.5), ValueError, "beta2 must be in"),
    (lambda: RMSprop(0.1, epsilon=0.0), ValueError, r"epsilon must be in \(0"),
    (lambda: Adam(0.1, beta1=1.0), ValueError, "beta1 must be in"),
    (lambda: Adam(0.1, beta2=-1e-3), ValueError, "beta2 must be in"),
    (lambda: Adam(0.1, epsilon=-1e-8), ValueError, "epsilon must be in"),
    (lambda: Adam(float("nan")), ValueError, "learning_rate must be finite"),
    (lambda: Adam("fast"), TypeError, "learning_rate must be a non-negative float"),
    (lambda: RMSprop(eps_inside="yes"), TypeError, "eps_inside must be a bool"),
    (lambda: update_parameters_with_momentum({"W": np.ones(2)}, {"dW": np.ones(2)},
                                             {"dW": np.zeros(2)}, 1.0, 0.1),
     ValueError, "beta must be in"),
    (lambda: update_parameters_with_gd({"W": np.ones(2)}, {"dW": np.ones(2)}, -1.0),
     ValueError, "learning_rate must be in"),
    (lambda: update_parameters_with_gd({"W": np.ones(2)}, {"dW": np.ones(3)}, 0.1),
     ValueError, "must have shape"),
    (lambda: update_parameters_with_adam({"W": np.ones(2)}, {"dW": np.ones(2)},
                                         {"dW": np.zeros(2)}, {"dW": np.zeros(2)}, 0),
     ValueError, r"t must be in \[1"),
    (lambda: update_parameters_with_adam({"W": np.ones(2)}, {"dW": np.ones(2)},
                                         {"dW": np.zeros(2)}, {"dW": np.zeros(2)}, 1,
                                         epsilon=0.0),
     ValueError, "epsilon must be in"),
    (lambda: update_parameters_with_rmsprop({"W": np.ones(2)}, {"dW": np.ones(2)},
                                            {"dW": np.zeros(2)}, 0.1, beta2=1.0),
     ValueError, "beta2 must be in"),
    (lambda: random_mini_batches(np.ones((2, 5)), np.ones((1, 5)), 0), ValueError,
     "mini_batch_size must be in"),
    (lambda: random_mini_batches(np.ones((2, 5)), np.ones((1, 4)), 2), ValueError,
     r"Y must have shape \(n_y, m=5\)"),
    (lambda: SGD(0.1).step({"W": np.ones(2)}, {"W": np.ones(3)}), ValueError,
     "gradient of 'W' must have shape"),
    (lambda: SGD(0.1).step({"W": np.ones(2)}, {"V": np.ones(2)}), KeyError, "no entry"),
    (lambda: inverse_sqrt_decay(0.1, 0), ValueError, r"epoch_num must be in \[1"),
    (lambda: exponential_decay(0.1, 1, base=0.0), ValueError, "base must be in"),
    (lambda: schedule_lr_decay(0.1, 3, 1.0, time_interval=0), ValueError, "time_interval"),
    (lambda: ManualSchedule([]), ValueError, "rates must not be empty"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_hyperparameters_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_failed_step_changes_nothing():
    opt = Adam(0.1)
    p = {"A": np.ones(2), "B": np.ones(2)}
    with pytest.raises(ValueError):
        opt.step(p, {"A": np.ones(2), "B": np.ones(5)})
    np.testing.assert_array_equal(p["A"], 1.0)
    assert opt.t == 0 and not opt.state


# ----------------------------------------------------------------------------------------
# Mini-batches (errata 1.16)
@pytest.mark.parametrize("m,size", [(148, 64), (128, 64), (5, 1), (3, 10), (1, 1)])
def test_random_mini_batches_partition(m, size, rng):
    X = rng.standard_normal((3, m))
    Y = np.arange(m)[None, :] * 1.0
    batches = random_mini_batches(X, Y, size, seed=3)
    sizes = [yb.shape[1] for _, yb in batches]
    full, rest = divmod(m, size)
    assert sizes == [size] * full + ([rest] if rest else [])
    idx = np.concatenate([yb[0] for _, yb in batches]).astype(int)
    assert sorted(idx) == list(range(m))              # a partition of a permutation
    for xb, yb in batches:                            # X/Y pairs preserved
        np.testing.assert_array_equal(xb, X[:, yb[0].astype(int)])
    again = random_mini_batches(X, Y, size, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again))


def test_mini_batches_empty_and_views(rng):
    assert random_mini_batches(np.zeros((2, 0)), np.zeros((1, 0)), 4) == []
    X = rng.standard_normal((6, 9))[:, ::-1]
    b = random_mini_batches(X[::2], np.ones((1, 9)), 4, seed=0)
    assert [xb.shape for xb, _ in b] == [(3, 4), (3, 4), (3, 1)]
    assert len(mini_batch_indices(10, 3, shuffle=False)) == 4


# ----------------------------------------------------------------------------------------
# Learning-rate decay (errata 1.21)
def test_decay_errata_1_21_numbers(torch):
    lr0 = 0.2
    inv = [inverse_time_decay(lr0, e, 1.0) for e in (1, 2, 3, 4)]
    np.testing.assert_allclose(inv, [0.1, 0.2 / 3, 0.05, 0.04], rtol=1e-12)
    assert [update_lr(lr0, e, 1.0) for e in (1, 2, 3, 4)] == inv
    exp = [exponential_decay(lr0, e, 0.95) for e in (1, 2, 3, 4)]
    np.testing.assert_allclose(exp, [0.19, 0.1805, 0.171475, 0.16290125], rtol=1e-12)
    # the same values from torch.optim.lr_scheduler.LambdaLR (epoch e after e scheduler steps)
    for fn, ours in ((lambda e: 1 / (1 + e), inv), (lambda e: 0.95 ** e, exp)):
        w = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([w], lr=lr0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, fn)
        got = []
        for _ in range(4):
            opt.step()
            sched.step()
            got.append(opt.param_groups[0]["lr"])
        np.testing.assert_allclose(got, ours, rtol=1e-12)


def test_cosine_decay_equals_pytorch_cosine_annealing(torch):
    lr0, E = 0.3, 7
    for frac in (0.0, 0.1):
        # the notes-style transcription, then torch's scheduler after e steps
        ref = [frac * lr0 + 0.5 * (lr0 - frac * lr0) * (1 + math.cos(math.pi * min(e, E) / E))
               for e in range(E + 3)]
        ours = [cosine_decay(lr0, e, E, final_fraction=frac) for e in range(E + 3)]
        np.testing.assert_allclose(ours, ref, rtol=1e-12)
        w = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([w], lr=lr0)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=E, eta_min=frac * lr0)
        got = [opt.param_groups[0]["lr"]]
        for _ in range(E):
            opt.step()
            sched.step()
            got.append(opt.param_groups[0]["lr"])
        np.testing.assert_allclose(got, ours[:E + 1], rtol=1e-9, atol=1e-15)
        sch = CosineDecay(lr0, E, final_fraction=frac)   # fit's epochs are 1-based
        assert [sch(e) for e in range(1, E + 4)] == ours[:E + 3]
    assert cosine_decay(1.0, 0, 5) == 1.0 and cosine_decay(1.0, 5, 5) == 0.0
    with pytest.raises(ValueError, match="epochs"):
        CosineDecay(0.1, 0)
    with pytest.raises(ValueError, match="final_fraction"):
        cosine_decay(0.1, 1, 5, final_fraction=1.5)


def test_other_decays_and_schedule_objects():
    assert inverse_sqrt_decay(0.1, 4, k=0.5) == pytest.approx(0.025)
    assert exponential_decay(0.1, 3, base=0.5) == pytest.approx(0.0125)
    sched = [schedule_lr_decay(0.5, e, 1.0, time_interval=10) for e in (0, 9, 10, 19, 20)]
    np.testing.assert_allclose(sched, [0.5, 0.5, 0.25, 0.25, 0.5 / 3])
    assert InverseTimeDecay(0.2, 1.0)(1) == pytest.approx(0.1)
    assert InverseTimeDecay(0.2, 1.0, epoch_offset=-1)(1) == pytest.approx(0.2)  # assignment
    assert ExponentialDecay(1.0, 0.9)(2) == pytest.approx(0.81)
    assert InverseSqrtDecay(1.0, 2.0)(4) == pytest.approx(1.0)
    assert ScheduledDecay(1.0, 1.0, 2)(5) == pytest.approx(1 / 3)
    man = ManualSchedule([0.3, 0.2, 0.1])
    assert [man(e) for e in (1, 2, 3, 7)] == [0.3, 0.2, 0.1, 0.1]
    assert ManualSchedule(lambda e: 1.0 / e)(4) == 0.25


def test_optimizer_uses_schedule_at_its_epoch():
    opt = SGD(InverseTimeDecay(0.2, 1.0))
    p = {"W": np.zeros(1)}
    opt.step(p, {"W": np.ones(1)})       # epoch 1: lr = 0.1
    opt.set_epoch(4)                     # lr = 0.04
    opt.step(p, {"W": np.ones(1)})
    assert p["W"][0] == pytest.approx(-0.14)
    assert SGD(lambda e: 0.5 / e).lr == 0.5


# ----------------------------------------------------------------------------------------
# Convergence "as theory says" (iterations to tolerance are recorded in the test report:
# run pytest with -rA or -s to see them; the docs quote the same numbers)
def _iterations_to_tol(opt, grad, x0, xstar, tol, maxit, decay=False):
    p = {"x": np.array(x0, dtype=float)}
    for it in range(1, maxit + 1):
        if decay:
            opt.set_epoch(it)
        opt.step(p, {"x": grad(p["x"])})
        if np.linalg.norm(p["x"] - xstar) < tol:
            return it
    return None


def test_badly_conditioned_quadratic(record_property, capsys):
    r"""f(x) = (x_1^2 + kappa x_2^2) / 2.  Theory: GD with the best alpha = 2/(L+mu) contracts
    by (kappa-1)/(kappa+1) per step (iterations ~ kappa); heavy-ball momentum with its optimal
    (alpha, beta) by (sqrt(kappa)-1)/(sqrt(kappa)+1) (iterations ~ sqrt(kappa)); RMSprop and
    Adam rescale each coordinate by 1/sqrt(s), so on an axis-aligned quadratic their iteration
    count does not depend on kappa at all."""
    iters = {}
    for kappa in (100.0, 400.0):
        H = np.array([1.0, kappa])
        grad = lambda x, H=H: H * x  # noqa: E731
        q = np.sqrt(kappa)
        beta = ((q - 1) / (q + 1)) ** 2
        hb_lr = 4.0 / (q + 1) ** 2          # torch/heavy-ball step = alpha (1 - beta)
        opts = {"gd": SGD(2.0 / (kappa + 1)), "momentum": Momentum(hb_lr / (1 - beta), beta),
                "rmsprop": RMSprop(0.03, beta2=0.9), "adam": Adam(0.03)}
        for name, opt in opts.items():
            iters[name, kappa] = _iterations_to_tol(opt, grad, [1.0, 1.0], 0.0, 1e-6, 20000)
    with capsys.disabled():
        print("\nquadratic, iterations to |x - x*| < 1e-6:",
              {f"{k[0]}@kappa={k[1]:g}": v for k, v in iters.items()})
    record_property("quadratic_iterations", {f"{k[0]}@{k[1]:g}": v for k, v in iters.items()})
    assert all(v is not None for v in iters.values())
    for kappa in (100.0, 400.0):
        rate_gd = (kappa - 1) / (kappa + 1)
        rate_mom = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        # within a small factor of the linear-rate prediction log(tol) / log(rate)
        assert iters["gd", kappa] <= 1.2 * np.log(1e-6) / np.log(rate_gd) + 20
        assert iters["momentum", kappa] <= 2.0 * np.log(1e-6) / np.log(rate_mom) + 20
        assert iters["momentum", kappa] < iters["gd", kappa] / 5
    # scaling with the condition number: ~4x for GD, ~2x for momentum, 1x for RMSprop/Adam
    assert 3.5 < iters["gd", 400.0] / iters["gd", 100.0] < 4.5
    assert 1.6 < iters["momentum", 400.0] / iters["momentum", 100.0] < 2.6
    assert iters["rmsprop", 400.0] == iters["rmsprop", 100.0]
    assert iters["adam", 400.0] == iters["adam", 100.0]


def _rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
                     200 * (x[1] - x[0] ** 2)])


def test_rosenbrock(record_property, capsys):
    """f = (1-x)^2 + 100 (y-x^2)^2 from (-1.5, 2): Momentum and Adam reach 1e-4 of (1, 1) with a
    constant rate; constant-rate RMSprop only reaches a neighbourhood of size ~alpha (its step
    tends to alpha sign(g) in a 2-cycle), and converges once the rate decays."""
    xstar, x0, tol = np.array([1.0, 1.0]), [-1.5, 2.0], 1e-4
    iters = {
        "momentum": _iterations_to_tol(Momentum(0.02, 0.9), _rosenbrock_grad, x0, xstar, tol,
                                       20000),
        "adam": _iterations_to_tol(Adam(0.05), _rosenbrock_grad, x0, xstar, tol, 20000),
        "rmsprop+decay": _iterations_to_tol(RMSprop(InverseTimeDecay(1e-2, 1e-2), beta2=0.99),
                                            _rosenbrock_grad, x0, xstar, tol, 30000, decay=True),
    }
    with capsys.disabled():
        print("\nRosenbrock, iterations to |x - (1,1)| < 1e-4:", iters)
    record_property("rosenbrock_iterations", iters)
    assert all(v is not None for v in iters.values()), iters
    # constant-rate RMSprop stalls at a distance of order alpha
    p = {"x": np.array(x0)}
    opt = RMSprop(1e-2, beta2=0.99)
    dist = []
    for it in range(1, 7001):
        opt.step(p, {"x": _rosenbrock_grad(p["x"])})
        if it % 1000 == 0:
            dist.append(np.linalg.norm(p["x"] - xstar))
    assert 1e-2 < dist[-1] < 1e-1 and dist[-1] > 0.95 * dist[-2]


# ----------------------------------------------------------------------------------------
# Digits: Adam vs plain mini-batch gradient descent
def _digits():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn ships the digits")
    d = datasets.load_digits()
    X = (d.data / 16.0).T
    Y = np.eye(10)[:, d.target]
    perm = np.random.default_rng(1).permutation(X.shape[1])
    tr, dv = perm[:1297], perm[1297:]
    return X[:, tr], Y[:, tr], X[:, dv], Y[:, dv]


def _epochs_to(h, target):
    hits = [i + 1 for i, a in enumerate(h["val_accuracy"]) if a >= target]
    return hits[0] if hits else None


def test_adam_beats_minibatch_gd_on_digits(record_property, capsys):
    from dlnotes.models import Model

    Xtr, Ytr, Xdv, Ydv = _digits()

    def train(opt, epochs=20):
        net = [Dense(64, 64, seed=11), Activation("relu"), Dense(64, 10, seed=21)]
        return Model(net).fit(Xtr, Ytr, epochs=epochs, batch_size=64, optimizer=opt,
                              validation_data=(Xdv, Ydv), seed=1, progress=False)

    runs = {"adam 0.01": train(Adam(0.01)), "gd 0.01": train(SGD(0.01)),
            "gd 0.3": train(SGD(0.3)), "gd 1.0": train(SGD(1.0))}
    target = 0.96
    reach = {k: _epochs_to(h, target) for k, h in runs.items()}
    with capsys.disabled():
        print(f"\ndigits, epochs to dev accuracy {target}:", reach)
    record_property("digits_epochs_to_0.96", reach)
    # the course's comparison (same alpha): GD does not get there in 20 epochs
    assert reach["adam 0.01"] is not None and reach["adam 0.01"] <= 8
    assert reach["gd 0.01"] is None
    # and Adam is faster than GD with a tuned (much larger) learning rate
    best_gd = min(v for k, v in reach.items() if k.startswith("gd") and v is not None)
    assert reach["adam 0.01"] < best_gd


def test_noncontiguous_and_empty_parameters_update_in_place(rng):
    base = rng.standard_normal((6, 8))
    view = base[::2, ::-1]                       # non-contiguous, negative stride
    g = rng.standard_normal(view.shape)
    expect = ref_adam(view.copy(), [g], 0.1, 0.9, 0.999, 1e-8)[0]
    opt = Adam(0.1)
    opt.step({"W": view}, {"W": g[:, ::-1][:, ::-1]})
    np.testing.assert_allclose(base[::2, ::-1], expect, rtol=1e-12)
    untouched = base[1::2].copy()
    np.testing.assert_array_equal(base[1::2], untouched)
    e = {"W": np.zeros((0, 3))}
    Momentum(0.1).step(e, {"W": np.zeros((0, 3))})
    assert e["W"].shape == (0, 3)


# ----------------------------------------------------------------------------------------
# issue 10 regressions: layouts, dtypes and counters at the optimizer boundary
@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1),
                                  lambda: RMSprop(0.01), lambda: Adam(0.01)])
@pytest.mark.parametrize("layout", ["F", "T", "neg"])
def test_step_keeps_state_for_any_parameter_layout(make, layout, rng):
    """Momentum/RMSprop/Adam kept their state in a Fortran-ordered copy (issue 10, defect 2):
    a Fortran, transposed or reversed parameter must follow the C-ordered trajectory."""
    W0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(4)]
    ref, opt_ref = W0.copy(), make()
    if layout == "F":
        p = np.asfortranarray(W0)
    elif layout == "T":
        p = np.ascontiguousarray(W0.T).T
    else:
        p = np.ascontiguousarray(W0[::-1])[::-1]
    assert not p.flags.c_contiguous
    opt = make()
    for g in grads:
        opt_ref.step({"W": ref}, {"W": g})
        opt.step({"W": p}, {"W": np.asfortranarray(g)})
    np.testing.assert_allclose(p, ref, rtol=1e-14, atol=1e-15)
    for st in opt.state.values():
        assert all(a.flags.c_contiguous for a in st.values())


def test_momentum_fortran_reproducer_from_the_issue():
    p = np.asfortranarray(np.ones((3, 4)))
    o = Momentum(0.1)
    for _ in range(3):
        o.step({"W": p}, {"W": np.ones((3, 4))})
    assert p[0, 0] == pytest.approx(0.9439)


def test_step_refuses_complex_float16_readonly_and_object():
    """Complex gradients lost their imaginary part; float16 / read-only parameters reached
    Cython's 'No matching signature found' (issue 10, defects 3 and 4)."""
    p = np.ones(2)
    with pytest.raises(TypeError, match=r"gradient of 'W' must be a real float array.*complex"):
        SGD(1.0).step({"W": p}, {"W": np.array([1 + 5j, 1])})
    with pytest.raises(TypeError, match=r"gradient of 'W'.*object"):
        SGD(1.0).step({"W": p}, {"W": np.array([1, None], dtype=object)})
    np.testing.assert_array_equal(p, 1.0)
    with pytest.raises(TypeError, match=r"params\['W'\] must be a float32 or float64.*float16"):
        Adam().step({"W": np.ones(2, np.float16)}, {"W": np.ones(2)})
    ro = np.ones(2)
    ro.flags.writeable = False
    for opt in (SGD(1.0), Momentum(), RMSprop(), Adam()):
        with pytest.raises(ValueError, match=r"params\['W'\] is read-only"):
            opt.step({"W": ro}, {"W": np.ones(2)})
        assert opt.t == 0
    np.testing.assert_array_equal(ro, 1.0)


def test_adam_bias_correction_survives_huge_step_counters():
    """``t = 10**400`` raised OverflowError in beta**t (issue 10, defect 12): beta**t is 0 there."""
    g = np.array([0.5, -2.0])
    p = np.zeros(2)
    opt = Adam(0.1)
    opt.t = 10**400
    opt.step({"W": p}, {"W": g})
    v, s = 0.1 * g, 0.001 * g**2           # bias corrections are exactly 1
    np.testing.assert_allclose(p, -0.1 * v / (np.sqrt(s) + 1e-8), rtol=1e-12)
    params = {"W": np.zeros(2)}
    v0, s0 = initialize_adam(params)
    out = update_parameters_with_adam(params, {"dW": g}, v0, s0, 10**400, learning_rate=0.1)[0]
    np.testing.assert_allclose(out["W"], p, rtol=1e-12)


def test_load_state_dict_gives_c_ordered_state(rng):
    opt = Momentum(0.1)
    opt.load_state_dict({"t": np.array(2), "epoch": np.array(1),
                         "v:W": np.asfortranarray(rng.standard_normal((3, 4)))})
    assert opt.state["W"]["v"].flags.c_contiguous
