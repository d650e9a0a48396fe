"""Argument checks of :class:`~dlnotes.models.model.Model`'s public methods (data, batch size,
validation set, the rest of ``fit``'s arguments): run once, before the training loop of
:mod:`dlnotes.models.training`, which trusts them."""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_float_array, check_scalar
from dlnotes.models.callbacks import as_early_stopping
from dlnotes.nn.losses import IDENTITY_LABEL_LOSSES
from dlnotes.optim.optimizers import get_optimizer


def check_xy(X, Y, dtype, batch_axis, name_x="X", name_y="Y", need_examples=True):
    """``X`` as a finite array of ``dtype`` with examples along ``batch_axis``, ``Y`` as
    ``(n_y, m)`` labels of the same dtype (or None); returns ``(X, Y, m)``."""
    X = check_float_array(X, name_x, dtype=dtype, finite=True)
    if X.ndim == 0:
        raise ValueError(f"{name_x} must have a batch axis, got a scalar")
    if not -X.ndim <= batch_axis < X.ndim:
        raise ValueError(f"batch_axis={batch_axis} is out of range for {name_x} with shape "
                         f"{X.shape}")
    m = X.shape[batch_axis]
    if need_examples and m == 0:
        raise ValueError(f"{name_x} holds no examples (m = 0)")
    if Y is None:
        return X, None, m
    Y = np.asarray(Y)
    if Y.dtype.kind not in "fiub":
        raise TypeError(f"{name_y} must hold numbers, got dtype {Y.dtype}")
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != m:
        raise ValueError(f"{name_y} must have shape (n_y, m) with m = {m} examples "
                         f"(the size of {name_x} along batch_axis={batch_axis}), got {Y.shape}")
    if Y.size and not np.isfinite(Y).all():
        raise ValueError(f"{name_y} contains NaN or infinity")
    return X, np.ascontiguousarray(Y, dtype=X.dtype), m


def check_batch_size(batch_size):
    """``None`` (the whole set at once) or an int ``>= 1``."""
    if batch_size is None:
        return None
    return check_scalar(batch_size, "batch_size", low=1, integer=True)


def check_validation(model, validation_data):
    """``None`` or the checked ``(X_dev, Y_dev)`` of ``model``'s dtype and batch axis."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError("validation_data must be a tuple (X_dev, Y_dev)")
    Xv, Yv, mv = model._check_xy(*validation_data, name_x="X_dev", name_y="Y_dev",
                                 need_examples=False)
    if mv == 0:
        raise ValueError("validation_data holds no examples")
    return Xv, Yv


def check_fit(model, X, Y, epochs, batch_size, optimizer, validation_data, early_stopping,
              callbacks, augment):
    """Every argument of :meth:`~dlnotes.models.model.Model.fit` but the seed, shuffle and
    progress flags, checked; returns ``(X, Y, epochs, batch_size, optimizer, validation,
    stopper, callbacks)`` (the early-stopping object started)."""
    X, Y, _ = model._check_xy(X, Y)
    epochs = check_scalar(epochs, "epochs", low=0, integer=True)
    batch_size = check_batch_size(batch_size)
    opt = get_optimizer(optimizer)
    validation = check_validation(model, validation_data)
    stopper = as_early_stopping(early_stopping)
    if stopper is not None:
        stopper.start(validation is not None)
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables, got {cb!r}")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be a callable augment(X_batch, rng), got "
                        f"{type(augment).__name__}")
    return X, Y, epochs, batch_size, opt, validation, stopper, callbacks


def check_output(loss, Z, Y):
    """The network's output must match the labels: their shape, or one column per
    identity for the losses whose labels are identities ``(1, m)``."""
    if loss in IDENTITY_LABEL_LOSSES:
        if Z.ndim != 2 or Z.shape[1] != Y.shape[1]:
            raise ValueError(f"the network's output must be embeddings (n_e, m) with "
                             f"m = {Y.shape[1]} (the labels' columns), got {Z.shape}")
    elif Z.ndim != 2 or Z.shape != Y.shape:
        raise ValueError(f"the network's output must have the labels' shape (n_y, m) = "
                         f"{Y.shape}, got {Z.shape}")
