r"""Human-readable dates -> ISO dates: the data of the course's attention model (notes,
"Attention model"; the assignment "Neural machine translation with attention").

The course draws dates with Faker and writes them with babel in 24 formats; here the
standard library does both, from a seeded generator: a uniform date in 1970-2030, one of
the course's formats (babel's ``en_US`` short, medium, long and full forms, and its
pattern strings such as ``"d MMM YYY"`` or ``"dd.MM.YY"``), lower-cased with the commas
dropped, as the course does.  The target is ``YYYY-MM-DD``.

Sequences are encoded as the rest of the package expects: one-hot arrays of shape
``(n_x, m, T_x)`` (the course's Keras code uses ``(m, T_x, n_x)``).
"""
from __future__ import annotations

import datetime

import numpy as np

from dlnotes._validation import as_rng, check_scalar

__all__ = ["DATE_FORMATS", "HUMAN_VOCAB", "MACHINE_VOCAB", "format_date", "make_date_dataset",
           "string_to_int", "preprocess_dates"]

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: The course's list: the full form ten times more often than the others.
DATE_FORMATS = ("short", "medium", "long", "full", "full", "full", "full", "full", "full",
                "full", "full", "full", "full", "d MMM YYY", "d MMMM YYY", "dd MMM YYY",
                "d MMM, YYY", "d MMMM, YYY", "dd, MMM YYY", "d MM YY", "d MMMM YYY",
                "MMMM d YYY", "MMMM d, YYY", "dd.MM.YY")

_CHARS = sorted(set("0123456789 ./-") | set("".join(MONTHS + DAYS)))
#: Characters of every formatted date, then ``<unk>`` and ``<pad>`` (fixed, so the indices
#: do not depend on the sample).
HUMAN_VOCAB = {c: i for i, c in enumerate(_CHARS + ["<unk>", "<pad>"])}
#: ``0``-``9`` and ``-``.
MACHINE_VOCAB = {c: i for i, c in enumerate(sorted("0123456789-"))}

_PATTERNS = {"short": "M/d/yy", "medium": "MMM d, y", "long": "MMMM d, y",
             "full": "EEEE, MMMM d, y"}


def _field(tok, d):
    month = MONTHS[d.month - 1]
    return {"d": str(d.day), "dd": f"{d.day:02d}", "M": str(d.month), "MM": f"{d.month:02d}",
            "MMM": month[:3], "MMMM": month, "y": str(d.year), "YYY": str(d.year),
            "yy": f"{d.year % 100:02d}", "YY": f"{d.year % 100:02d}",
            "EEEE": DAYS[d.weekday()]}[tok]


def format_date(date, fmt):
    """Write ``date`` in one of :data:`DATE_FORMATS`, lower-cased and without commas.

    >>> format_date(datetime.date(1979, 5, 3), "full")
    'thursday may 3 1979'
    >>> format_date(datetime.date(1979, 5, 3), "dd.MM.YY")
    '03.05.79'

    Parameters
    ----------
    date : datetime.date
        The date.
    fmt : str
        One of :data:`DATE_FORMATS`.

    Returns
    -------
    str
        The formatted date.
    """
    if not isinstance(date, datetime.date):
        raise TypeError(f"date must be a datetime.date, got {type(date).__name__}")
    if fmt not in DATE_FORMATS:
        raise ValueError(f"fmt must be one of {sorted(set(DATE_FORMATS))}, got {fmt!r}")
    pattern = _PATTERNS.get(fmt, fmt)
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            out.append(_field(pattern[i:j], date))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out).lower().replace(",", "")


def make_date_dataset(m, rng=None, seed=None, start=datetime.date(1970, 1, 1),
                      end=datetime.date(2030, 12, 31)):
    """``m`` pairs (human-readable date, ISO date), dates uniform in ``[start, end]``.

    Parameters
    ----------
    m : int
    rng, seed : numpy Generator or int
    start, end : datetime.date

    Returns
    -------
    list of (str, str)
    """
    m = check_scalar(m, "m", low=0, integer=True)
    rng = as_rng(rng, seed)
    span = (end - start).days
    if span < 0:
        raise ValueError(f"end ({end}) must not be before start ({start})")
    days = rng.integers(0, span + 1, m)
    fmts = rng.integers(0, len(DATE_FORMATS), m)
    out = []
    for k, f in zip(days.tolist(), fmts.tolist()):
        d = start + datetime.timedelta(days=k)
        out.append((format_date(d, DATE_FORMATS[f]), d.isoformat()))
    return out


def string_to_int(string, length, vocab):
    """Indices of the characters of ``string`` (``<unk>`` if unknown), cut or padded with
    ``<pad>`` to ``length`` (the course's ``string_to_int``).

    Parameters
    ----------
    string : str
        The text (lower-cased and stripped of commas first).
    length : int
        Length of the result, :math:`T_x`.
    vocab : dict of str -> int
        Character indices, with ``"<pad>"`` and optionally ``"<unk>"``.

    Returns
    -------
    list of int
        ``length`` indices.
    """
    length = check_scalar(length, "length", low=1, integer=True)
    s = string.lower().replace(",", "")[:length]
    unk = vocab.get("<unk>")
    idx = []
    for c in s:
        if c in vocab:
            idx.append(vocab[c])
        elif unk is None:
            raise ValueError(f"character {c!r} of {string!r} is not in the vocabulary")
        else:
            idx.append(unk)
    return idx + [vocab["<pad>"]] * (length - len(idx)) if len(idx) < length else idx


def preprocess_dates(dataset, T_x=30, T_y=10, human_vocab=None, machine_vocab=None):
    r"""Index and one-hot encode a date dataset.

    .. math::

        X^{\langle t\rangle}_{:, i} = e_{\text{vocab}(x_i^{\langle t\rangle})}
        \in \{0, 1\}^{n_x}

    Parameters
    ----------
    dataset : list of (str, str)
        ``(human date, machine date)`` pairs, as :func:`make_date_dataset` returns.
    T_x : int, default 30
        Length of the inputs (cut or padded).
    T_y : int, default 10
        Length of the targets (``YYYY-MM-DD``).
    human_vocab : dict of str -> int, optional
        Input characters (default :data:`HUMAN_VOCAB`).
    machine_vocab : dict of str -> int, optional
        Output characters (default :data:`MACHINE_VOCAB`).

    Returns
    -------
    X : ndarray of int64, shape (m, T_x)
    Y : ndarray of int64, shape (m, T_y)
    Xoh : ndarray of float64, shape (len(human_vocab), m, T_x)
    Yoh : ndarray of float64, shape (len(machine_vocab), m, T_y)
    """
    human_vocab = HUMAN_VOCAB if human_vocab is None else human_vocab
    machine_vocab = MACHINE_VOCAB if machine_vocab is None else machine_vocab
    m = len(dataset)
    X = np.array([string_to_int(h, T_x, human_vocab) for h, _ in dataset],
                 dtype=np.int64).reshape(m, T_x)
    Y = np.array([[machine_vocab[c] for c in t] for _, t in dataset],
                 dtype=np.int64).reshape(m, -1)
    if Y.shape[1] != T_y:
        raise ValueError(f"targets must have T_y={T_y} characters, got {Y.shape[1]}")
    Xoh = np.eye(len(human_vocab))[X].transpose(2, 0, 1)
    Yoh = np.eye(len(machine_vocab))[Y].transpose(2, 0, 1)
    return X, Y, np.ascontiguousarray(Xoh), np.ascontiguousarray(Yoh)
