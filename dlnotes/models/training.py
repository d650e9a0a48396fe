"""The training loop behind :meth:`dlnotes.models.model.Model.fit`, and its metrics.

Everything here runs on arguments ``fit`` has already checked: nothing is
validated again per epoch or per batch.
"""
from __future__ import annotations

import math

import numpy as np

from dlnotes.models._checks import check_output
from dlnotes.nn.activations import sigmoid, softmax
from dlnotes.optim.minibatch import mini_batch_indices

__all__ = ["output_activation", "n_correct", "train"]


def output_activation(loss, Z):
    """The output the loss implies: softmax / sigmoid probabilities, or ``Z`` for ``"mse"``.

    Parameters
    ----------
    loss : str
        A key of :data:`dlnotes.nn.losses.LOSSES`.
    Z : ndarray, shape (n_y, m)
        Logits.

    Returns
    -------
    ndarray, shape (n_y, m)
    """
    if loss == "softmax_cross_entropy":
        return softmax(Z, axis=0)
    if loss == "sigmoid_cross_entropy":
        return sigmoid(Z)
    return Z


def n_correct(loss, Z, Y):
    """``(correct, predictions)`` of a batch of logits ``Z``, ``(None, None)`` for ``"mse"``.

    Parameters
    ----------
    loss, Z : as for :func:`output_activation`
    Y : ndarray, shape (n_y, m)
        Labels (one-hot for softmax, 0/1 for sigmoid).

    Returns
    -------
    correct, predictions : int or None
    """
    if loss == "softmax_cross_entropy":
        return int(np.sum(np.argmax(Z, axis=0) == np.argmax(Y, axis=0))), Z.shape[1]
    if loss == "sigmoid_cross_entropy":
        return int(np.sum((Z > 0) == (Y > 0.5))), Z.size
    return None, None


def logits(model, X, batch_size):
    """The network's raw outputs ``(n_y, m)`` on checked ``X``, ``training=False``, in
    batches of ``batch_size`` (``None``: all at once)."""
    m = X.shape[model.batch_axis]
    batches = [np.arange(m)] if batch_size is None else mini_batch_indices(m, batch_size,
                                                                            shuffle=False)
    outs = [model.network.forward(model._take(X, i) if batch_size else X, training=False)
            for i in batches]
    return np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]


def evaluate(model, X, Y, batch_size):
    """:meth:`~dlnotes.models.model.Model.evaluate` on checked arguments: ``{"loss": ..}``
    and, for the classification losses, ``"accuracy"``."""
    Z = logits(model, X, batch_size)
    check_output(model.loss, Z, Y)
    out = {"loss": model._loss_fn(Z, Y)[0]}
    ok, npred = n_correct(model.loss, Z, Y)
    if ok is not None:
        out["accuracy"] = ok / npred
    return out


class _Progress:
    """A tqdm bar per epoch (or nothing when ``progress`` is off or tqdm is missing)."""

    def __init__(self, enabled):
        self.tqdm = None
        if enabled:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:  # pragma: no cover - tqdm is a dependency
                pass
        self.bar = None

    def start(self, epoch, n_batches):
        if self.tqdm is not None:
            self.bar = self.tqdm(total=n_batches, desc=f"epoch {epoch}", unit="batch",
                                 leave=True, dynamic_ncols=True)

    def batch(self, stats):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in stats.logs().items()},
                                 refresh=False)
            self.bar.update(1)

    def close(self, logs=None):
        if self.bar is not None:
            if logs:
                self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=True)
            self.bar.close()
            self.bar = None


class _Running:
    """Example-weighted running cost and accuracy of an epoch."""

    def __init__(self, loss):
        self.loss = loss
        self.cost = 0.0
        self.seen = self.ok = self.predicted = 0

    def add(self, cost, Z, Y, m):
        self.cost += cost * m
        self.seen += m
        ok, npred = n_correct(self.loss, Z, Y)
        if ok is not None:
            self.ok += ok
            self.predicted += npred

    def logs(self):
        out = {"loss": self.cost / self.seen}
        if self.predicted:
            out["accuracy"] = self.ok / self.predicted
        return out


def _augmented(augment, Xb, rng):
    """``augment(Xb, rng)``, checked to keep the batch's shape and dtype."""
    out = augment(Xb, rng)
    if not isinstance(out, np.ndarray) or out.shape != Xb.shape:
        raise ValueError(f"augment must return an array of the batch's shape {Xb.shape}, got "
                         f"{getattr(out, 'shape', type(out).__name__)}")
    if out.dtype != Xb.dtype:
        out = out.astype(Xb.dtype)
    return out


def _epoch(model, X, Y, opt, epoch, batch_size, shuffle, rng, progress, augment=None,
           aug_rng=None):
    m = Y.shape[1]
    idx = mini_batch_indices(m, m if batch_size is None else batch_size, rng=rng,
                             shuffle=shuffle)
    progress.start(epoch, len(idx))
    stats = _Running(model.loss)
    for i in idx:
        Yb = Y[:, i]
        Xb = model._take(X, i)
        if augment is not None:
            Xb = _augmented(augment, Xb, aug_rng)
        cost, Z = model.train_on_batch(Xb, Yb, opt)
        if not math.isfinite(cost):
            progress.close()
            raise FloatingPointError(f"the cost became {cost} at epoch {epoch}; lower the "
                                     "learning rate")
        stats.add(cost, Z, Yb, len(i))
        progress.batch(stats)
    return stats.logs()


def train(model, X, Y, opt, epochs, batch_size, shuffle, rng, validation, stopper, callbacks,
          progress, augment=None):
    """Run ``epochs`` epochs of mini-batch training on checked arguments; fill ``model.history``.

    Each epoch: the optimizer's epoch is set (for its schedule), the batches
    are trained (each batch through ``augment`` first, if given), the validation
    set (if any) evaluated with ``training=False``, the logs appended to the history, then early stopping and the callbacks may
    stop the run.  At the end early stopping may restore the best parameters.

    Parameters
    ----------
    model : Model
        Trained in place; its ``history`` and ``epochs_trained`` are updated.
    X, Y : ndarray
        Checked training data (examples along ``model.batch_axis``; ``Y`` is ``(n_y, m)``).
    opt : Optimizer
    epochs : int
    batch_size : int or None
    shuffle : bool
    rng : numpy.random.Generator
        For the shuffling.
    validation : tuple (X_dev, Y_dev) or None
        Checked validation data.
    stopper : EarlyStopping or None
    callbacks : list of callables
    progress : bool
    augment : callable, optional
        ``augment(X_batch, rng)`` returns the batch to train on.

    Returns
    -------
    History
    """
    bar = _Progress(progress)
    aug_rng = rng.spawn(1)[0] if augment is not None else None
    for _ in range(epochs):
        epoch = model.epochs_trained + 1
        opt.set_epoch(epoch)
        logs = _epoch(model, X, Y, opt, epoch, batch_size, shuffle, rng, bar, augment, aug_rng)
        if validation is not None:
            logs.update({"val_" + k: v for k, v in
                         evaluate(model, *validation, batch_size).items()})
        logs["lr"] = opt.lr
        bar.close(logs)
        model.history.append(logs)
        model.epochs_trained = epoch
        stop = stopper is not None and stopper.update(epoch, logs, model.params)
        for cb in callbacks:
            stop = bool(cb(model, epoch, logs)) or stop
        if stop:
            break
    if stopper is not None and stopper.restore_best and stopper.best_params is not None \
            and stopper.best_epoch != model.epochs_trained:
        for k, p in model.params.items():
            np.copyto(p, stopper.best_params[k])
    return model.history
