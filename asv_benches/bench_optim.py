"""Optimisation chapter (``dlnotes.optim``, ``dlnotes.models``).

* One in-place update step of SGD, Momentum, RMSprop and Adam on a single
  parameter array of three sizes (a bias, a hidden layer, a 1M-entry matrix),
  float32 and float64: memory-bound element-wise arithmetic.
* One training epoch of the dense 64-64-10 network on the digits through
  :class:`dlnotes.models.model.Model` (mini-batches of 64, Adam): the Python
  overhead of the training loop plus small GEMMs.
"""
import numpy as np

from .common import DTYPES, digits, randn, require

SIZES = ["64x1", "256x256", "1024x1024"]
OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]


class OptimizerStep:
    """Time and peak memory of one ``opt.step(params, grads)``."""

    params = [DTYPES, SIZES, OPTIMIZERS]
    param_names = ["dtype", "size", "optimizer"]

    def setup(self, dtype, size, optimizer):
        optim = require("dlnotes.optim.optimizers")  # get_optimizer is not re-exported
        shape = tuple(int(s) for s in size.split("x"))
        self.p = {"W": randn(shape, dtype, seed=1)}
        self.g = {"W": randn(shape, dtype, seed=2, scale=1e-2)}
        self.opt = optim.get_optimizer(optimizer, learning_rate=1e-3)
        self.opt.step(self.p, self.g)  # allocate the state

    def time_step(self, dtype, size, optimizer):
        self.opt.step(self.p, self.g)

    def peakmem_step(self, dtype, size, optimizer):
        self.opt.step(self.p, self.g)


class AdamCourseFunction:
    """The course-compatible ``update_parameters_with_adam`` on a 2-layer dict (copies)."""

    params = [DTYPES]
    param_names = ["dtype"]

    def setup(self, dtype):
        optim = require("dlnotes.optim")
        self.update = optim.update_parameters_with_adam
        self.params_ = {"W1": randn((256, 64), dtype, 1), "b1": randn((256, 1), dtype, 2),
                        "W2": randn((10, 256), dtype, 3), "b2": randn((10, 1), dtype, 4)}
        self.grads = {"d" + k: randn(v.shape, dtype, 5, 1e-2) for k, v in self.params_.items()}
        self.v, self.s = optim.initialize_adam(self.params_)

    def time_update(self, dtype):
        self.update(self.params_, self.grads, self.v, self.s, 1, 1e-3)


class DigitsEpoch:
    """One epoch of ``Model.fit`` on the 1797 digits (64-64-10 ReLU, batches of 64, Adam)."""

    params = [DTYPES]
    param_names = ["dtype"]
    timeout = 120

    def setup(self, dtype):
        models = require("dlnotes.models")
        optim = require("dlnotes.optim")
        layers = require("dlnotes.layers")
        self.X, self.Y = digits(dtype)
        dt = np.dtype(dtype)

        def build():
            net = [layers.Dense(64, 64, seed=0, dtype=dt), layers.Activation("relu"),
                   layers.Dense(64, 10, seed=1, dtype=dt)]
            return models.Model(net)

        self.build = build
        self.model = build()
        self.optim = optim

    def time_fit_one_epoch(self, dtype):
        self.model.fit(self.X, self.Y, epochs=1, batch_size=64,
                       optimizer=self.optim.Adam(1e-3), seed=0, progress=False)

    def peakmem_fit_one_epoch(self, dtype):
        self.build().fit(self.X, self.Y, epochs=1, batch_size=64,
                         optimizer=self.optim.Adam(1e-3), seed=0, progress=False)
