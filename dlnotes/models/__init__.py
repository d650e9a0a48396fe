"""User-facing models: the :class:`Model` training container."""
from dlnotes.models.model import (EarlyStopping, History, Model, ModelFileError,
                                  deserialize_layer, plot_learning_curves, register_layer,
                                  serialize_layer)

__all__ = ["Model", "History", "EarlyStopping", "ModelFileError", "plot_learning_curves",
           "register_layer", "serialize_layer", "deserialize_layer"]
