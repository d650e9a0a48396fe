"""Training callbacks of :meth:`dlnotes.models.model.Model.fit`: the per-epoch
:class:`History` and :class:`EarlyStopping`."""
from __future__ import annotations

import numbers

import numpy as np

from dlnotes._validation import check_choice, check_scalar

__all__ = ["History", "EarlyStopping", "as_early_stopping"]


class History(dict):
    """Per-epoch lists: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``.

    A plain ``dict`` (``history["val_loss"][-1]``) with :attr:`epochs` and
    :meth:`best` helpers.  ``loss``/``accuracy`` are the example-weighted means
    over the epoch's mini-batches (computed during training, with dropout on);
    ``val_*`` are computed after the epoch with ``training=False``.
    """

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def append(self, logs):
        for k, v in logs.items():
            self.setdefault(k, []).append(v)

    def best(self, monitor="val_loss"):
        """(1-based epoch, value) of the best ``monitor`` value (min for losses, max otherwise).

        Parameters
        ----------
        monitor : str, default "val_loss"
            A key of the epoch logs.

        Returns
        -------
        epoch : int
            1-based epoch of the best value.
        value : float
            The best value.
        """
        vals = self[monitor]
        fn = np.nanargmin if "loss" in monitor else np.nanargmax
        i = int(fn(vals))
        return i + 1, vals[i]


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default ``"val_loss"`` (``"loss"`` when there is no validation data)
    patience : int, ``>= 0``
    min_delta : float, ``>= 0``
        An improvement must exceed this.
    restore_best : bool, default True
        Copy the best epoch's parameters back (in place) at the end.
    mode : {"auto", "min", "max"}
        ``auto``: minimise losses, maximise anything else.
    """

    def __init__(self, monitor=None, patience=5, min_delta=0.0, restore_best=True, mode="auto"):
        self.monitor = monitor
        self.patience = check_scalar(patience, "patience", low=0, integer=True)
        self.min_delta = check_scalar(min_delta, "min_delta", low=0.0)
        self.restore_best = bool(restore_best)
        self.mode = check_choice(mode, "mode", ("auto", "min", "max"))
        self.reset()

    def reset(self):
        self.best = None
        self.best_epoch = None
        self.wait = 0
        self.best_params = None
        self.stopped_epoch = None

    def _better(self, value):
        sign = -1 if self._mode == "min" else 1
        return self.best is None or sign * (value - self.best) > self.min_delta

    def start(self, has_validation):
        if self.monitor is None:
            self.monitor = "val_loss" if has_validation else "loss"
        if str(self.monitor).startswith("val_") and not has_validation:
            raise ValueError(f"early stopping monitors {self.monitor!r}, which needs "
                             "validation_data")
        self._mode = self.mode if self.mode != "auto" else (
            "min" if "loss" in self.monitor else "max")
        self.reset()

    def update(self, epoch, logs, params):
        """Record an epoch; return True to stop.

        Parameters
        ----------
        epoch : int
            The epoch just finished (1-based).
        logs : dict of str -> float
            Its logs; must hold ``monitor``.
        params : dict of str -> ndarray
            The model's parameters, copied when the value improves and ``restore_best`` is set.

        Returns
        -------
        bool
            True when training should stop.
        """
        if self.monitor not in logs or logs[self.monitor] is None:
            raise ValueError(f"early stopping monitors {self.monitor!r}, which is not in the "
                             f"epoch logs {sorted(logs)}")
        value = logs[self.monitor]
        if self._better(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_params = {k: v.copy() for k, v in params.items()}
            return False
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            return True
        return False


def as_early_stopping(early_stopping):
    """An :class:`EarlyStopping` from ``fit``'s argument.

    Parameters
    ----------
    early_stopping : None, False, EarlyStopping, dict or int
        Nothing, an instance (used as is), its keyword arguments, or a patience.

    Returns
    -------
    EarlyStopping or None
    """
    if early_stopping is None or early_stopping is False:
        return None
    if isinstance(early_stopping, EarlyStopping):
        return early_stopping
    if isinstance(early_stopping, dict):
        return EarlyStopping(**early_stopping)
    if isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
        return EarlyStopping(patience=early_stopping)
    raise TypeError("early_stopping must be None, an EarlyStopping, a dict of its arguments or "
                    f"an integer patience, got {early_stopping!r}")
