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
]
