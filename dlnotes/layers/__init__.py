"""Stateful layers: objects with ``forward``, ``backward``, ``params`` and ``grads``."""
from dlnotes.layers.base import Activation, Dense, Dropout, Layer, Sequential
from dlnotes.layers.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from dlnotes.layers.recurrent import GRU, LSTM, RNN, Bidirectional, TimeDistributedDense

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential", "Conv2D", "MaxPool2D",
           "AvgPool2D", "Flatten", "RNN", "GRU", "LSTM", "Bidirectional", "TimeDistributedDense"]
