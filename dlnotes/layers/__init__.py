"""Stateful layers: objects with ``forward``, ``backward``, named parameters and a config.

The protocol (:class:`Layer`) and the containers live in :mod:`dlnotes.layers.base`,
the layer registry used to save and rebuild networks in :mod:`dlnotes.layers.serialization`.
"""
from dlnotes.layers.base import Activation, Dense, Dropout, Layer, Sequential
from dlnotes.layers.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from dlnotes.layers.graph import Graph, Input, SymbolicTensor
from dlnotes.layers.merge import Add, Concatenate
from dlnotes.layers.normalization import BatchNorm
from dlnotes.layers.pooling import GlobalAveragePooling2D, ZeroPadding2D
from dlnotes.layers.recurrent import GRU, LSTM, RNN, Bidirectional, TimeDistributedDense
from dlnotes.layers.serialization import (deserialize_layer, layer_class, register_layer,
                                          serialize_layer)

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential", "Conv2D", "MaxPool2D",
           "AvgPool2D", "Flatten", "BatchNorm", "Add", "Concatenate", "ZeroPadding2D",
           "GlobalAveragePooling2D", "Graph", "Input", "SymbolicTensor", "RNN", "GRU", "LSTM",
           "Bidirectional", "TimeDistributedDense",
           "register_layer", "serialize_layer", "deserialize_layer", "layer_class"]
