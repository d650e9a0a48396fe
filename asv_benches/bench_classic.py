"""Training steps of the classic CNNs (``dlnotes.models.classic``).

``ResNet50TrainStep``: one forward, backward and Adam step of the full ResNet-50
(Keras layout, 25.6 M parameters) on 2 images of 224x224x3 in float32: about
25 GFLOP, seconds per sample, so few samples (``repeat`` 1-3).  The batch of 8
compared with PyTorch is in ``benchmarks/classic_cnns.py``.

``SmallResNetTrainStep``: the same for the small ResNet of ``dlnotes train
--model resnet`` (28x28x1 digits, batch 64), milliseconds per step: the one to
watch for regressions of batch norm, the graph and the residual blocks.
"""
import numpy as np

from .common import require


class ResNet50TrainStep:
    number = 1
    repeat = (1, 3, 120.0)
    warmup_time = 0
    timeout = 900

    def setup(self):
        classic = require("dlnotes.models.classic")
        optim = require("dlnotes.optim")
        losses = require("dlnotes.nn.losses")
        rng = np.random.default_rng(0)
        self.X = rng.standard_normal((2, 224, 224, 3)).astype(np.float32)
        self.Y = np.eye(1000, dtype=np.float32)[:, [3, 7]]
        self.net = classic.resnet50(seed=0, dtype=np.float32).network
        self.opt = optim.Adam(learning_rate=1e-3)
        self.loss = losses.softmax_cross_entropy_with_logits

    def time_train_step(self):
        _, dZ = self.loss(self.net.forward(self.X), self.Y)
        self.net.backward(dZ)
        self.opt.step_layers(self.net)


class SmallResNetTrainStep:
    params = [["resnet", "plain"]]
    param_names = ["model"]
    number = 1
    repeat = (3, 20, 30.0)
    timeout = 300

    def setup(self, model):
        classic = require("dlnotes.models.classic")
        optim = require("dlnotes.optim")
        losses = require("dlnotes.nn.losses")
        rng = np.random.default_rng(0)
        self.X = rng.random((64, 28, 28, 1), dtype=np.float32)
        self.Y = np.eye(10, dtype=np.float32)[:, rng.integers(0, 10, 64)]
        build = classic.small_resnet if model == "resnet" else classic.plain_cnn
        self.net = build(seed=0).network
        self.opt = optim.Adam(learning_rate=1e-3)
        self.loss = losses.softmax_cross_entropy_with_logits

    def time_train_step(self, model):
        _, dZ = self.loss(self.net.forward(self.X), self.Y)
        self.net.backward(dZ)
        self.opt.step_layers(self.net)
