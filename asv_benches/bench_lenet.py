"""One training epoch of LeNet-5 (``dlnotes.models.lenet``) on the digits.

scikit-learn's 8x8 digits upsampled to 32x32x1 (the package's
``load_lenet_data("digits")``: 1437 training images, no download), mini-batches
of 32, softmax cross-entropy from logits, Adam: the whole layer stack
(convolution, pooling, dense, activations) plus the Python training loop.
"""
import numpy as np

from .common import DTYPES, require


class LeNet5DigitsEpoch:
    """Seconds per epoch (forward, backward and Adam step for every mini-batch)."""

    params = [DTYPES]
    param_names = ["dtype"]
    number = 1
    repeat = (1, 5, 30.0)
    warmup_time = 0
    timeout = 300

    def setup(self, dtype):
        lenet = require("dlnotes.models.lenet")
        optim = require("dlnotes.optim")
        losses = require("dlnotes.nn.losses")
        Xtr, _, ytr, _ = lenet.load_lenet_data("digits", 0.2, seed=0, dtype=dtype)
        Y = np.zeros((10, ytr.size), dtype=dtype)
        Y[ytr, np.arange(ytr.size)] = 1
        order = np.random.default_rng(0).permutation(ytr.size)
        self.batches = [(np.ascontiguousarray(Xtr[idx]), np.ascontiguousarray(Y[:, idx]))
                        for idx in (order[i:i + 32] for i in range(0, ytr.size, 32))]
        self.net = lenet.lenet5(seed=0, dtype=dtype)
        self.opt = optim.Adam(learning_rate=2e-3)
        self.loss = losses.softmax_cross_entropy_with_logits

    def time_epoch(self, dtype):
        net, opt, loss = self.net, self.opt, self.loss
        for Xb, Yb in self.batches:
            _, dZ = loss(net.forward(Xb), Yb)
            net.backward(dZ)
            opt.step(net.params, net.grads)
