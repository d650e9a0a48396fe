"""OpInfo descriptions of the Basic NN chapter's losses and layers."""
import numpy as np

from dlnotes.nn import deep, losses, regularization
from dlnotes.nn.gradcheck import gradient_check_n
from opinfo import ErrorInput, OpInfo, SampleInput


def _prob_samples(rng, dtype):
    for n, m in [(1, 7), (3, 5), (1, 1), (10, 33)]:
        A = rng.uniform(0.02, 0.98, (n, m)).astype(dtype)
        Y = (rng.random((n, m)) < 0.5).astype(dtype)
        yield SampleInput((A, Y), desc=f"({n},{m})")


def _softmax_samples(rng, dtype):
    for n, m in [(3, 5), (10, 1), (2, 40)]:
        Z = (rng.standard_normal((n, m)) * 3).astype(dtype)
        Y = np.eye(n, dtype=dtype)[:, rng.integers(0, n, m)]
        yield SampleInput((Z, Y), desc=f"({n},{m})")
    Z = np.array([[1000.0, -1000.0], [0.0, 0.0]], dtype=dtype)
    yield SampleInput((Z, np.array([[0, 1], [1, 0]], dtype=dtype)), desc="saturated")


def _logit_samples(rng, dtype):
    for n, m in [(1, 6), (4, 3)]:
        Z = (rng.standard_normal((n, m)) * 4).astype(dtype)
        Y = (rng.random((n, m)) < 0.5).astype(dtype)
        yield SampleInput((Z, Y), desc=f"({n},{m})")
    yield SampleInput((np.array([[800.0, -800.0]], dtype=dtype),
                       np.array([[0.0, 1.0]], dtype=dtype)), desc="saturated")


def _loss_errors():
    yield ErrorInput((np.ones((2, 3)), np.ones((3, 2))), match=r"Y must have the shape")
    yield ErrorInput((np.ones(3), np.ones(3)), match=r"AL must be 2-dimensional|Z must be 2-dim|A must be 2")
    yield ErrorInput((np.ones((2, 3), int), np.ones((2, 3))), exc=TypeError, match="floating")
    yield ErrorInput((np.ones((2, 0)), np.ones((2, 0))), match="at least one example")
    yield ErrorInput((np.ones((1, 2)), np.array([[np.nan, 1.0]])), match="NaN")


def _ref_bce(A, Y):
    A = A.astype(np.float64)
    return -np.mean(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0))


def _ref_softmax_ce(Z, Y):
    Z = Z.astype(np.float64)
    m = Z.shape[1]
    lse = np.log(np.sum(np.exp(Z - Z.max(0)), axis=0)) + Z.max(0)
    cost = -np.sum(Y * (Z - lse)) / m
    S = np.exp(Z - lse)
    return cost, ((S - Y) / m).astype(Y.dtype)


def _ref_sigmoid_ce(Z, Y):
    Zd = Z.astype(np.float64)
    m = Z.shape[1]
    cost = np.sum(np.logaddexp(0, Zd) - Zd * Y) / m
    return cost, ((0.5 * (1 + np.tanh(Zd / 2)) - Y) / m).astype(Y.dtype)


def _gc_with_logits(fn):
    def check(sample, rng):
        Z, Y = sample.args
        if np.abs(Z).max() > 50:
            return 0.0
        _, dZ = fn(Z, Y)
        return float(gradient_check_n(lambda p: fn(p["Z"], Y)[0], {"Z": Z}, {"dZ": dZ}))
    return check


def _gc_bce(sample, rng):
    A, Y = sample.args
    g = losses.binary_cross_entropy_backward(A, Y)
    return float(gradient_check_n(lambda p: losses.binary_cross_entropy(p["A"], Y), {"A": A},
                                  {"dA": g}))


def _t(torch, a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _torch_softmax_ce(torch, Z, Y):
    z = _t(torch, Z.T).clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(z, _t(torch, Y.argmax(0)))
    loss.backward()
    return loss.item(), z.grad.numpy().T


def _torch_sigmoid_ce(torch, Z, Y):
    z = _t(torch, Z).clone().requires_grad_(True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, _t(torch, Y), reduction="sum")
    loss = loss / Z.shape[1]
    loss.backward()
    return loss.item(), z.grad.numpy()


# --- dense layer pieces -----------------------------------------------------------------

def _linear_samples(rng, dtype):
    for n_prev, n, m in [(3, 4, 5), (1, 1, 1), (7, 2, 9)]:
        yield SampleInput((rng.standard_normal((n_prev, m)).astype(dtype),
                           rng.standard_normal((n, n_prev)).astype(dtype),
                           rng.standard_normal((n, 1)).astype(dtype)), desc=f"{n_prev}->{n}, m={m}")


def _linear_errors():
    A, W, b = np.ones((3, 5)), np.ones((4, 3)), np.ones((4, 1))
    yield ErrorInput((A.T, W, b), match=r"W must have shape \(n_l, n_prev=5\)")
    yield ErrorInput((A, W, np.ones((4,))), match=r"b must be 2-dimensional")
    yield ErrorInput((A, W, np.ones((3, 1))), match=r"b must have shape \(n_l=4, 1\)")
    yield ErrorInput((A.astype(int), W, b), exc=TypeError, match="A must be a floating")


def _gc_linear(sample, rng):
    A, W, b = sample.args
    Z, cache = deep.linear_forward(A, W, b)
    G = rng.standard_normal(Z.shape)
    m = A.shape[1]
    # linear_backward follows the course: it returns dW, db of (1/m) sum(G * Z).
    dA, dW, db = deep.linear_backward(G, cache)
    return float(gradient_check_n(
        lambda p: float(np.sum(G * deep.linear_forward(p["A"], p["W"], p["b"])[0])) / m,
        {"A": A, "W": W, "b": b}, {"dA": dA / m, "dW": dW, "db": db}))


def _dropout_samples(rng, dtype):
    for shape, kp in [((4, 6), 0.8), ((1, 1), 0.5), ((30, 40), 0.3), ((5, 5), 1.0)]:
        yield SampleInput((rng.standard_normal(shape).astype(dtype), kp), {"seed": 3},
                          desc=f"{shape} keep={kp}")


def _ref_dropout(A, keep_prob, seed):
    D = np.random.default_rng(seed).random(A.shape) < keep_prob
    if keep_prob == 1.0:
        D = np.ones(A.shape, bool)
    return (A * D / keep_prob).astype(A.dtype), D


def _dropout_errors():
    for kp in (0.0, -0.1, 1.5, float("nan")):
        yield ErrorInput((np.ones((2, 2)), kp), match="keep_prob must")
    yield ErrorInput((np.ones((2, 2)), "0.5"), exc=TypeError, match="keep_prob must be a real")


OPS = [
    OpInfo("binary_cross_entropy", losses.binary_cross_entropy, _ref_bce, _prob_samples,
           _loss_errors, gradcheck=_gc_bce, float_args=(0, 1),
           torch_reference=lambda torch, A, Y: torch.nn.functional.binary_cross_entropy(
               _t(torch, A), _t(torch, Y), reduction="sum").item() / A.shape[1]),
    OpInfo("softmax_cross_entropy_with_logits", losses.softmax_cross_entropy_with_logits,
           _ref_softmax_ce, _softmax_samples, _loss_errors,
           gradcheck=_gc_with_logits(losses.softmax_cross_entropy_with_logits),
           torch_reference=_torch_softmax_ce, float_args=(0, 1)),
    OpInfo("sigmoid_cross_entropy_with_logits", losses.sigmoid_cross_entropy_with_logits,
           _ref_sigmoid_ce, _logit_samples, _loss_errors,
           gradcheck=_gc_with_logits(losses.sigmoid_cross_entropy_with_logits),
           torch_reference=_torch_sigmoid_ce, float_args=(0, 1)),
    OpInfo("mean_squared_error", losses.mean_squared_error,
           lambda A, Y: (np.sum((A.astype(np.float64) - Y) ** 2) / (2 * A.shape[1]),
                         (A - Y) / A.shape[1]),
           _logit_samples, _loss_errors,
           gradcheck=_gc_with_logits(losses.mean_squared_error), float_args=(0, 1)),
    OpInfo("linear_forward", deep.linear_forward, lambda A, W, b: W @ A + b, _linear_samples,
           _linear_errors, output=lambda out: out[0], gradcheck=_gc_linear,
           float_args=(0, 1, 2)),
    OpInfo("dropout_forward", regularization.dropout_forward, _ref_dropout, _dropout_samples,
           _dropout_errors,
           gradcheck=lambda s, rng: _gc_dropout(s, rng)),
]


def _gc_dropout(sample, rng):
    A, kp = sample.args
    _, D = regularization.dropout_forward(A, kp, **sample.kwargs)
    G = rng.standard_normal(A.shape)
    g = regularization.dropout_backward(G, D, kp)
    return float(gradient_check_n(lambda p: float(np.sum(G * p["A"] * D / kp)), {"A": A},
                                  {"dA": g}))
