r"""The learning-rate decay formulas of the notes, one function each (private: the public
names are :mod:`dlnotes.optim.schedules`'s, which also holds the schedule objects)."""
from __future__ import annotations

import math

from dlnotes._docstrings import fill_doc
from dlnotes._validation import check_scalar

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_LR0_DECAY = r"""
Parameters
----------
learning_rate0 : float
    :math:`\alpha_0 \ge 0`, the initial rate.
decay_rate : float
    ``>= 0``.
"""
_RATE = r"""
Returns
-------
float
    The learning rate :math:`\alpha` of epoch ``epoch_num``.
"""



def _lr0(learning_rate0):
    return check_scalar(learning_rate0, "learning_rate0", low=0.0)


def _epoch(epoch_num, low=0):
    return check_scalar(epoch_num, "epoch_num", low=low, integer=True)


def inverse_time_decay(learning_rate0, epoch_num, decay_rate):
    r"""Inverse-time decay.

    .. math::

        \alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot \text{epoch\_num}}

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0 \ge 0`.
    epoch_num : int
        Epoch number (``>= 0``; the lecture counts from 1).
    decay_rate : float
        ``>= 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> [round(inverse_time_decay(0.2, e, 1.0), 4) for e in (1, 2, 3, 4)]
    [0.1, 0.0667, 0.05, 0.04]
    """
    lr0 = _lr0(learning_rate0)
    e = _epoch(epoch_num)
    r = check_scalar(decay_rate, "decay_rate", low=0.0)
    return lr0 / (1.0 + r * e)


@fill_doc(RATE=_RATE)
def update_lr(learning_rate0, epoch_num, decay_rate):
    r"""The course's name for :func:`inverse_time_decay`.

    .. math::

        \alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot \text{epoch\_num}}

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0 \ge 0`, the initial rate.
    epoch_num : int
        The epoch, ``>= 0``.
    decay_rate : float
        ``>= 0``.

    %(RATE)s
    """
    return inverse_time_decay(learning_rate0, epoch_num, decay_rate)


@fill_doc(RATE=_RATE)
def exponential_decay(learning_rate0, epoch_num, base=0.95):
    r"""Exponential decay with any base (the notes use 0.95).

    .. math::

        \alpha = \text{base}^{\,\text{epoch\_num}}\, \alpha_0

    Parameters
    ----------
    learning_rate0 : float
    epoch_num : int, ``>= 0``
    base : float in (0, 1]

    %(RATE)s
    """
    lr0 = _lr0(learning_rate0)
    e = _epoch(epoch_num)
    base = check_scalar(base, "base", low=0.0, high=1.0, low_inclusive=False)
    return base ** e * lr0


@fill_doc(RATE=_RATE)
def inverse_sqrt_decay(learning_rate0, epoch_num, k=1.0):
    r"""Inverse square-root decay.

    .. math::

        \alpha = \frac{k}{\sqrt{\text{epoch\_num}}}\, \alpha_0

    Parameters
    ----------
    learning_rate0 : float
    epoch_num : int, ``>= 1`` (undefined at 0)
    k : float, ``> 0``

    %(RATE)s
    """
    lr0 = _lr0(learning_rate0)
    e = _epoch(epoch_num, low=1)
    k = check_scalar(k, "k", low=0.0, low_inclusive=False)
    return k / math.sqrt(e) * lr0


@fill_doc(RATE=_RATE)
def cosine_decay(learning_rate0, epoch_num, epochs, final_fraction=0.0):
    r"""Cosine decay (Loshchilov & Hutter 2017, one cycle without restart): from
    :math:`\alpha_0` at ``epoch_num = 0`` down to :math:`\alpha_{min}` at ``epoch_num = epochs``
    along half a cosine, then constant.

    .. math::

        \alpha = \alpha_{min} + \tfrac12\,(\alpha_0 - \alpha_{min})
        \Big(1 + \cos\frac{\pi \min(\text{epoch\_num}, E)}{E}\Big),
        \qquad \alpha_{min} = \text{final\_fraction}\cdot\alpha_0

    Equal to PyTorch's ``CosineAnnealingLR(T_max=E, eta_min=final_fraction * lr)``
    after ``epoch_num`` steps.

    Parameters
    ----------
    learning_rate0 : float
        :math:`\alpha_0`, the rate of epoch 0.
    epoch_num : int, ``>= 0``
        The epoch whose rate is returned.
    epochs : int, ``>= 1``
        :math:`E`, the length of the decay.
    final_fraction : float in [0, 1]
        :math:`\alpha_{min} / \alpha_0`, the rate kept after epoch :math:`E`.

    %(RATE)s
    """
    lr0 = _lr0(learning_rate0)
    e = _epoch(epoch_num)
    E = check_scalar(epochs, "epochs", low=1, integer=True)
    f = check_scalar(final_fraction, "final_fraction", low=0.0, high=1.0)
    low = f * lr0
    return low + 0.5 * (lr0 - low) * (1.0 + math.cos(math.pi * min(e, E) / E))


@fill_doc(RATE=_RATE)
def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    r"""Scheduled (step-wise) inverse-time decay, the course assignment's form.

    .. math::

        \alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot
                 \lfloor \text{epoch\_num} / \text{time\_interval} \rfloor}

    The rate changes only every ``time_interval`` epochs.

    Parameters
    ----------
    learning_rate0 : float
    epoch_num : int, ``>= 0``
    decay_rate : float, ``>= 0``
    time_interval : int, ``>= 1``

    %(RATE)s
    """
    lr0 = _lr0(learning_rate0)
    e = _epoch(epoch_num)
    r = check_scalar(decay_rate, "decay_rate", low=0.0)
    interval = check_scalar(time_interval, "time_interval", low=1, integer=True)
    return lr0 / (1.0 + r * (e // interval))
