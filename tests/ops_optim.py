"""OpInfo descriptions of the course-compatible update functions (notes, "Optimization").

Each op is one update of one parameter array through the course's dict API
(``update_parameters_with_*``), returning the new parameter and state arrays;
the oracle is a NumPy transcription of the notes' formula written here.
Step-for-step agreement with ``torch.optim`` is in ``test_optim.py``.
"""
import numpy as np

from dlnotes.optim import (update_parameters_with_adam, update_parameters_with_gd,
                           update_parameters_with_momentum, update_parameters_with_rmsprop)
from opinfo import ErrorInput, OpInfo, SampleInput


def gd(W, dW, learning_rate):
    return update_parameters_with_gd({"W": W}, {"dW": dW}, learning_rate)["W"]


def momentum(W, dW, v, beta, learning_rate):
    p, vel = update_parameters_with_momentum({"W": W}, {"dW": dW}, {"dW": v}, beta,
                                             learning_rate)
    return p["W"], vel["dW"]


def rmsprop(W, dW, s, learning_rate, beta2=0.999, epsilon=1e-8, eps_inside=False):
    p, sq = update_parameters_with_rmsprop({"W": W}, {"dW": dW}, {"dW": s}, learning_rate,
                                           beta2, epsilon, eps_inside)
    return p["W"], sq["dW"]


def adam(W, dW, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    p, m1, m2, vc, sc = update_parameters_with_adam({"W": W}, {"dW": dW}, {"dW": v}, {"dW": s},
                                                    t, learning_rate, beta1, beta2, epsilon)
    return p["W"], m1["dW"], m2["dW"], vc["dW"], sc["dW"]


# --- NumPy transcriptions of the notes' formulas --------------------------------------
def ref_gd(W, dW, learning_rate):
    return W - learning_rate * dW


def ref_momentum(W, dW, v, beta, learning_rate):
    v = beta * v + (1 - beta) * dW
    return W - learning_rate * v, v


def ref_rmsprop(W, dW, s, learning_rate, beta2=0.999, epsilon=1e-8, eps_inside=False):
    s = beta2 * s + (1 - beta2) * dW ** 2
    denom = np.sqrt(s + epsilon) if eps_inside else np.sqrt(s) + epsilon
    return W - learning_rate * dW / denom, s


def ref_adam(W, dW, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    v = beta1 * v + (1 - beta1) * dW
    s = beta2 * s + (1 - beta2) * dW ** 2
    vc = v / (1 - beta1 ** t)
    sc = s / (1 - beta2 ** t)
    return W - learning_rate * vc / (np.sqrt(sc) + epsilon), v, s, vc, sc


SHAPES = [((5, 7), "(5,7)"), ((1, 1), "(1,1)"), ((3, 4, 2), "3-d"), ((0, 3), "empty")]


def _arrays(rng, shape, dtype, n):
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


def _samples_gd(rng, dtype):
    for shape, desc in SHAPES:
        W, dW = _arrays(rng, shape, dtype, 2)
        yield SampleInput((W, dW, 0.1), desc=desc)


def _samples_momentum(rng, dtype):
    for shape, desc in SHAPES:
        W, dW, v = _arrays(rng, shape, dtype, 3)
        yield SampleInput((W, dW, v, 0.9, 0.05), desc=desc)


def _samples_rmsprop(rng, dtype):
    for shape, desc in SHAPES:
        W, dW, s = _arrays(rng, shape, dtype, 3)
        s = np.abs(s)
        yield SampleInput((W, dW, s, 0.01), desc=desc)
        yield SampleInput((W, dW, s, 0.01, 0.9, 1e-4, True), desc=desc + " eps inside")


def _samples_adam(rng, dtype):
    for (shape, desc), t in zip(SHAPES, (1, 2, 10, 3)):
        W, dW, v, s = _arrays(rng, shape, dtype, 4)
        yield SampleInput((W, dW, v, np.abs(s), t), {"learning_rate": 0.02}, desc=f"{desc} t={t}")


def _errors_common(extra):
    """Bad parameter/gradient arrays, followed by the op's other (valid) arguments."""
    yield ErrorInput((np.ones((2, 3)), np.ones((3, 2))) + extra, match="must have shape")
    yield ErrorInput((np.ones((2, 3), int), np.ones((2, 3))) + extra, exc=TypeError,
                     match="must be a floating")


def _errors_gd():
    yield from _errors_common((0.1,))
    yield ErrorInput((np.ones(2), np.ones(2), -0.1), match=r"learning_rate must be in \[0")


def _errors_momentum():
    z = np.zeros(2)
    yield from _errors_common((np.zeros((2, 3)), 0.9, 0.1))
    yield ErrorInput((z, z, z, 1.0, 0.1), match=r"beta must be in \[0.0, 1.0\)")
    yield ErrorInput((z, z, z, -0.5, 0.1), match="beta must be in")
    yield ErrorInput((z, z, np.zeros(3), 0.9, 0.1), match=r"v\['dW'\] must have shape")


def _errors_rmsprop():
    z = np.zeros(2)
    yield from _errors_common((np.zeros((2, 3)), 0.1))
    yield ErrorInput((z, z, z, 0.1, 1.0), match="beta2 must be in")
    yield ErrorInput((z, z, z, 0.1, 0.9, 0.0), match=r"epsilon must be in \(0")
    yield ErrorInput((z, z, z, -1.0), match="learning_rate must be in")


def _errors_adam():
    z = np.zeros(2)
    yield from _errors_common((np.zeros((2, 3)), np.zeros((2, 3)), 1))
    yield ErrorInput((z, z, z, z, 0), match=r"t must be in \[1")
    yield ErrorInput((z, z, z, z, 1.5), exc=TypeError, match="t must be an integer")
    yield ErrorInput((z, z, z, z, 1), {"beta1": 1.0}, match="beta1 must be in")
    yield ErrorInput((z, z, z, z, 1), {"beta2": -0.1}, match="beta2 must be in")
    yield ErrorInput((z, z, z, z, 1), {"epsilon": -1e-8}, match="epsilon must be in")


OPS = [
    OpInfo("update_parameters_with_gd", gd, ref_gd, _samples_gd, _errors_gd, float_args=(0, 1)),
    OpInfo("update_parameters_with_momentum", momentum, ref_momentum, _samples_momentum,
           _errors_momentum, float_args=(0, 1, 2)),
    OpInfo("update_parameters_with_rmsprop", rmsprop, ref_rmsprop, _samples_rmsprop,
           _errors_rmsprop, float_args=(0, 1, 2)),
    OpInfo("update_parameters_with_adam", adam, ref_adam, _samples_adam, _errors_adam,
           float_args=(0, 1, 2, 3)),
]
