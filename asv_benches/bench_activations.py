"""Element-wise activations (``dlnotes._kernels.activations`` via ``dlnotes.nn.activations``).

Forward ``g(Z)`` and backward ``dA * g'(Z)`` of every compiled activation, in
float32 and float64, at three sizes: one below the OpenMP threshold (one
thread), one hidden layer of a mid-sized batch, and a large 2048 x 2048 array
(memory-bound, two threads).
"""

from .common import DTYPES, randn

SHAPES = [(64, 256), (512, 1024), (2048, 2048)]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]


def _shape_id(shape):
    return "x".join(map(str, shape))


class _ActivationInputs:
    """Builds ``Z``, ``dA`` and looks up the forward/backward functions."""

    param_names = ["dtype", "shape", "activation"]

    def setup(self, dtype, shape, activation):
        from dlnotes.nn import activations as act

        dims = tuple(int(s) for s in shape.split("x"))
        self.Z = randn(dims, dtype, seed=1)
        self.dA = randn(dims, dtype, seed=2)
        self.forward = getattr(act, activation)
        self.backward = getattr(act, activation + "_backward")
        self.forward(self.Z[:2, :2])  # warm the import and the dispatch


class Activations(_ActivationInputs):
    """Time of one forward and of one backward call."""

    params = [DTYPES, [_shape_id(s) for s in SHAPES], ACTIVATIONS]

    def time_forward(self, dtype, shape, activation):
        self.forward(self.Z)

    def time_backward(self, dtype, shape, activation):
        self.backward(self.dA, self.Z)


class ActivationsMemory(_ActivationInputs):
    """Peak memory of forward and backward on the largest array (the temporaries show here)."""

    params = [DTYPES, [_shape_id(SHAPES[-1])], ["sigmoid", "relu"]]

    def peakmem_forward(self, dtype, shape, activation):
        self.forward(self.Z)

    def peakmem_backward(self, dtype, shape, activation):
        self.backward(self.dA, self.Z)


class ActivationsNonContiguous:
    """Forward on a transposed (F-ordered) view: the validation copy plus the kernel."""

    params = [DTYPES]
    param_names = ["dtype"]

    def setup(self, dtype):
        from dlnotes.nn import activations as act

        self.Zt = randn((1024, 512), dtype, seed=3).T
        assert not self.Zt.flags.c_contiguous
        self.sigmoid = act.sigmoid

    def time_sigmoid_transposed(self, dtype):
        self.sigmoid(self.Zt)
