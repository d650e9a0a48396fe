r"""Learning-rate decay (notes, "Optimization"; course C2W2).

Functions compute one formula; schedule objects wrap them so an optimizer can
ask for the learning rate of an epoch.

Epoch indexing
--------------
The lecture's worked example counts epochs from **1** (with
:math:`\alpha_0 = 0.2` and ``decay_rate = 1``: 0.1, 0.067, 0.05, 0.04 for
epochs 1-4), and :math:`k/\sqrt{\text{epoch}}` is undefined at epoch 0.  The
functions take ``epoch_num`` as given (0 allowed where the formula is
defined).  The schedule objects are called with the 1-based epoch that
:meth:`dlnotes.models.model.Model.fit` passes (``optimizer.epoch``, 1 during the
first epoch), so :class:`InverseTimeDecay` reproduces the lecture's table.
The course's *assignment* loops ``for i in range(num_epochs)`` and evaluates
the schedule at 0-based ``i``; pass ``epoch_offset=-1`` to a schedule object to
get that convention.
"""
from __future__ import annotations

import numbers

from dlnotes._docstrings import fill_doc
from dlnotes._validation import check_nonempty_list, check_scalar

# The formulas live in a private module; the schedule objects below wrap them.
from dlnotes.optim._decay import (  # noqa: F401  (re-exported)
    _LR0_DECAY,
    _epoch,
    _lr0,
    cosine_decay,
    exponential_decay,
    inverse_sqrt_decay,
    inverse_time_decay,
    schedule_lr_decay,
    update_lr,
)

__all__ = [
    "as_schedule", "update_lr", "inverse_time_decay", "exponential_decay", "inverse_sqrt_decay",
    "schedule_lr_decay", "cosine_decay", "Schedule", "ConstantLR", "InverseTimeDecay",
    "ExponentialDecay", "InverseSqrtDecay", "ScheduledDecay", "CosineDecay", "ManualSchedule",
]


class Schedule:
    r"""Base class: ``schedule(epoch) -> learning rate`` (epochs 1-based, see module doc).

    .. math::

        \alpha_{\text{epoch}} = f(\text{epoch} + \text{epoch\_offset})

    where :math:`f` is the subclass's formula.

    Parameters
    ----------
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, epoch_offset=0):
        self.epoch_offset = check_scalar(epoch_offset, "epoch_offset", integer=True)

    def __call__(self, epoch):
        return self._rate(int(epoch) + self.epoch_offset)

    def _rate(self, epoch):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self):
        return {"epoch_offset": self.epoch_offset}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class ConstantLR(Schedule):
    r"""A fixed learning rate (what a plain float means).

    .. math::

        \alpha_{\text{epoch}} = \alpha

    Parameters
    ----------
    learning_rate : float
        :math:`\alpha \ge 0`.
    """

    def __init__(self, learning_rate):
        super().__init__(0)
        self.learning_rate = check_scalar(learning_rate, "learning_rate", low=0.0)

    def _rate(self, epoch):
        return self.learning_rate

    def get_config(self):
        return {"learning_rate": self.learning_rate}


@fill_doc(LR0_DECAY=_LR0_DECAY)
class InverseTimeDecay(Schedule):
    r"""Inverse-time decay as a schedule object; see :func:`inverse_time_decay`.

    .. math::

        \alpha_{\text{epoch}} = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot\text{epoch}}

    %(LR0_DECAY)s
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, learning_rate0, decay_rate, epoch_offset=0):
        super().__init__(epoch_offset)
        self.learning_rate0 = _lr0(learning_rate0)
        self.decay_rate = check_scalar(decay_rate, "decay_rate", low=0.0)

    def _rate(self, epoch):
        return inverse_time_decay(self.learning_rate0, epoch, self.decay_rate)

    def get_config(self):
        return {"learning_rate0": self.learning_rate0, "decay_rate": self.decay_rate,
                **super().get_config()}


class ExponentialDecay(Schedule):
    r"""Exponential decay as a schedule object; see :func:`exponential_decay`.

    .. math::

        \alpha_{\text{epoch}} = \text{base}^{\,\text{epoch}}\,\alpha_0

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0 \ge 0`, the initial rate.
    base : float, default 0.95
        In (0, 1].
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, learning_rate0, base=0.95, epoch_offset=0):
        super().__init__(epoch_offset)
        self.learning_rate0 = _lr0(learning_rate0)
        self.base = check_scalar(base, "base", low=0.0, high=1.0, low_inclusive=False)

    def _rate(self, epoch):
        return exponential_decay(self.learning_rate0, epoch, self.base)

    def get_config(self):
        return {"learning_rate0": self.learning_rate0, "base": self.base,
                **super().get_config()}


class InverseSqrtDecay(Schedule):
    r"""Inverse square-root decay as a schedule object; see :func:`inverse_sqrt_decay`.

    .. math::

        \alpha_{\text{epoch}} = \frac{k}{\sqrt{\text{epoch}}}\,\alpha_0

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0 \ge 0`, the initial rate.
    k : float, default 1.0
        ``> 0``.
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, learning_rate0, k=1.0, epoch_offset=0):
        super().__init__(epoch_offset)
        self.learning_rate0 = _lr0(learning_rate0)
        self.k = check_scalar(k, "k", low=0.0, low_inclusive=False)

    def _rate(self, epoch):
        return inverse_sqrt_decay(self.learning_rate0, epoch, self.k)

    def get_config(self):
        return {"learning_rate0": self.learning_rate0, "k": self.k, **super().get_config()}


@fill_doc(LR0_DECAY=_LR0_DECAY)
class ScheduledDecay(Schedule):
    r"""Scheduled (step-wise) decay as a schedule object; see :func:`schedule_lr_decay`.

    .. math::

        \alpha_{\text{epoch}} = \frac{\alpha_0}{1 + \text{decay\_rate}\,
            \lfloor \text{epoch}/\text{time\_interval} \rfloor}

    %(LR0_DECAY)s
    time_interval : int, default 1000
        Epochs between two changes of the rate, ``>= 1``.
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, learning_rate0, decay_rate, time_interval=1000, epoch_offset=0):
        super().__init__(epoch_offset)
        self.learning_rate0 = _lr0(learning_rate0)
        self.decay_rate = check_scalar(decay_rate, "decay_rate", low=0.0)
        self.time_interval = check_scalar(time_interval, "time_interval", low=1, integer=True)

    def _rate(self, epoch):
        return schedule_lr_decay(self.learning_rate0, epoch, self.decay_rate,
                                 self.time_interval)

    def get_config(self):
        return {"learning_rate0": self.learning_rate0, "decay_rate": self.decay_rate,
                "time_interval": self.time_interval, **super().get_config()}


class CosineDecay(Schedule):
    r"""Cosine decay as a schedule object; see :func:`cosine_decay`.  Epoch 1 (the first
    that :meth:`~dlnotes.models.model.Model.fit` runs) uses :math:`\alpha_0` and epoch
    ``epochs`` the last rate above :math:`\alpha_{min}`:

    .. math::

        \alpha_{\text{epoch}} = \text{cosine\_decay}(\alpha_0,\ \text{epoch} - 1,\ E,\
        \text{final\_fraction})

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0`, the rate of epoch 1.
    epochs : int, ``>= 1``
        :math:`E`, the length of the decay.
    final_fraction : float in [0, 1], default 0
        :math:`\alpha_{min} / \alpha_0`.
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, learning_rate0, epochs, final_fraction=0.0, epoch_offset=0):
        super().__init__(epoch_offset)
        self.learning_rate0 = _lr0(learning_rate0)
        self.epochs = check_scalar(epochs, "epochs", low=1, integer=True)
        self.final_fraction = check_scalar(final_fraction, "final_fraction", low=0.0, high=1.0)

    def _rate(self, epoch):
        return cosine_decay(self.learning_rate0, max(epoch - 1, 0), self.epochs,
                            self.final_fraction)

    def get_config(self):
        return {"learning_rate0": self.learning_rate0, "epochs": self.epochs,
                "final_fraction": self.final_fraction, **super().get_config()}


class ManualSchedule(Schedule):
    r"""Manual decay: a list of rates (``rates[epoch - 1]`` for 1-based epochs; the last
    value is kept after the list ends) or a callable ``f(epoch) -> rate``.

    .. math::

        \alpha_{e} = \text{rates}[\min(e, n) - 1] \quad\text{or}\quad \alpha_e = f(e)

    Parameters
    ----------
    rates : sequence of float or callable
        The rates of epochs 1, 2, ... (non-negative), or ``f(epoch) -> rate``.
    epoch_offset : int, default 0
        Added to the epoch before the formula (to resume a schedule), ``>= 0``.
    """

    def __init__(self, rates, epoch_offset=0):
        super().__init__(epoch_offset)
        if callable(rates):
            self.rates = rates
        else:
            rates = check_nonempty_list(rates, "rates", "a list of learning rates or a callable")
            self.rates = [check_scalar(r, f"rates[{i}]", low=0.0) for i, r in enumerate(rates)]

    def _rate(self, epoch):
        if callable(self.rates):
            return check_scalar(self.rates(epoch), "learning rate returned by the schedule",
                                low=0.0)
        i = min(max(epoch - 1, 0), len(self.rates) - 1)
        return self.rates[i]

    def get_config(self):
        return {"rates": self.rates if not callable(self.rates) else repr(self.rates),
                **super().get_config()}


def as_schedule(learning_rate, name="learning_rate"):
    """A float (``>= 0``) becomes :class:`ConstantLR`; schedules and callables pass through.

    Parameters
    ----------
    learning_rate : float, Schedule or callable
        A constant rate, a schedule, or ``f(epoch) -> rate``.
    name : str, default "learning_rate"
        The argument's name in error messages.

    Returns
    -------
    Schedule
        ``learning_rate`` itself, a :class:`ConstantLR` or a :class:`ManualSchedule`.
    """
    if isinstance(learning_rate, Schedule):
        return learning_rate
    if isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool):
        check_scalar(learning_rate, name, low=0.0)
        return ConstantLR(learning_rate)
    if callable(learning_rate):
        return ManualSchedule(learning_rate)
    raise TypeError(f"{name} must be a non-negative float or a schedule, got "
                    f"{type(learning_rate).__name__}")
