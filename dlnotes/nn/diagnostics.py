r"""The notes' bias/variance reasoning as a helper (course C2W1, C3W1).

.. math::

    \text{avoidable bias} = E_{\text{train}} - E_{\text{Bayes}}, \qquad
    \text{variance} = E_{\text{dev}} - E_{\text{train}}
"""
from __future__ import annotations

from dataclasses import dataclass

from dlnotes._validation import check_scalar

__all__ = ["BiasVariance", "diagnose_bias_variance"]


@dataclass(frozen=True)
class BiasVariance:
    r"""Result of :func:`diagnose_bias_variance` (errors in percent).

    Parameters
    ----------
    train_error, dev_error, bayes_error : float
        The three errors, in percent.
    avoidable_bias : float
        :math:`E_{\text{train}} - E_{\text{Bayes}}`, percentage points.
    variance : float
        :math:`E_{\text{dev}} - E_{\text{train}}`, percentage points.
    high_bias, high_variance : bool
        Whether each gap exceeds the tolerance.
    diagnosis : str
        "high bias", "high variance", "high bias and high variance" or "low bias and low
        variance".
    attack_first : {"bias", "variance", "nothing"}
        The larger high gap, which the course says to work on first.
    remedies : tuple of str
        The course's remedies for that gap (empty for "nothing").
    """

    train_error: float
    dev_error: float
    bayes_error: float
    avoidable_bias: float
    variance: float
    high_bias: bool
    high_variance: bool
    diagnosis: str
    attack_first: str
    remedies: tuple

    def __str__(self):
        return (f"train {self.train_error:g}%, dev {self.dev_error:g}%, Bayes "
                f"{self.bayes_error:g}%: avoidable bias {self.avoidable_bias:g}, variance "
                f"{self.variance:g} -> {self.diagnosis}; attack {self.attack_first} first")


_BIAS_REMEDIES = ("bigger network", "train longer / better optimizer (Adam, momentum)",
                  "different architecture or hyperparameters")
_VAR_REMEDIES = ("more data (or data augmentation)", "regularization (L2, dropout)",
                 "different architecture or hyperparameters")


def diagnose_bias_variance(train_error, dev_error, bayes_error=0.0, tolerance=2.0):
    r"""Say whether a model suffers from avoidable bias, variance, both, or neither.

    .. math::

        \text{avoidable bias} = E_{\text{train}} - E_{\text{Bayes}}, \qquad
        \text{variance} = E_{\text{dev}} - E_{\text{train}}

    A gap counts as "high" when it exceeds ``tolerance`` percentage points.
    When both are high, the larger gap is attacked first (the course's advice:
    work on whichever gap is bigger).

    Parameters
    ----------
    train_error, dev_error : float
        Errors in percent, in [0, 100].
    bayes_error : float, default 0
        Bayes (or human-level proxy) error in percent, at most ``train_error``
        plus the tolerance.
    tolerance : float, default 2
        Gap (percentage points) above which bias or variance is called high.

    Returns
    -------
    BiasVariance

    Examples
    --------
    The notes' table (Bayes error 0):

    >>> [diagnose_bias_variance(t, d).diagnosis for t, d in [(1, 11), (15, 16), (15, 30), (0.5, 1)]]
    ['high variance', 'high bias', 'high bias and high variance', 'low bias and low variance']
    """
    train_error = check_scalar(train_error, "train_error", low=0.0, high=100.0)
    dev_error = check_scalar(dev_error, "dev_error", low=0.0, high=100.0)
    bayes_error = check_scalar(bayes_error, "bayes_error", low=0.0, high=100.0)
    tolerance = check_scalar(tolerance, "tolerance", low=0.0)
    if bayes_error > train_error + tolerance:
        raise ValueError(f"bayes_error ({bayes_error}) cannot exceed train_error "
                         f"({train_error}) by more than the tolerance: the Bayes error is the "
                         f"lowest error any model can reach")
    bias = train_error - bayes_error
    var = dev_error - train_error
    hb, hv = bias > tolerance, var > tolerance
    if hb and hv:
        diagnosis = "high bias and high variance"
    elif hb:
        diagnosis = "high bias"
    elif hv:
        diagnosis = "high variance"
    else:
        diagnosis = "low bias and low variance"
    if hb and (not hv or bias >= var):
        first, remedies = "bias", _BIAS_REMEDIES
    elif hv:
        first, remedies = "variance", _VAR_REMEDIES
    else:
        first, remedies = "nothing", ()
    return BiasVariance(train_error, dev_error, bayes_error, round(bias, 10), round(var, 10),
                        hb, hv, diagnosis, first, remedies)
