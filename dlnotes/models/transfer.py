r"""Transfer learning: reuse the first layers of a trained network on a new task.

The notes' recipe ("task A and B have the same input; low-level features from A
help B"): keep the layers of a network trained on task A up to some layer as a
*feature extractor* :math:`\phi_A`, put a new *head* :math:`h_B` on it and train

.. math::

    \hat y = h_B\bigl(\phi_A(x)\bigr)

on task B's (few) examples, either with :math:`\phi_A` frozen (only the head
learns) or fine-tuned (everything learns, usually with a smaller learning rate,
after the head has been trained with the features frozen)::

    features = feature_extractor(model_a, "Flatten")       # layers 0..Flatten, copied
    model_b = transfer_model(features, [Dense(400, 5)])    # features frozen
    model_b.fit(X_b, Y_b, optimizer=Adam(1e-3))            # trains the head only
    model_b.unfreeze()
    model_b.fit(X_b, Y_b, optimizer=Adam(1e-4))            # fine-tunes everything

The layers of the top-level :class:`~dlnotes.layers.base.Sequential` are
addressed by index (negative counts from the end) or by name: a child's name
(``"6"``, the prefix of its parameters' names) or a class name (``"Flatten"``,
the first layer of that class).
"""
from __future__ import annotations

import numpy as np

from dlnotes.layers.base import Layer, Sequential, deserialize_layer, serialize_layer
from dlnotes.models._select import layer_index, top_layers
from dlnotes.models.model import Model

__all__ = ["layer_index", "feature_extractor", "transfer_model", "copy_layer"]


def copy_layer(layer):
    """An independent copy of ``layer``: same configuration, parameters and ``trainable`` flags.

    Parameters
    ----------
    layer : Layer
        The layer (or container) to copy.

    Returns
    -------
    Layer
        A new layer; its arrays share no memory with ``layer``'s.
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be a Layer, got {type(layer).__name__}")
    clone = deserialize_layer(serialize_layer(layer))
    src = dict(layer.named_parameters())
    for name, p in clone.named_parameters():
        np.copyto(p, src[name])
    return clone


def feature_extractor(network, upto, copy=True):
    """The layers of ``network`` up to and including ``upto``, as a new :class:`Sequential`.

    Parameters
    ----------
    network : Model or Sequential
        A trained network (the top-level layers of its ``Sequential`` are cut).
    upto : int or str
        The last layer kept (see :func:`layer_index`).
    copy : bool, default True
        Copy the layers (the source network is left untouched by later
        training); ``False`` shares them.

    Returns
    -------
    Sequential
    """
    kept = top_layers(network)[:layer_index(network, upto) + 1]
    return Sequential([copy_layer(leaf) for leaf in kept] if copy else kept)


def transfer_model(features, head, freeze=True, loss="softmax_cross_entropy", batch_axis=0):
    """A :class:`~dlnotes.models.model.Model` ``Sequential([features, Sequential(head)])``.

    Parameters
    ----------
    features : Layer
        The feature extractor (e.g. from :func:`feature_extractor`); its
        parameters are named ``"0.<i>.<name>"`` in the new model.
    head : Layer or list of Layer
        The new layers (fresh parameters), named ``"1.<i>.<name>"``.
    freeze : bool, default True
        Freeze the features (:meth:`~dlnotes.layers.Layer.freeze`): only
        the head is trained until :meth:`~dlnotes.models.Model.unfreeze`.
    loss : str, default "softmax_cross_entropy"
        As for :class:`~dlnotes.models.model.Model`.
    batch_axis : int, default 0
        As for :class:`~dlnotes.models.model.Model` (0: images ``(m, n_H, n_W, n_C)``).

    Returns
    -------
    Model
    """
    if not isinstance(features, Layer):
        raise TypeError(f"features must be a Layer, got {type(features).__name__}")
    if isinstance(head, Layer):
        head = [head]
    head = Sequential(list(head))
    if freeze:
        features.freeze()
    return Model(Sequential([features, head]), loss=loss, batch_axis=batch_axis)
