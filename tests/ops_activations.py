"""OpInfo descriptions of the activations (notes, "Basic NN")."""
import numpy as np

from dlnotes.nn import activations as act
from dlnotes.nn.gradcheck import gradient_check_n
from opinfo import ErrorInput, OpInfo, SampleInput


def _samples(rng, dtype):
    yield SampleInput((rng.standard_normal((5, 7)).astype(dtype),), desc="(5,7)")
    yield SampleInput((rng.standard_normal((1, 1)).astype(dtype),), desc="(1,1)")
    yield SampleInput((rng.standard_normal((3, 4, 2)).astype(dtype) * 30,), desc="3-d, large")
    yield SampleInput((np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]], dtype=dtype),), desc="extremes")
    yield SampleInput((rng.standard_normal((300, 300)).astype(dtype),), desc="threaded size")
    yield SampleInput((np.zeros((0, 3), dtype=dtype),), desc="empty")


def _errors():
    yield ErrorInput((np.arange(6).reshape(2, 3),), exc=TypeError, match="Z must be a floating")
    yield ErrorInput((np.ones((2, 2), complex),), exc=TypeError, match="complex")
    yield ErrorInput(("abc",), exc=TypeError, match="Z must be")


def _ref_sigmoid(Z):
    Z = np.asarray(Z)
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-Z.astype(np.float64)))).astype(Z.dtype)


def _elementwise_gradcheck(fwd, bwd):
    def check(sample, rng):
        Z = sample.args[0]
        if Z.size == 0 or np.abs(Z).max() > 50 or Z.size > 1000:
            return 0.0
        Z = Z.astype(np.float64)
        if fwd in (act.relu, act.leaky_relu):
            Z = Z + np.sign(Z) * 1e-3  # keep away from the kink at 0
        G = rng.standard_normal(Z.shape)
        grads = {"dZ": bwd(G, Z)}
        return float(gradient_check_n(lambda p: float(np.sum(G * fwd(p["Z"]))), {"Z": Z}, grads))
    return check


def _reduction_gradcheck(fwd, bwd):
    """Gradient check of an axis-reducing activation (softmax, log-softmax)."""
    def check(sample, rng):
        Z = sample.args[0]
        if Z.size == 0 or np.abs(Z).max() > 50 or Z.size > 1000:
            return 0.0
        Z = Z.astype(np.float64)
        G = rng.standard_normal(Z.shape)
        return float(gradient_check_n(lambda p: float(np.sum(G * fwd(p["Z"]))), {"Z": Z},
                                      {"dZ": bwd(G, Z)}))
    return check


def _t(torch, Z):
    return torch.from_numpy(np.ascontiguousarray(Z))


def _ref_softmax(Z, axis=0):
    Z = np.asarray(Z)
    if Z.size == 0:
        return Z.copy()
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


OPS = [
    OpInfo("sigmoid", act.sigmoid, _ref_sigmoid, _samples, _errors,
           gradcheck=_elementwise_gradcheck(act.sigmoid, act.sigmoid_backward),
           torch_reference=lambda torch, Z: torch.sigmoid(_t(torch, Z)).numpy()),
    OpInfo("tanh", act.tanh, lambda Z: np.tanh(Z), _samples, _errors,
           gradcheck=_elementwise_gradcheck(act.tanh, act.tanh_backward),
           torch_reference=lambda torch, Z: torch.tanh(_t(torch, Z)).numpy()),
    OpInfo("relu", act.relu, lambda Z: np.maximum(Z, 0), _samples, _errors,
           gradcheck=_elementwise_gradcheck(act.relu, act.relu_backward),
           torch_reference=lambda torch, Z: torch.relu(_t(torch, Z)).numpy()),
    OpInfo("leaky_relu", act.leaky_relu, lambda Z: np.where(Z > 0, Z, 0.01 * Z), _samples,
           _errors, gradcheck=_elementwise_gradcheck(act.leaky_relu, act.leaky_relu_backward),
           torch_reference=lambda torch, Z: torch.nn.functional.leaky_relu(_t(torch, Z),
                                                                           0.01).numpy()),
    OpInfo("softmax", act.softmax, _ref_softmax,
           lambda rng, dtype: (s for s in _samples(rng, dtype) if s.args[0].ndim <= 2),
           _errors, gradcheck=_reduction_gradcheck(act.softmax, act.softmax_backward),
           torch_reference=lambda torch, Z: torch.softmax(_t(torch, Z), dim=0).numpy()),
    OpInfo("log_softmax", act.log_softmax,
           lambda Z: np.log(_ref_softmax(Z)) if np.asarray(Z).size else np.asarray(Z).copy(),
           lambda rng, dtype: (s for s in _samples(rng, dtype)
                               if s.args[0].ndim <= 2 and np.abs(s.args[0]).max(initial=0) < 50),
           _errors, gradcheck=_reduction_gradcheck(act.log_softmax, act.log_softmax_backward),
           torch_reference=lambda torch, Z: torch.log_softmax(_t(torch, Z), dim=0).numpy()),
]
