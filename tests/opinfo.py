"""OpInfo-style operation descriptions, in the spirit of PyTorch's OpInfo.

One description per public operation: the function, a plain-NumPy oracle
written in the test (a transcription of the notes' formula), a generator of
sample inputs and a list of error inputs with the exception each must raise,
optionally a float64 gradient check and a PyTorch oracle.  The generic tests in
``test_opinfo.py`` run the whole matrix (samples x dtypes x checks) for every
description, so a new kernel gets every check by adding one entry.

Descriptions live in ``tests/ops_<chapter>.py`` files, each defining a list
``OPS``; ``all_ops()`` collects them.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import pathlib
from typing import Any, Callable

import numpy as np

HERE = pathlib.Path(__file__).parent

DTYPES = (np.float32, np.float64)
# Agreement tolerances (relative) with the oracles, per dtype.
RTOL = {np.float32: 1e-5, np.float64: 1e-10}
ATOL = {np.float32: 1e-6, np.float64: 1e-12}


@dataclasses.dataclass
class SampleInput:
    """Positional and keyword arguments for one call; ``desc`` names the case."""

    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    desc: str = ""


@dataclasses.dataclass
class ErrorInput:
    """A bad call and the exception (type and message regex) it must raise."""

    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    exc: type = ValueError
    match: str = ""
    desc: str = ""


@dataclasses.dataclass
class OpInfo:
    """Description of one public operation.

    Attributes
    ----------
    name : str
    op : callable
        The dlnotes function under test.
    reference : callable
        NumPy oracle with the same signature; returns what ``output(op(...))`` returns.
    sample_inputs : callable
        ``sample_inputs(rng, dtype)`` -> iterable of :class:`SampleInput`.
    error_inputs : callable, optional
        ``error_inputs()`` -> iterable of :class:`ErrorInput`.
    output : callable
        Picks the comparable array(s) out of ``op``'s return value (e.g. drops a cache).
    gradcheck : callable, optional
        ``gradcheck(sample, rng)`` -> float relative difference of the backward
        pass against the centred difference (float64 samples).
    torch_reference : callable, optional
        ``torch_reference(torch, *args, **kwargs)`` -> numpy output(s).
    float_args : tuple of int
        Positions of array arguments that the non-contiguous test may replace by views.
    """

    name: str
    op: Callable
    reference: Callable
    sample_inputs: Callable
    error_inputs: Callable | None = None
    output: Callable = lambda out: out
    gradcheck: Callable | None = None
    torch_reference: Callable | None = None
    float_args: tuple = (0,)
    rtol: dict = dataclasses.field(default_factory=lambda: dict(RTOL))
    atol: dict = dataclasses.field(default_factory=lambda: dict(ATOL))
    grad_tol: float = 1e-7
    dtypes: tuple = DTYPES
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def assert_close(actual, expected, dtype, info: OpInfo, what=""):
    for i, (a, e) in enumerate(zip(as_tuple(actual), as_tuple(expected))):
        a = np.asarray(a)
        e = np.asarray(e)
        assert a.shape == e.shape, f"{info.name}{what} output {i}: shape {a.shape} != {e.shape}"
        np.testing.assert_allclose(a, e, rtol=info.rtol[dtype], atol=info.atol[dtype],
                                   err_msg=f"{info.name}{what} output {i}")


def noncontiguous(a):
    """A non-contiguous, negative-stride view holding the values of ``a``."""
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 0:
        return a
    buf = np.empty(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    view = buf[..., ::-2]
    view[...] = a
    return view


def all_ops():
    ops = []
    for path in sorted(HERE.glob("ops_*.py")):
        spec = importlib.util.spec_from_file_location(f"_dlnotes_tests_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        ops.extend(mod.OPS)
    return ops
