"""The deep dense network of the "Basic NN" chapter (``dlnotes.nn.deep``), on the digits.

One training epoch = for every mini-batch: ``L_model_forward`` ->
``L_model_backward`` -> ``update_parameters`` (plain gradient descent), over
the 1797 examples of scikit-learn's 8x8 digits (shipped in its wheel), with
the course's function-based API.  The mini-batches are sliced once in
``setup`` (a fixed permutation), so the timing is the network's work only.
"""
import numpy as np

from .common import DTYPES, digits, require

LAYER_DIMS = [64, 128, 64, 10]
LEARNING_RATE = 0.1


class DenseDigitsEpoch:
    """One epoch of mini-batch gradient descent; batch 1797 is full-batch (one step)."""

    params = [DTYPES, [64, 256, 1797]]
    param_names = ["dtype", "batch_size"]
    timeout = 120

    def setup(self, dtype, batch_size):
        self.deep = require("dlnotes.nn.deep")
        X, Y = digits(dtype)
        perm = np.random.default_rng(0).permutation(X.shape[1])
        X, Y = X[:, perm], Y[:, perm]
        self.batches = [(np.ascontiguousarray(X[:, i:i + batch_size]),
                         np.ascontiguousarray(Y[:, i:i + batch_size]))
                        for i in range(0, X.shape[1], batch_size)]
        self.params0 = self.deep.initialize_parameters_deep(LAYER_DIMS, seed=1, dtype=dtype)

    def _epoch(self):
        deep = self.deep
        params = self.params0
        for Xb, Yb in self.batches:
            AL, caches = deep.L_model_forward(Xb, params, hidden_activation="relu",
                                              output_activation="softmax")
            grads = deep.L_model_backward(AL, Yb, caches)
            params = deep.update_parameters(params, grads, LEARNING_RATE)
        return params

    def time_epoch(self, dtype, batch_size):
        self._epoch()

    def peakmem_epoch(self, dtype, batch_size):
        self._epoch()


class DenseForwardBackward:
    """One forward + backward pass of a wider network on a 1024-example batch (GEMM-bound)."""

    params = [DTYPES, ["784-256-128-10", "64-128-64-10"]]
    param_names = ["dtype", "layer_dims"]

    def setup(self, dtype, layer_dims):
        self.deep = require("dlnotes.nn.deep")
        layer_dims = [int(n) for n in layer_dims.split("-")]
        rng = np.random.default_rng(2)
        m = 1024
        self.X = np.ascontiguousarray(rng.random((layer_dims[0], m)), dtype=dtype)
        labels = rng.integers(0, layer_dims[-1], m)
        self.Y = np.zeros((layer_dims[-1], m), dtype=dtype)
        self.Y[labels, np.arange(m)] = 1
        self.params = self.deep.initialize_parameters_deep(layer_dims, seed=3, dtype=dtype)

    def time_forward_backward(self, dtype, layer_dims):
        AL, caches = self.deep.L_model_forward(self.X, self.params, output_activation="softmax")
        self.deep.L_model_backward(AL, self.Y, caches)
