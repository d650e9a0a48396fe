"""Addressing the top-level layers of a sequential network by index or name.

Shared by :meth:`dlnotes.models.Model.freeze` and :mod:`dlnotes.models.transfer`
(which re-exports :func:`layer_index`).
"""
from __future__ import annotations

import numbers

from dlnotes.layers.base import Sequential

__all__ = ["layer_index", "top_layers"]


def top_layers(network, name="network"):
    """The top-level layers of a Model's network or of a Sequential."""
    net = getattr(network, "network", network)
    if not isinstance(net, Sequential):
        raise TypeError(f"{name} must be a Model built on a Sequential or a Sequential, got "
                        f"{type(net).__name__}")
    return list(net)


def layer_index(network, layer):
    """Index of ``layer`` among the top-level layers of ``network`` (a Model or Sequential).

    Parameters
    ----------
    network : Model or Sequential
    layer : int or str
        An index (negative counts from the end), a child name (``"3"``) or a
        class name (the first layer of that class, e.g. ``"Flatten"``).

    Returns
    -------
    int
        The non-negative index.
    """
    layers = top_layers(network)
    n = len(layers)
    if isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
        if not -n <= layer < n:
            raise IndexError(f"layer index {layer} is out of range for a network of {n} layers")
        return int(layer) % n
    if isinstance(layer, str):
        if layer.isdigit() and int(layer) < n:
            return int(layer)
        for i, leaf in enumerate(layers):
            if type(leaf).__name__ == layer:
                return i
        names = sorted({type(leaf).__name__ for leaf in layers})
        raise ValueError(f"layer {layer!r} names no layer of the network (child names 0..{n - 1}"
                         f" or one of the classes {names})")
    raise TypeError(f"layer must be an int or a str, got {type(layer).__name__}")
