"""The fuzzing suite's cases and its child-process runner (issue 10).

Every case is one call with a generated bad or unusual input and a rule for its outcome:

- ``correct``: the call returned what the NumPy oracle of its OpInfo returns (same shapes,
  values within the description's tolerance, NaN where the oracle has NaN);
- ``error``: the call raised TypeError / ValueError / KeyError (or ModelFileError, a
  ValueError) whose message names the argument (a parameter name of the function, a key of
  a dict argument, or ``cache``);
- anything else is a failure: ``crash`` (the child died, e.g. SIGSEGV), ``hang`` (no answer
  within the time limit), ``garbage`` (a result that disagrees with the oracle, or a bad
  input accepted silently), ``unclear`` (an exception that does not say what is wrong).

Cases are generated deterministically (seeded) by category, for every OpInfo description in
``tests/ops_*.py`` (so a new kernel is fuzzed by adding its description), plus forged caches
of the backward functions, save/load of model files and every option of the CLI.

:class:`Runner` runs the cases in a child process (``spawn``: a fresh interpreter, no
inherited OpenMP/BLAS thread state).  The child answers case by case through a pipe, so when
it dies the parent knows which case killed it, records a ``crash`` and starts a new child for
the remaining cases.  ``DLNOTES_FUZZ_LONG=1`` multiplies the samples and random cases.
"""
from __future__ import annotations

import dataclasses
import inspect
import multiprocessing
import os
import re
import sys
import time
import traceback
import warnings
from typing import Callable

import numpy as np

LONG = os.environ.get("DLNOTES_FUZZ_LONG", "") not in ("", "0")
CASE_TIMEOUT = 60.0 if LONG else 30.0
FAIL_CLASSES = ("crash", "hang", "garbage", "unclear")
CLASSES = ("correct", "error", "known") + FAIL_CLASSES
CLEAR_TYPES = (TypeError, ValueError, KeyError)

#: outcome counts of this pytest session, printed by conftest's terminal summary
STATS = {"cases": 0, **{c: 0 for c in CLASSES}, "seconds": 0.0, "groups": 0}


@dataclasses.dataclass
class Case:
    """One fuzz call.  ``run()`` returns (class, detail) and never raises."""

    group: str
    desc: str
    run: Callable


# ------------------------------------------------------------------------------ outcome rules
def _public_parameter_names():
    """Parameter names of every public dlnotes function (the OpInfo ops are often thin
    wrappers whose own signature is ``*args``)."""
    import importlib
    import pkgutil

    import dlnotes

    names = set()
    for mod in pkgutil.walk_packages(dlnotes.__path__, "dlnotes."):
        if "._" in mod.name or mod.name.endswith(("cli", "__main__")):
            continue
        try:
            m = importlib.import_module(mod.name)
        except ImportError:
            continue
        for obj in vars(m).values():
            if inspect.isfunction(obj) and not obj.__name__.startswith("_"):
                names |= set(inspect.signature(obj).parameters)
    return names


_PUBLIC_NAMES = None


def _names_of(fn, args=(), kwargs=None):
    global _PUBLIC_NAMES
    if _PUBLIC_NAMES is None:
        _PUBLIC_NAMES = _public_parameter_names()
    names = set(_PUBLIC_NAMES)
    try:
        names |= set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        pass
    names.discard("args")
    names.discard("kwargs")
    for a in list(args) + list((kwargs or {}).values()):
        if isinstance(a, dict):
            names |= {str(k) for k in a}
    return names | {"cache", "caches"}


def clear_error(exc, names):
    """True if ``exc`` is a deliberate validation error naming one of ``names``."""
    if not isinstance(exc, CLEAR_TYPES):
        return False
    msg = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", msg)
               for n in names if n)


def _flat_outputs(x):
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    if isinstance(x, (tuple, list)):
        out = []
        for v in x:
            out.extend(_flat_outputs(v))
        return out
    return [x]


def agree(actual, expected, rtol, atol, scale_atol=0.0, dtype=None):
    """None if the outputs agree, else a description.

    Values are compared where the oracle is finite, after rounding the oracle to the
    output's dtype (a float32 result that overflows where the float64 oracle holds 1e60
    is IEEE-correct).  Where the oracle is NaN or infinite (0 * log 0, inf - inf, an
    overflow the function avoids by a stable formula), the function may return anything.
    ``scale_atol`` adds ``scale_atol * max |oracle|`` to the absolute tolerance: with
    inputs of magnitude 1e30, rounding errors scale with the problem, not with each entry.
    """
    acts, exps = _flat_outputs(actual), _flat_outputs(expected)
    if len(acts) != len(exps):
        return f"{len(acts)} outputs, oracle has {len(exps)}"
    if scale_atol:
        with np.errstate(all="ignore"):
            finite = [np.abs(np.asarray(e, dtype=np.float64)[np.isfinite(np.asarray(
                e, dtype=np.float64))]) for e in exps
                if e is not None and np.asarray(e).dtype.kind in "fiu"]
        big = max((float(f.max()) for f in finite if f.size), default=0.0)
        atol = atol + scale_atol * big
    for i, (a, e) in enumerate(zip(acts, exps)):
        if a is None or e is None:
            if a is not e:
                return f"output {i}: {a!r} vs oracle {e!r}"
            continue
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            return f"output {i}: shape {a.shape}, oracle {e.shape}"
        if a.dtype.kind in "biu" or e.dtype.kind in "biu":
            if not np.array_equal(a, e):
                return f"output {i}: differs from the oracle"
            continue
        if a.dtype.kind == "c" or e.dtype.kind == "c":
            return f"output {i}: complex values ({a.dtype}, oracle {e.dtype})"
        with np.errstate(all="ignore"):
            work = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
            if dtype is not None and np.dtype(dtype).itemsize < work.itemsize:
                work = np.dtype(dtype)  # a Python float computed in float32
            if e.dtype.kind == "f" and work.itemsize < e.dtype.itemsize:
                e = e.astype(work)
            a64, e64 = a.astype(np.float64), e.astype(np.float64)
            defined = np.isfinite(e64)
            bad = defined & ~np.isclose(a64, e64, rtol=rtol, atol=atol)
        if bad.any():
            return (f"output {i}: {int(bad.sum())} of {a.size} values differ from the oracle "
                    f"(first: {a64[bad][0]!r} vs {e64[bad][0]!r})")
    return None


def judge(call, names, expect, oracle=None, rtol=1e-7, atol=1e-9, scale_atol=0.0,
          dtype=None):
    """Classify one call.

    ``expect``: ``"value"`` (must return the oracle's value; a clear error is a failure),
    ``"value-or-error"`` (the oracle's value or a clear error), ``"error"`` (a clear error).
    ``oracle`` is a callable returning the expected output, or raising if there is none;
    with ``"value-or-error"`` and an oracle that raises, only a clear error is accepted.
    """
    try:
        out = call()
    except Exception as exc:  # noqa: BLE001 - classifying every outcome is the point
        detail = f"{type(exc).__name__}: {str(exc)[:300]}"
        if clear_error(exc, names):
            if expect == "value":
                return "unclear", "refused a valid input: " + detail
            return "error", detail
        return "unclear", detail + " | " + traceback.format_exc(limit=-2).strip()[-400:]
    if expect == "error":
        return "garbage", "accepted silently (a clear error was expected)"
    try:
        ref = oracle()
    except Exception as exc:  # noqa: BLE001
        if all(np.size(o) == 0 for o in _flat_outputs(out) if isinstance(o, np.ndarray)) \
                and any(isinstance(o, np.ndarray) for o in _flat_outputs(out)):
            # empty input, empty result: the loop oracle has no identity for an empty
            # reduction, and there is no value to compare
            return "correct", "empty result"
        return "garbage", (f"returned a result where the NumPy oracle fails "
                           f"({type(exc).__name__}: {str(exc)[:120]})")
    why = agree(out, ref, rtol, atol, scale_atol, dtype)
    return ("correct", "") if why is None else ("garbage", why)


# ------------------------------------------------------------------------------ OpInfo cases
def _tol(info, dtype, loose=False):
    r = info.rtol.get(dtype, 1e-5)
    a = info.atol.get(dtype, 1e-6)
    if loose:  # inputs converted from other dtypes, or huge magnitudes
        r, a = max(r, 1e-4), max(a, 1e-5)
    return r, a


def _array_slots(args, kwargs):
    """(label, getter-path) of every ndarray among the arguments, dict values included."""
    slots = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            slots.append((f"arg{i}", ("a", i, None)))
        elif isinstance(a, dict):
            for k, v in a.items():
                if isinstance(v, np.ndarray):
                    slots.append((f"arg{i}[{k!r}]", ("a", i, k)))
    for name, a in kwargs.items():
        if isinstance(a, np.ndarray):
            slots.append((name, ("k", name, None)))
    return slots


def _scalar_slots(args, kwargs):
    slots = []
    for i, a in enumerate(args):
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            slots.append((f"arg{i}", ("a", i, None)))
        elif isinstance(a, dict):
            for k, v in a.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    slots.append((f"arg{i}[{k!r}]", ("a", i, k)))
    for name, a in kwargs.items():
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            slots.append((name, ("k", name, None)))
    return slots


def _get(args, kwargs, path):
    where, key, sub = path
    v = args[key] if where == "a" else kwargs[key]
    return v if sub is None else v[sub]


def _with(args, kwargs, path, value):
    """Copies of (args, kwargs) with the slot at ``path`` replaced."""
    where, key, sub = path
    args, kwargs = list(args), dict(kwargs)
    if where == "a":
        if sub is None:
            args[key] = value
        else:
            d = dict(args[key])
            if value is _DROP:
                d.pop(sub)
            else:
                d[sub] = value
            args[key] = d
    else:
        kwargs[key] = value
    return tuple(args), kwargs


_DROP = object()


def _fresh(x):
    """A deep copy keeping each array's layout and flags (the op may not alter its input)."""
    if isinstance(x, np.ndarray):
        c = np.array(x, order="K", copy=True)
        if x.ndim and not x.flags.c_contiguous and not x.flags.f_contiguous:
            # keep a strided view as a strided view
            buf = np.empty(x.shape[:-1] + (2 * x.shape[-1],), dtype=x.dtype)
            c = buf[..., ::-2]
            c[...] = x
        if not x.flags.writeable:
            c.flags.writeable = False
        return c
    if isinstance(x, dict):
        return {k: _fresh(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_fresh(v) for v in x)
    return x


def _as64(x):
    """One argument as the oracle sees it: arrays, nested lists and object arrays of
    numbers become float64 arrays (dict values too)."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiubO":
        return x.astype(np.float64)
    if isinstance(x, list):
        return np.asarray(x, dtype=np.float64)
    if isinstance(x, dict):
        return {k: _as64(v) for k, v in x.items()}
    return x


def _views(a):
    from opinfo import noncontiguous

    out = []
    if a.ndim >= 2:
        out.append(("Fortran order", np.asfortranarray(a)))
    if a.ndim >= 1 and a.size:
        out.append(("negative-stride view", noncontiguous(a)))
        rev = np.ascontiguousarray(a[::-1])[::-1]
        out.append(("reversed view", rev))
    ro = a.copy()
    ro.flags.writeable = False
    out.append(("read-only", ro))
    return out


def _conversions(a, dtype):
    other = np.float64 if np.dtype(dtype) == np.float32 else np.float32
    out = [("mixed float dtype", a.astype(other), "value-or-error"),
           ("float16", a.astype(np.float16), "value-or-error"),
           ("int64", np.round(a).astype(np.int64), "value-or-error"),
           ("bool", a > 0, "value-or-error"),
           ("nested list", a.tolist(), "value-or-error"),
           ("complex", a + 1j, "error"),
           ("object array", a.astype(object), "value-or-error"),
           ("string", "abc", "error"),
           ("None", None, "error")]
    return out


def _reshapes(a):
    out = [("extra axis", a[..., None]), ("scalar", np.asarray(1.5, dtype=a.dtype))]
    if a.ndim >= 1:
        out.append(("one axis fewer", a[..., 0] if a.shape[-1] else a.reshape(a.shape[:-1])))
        out.append(("last axis + 1", np.concatenate([a, a[..., :1] if a.shape[-1] else
                                                     np.ones(a.shape[:-1] + (1,), a.dtype)],
                                                    axis=-1)))
        out.append(("empty last axis", a[..., :0]))
    if a.ndim >= 2:
        out.append(("first axis + 1", np.concatenate([a, a[:1] if a.shape[0] else
                                                      np.ones((1,) + a.shape[1:], a.dtype)])))
        out.append(("empty first axis", a[:0]))
    return out


def _values(a, rng):
    out = []
    if a.size and a.dtype.kind == "f":
        for label, v in (("NaN", np.nan), ("+inf", np.inf), ("-inf", -np.inf)):
            b = a.copy()
            b.flat[int(rng.integers(a.size))] = v
            out.append((label, b))
        out.append(("1e30 magnitudes", a * a.dtype.type(1e30) if a.dtype.kind == "f" else a))
        out.append(("all zeros", np.zeros_like(a)))
    return out


def _scalar_values():
    return [("0", 0), ("-1", -1), ("1e30", 1e30), ("NaN", float("nan")), ("inf", float("inf")),
            ("2**63", 2**63), ("True", True), ("string", "x"), ("None", None), ("1.5", 1.5)]


def opinfo_cases(info, rng):
    """Cases for one OpInfo: every argument through every category, both dtypes."""
    cases = []
    n_samples = 3 if LONG else 1
    for dtype in info.dtypes:
        samples = list(info.sample_inputs(np.random.default_rng(int(rng.integers(2**31))),
                                          dtype))
        for sample in samples[:n_samples]:
            cases.extend(_sample_cases(info, sample, dtype, rng))
    return cases


def _sample_cases(info, sample, dtype, rng):
    args, kwargs = sample.args, dict(sample.kwargs)
    names = _names_of(info.op, args, kwargs)
    op, ref, output = info.op, info.reference, info.output
    rtol, atol = _tol(info, dtype)
    lrtol, latol = _tol(info, dtype, loose=True)
    group = info.name
    tag = f"{np.dtype(dtype).name} {sample.desc}".strip()
    cases = []

    def call(a, k):
        return lambda: output(op(*_fresh(a), **_fresh(k)))

    def oracle(a, k, path=None):
        """The oracle on (a, k); with ``path``, that slot is given as a float64 array."""
        def f():
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aa, kk = _fresh(a), _fresh(k)
                if path is not None:
                    aa, kk = _with(aa, kk, path, _as64(_get(aa, kk, path)))
                return ref(*aa, **kk)
        return f

    def add(desc, a, k, expect, path=None, loose=False, scale=0.0):
        r, t = (lrtol, latol) if loose else (rtol, atol)
        cases.append(Case(group, f"{tag}: {desc}",
                          lambda: judge(call(a, k), names, expect, oracle(a, k, path), r, t,
                                        scale, dtype)))

    add("the sample itself", args, kwargs, "value")
    for label, path in _array_slots(args, kwargs):
        a = _get(args, kwargs, path)
        if a.dtype.kind != "f":  # labels, indices: layouts and shapes only
            for vdesc, v in _views(a):
                add(f"{label} {vdesc}", *_with(args, kwargs, path, v), "value")
            for rdesc, v in _reshapes(a):
                add(f"{label} {rdesc}", *_with(args, kwargs, path, v), "value-or-error")
            add(f"{label} complex", *_with(args, kwargs, path, a + 1j), "error")
            continue
        for vdesc, v in _views(a):
            add(f"{label} {vdesc}", *_with(args, kwargs, path, v), "value")
        for cdesc, v, expect in _conversions(a, dtype):
            na, nk = _with(args, kwargs, path, v)
            if path[2] is not None and expect == "error":
                # an entry of a dict argument (a word-vector map, a parameter dict) that the
                # function may not read: it must then give the oracle's value
                expect = "value-or-error"
            add(f"{label} {cdesc}", na, nk, expect, path=path if expect != "error" else None,
                loose=True)
        for rdesc, v in _reshapes(a):
            add(f"{label} {rdesc}", *_with(args, kwargs, path, v), "value-or-error")
        for vdesc, v in _values(a, rng):
            add(f"{label} {vdesc}", *_with(args, kwargs, path, v), "value-or-error",
                loose=True, scale=1e-3 if "1e30" in vdesc else 0.0)
        if path[2] is not None:
            add(f"{label} missing", *_with(args, kwargs, path, _DROP), "value-or-error")
    for label, path in _scalar_slots(args, kwargs):
        for sdesc, v in _scalar_values():
            if label in ("seed", "rng") and sdesc in ("None", "True"):
                continue  # an OS-seeded run: no oracle value to compare with
            add(f"{label} = {sdesc}", *_with(args, kwargs, path, v), "value-or-error",
                loose=True)
    return cases


# ------------------------------------------------------------------------------ forged caches
def forged_cache_cases(rng):
    """Backward functions given caches they did not produce (defect 1 was a SIGSEGV here)."""
    from dlnotes.cnn import conv_backward, conv_forward, pool_backward, pool_forward
    from dlnotes import rnn

    cases = []

    def add(group, desc, call, names=("cache", "caches", "dA", "dZ", "da", "da_next",
                                       "dc_next", "hparameters", "A_prev")):
        cases.append(Case(group, desc, lambda: judge(call, set(names) | {"W", "b", "x"},
                                                     "error")))

    A = rng.standard_normal((2, 9, 9, 3))
    out, cache = pool_forward(A, {"f": 3, "stride": 2})
    arg = np.array(cache[2])
    other = pool_forward(rng.standard_normal((2, 10, 10, 3)), {"f": 3, "stride": 2})[1][2]
    forged = {"indices 10**8": np.full_like(arg, 10**8), "index -1": np.full_like(arg, -1),
              "other image's argmax": np.array(other), "int64 argmax": arg.astype(np.int64),
              "float argmax": arg.astype(np.float64), "truncated argmax": arg[:1],
              "argmax list": arg.tolist()}
    for _ in range(20 if LONG else 6):
        bad = arg.copy()
        bad.flat[int(rng.integers(bad.size))] = int(rng.integers(-2**31, 2**31 - 1))
        forged[f"one random index {int(bad.max())}"] = bad
    for desc, bad in forged.items():
        c = (A, cache[1], None if isinstance(bad, str) else bad)
        if isinstance(bad, str):
            add("pool_backward (forged cache)", desc,
                lambda c=c: pool_backward(np.ones_like(out), c))
            continue
        add("pool_backward (forged cache)", desc, lambda c=c: pool_backward(np.ones_like(out), c))
    for desc, c in {"cache from a 7x7 image": (rng.standard_normal((2, 7, 7, 3)),) + cache[1:],
                    "cache of 2": cache[:1], "cache of 4": cache + (1,), "cache list": list(cache),
                    "hparameters f=0": (A, {"f": 0, "stride": 2}, arg),
                    "hparameters stride=2**63": (A, {"f": 3, "stride": 2**63}, arg)}.items():
        add("pool_backward (forged cache)", desc,
            lambda c=c: pool_backward(np.ones_like(out), c))

    W, b = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal((1, 1, 1, 4))
    Z, ccache = conv_forward(A, W, b, {"stride": 1, "pad": 1})
    for desc, c in {"W of other shape": (A, W[:2], b, ccache[3]),
                    "A_prev of other size": (A[:, :7, :7], W, b, ccache[3]),
                    "pad changed": (A, W, b, {"stride": 1, "pad": 3}),
                    "stride changed": (A, W, b, {"stride": 2, "pad": 1}),
                    "stride 2**63": (A, W, b, {"stride": 2**63, "pad": 1}),
                    "truncated cache": ccache[:2], "cache None": None,
                    "complex W": (A, W + 1j, b, ccache[3])}.items():
        add("conv_backward (forged cache)", desc, lambda c=c: conv_backward(Z, c))

    n_x, n_a, m, T = 3, 4, 5, 6
    x = rng.standard_normal((n_x, m, T))
    a0 = rng.standard_normal((n_a, m))
    P_rnn = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
             "ba": np.zeros((n_a, 1))}
    P_lstm = {f"{w}{k}": rng.standard_normal((n_a, n_a + n_x)) if w == "W" else
              np.zeros((n_a, 1)) for w in "Wb" for k in "fico"}
    P_gru = {f"{w}{k}": rng.standard_normal((n_a, n_a + n_x)) if w == "W" else
             np.zeros((n_a, 1)) for w in "Wb" for k in "urc"}
    seqs = {"rnn": (rnn.rnn_forward(x, a0, P_rnn)[-1], rnn.rnn_backward),
            "lstm": (rnn.lstm_forward(x, a0, P_lstm)[-1], rnn.lstm_backward),
            "gru": (rnn.gru_forward(x, a0, P_gru)[-1], rnn.gru_backward)}
    da = np.ones((n_a, m, T))
    for kind, (caches, backward) in seqs.items():
        other = seqs["gru" if kind != "gru" else "rnn"][0]
        for desc, c in {"caches of another cell": other, "truncated caches": caches[:1],
                        "caches None": None,
                        "caches list": list(caches), "tuple of arrays": (a0, x)}.items():
            add(f"{kind}_backward (forged cache)", desc,
                lambda c=c, backward=backward: backward(da, c))
        add(f"{kind}_backward (forged cache)", "da of another length",
            lambda caches=caches, backward=backward: backward(da[..., :2], caches))

    xt = x[..., 0]
    cells = {
        "rnn": (rnn.rnn_cell_forward(xt, a0, P_rnn)[-1],
                lambda c: rnn.rnn_cell_backward(np.ones((n_a, m)), c)),
        "lstm": (rnn.lstm_cell_forward(xt, a0, a0, P_lstm)[-1],
                 lambda c: rnn.lstm_cell_backward(np.ones((n_a, m)), np.ones((n_a, m)), c)),
        "gru": (rnn.gru_cell_forward(xt, a0, P_gru)[-1],
                lambda c: rnn.gru_cell_backward(np.ones((n_a, m)), c)),
    }
    for kind, (cache1, backward) in cells.items():
        variants = {"cache of one array": (a0,), "cache None": None, "cache list":
                    list(cache1) if isinstance(cache1, tuple) else [cache1]}
        if isinstance(cache1, tuple):
            variants["xt of another batch"] = cache1[:-2] + (cache1[-2][:, :2], cache1[-1])
            variants["complex state"] = (cache1[0] + 1j,) + cache1[1:]
            variants["parameters not a dict"] = cache1[:-1] + (1.0,)
        else:
            variants["xt of another batch"] = dict(cache1, xt=cache1["xt"][:, :2])
            variants["complex state"] = dict(cache1, gu=cache1["gu"] + 1j)
            variants["parameters not a dict"] = dict(cache1, parameters=1.0)
            variants["reset unknown"] = dict(cache1, reset="sideways")
        for desc, c in variants.items():
            add(f"{kind}_cell_backward (forged cache)", desc,
                lambda c=c, backward=backward: backward(c))
    return cases


# ------------------------------------------------------------------------------ save / load
def model_file_cases(rng, tmpdir):
    """Model files cut, scrambled, re-shaped, re-typed, re-versioned or inflated: every load
    either gives back exactly the saved model or raises ModelFileError leaving it unchanged."""
    import json

    from dlnotes.layers import Activation, Dense
    from dlnotes.models import Model, ModelFileError
    from dlnotes.optim import Adam

    X = rng.standard_normal((4, 40))
    Y = np.eye(2)[:, (X[0] > 0).astype(int)]
    model = Model([Dense(4, 6, seed=0), Activation("relu"), Dense(6, 2, seed=1)])
    model.fit(X, Y, epochs=2, batch_size=16, optimizer=Adam(0.01), seed=0, progress=False)
    good = model.save(os.path.join(tmpdir, "good.npz"))
    raw = open(good, "rb").read()
    with np.load(good) as f:
        entries = {k: f[k] for k in f.files}
    saved = {k: v.copy() for k, v in model.params.items()}
    files = {}

    def put(desc, data):
        path = os.path.join(tmpdir, f"case{len(files)}.npz")
        if isinstance(data, dict):
            np.savez(path, **data)
        else:
            with open(path, "wb") as fh:
                fh.write(data)
        files[desc] = path

    for frac in ((0.0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99) + ((0.2, 0.4, 0.6, 0.8) if LONG
                                                                 else ())):
        put(f"truncated to {frac:.0%}", raw[:int(len(raw) * frac)])
    for i in range(12 if LONG else 4):
        put(f"random bytes {i}", rng.integers(0, 256, int(rng.integers(1, 4000)),
                                              dtype=np.uint8).tobytes())
    for i in range(24 if LONG else 8):
        b = bytearray(raw)
        pos = int(rng.integers(len(b)))
        b[pos] ^= int(rng.integers(1, 256))
        put(f"byte {pos} flipped", bytes(b))
    pkey = next(k for k in entries if k.startswith("param/"))
    okey = next(k for k in entries if k.startswith("optim/v:"))
    edits = {
        "parameter of wrong shape": {pkey: np.zeros((2, 2))},
        "parameter int": {pkey: entries[pkey].astype(np.int64)},
        "parameter complex": {pkey: entries[pkey] + 1j},
        "parameter NaN": {pkey: entries[pkey] * np.nan},
        "parameter missing": {pkey: None},
        "extra parameter": {"param/9.W": np.zeros(3)},
        "optimizer state of wrong shape": {okey: np.zeros(7)},
        "optimizer state NaN": {okey: entries[okey] * np.nan},
        "optimizer t negative": {"optim/t": np.array(-1)},
        "optimizer t string": {"optim/t": np.array("x")},
        "version 3": {"__version__": np.array(3)},
        "version 1.5": {"__version__": np.array(1.5)},
        "version 'abc'": {"__version__": np.array("abc")},
        "version [1, 1]": {"__version__": np.array([1, 1])},
        "no version": {"__version__": None},
        "no format": {"__format__": None},
        "format of another program": {"__format__": np.array("other.Model")},
        "architecture not JSON": {"architecture": np.array(["{nope"])},
        "architecture a number": {"architecture": np.array([3.0])},
        "architecture nested 10**5 deep": {"architecture": np.array(["[" * 10**5 + "]" * 10**5])},
    }
    arch = json.loads(str(entries["architecture"][0]))

    def arch_edit(fn):
        a = json.loads(json.dumps(arch))
        fn(a)
        return {"architecture": np.array([json.dumps(a)])}

    dense = "dlnotes.layers.base.Dense"
    edits.update({
        "10**10-wide layer": arch_edit(lambda a: a.__setitem__("network", {
            "class": dense, "config": {"n_in": 10**5, "n_out": 10**5, "dtype": "float64"}})),
        "unknown layer class": arch_edit(lambda a: a.__setitem__("network",
                                                                 {"class": "os.system"})),
        "negative layer width": arch_edit(lambda a: a["network"]["config"]["layers"][0]["config"]
                                          .__setitem__("n_in", -4)),
        "layer width a string": arch_edit(lambda a: a["network"]["config"]["layers"][0]["config"]
                                          .__setitem__("n_in", "4")),
        "dtype float16": arch_edit(lambda a: a["network"]["config"]["layers"][0]["config"]
                                   .__setitem__("dtype", "float16")),
        "dtype object": arch_edit(lambda a: a["network"]["config"]["layers"][0]["config"]
                                  .__setitem__("dtype", "object")),
        "loss unknown": arch_edit(lambda a: a.__setitem__("loss", "hinge")),
        "batch_axis 1.5": arch_edit(lambda a: a.__setitem__("batch_axis", 1.5)),
        "epochs_trained -1": arch_edit(lambda a: a.__setitem__("epochs_trained", -1)),
        "epochs_trained 'abc'": arch_edit(lambda a: a.__setitem__("epochs_trained", "abc")),
        "optimizer beta1 = 2": arch_edit(lambda a: a["optimizer"].__setitem__("beta1", 2)),
        "optimizer class unknown": arch_edit(lambda a: a["optimizer"].__setitem__("class", "x")),
        "network 200 Sequentials deep": arch_edit(lambda a: a.__setitem__("network", _nest(200))),
    })
    for desc, edit in edits.items():
        d = dict(entries)
        for k, v in edit.items():
            if v is None:
                d.pop(k, None)
            else:
                d[k] = v
        put(desc, d)
    obj = dict(entries)
    obj[pkey] = np.array([{"a": 1}], dtype=object)
    put("object array entry (pickled)", obj)
    # an .npy header that declares a huge array
    hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
    hdr = hdr + b" " * (118 - len(hdr)) + b"\n"
    import zipfile
    huge = os.path.join(tmpdir, "huge.npz")
    with zipfile.ZipFile(huge, "w") as z:
        for k, v in entries.items():
            if k != pkey:
                with z.open(k + ".npy", "w") as fh:
                    np.lib.format.write_array(fh, np.asanyarray(v), allow_pickle=False)
        z.writestr(pkey + ".npy", b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr +
                   b"\x00" * 64)
    files["array declaring 10**11 values"] = huge

    cases = []
    for desc, path in files.items():
        cases.append(Case("Model.load / load_weights", desc,
                          lambda path=path: _judge_model_file(model, saved, path, Model,
                                                              ModelFileError)))
    return cases


def _nest(depth):
    d = {"class": "dlnotes.layers.base.Sequential", "config": {"layers": []}}
    for _ in range(depth):
        d = {"class": "dlnotes.layers.base.Sequential", "config": {"layers": [d]}}
    return d


def _judge_model_file(model, saved, path, Model, ModelFileError):
    outcomes = []
    for how in ("load", "load_weights"):
        try:
            if how == "load":
                loaded = Model.load(path)
                got = loaded.params
            else:
                model.load_weights(path)
                got = model.params
        except ModelFileError as exc:
            outcomes.append(("error", f"{how}: {str(exc)[:200]}"))
        except Exception as exc:  # noqa: BLE001
            return "unclear", f"{how}: {type(exc).__name__}: {str(exc)[:300]}"
        else:
            same = set(got) == set(saved) and all(np.array_equal(got[k], saved[k])
                                                  for k in saved)
            if not same:
                return "garbage", f"{how} accepted a file whose parameters differ"
            outcomes.append(("correct", how))
        now = model.params
        if not all(np.array_equal(now[k], saved[k]) for k in saved):
            for k in saved:                       # restore for the next case
                np.copyto(now[k], saved[k])
            return "garbage", f"{how} changed the model before refusing the file"
    kinds = {k for k, _ in outcomes}
    if kinds == {"error"}:
        return "error", outcomes[0][1]
    if kinds == {"correct"}:
        return "correct", ""
    return "garbage", f"load and load_weights disagree: {outcomes}"


# ------------------------------------------------------------------------------ CLI
def cli_cases(rng):
    """Every option of ``dlnotes train`` with values of the wrong type or out of range: each
    must be refused by the parser (exit 2, the option named) before anything trains."""
    import contextlib
    import io

    from dlnotes.cli import build_parser, main

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    bad_int = ["-1", "0", "1.5", "x", "", "1e3", str(2**64), "nan"]
    bad_float = ["-1", "nan", "inf", "-inf", "x", "", "1e999"]
    cases = []
    for action in train._actions:
        if not action.option_strings or action.nargs == 0 or action.dest in ("help", "text"):
            continue
        opt = action.option_strings[0]
        if action.choices:
            values = ["bogus", "", action.choices[0].upper() + "x"]
        elif action.dest == "hidden":
            values = ["0", "-3", "a,b", ",", "1000000000", "5,,x", "1.5"]
        elif getattr(action.type, "__name__", "") == "integer":
            values = [v for v in bad_int if not _accepts(action, v)]
        else:
            values = [v for v in bad_float if not _accepts(action, v)] + ["0"] * (
                not _accepts(action, "0"))
        for _ in range(3 if LONG else 1):
            values.append(str(-float(rng.integers(1, 10**6))))
        for v in values:
            if _accepts(action, v):
                continue

            def run(opt=opt, v=v):
                err = io.StringIO()
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    try:
                        rc = main(["train", "--no-progress", f"{opt}={v}"])
                    except Exception as exc:  # noqa: BLE001
                        return "unclear", f"{type(exc).__name__}: {exc}"
                msg = err.getvalue()
                if rc == 2 and f"argument {opt}" in msg and "Traceback" not in msg:
                    return "error", msg.strip().splitlines()[-1]
                if rc == 0:
                    return "garbage", f"accepted {opt}={v!r}"
                return "unclear", f"exit {rc}: {msg.strip()[-300:]}"
            cases.append(Case("dlnotes train (options)", f"{opt}={v!r}", run))
    return cases


def _accepts(action, value):
    import argparse

    if action.choices:
        return value in action.choices
    try:
        action.type(value)
    except (argparse.ArgumentTypeError, ValueError, TypeError):
        return False
    return True


# ------------------------------------------------------------------------------ groups
def all_groups(tmpdir):
    """``{group name: [Case, ...]}``, deterministic for a given tmpdir."""
    sys.path[:0] = [p for p in (os.path.dirname(os.path.abspath(__file__)),
                                os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
                    if p not in sys.path]
    from opinfo import all_ops

    rng = np.random.default_rng(20261130)
    groups = {}
    for info in all_ops():
        if info.name in SKIP_OPS:
            continue
        groups.setdefault(info.name, []).extend(opinfo_cases(info, rng))
    for case in forged_cache_cases(rng) + model_file_cases(rng, tmpdir) + cli_cases(rng):
        groups.setdefault(case.group, []).append(case)
    return groups


#: OpInfo descriptions left out, with the reason
SKIP_OPS = {}

#: Failures this suite finds that are not fixed on this branch: code another change owns
#: (issue 10's split between helpers: dlnotes/nlp/ belongs to the word-vector change), and
#: float32 rounding at 1e30 magnitudes.  They are counted and printed as "known" in the
#: summary, not hidden; remove an entry when its fix lands.
KNOWN = {
    ("gru_backward", "float32", "arg1 1e30 magnitudes"):
        "float32 rounding, not a defect: an error of one ulp in dz_u times a_prev ~ 1e30 is "
        "2e22 in dW_u (the dot-product bound n eps |dz| |a|); float64 agrees to 1e-16",
    ("cosine_similarity", "float32", "1e30 magnitudes"):
        "u.v overflows float32 for vectors of norm ~1e31 (needs scaling before the dot)",
    ("neutralize", "float32", "1e30 magnitudes"): "the projection overflows float32",
    ("equalize", "float32", "1e30 magnitudes"): "norms overflow float32",
    ("equalize", "", "last axis + 1"):
        "'the two words' vectors have different sizes' does not name the argument",
}


def known_reason(group, desc):
    for (g, dt, what), reason in KNOWN.items():
        if g == group and dt in desc and what in desc:
            return reason
    return None


# ------------------------------------------------------------------------------ child runner
def _child(conn, tmpdir):
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    groups = None
    while True:
        msg = conn.recv()
        if msg is None:
            return
        if groups is None:
            groups = all_groups(tmpdir)
        if msg == "list":
            conn.send({g: [c.desc for c in cs] for g, cs in groups.items()})
            continue
        group, indices = msg
        for i in indices:
            try:
                res = groups[group][i].run()
            except BaseException as exc:  # noqa: BLE001 - report, never die quietly
                res = ("unclear", f"case raised outside the call: {type(exc).__name__}: {exc}")
            conn.send((i, res))


class Runner:
    """Runs cases by (group, index) in a spawned child; survives crashes and hangs."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.ctx = multiprocessing.get_context("spawn")
        self.proc = None
        self.conn = None
        self.restarts = 0

    def _start(self):
        parent, child = self.ctx.Pipe()
        env_path = os.pathsep.join(p for p in sys.path if p)
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = env_path
        try:
            self.proc = self.ctx.Process(target=_child, args=(child, self.tmpdir), daemon=True)
            self.proc.start()
        finally:
            if old is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = old
        child.close()
        self.conn = parent

    def _stop(self, kill=False):
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()
        self.proc = None

    def close(self):
        self._stop()

    def listing(self):
        if self.proc is None:
            self._start()
        self.conn.send("list")
        if not self.conn.poll(600):
            raise RuntimeError("the fuzz child did not build its cases in 600 s")
        return self.conn.recv()

    def run(self, group, indices):
        """``{index: (class, detail)}`` for the cases of ``group``."""
        results = {}
        todo = list(indices)
        while todo:
            if self.proc is None:
                self._start()
                self.restarts += 1
            self.conn.send((group, todo))
            first_wait = 600 if self.restarts and not results else CASE_TIMEOUT
            while todo:
                wait = first_wait if todo[0] == indices[0] or not results else CASE_TIMEOUT
                try:
                    ready = self.conn.poll(wait)
                except (EOFError, OSError):
                    ready = True
                if not ready:
                    results[todo.pop(0)] = ("hang", f"no answer within {wait:.0f} s")
                    self._stop(kill=True)
                    break
                try:
                    i, res = self.conn.recv()
                except (EOFError, OSError):
                    self.proc.join(5)
                    code = self.proc.exitcode
                    results[todo.pop(0)] = ("crash", f"the child died (exit code {code})")
                    self._stop(kill=True)
                    break
                results[i] = res
                todo.remove(i)
        return results


def record(results, seconds):
    STATS["groups"] += 1
    STATS["seconds"] += seconds
    for cls, _ in results.values():
        STATS["cases"] += 1
        STATS[cls] += 1


def apply_known(group, descs, results):
    """Reclassify failures listed in :data:`KNOWN` as ``known`` (with the reason)."""
    out = {}
    for i, (cls, detail) in results.items():
        reason = known_reason(group, descs[i]) if cls in FAIL_CLASSES else None
        out[i] = ("known", f"{reason} [{cls}: {detail}]") if reason else (cls, detail)
    return out


def summary_lines():
    if not STATS["cases"]:
        return []
    s = STATS
    fails = ", ".join(f"{c} {s[c]}" for c in FAIL_CLASSES)
    return [f"fuzz suite ({'long' if LONG else 'default'} mode): {s['cases']} cases in "
            f"{s['groups']} groups, {s['seconds']:.1f} s in the child process",
            f"  correct {s['correct']}, clear errors {s['error']}; {fails}",
            f"  known failures in code owned by another change (tests/fuzz_cases.py KNOWN): "
            f"{s['known']}"]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0
