"""Argument checking at the public boundary.

Every public function of dlnotes validates its arguments with these helpers
*before* any compiled kernel runs (kernels are built with bounds checking off).
Errors name the argument and say what was expected, e.g.::

    ValueError: W1 must have shape (n_1, n_x) = (5, 3), got (5, 4)

The helpers return arrays that the kernels can trust: C-contiguous, a
floating dtype (float32 or float64), with the requested number of dimensions.
Non-contiguous and negative-stride views are accepted and copied.
"""
from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_float_array(x, name, *, ndim=None, shape=None, shape_names=None, dtype=None,
                      allow_empty=True, finite=False, copy=False):
    """Validate ``x`` and return it as a C-contiguous float32/float64 array.

    Parameters
    ----------
    x : array_like
        The argument.  Python floats and lists are accepted and become float64.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed number(s) of dimensions.
    shape : tuple, optional
        Expected shape; ``None`` entries are free.
    shape_names : tuple of str, optional
        Symbolic names of the expected dimensions, for the message
        (e.g. ``("n_x", "m")``).
    dtype : numpy dtype, optional
        If given, the result is cast to it (used to make all operands of one
        call share the dtype of the first).
    allow_empty : bool
        If False, arrays with a zero-length dimension are rejected.
    finite : bool
        If True, NaN and infinity are rejected.
    copy : bool
        Always return a new array.
    """
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (numbers.Number, list, tuple)) or hasattr(x, "__array__"):
        arr = np.asarray(x)
        if arr.dtype.kind in "iub" and not isinstance(x, np.ndarray):
            # Plain Python numbers and lists are a convenience: treat as float64.
            arr = arr.astype(np.float64)
    else:
        raise TypeError(f"{name} must be a NumPy array of floats, got {type(x).__name__}")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be a real floating array (float32 or float64), "
                        f"got complex dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be a floating array (float32 or float64), got dtype "
                        f"{arr.dtype}; convert it first, e.g. {name}.astype(np.float64)")
    if arr.dtype not in FLOAT_DTYPES:
        # float16 / longdouble: compute in float64.
        arr = arr.astype(np.float64)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            expect = ""
            if shape is not None:
                expect = f" with shape {_expected(shape, shape_names)}"
            raise ValueError(f"{name} must be {want}-dimensional{expect}, got shape "
                             f"{_shape_str(arr.shape)}")
    if shape is not None:
        check_shape(arr, name, shape, shape_names)
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {_shape_str(arr.shape)}")
    if finite and arr.size and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")
    if copy:
        return np.array(arr, order="C", copy=True)
    # (np.ascontiguousarray would turn a 0-d array into shape (1,).)
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def _expected(shape, shape_names):
    if shape_names is None:
        return _shape_str(["?" if s is None else s for s in shape])
    parts = []
    for s, n in zip(shape, shape_names):
        parts.append(n if s is None or n == str(s) else f"{n}={s}")
    return "(" + ", ".join(parts) + ")"


def check_shape(arr, name, shape, shape_names=None):
    """Raise ValueError unless ``arr.shape`` matches ``shape`` (None = any)."""
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        raise ValueError(f"{name} must have shape {_expected(shape, shape_names)}, got "
                         f"{_shape_str(arr.shape)}")


def check_labels(y, name, *, shape=None, shape_names=None, dtype=np.float64):
    """Validate a label array (0/1 or one-hot); integers and booleans are allowed.

    Returns a C-contiguous array of the given floating ``dtype``.
    """
    arr = np.asarray(y)
    if arr.dtype.kind == "c" or arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if shape is not None:
        check_shape(arr, name, shape, shape_names)
    if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return np.ascontiguousarray(arr, dtype=dtype)


def check_scalar(value, name, *, low=None, high=None, low_inclusive=True, high_inclusive=True,
                 integer=False):
    """Validate a scalar hyperparameter and return it as float (or int).

    Examples
    --------
    >>> check_scalar(0.5, "keep_prob", low=0, high=1, low_inclusive=False)
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if integer:
        if isinstance(value, numbers.Integral):
            value = int(value)
        elif float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {value!r}")
    else:
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    lo_bad = low is not None and (value < low or (not low_inclusive and value == low))
    hi_bad = high is not None and (value > high or (not high_inclusive and value == high))
    if lo_bad or hi_bad:
        lb = "-inf" if low is None else low
        hb = "inf" if high is None else high
        lbr = "[" if (low_inclusive and low is not None) else "("
        hbr = "]" if (high_inclusive and high is not None) else ")"
        raise ValueError(f"{name} must be in {lbr}{lb}, {hb}{hbr}, got {value!r}")
    return value


def check_choice(value, name, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        opts = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {opts}, got {value!r}")
    return value


def result_dtype(*arrays):
    """The common floating dtype of float arrays (float64 if any is float64)."""
    return np.result_type(*[a.dtype for a in arrays])


def as_rng(rng=None, seed=None):
    """Return a :class:`numpy.random.Generator` from ``rng`` or ``seed``.

    dlnotes never touches NumPy's global random state.  Pass either an existing
    generator (``rng=``) or an integer ``seed``; with neither, a fresh
    OS-seeded generator is used.
    """
    if rng is not None and seed is not None:
        raise ValueError("pass either rng or seed, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is not None:
        if isinstance(seed, np.random.Generator):
            return seed
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(seed)


def check_params(parameters, name="parameters"):
    """Validate a dict of parameter arrays (``{"W1": ..., "b1": ...}``)."""
    if not isinstance(parameters, dict) or not parameters:
        raise TypeError(f"{name} must be a non-empty dict of arrays, got "
                        f"{type(parameters).__name__}")
    return parameters


def grad_key(grads, name):
    """The key of parameter ``name``'s gradient in ``grads``: the course's ``"d" + name``
    first, then ``name`` itself (the layers' convention).

    Raises
    ------
    KeyError
        Naming both keys looked for.
    """
    for key in ("d" + name, name):
        if key in grads:
            return key
    raise KeyError(f"grads has no entry for parameter {name!r} (looked for 'd{name}' and "
                   f"{name!r})")


def check_keys(value, name, keys):
    """``value`` checked to be a dict holding ``keys`` (like the course's ``hparameters``)."""
    if not isinstance(value, dict):
        example = ", ".join(f"{k!r}: ..." for k in keys)
        raise TypeError(f"{name} must be a dict {{{example}}}, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise KeyError(f"{name} is missing {missing} (expected keys "
                       f"{' and '.join(repr(k) for k in keys)})")
    return value


def check_nonempty_list(value, name, what):
    """``list(value)``, refusing what is not iterable or is empty; ``what`` names the items."""
    try:
        out = list(value)
    except TypeError:
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}") from None
    if not out:
        raise ValueError(f"{name} must not be empty")
    return out
