"""A registry of every layer class, in the spirit of PyTorch's ``ModuleInfo``.

One :class:`LayerInfo` per configuration: how to build the layer (float64,
small sizes) and a sample input.  ``tests/test_layer_registry.py`` runs the same
checks on every entry (gradient check, save/load round trip, stable parameter
names, frozen layers), and fails if a layer class of :mod:`dlnotes.layers`
has no entry, so a new layer gets the whole matrix by adding one here.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from dlnotes import layers as L


@dataclasses.dataclass
class LayerInfo:
    name: str
    make: Callable[[], L.Layer]
    input: Callable[[np.random.Generator], np.ndarray]
    #: re-seed the layer's own randomness before each forward (dropout masks)
    reseed: Callable[[L.Layer], None] | None = None

    def forward(self, layer, X, training=True):
        if self.reseed is not None:
            self.reseed(layer)
        return layer.forward(X, training=training)


def _reseed_dropout(layer):
    layer.rng = np.random.default_rng(5)


def _images(m=2, h=6, w=5, c=3):
    return lambda rng: rng.standard_normal((m, h, w, c))


def _dense(n=4, m=3):
    return lambda rng: rng.standard_normal((n, m))


def _seq(n=3, m=2, T=4):
    return lambda rng: rng.standard_normal((n, m, T))


def _with_stats(bn):
    rng = np.random.default_rng(9)
    bn._buffers["running_mean"][:] = rng.standard_normal(bn.n_features)
    bn._buffers["running_var"][:] = rng.uniform(0.5, 2.0, bn.n_features)
    return bn


def _several(make, n):
    return lambda rng: [make(rng) for _ in range(n)]


def _residual_graph():
    """conv -> BN -> ReLU plus a 1x1 shortcut (fan-out of the input), pooled to columns."""
    x = L.Input((5, 4, 3))
    y = L.Activation("tanh")(L.BatchNorm(4)(L.Conv2D(3, 4, 3, pad="same", use_bias=False,
                                                     seed=0)(x)))
    y = L.Add()([y, L.Conv2D(3, 4, 1, seed=1)(x)])
    y = L.Concatenate()([y, L.MaxPool2D(3, stride=1, pad=1)(x)])
    return L.Graph(x, L.Dense(7, 2, seed=2)(L.GlobalAveragePooling2D()(y)))


LAYERS = [
    LayerInfo("Dense", lambda: L.Dense(4, 3, seed=0), _dense()),
    LayerInfo("Activation-tanh", lambda: L.Activation("tanh"), _dense()),
    LayerInfo("Activation-softmax", lambda: L.Activation("softmax"), _dense()),
    LayerInfo("Dropout", lambda: L.Dropout(0.7, seed=0), _dense(), reseed=_reseed_dropout),
    LayerInfo("Sequential", lambda: L.Sequential([L.Dense(4, 5, seed=0), L.Activation("relu"),
                                                  L.Sequential([L.Dense(5, 2, seed=1)])]),
              _dense()),
    LayerInfo("Conv2D-same-stride2", lambda: L.Conv2D(3, 2, 3, stride=2, pad="same", seed=0),
              _images()),
    LayerInfo("Conv2D-first-layer", lambda: L.Conv2D(3, 2, 2, pad=1, seed=0, input_grad=False),
              _images()),
    LayerInfo("MaxPool2D", lambda: L.MaxPool2D(2, stride=1), _images()),
    LayerInfo("AvgPool2D", lambda: L.AvgPool2D(2), _images()),
    LayerInfo("Flatten", lambda: L.Flatten(), _images()),
    LayerInfo("RNN", lambda: L.RNN(3, 4, seed=0), _seq()),
    LayerInfo("GRU-before-last", lambda: L.GRU(3, 4, reset="before", return_sequences=False,
                                               seed=0), _seq()),
    LayerInfo("GRU-after", lambda: L.GRU(3, 4, seed=0), _seq()),
    LayerInfo("LSTM", lambda: L.LSTM(3, 4, forget_bias=0.5, seed=0), _seq()),
    LayerInfo("Bidirectional-LSTM", lambda: L.Bidirectional(L.LSTM(3, 2, seed=0), seed=1),
              _seq()),
    LayerInfo("TimeDistributedDense-softmax",
              lambda: L.TimeDistributedDense(3, 2, activation="softmax", seed=0), _seq()),
    LayerInfo("BatchNorm-images", lambda: L.BatchNorm(3, momentum=0.9), _images()),
    LayerInfo("BatchNorm-dense-no-scale", lambda: L.BatchNorm(4, scale=False), _dense()),
    LayerInfo("BatchNorm-frozen-statistics",
              lambda: _with_stats(L.BatchNorm(3, freeze_statistics=True)), _images()),
    LayerInfo("MaxPool2D-same", lambda: L.MaxPool2D(3, stride=1, pad="same"), _images()),
    LayerInfo("AvgPool2D-pad1-stride2", lambda: L.AvgPool2D(3, stride=2, pad=1), _images()),
    LayerInfo("Conv2D-1x3-no-bias", lambda: L.Conv2D(3, 2, (1, 3), pad="same", use_bias=False,
                                                     seed=0), _images()),
    LayerInfo("ZeroPadding2D", lambda: L.ZeroPadding2D(2), _images()),
    LayerInfo("GlobalAveragePooling2D", lambda: L.GlobalAveragePooling2D(), _images()),
    LayerInfo("Add-three", lambda: L.Add(), _several(_images(), 3)),
    LayerInfo("Concatenate-channels", lambda: L.Concatenate(),
              lambda rng: [rng.standard_normal((2, 4, 3, c)) for c in (1, 3, 2)]),
    LayerInfo("Concatenate-dense-rows", lambda: L.Concatenate(),
              lambda rng: [rng.standard_normal((n, 3)) for n in (2, 4)]),
    LayerInfo("Graph-residual", lambda: _residual_graph(), _images(h=5, w=4)),
]

