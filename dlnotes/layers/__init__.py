"""Stateful layers: objects with ``forward``, ``backward``, ``params`` and ``grads``."""
from dlnotes.layers.base import Activation, Dense, Dropout, Layer, Sequential

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Sequential"]
