"""User-facing models: the :class:`Model` training container and the notes' networks.

:mod:`~dlnotes.models.model` (the container), :mod:`~dlnotes.models.training` (its
loop), :mod:`~dlnotes.models.callbacks`, :mod:`~dlnotes.models.fileformat`,
:mod:`~dlnotes.models.plotting`; :mod:`~dlnotes.models.lenet` and
:mod:`~dlnotes.models.char_lm` build and train the notes' networks.
"""
from dlnotes.layers.serialization import deserialize_layer, register_layer, serialize_layer
from dlnotes.models.callbacks import EarlyStopping, History
from dlnotes.models.fileformat import ModelFileError
from dlnotes.models.model import Model
from dlnotes.models.plotting import plot_learning_curves

__all__ = ["Model", "History", "EarlyStopping", "ModelFileError", "plot_learning_curves",
           "register_layer", "serialize_layer", "deserialize_layer"]
