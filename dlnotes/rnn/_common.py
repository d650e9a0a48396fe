"""Shared argument checking and data layout of the recurrent functions (private)."""
from __future__ import annotations

import functools

import numpy as np

from dlnotes._kernels import _pool
from dlnotes._kernels import recurrent as _k
from dlnotes._threads import kernel_threads
from dlnotes._validation import check_float_array, check_params
from dlnotes.nn.activations import softmax


#: The batch is split across threads only when every thread gets at least this
#: many examples and the recurrent products are large.  On a loaded machine a
#: descheduled thread stalls the whole time loop.  Medians of forward+backward
#: at n_x=64, n_a=128, m=32, T=50, float32, with one other job on the 2 cores
#: (load 1-2), when each thread's OpenBLAS call still re-packed the weights:
#: RNN 16-47 ms split against 9-10 ms on one thread, GRU 32-35 against 23-29,
#: LSTM 40-48 against 28-31.  With the weights packed once per sequence (shared
#: by the threads) a same-process A/B at load 7.9 still measured the split at
#: m = 32 slower (LSTM 45 ms against 36, RNN 19 against 7); not re-measured on a
#: quiet machine.  Typical use shares the machine, so the batch is split only
#: from 64 examples per thread.
SPLIT_MIN_ROWS = 64
PARALLEL_MIN_MACS = 16_000_000


def loop_threads(m, T, G, n_a):
    """OpenMP threads for a time loop (``G`` gate rows: ``n_a``, ``3 n_a`` or ``4 n_a``)."""
    if m * T * G * n_a < PARALLEL_MIN_MACS:
        return 1
    return max(1, min(kernel_threads(), m // SPLIT_MIN_ROWS))


#: The LSTM's forward pass splits the batch from this many examples per thread.  Its
#: row blocks share nothing but the packed weights and meet once per sequence (each
#: thread also transposes its own states), so a descheduled thread delays only the end.
#: The LSTM's backward pass keeps :data:`SPLIT_MIN_ROWS`: its alternative, the pipeline,
#: already keeps both cores busy.  The RNN's and GRU's forward passes keep it too: split
#: the same way, they made the whole call slower in the harness (``compare.py --only rnn
#: --threads 2``, PyTorch loaded first, alternating runs: RNN 5.9-6.9 -> 8.4-9.8 ms, GRU
#: 15.9-18.1 -> 24.0-26.6 ms), because their backward passes run NumPy's two-thread GEMMs
#: after the loop while the forward's OpenMP worker still spins (PyTorch's libgomp, loaded
#: first, spins 300,000 iterations).  Measured in docs/performance/rnn.rst ("The LSTM's
#: forward pass split by examples").
FORWARD_SPLIT_MIN_ROWS = 16


def forward_threads(m, T, G, n_a):
    """OpenMP threads for the LSTM's forward time loop (see :data:`FORWARD_SPLIT_MIN_ROWS`)."""
    if m * T * G * n_a < PARALLEL_MIN_MACS:
        return 1
    return max(1, min(kernel_threads(), m // min(FORWARD_SPLIT_MIN_ROWS, SPLIT_MIN_ROWS)))


def pipelined(m, T, G, n_a):
    """Whether a backward pass runs its time loop on one core and its sequence-wide
    products on another (``dlnotes._kernels.seqpipe``): when the loop itself stays on
    one thread (see :func:`loop_threads`) and the call is worth a second thread."""
    return (m * T * G * n_a >= PARALLEL_MIN_MACS and kernel_threads() >= 2
            and loop_threads(m, T, G, n_a) == 1)


def pipeline_chunk(T):
    """Time steps per chunk of a pipelined backward pass: about eight chunks (the
    products of the last one, a single step, are all that is left after the loop)."""
    return max(1, -(-T // 8))


def run_loop(kernel, *args, size):
    """Run a time-loop kernel, splitting the batch across threads when it pays.

    The loops call no BLAS (their per-step products use the weights packed once
    per sequence, ``dl_recurrent_gemm_impl.h``), so no BLAS pool wakes up inside
    them.  ``size`` is ``(m, T, G, n_a)``.
    """
    m, T, G, n_a = size
    kernel(*args, n_threads=loop_threads(m, T, G, n_a))


def pooled_buffers(fn):
    """Decorator: the arrays ``fn`` creates take their buffers from :mod:`dlnotes._kernels._pool`.

    A sequence's forward + backward pass allocates and frees a dozen buffers of 0.1-3 MB;
    from the system allocator each one is page-faulted in again on every call (see the
    pool's docstring for the measurement).
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _pool.pooled():
            return fn(*args, **kwargs)
    return wrapper


class SequenceBackward:
    """The backward pass over a whole sequence, with its two entries.

    Made by :func:`sequence_backward` from the body of a cell's backward pass,
    ``body(dH, c, **states)``: ``dH (T_x, m, n_a)`` is the upstream gradient in the
    kernels' time-major layout (a fresh buffer, which the loops overwrite) and ``c``
    the :class:`SequenceCache` of the forward pass.

    * Calling the object, ``_rnn_backward(da, c, **states)``, is the unchecked internal
      that the layers call: ``da (n_a, m, T_x)`` in the course's layout and in the cache's
      dtype, ``states`` the gradients arriving at the last states (``(n_a, m)`` or None).
      The time-major copy and every array the body makes take their buffers from one
      pool scope (:func:`pooled_buffers`).
    * :meth:`checked` is the public function's boundary: it validates ``caches``, ``da``
      and ``states``, then calls the internal.
    """

    def __init__(self, body, kind, forward):
        functools.update_wrapper(self, body)
        self.body, self.kind, self.forward = body, kind, forward

    def __call__(self, da, c, **states):
        with _pool.pooled():
            return self.body(to_time_major(da), c, **states)

    def checked(self, da, caches, **states):
        """Validate ``caches`` (what ``forward`` returned), the optional ``states`` and
        ``da``, then run the pass."""
        c = check_caches(caches, self.kind, self.forward)
        states = {k: None if v is None else check_state(v, k, c.m, c.W.dtype, c.n_a)
                  for k, v in states.items()}
        return self(check_upstream(da, c), c, **states)


def sequence_backward(kind, forward):
    """Decorator: make a :class:`SequenceBackward` of the body of the ``kind`` cell's
    backward pass (``forward`` names the function whose caches it takes)."""
    return lambda body: SequenceBackward(body, kind, forward)


def check_sequence(x, name="x", n_x=None, dtype=None):
    """``x`` of shape ``(n_x, m, T_x)`` with every dimension at least 1 (``n_x`` and the
    dtype fixed when given, as a layer does)."""
    x = check_float_array(x, name, ndim=3, shape=(n_x, None, None),
                          shape_names=("n_x", "m", "T_x"), dtype=dtype)
    n_x, m, T = x.shape
    if T == 0:
        raise ValueError(f"{name} must have at least one time step: shape (n_x, m, T_x) with "
                         f"T_x >= 1, got {x.shape}")
    if m == 0:
        raise ValueError(f"{name} must hold at least one example: shape (n_x, m, T_x) with "
                         f"m >= 1, got {x.shape}")
    if n_x == 0:
        raise ValueError(f"{name} must have at least one feature: shape (n_x, m, T_x) with "
                         f"n_x >= 1, got {x.shape}")
    return x


def check_step(xt, name="xt"):
    """One time step ``(n_x, m)``."""
    xt = check_float_array(xt, name, ndim=2, shape_names=("n_x", "m"))
    if xt.shape[0] == 0:
        raise ValueError(f"{name} must have at least one feature, got shape {xt.shape}")
    return xt


def check_state(a, name, m, dtype, n_a=None):
    """A state ``(n_a, m)``; ``n_a`` is free unless given."""
    a = check_float_array(a, name, ndim=2, shape=(n_a, m), shape_names=("n_a", "m"), dtype=dtype)
    if a.shape[0] == 0:
        raise ValueError(f"{name} must have at least one hidden unit (n_a >= 1), got shape "
                         f"{a.shape}")
    return a


def check_cell_cache(cache, fields, forward, weights, as_dict=False):
    """Validate the cache of one recurrent step before its backward pass uses it.

    ``fields`` names the entries (matched by position in a tuple, by key with ``as_dict``):
    ``"xt"`` is ``(n_x, m)``, ``"parameters"`` a dict, ``None`` an entry that is not
    checked here, every other name a state ``(n_a, m)``.  ``weights`` maps the weight
    matrices the backward pass reads from the parameters to their symbolic shapes, made
    of ``"n_a"``, ``"n_x"`` and ``"n_a + n_x"``.  Returns a dict of the validated
    arrays and the parameters.
    """
    named = ", ".join(f for f in fields if f)
    expected = (f"the cache returned by {forward} (a dict with keys {named})" if as_dict else
                f"the cache returned by {forward} (a tuple of {len(fields)}: {named})")
    if as_dict and isinstance(cache, dict):
        missing = [f for f in fields if f and f not in cache]
        if missing:
            raise ValueError(f"cache must be {expected}; missing {missing}")
        entries = {f: cache[f] for f in fields if f}
    elif not as_dict and isinstance(cache, tuple):
        if len(cache) != len(fields):
            raise ValueError(f"cache must be {expected}, got a tuple of {len(cache)}")
        entries = {f: v for f, v in zip(fields, cache) if f}
    else:
        raise TypeError(f"cache must be {expected}, got {type(cache).__name__}")
    states = [f for f in entries if f not in ("xt", "parameters")]
    first = check_float_array(entries[states[0]], f"cache {states[0]!r}", ndim=2,
                              shape_names=("n_a", "m"))
    n_a, m = first.shape
    out = {states[0]: first}
    for f in states[1:]:
        out[f] = check_float_array(entries[f], f"cache {f!r}", ndim=2, shape=(n_a, m),
                                   shape_names=("n_a", "m"), dtype=first.dtype)
    xt = check_float_array(entries["xt"], "cache 'xt'", ndim=2, shape=(None, m),
                           shape_names=("n_x", "m"), dtype=first.dtype)
    out["xt"] = xt
    P = entries["parameters"]
    if not isinstance(P, dict):
        raise TypeError(f"cache 'parameters' must be the dict of weights, got "
                        f"{type(P).__name__}")
    dims = {"n_a": n_a, "n_x": xt.shape[0], "n_a + n_x": n_a + xt.shape[0]}
    for w, names in weights.items():
        if w not in P:
            raise ValueError(f"cache 'parameters' is missing {w!r}")
        check_float_array(P[w], f"cache parameters {w!r}", ndim=2,
                          shape=tuple(dims[n] for n in names), shape_names=names)
    out["parameters"] = P
    return out


def get_params(parameters, spec, dtype, optional=()):
    """Validate the arrays named in ``spec`` (``name -> (shape, shape_names)``).

    Names listed in ``optional`` may be absent (their value is then None).
    Returns a new dict of C-contiguous arrays of ``dtype``.
    """
    check_params(parameters)
    out = {}
    for key, (shape, names) in spec.items():
        if key not in parameters or parameters[key] is None:
            if key in optional:
                out[key] = None
                continue
            raise ValueError(f"parameters is missing {key!r} (expected shape "
                             f"({', '.join(f'{n}={s}' for n, s in zip(names, shape))}))")
        out[key] = check_float_array(parameters[key], key, ndim=2, shape=shape,
                                     shape_names=names, dtype=dtype)
    return out


def output_spec(parameters, w_name, b_name, n_a):
    """Spec of the optional softmax output layer ``(W_y, b_y)``: both or neither."""
    check_params(parameters)
    has_w = parameters.get(w_name) is not None
    has_b = parameters.get(b_name) is not None
    if has_w != has_b:
        raise ValueError(f"parameters must hold both {w_name!r} and {b_name!r} for the softmax "
                         f"output, or neither")
    if not has_w:
        return {}
    w = check_float_array(parameters[w_name], w_name, ndim=2, shape_names=("n_y", "n_a"))
    n_y = w.shape[0]
    return {w_name: ((n_y, n_a), ("n_y", "n_a")), b_name: ((n_y, 1), ("n_y", "1"))}


def softmax_outputs(Wy, by, a):
    """``softmax(W_y a<t> + b_y)`` for every t at once; ``a`` is (n_a, m, T)."""
    if Wy is None:
        return None
    n_a, m, T = a.shape
    Zy = Wy @ a.reshape(n_a, m * T)
    Zy += by
    return softmax(Zy, axis=0).reshape(Wy.shape[0], m, T)


def pack_sequence(x, a0, W, b, project=True):
    """Time-major buffers for the kernels.

    Returns ``HX`` of shape ``(T+1, m, n_a+n_x)`` holding ``[a<t-1>; x<t>]`` in
    row t (a0 in row 0) and ``Z = x W_x^T + b`` of shape ``(T, m, G)``,
    computed with one GEMM for all time steps (left uninitialised when not
    ``project``: a pipelined loop computes it alongside).
    """
    n_x, m, T = x.shape
    n_a = a0.shape[0]
    ld = n_a + n_x
    HX = np.empty((T + 1, m, ld), dtype=x.dtype)
    _k.swap_axes02(x, HX[:T, :, n_a:])
    HX[T, :, n_a:] = 0
    HX[0, :, :n_a] = a0.T
    if not project:
        return HX, np.empty((T, m, W.shape[0]), dtype=x.dtype)
    X2 = HX[:T, :, n_a:].reshape(T * m, n_x)
    Z = X2 @ W[:, n_a:].T
    Z += b.reshape(1, -1)
    return HX, Z.reshape(T, m, W.shape[0])


def unpack_states(buf):
    """``(T, m, n)`` time-major buffer (possibly a strided view) -> ``(n, m, T)``."""
    T, m, n = buf.shape
    out = np.empty((n, m, T), dtype=buf.dtype)
    _k.swap_axes02(buf, out)
    return out


def check_upstream(da, cache, name="da"):
    """The gradient ``(n_a, m, T_x)`` arriving at the states of the forward pass that left
    ``cache``, in its dtype."""
    return check_float_array(da, name, ndim=3, shape=(cache.n_a, cache.m, cache.T),
                             shape_names=("n_a", "m", "T_x"), dtype=cache.W.dtype)


def to_time_major(da):
    """A fresh ``(T, m, n_a)`` copy of ``da`` ``(n_a, m, T)`` (any strides), for the kernels."""
    n_a, m, T = da.shape
    out = np.empty((T, m, n_a), dtype=da.dtype)
    _k.swap_axes02(da, out)
    return out


class SequenceCache:
    """What a ``*_forward`` over a whole sequence keeps for its ``*_backward``.

    Only the forward functions build one, so a backward function that receives one
    (:func:`check_caches`) trusts its buffers.

    The functions return ``caches = (SequenceCache, x)``, mirroring the
    course's ``(list_of_step_caches, x)``; the buffers are time-major.
    """

    def __init__(self, kind, **buffers):
        self.kind = kind
        self.__dict__.update(buffers)

    def __repr__(self):
        return f"SequenceCache(kind={self.kind!r}, n_a={self.n_a}, m={self.m}, T_x={self.T})"


def check_caches(caches, kind, func):
    if (not isinstance(caches, tuple) or len(caches) != 2
            or not isinstance(caches[0], SequenceCache)):
        raise TypeError(f"caches must be the caches returned by {func}, got "
                        f"{type(caches).__name__}")
    if caches[0].kind != kind:
        raise ValueError(f"caches come from a {caches[0].kind!r} forward pass, not {kind!r} "
                         f"(pass the caches returned by {func})")
    return caches[0]
