"""The package's thread policy: small work on one thread, never two pools spinning at once.

Three thread pools can run dlnotes' arithmetic: the kernels' OpenMP team,
SciPy's OpenBLAS (behind ``scipy.linalg.cython_blas``, called by the
kernels) and NumPy's OpenBLAS (``@`` in the layers).  An OpenBLAS worker
spins for tens of milliseconds after each threaded call (measured with
``benchmarks/compare.py``'s idle probe: 40-100 ms), so two pools taking turns
on 2 cores each burn the cores the other needs: a LeNet-5 epoch at batch 32
ran 6.5x slower than PyTorch that way, and at parity with every pool on one
thread.  The rules, applied without environment variables:

* a product below :data:`GEMM_PARALLEL_MIN_MACS` multiply-adds runs on one
  thread (:func:`matmul` for NumPy's BLAS, :func:`single_threaded_blas` for
  SciPy's), so its pool never wakes up;
* a kernel that splits its work across OpenMP threads holds SciPy's BLAS on
  one thread for the duration (no nested pools);
* each kernel threads only above its own measured crossover
  (``benchmarks/thread_crossover.py``; the constants sit next to the kernels'
  callers);
* on an oversubscribed machine (1-minute load average above
  :data:`BUSY_LOAD_PER_CPU` times the CPU count) everything runs on one
  thread: a second thread is then descheduled half the time and stalls every
  barrier (measured at load 18-20 on 2 cores: two threads 3-130x slower than
  one for every kernel and GEMM below ~150M multiply-adds, and about even
  above).  Set :data:`LOAD_AWARE` to False to keep threading regardless.

The conv kernels split the batch across OpenMP threads and call BLAS from
each of them.  A threaded BLAS inside those threads oversubscribes the cores
(measured here: 2-6x more CPU time, most of it spin-waiting), so for the
duration of a kernel call SciPy's OpenBLAS (the library behind
``scipy.linalg.cython_blas``) is set to one thread and then restored.
``openblas_set_num_threads_local`` is process-global in pthreads builds of
OpenBLAS, so the global setter is used.  When the BLAS cannot be controlled
(another vendor), the kernels run on one OpenMP thread and let BLAS thread.

The OpenMP team's idle wait
---------------------------
An idle libgomp worker spins ``GOMP_SPINCOUNT`` iterations (default 300,000)
before it sleeps: measured here (AMD EPYC, 2 threads) as ~9 ms of a core
burnt after every parallel region, against ~100 ms for NumPy's OpenBLAS
workers after a threaded GEMM.  Between the threaded GEMMs of a dense network
the two pools then take the cores from each other: the 784-256-128-10 network
at m=1024 took 2.24x PyTorch's time with 2 threads.  Options measured (2
threads, interleaved 512^3 GEMM + 262k-element ReLU, per pair / ReLU regions
back to back, per call; two rounds, load 3.3-4.6):

==================  ===================  ====================
libgomp idle wait   GEMM + ReLU          ReLU back to back
==================  ===================  ====================
default (300,000)   14.2 / 14.3 ms       218 / 31 us
GOMP_SPINCOUNT=1e5   9.4 / 9.7 ms         38 / 27 us
GOMP_SPINCOUNT=1e4   4.0 / 4.0 ms         44 / 42 us
GOMP_SPINCOUNT=1e3   2.8 / 3.2 ms         40 / 43 us
passive (no spin)    2.5 / 2.8 ms         76 / 66 us
==================  ===================  ====================

A passive policy costs a futex wake-up per region (~30 us more for regions
back to back, as the recurrent kernels' steps are); 1,000 iterations (~30 us)
keeps back-to-back regions as fast as a long spin and lets the GEMM that
follows a kernel have the cores.  So ``dlnotes._kernels`` loads libgomp with
``GOMP_SPINCOUNT=1000`` (:data:`dlnotes._kernels.GOMP_SPINCOUNT_DEFAULT`): the
variable is set only while the first kernel module loads, and removed again,
and only when the user set neither ``OMP_WAIT_POLICY`` nor ``GOMP_SPINCOUNT``
(then theirs rules).  libgomp reads the variable once, when it is loaded, so
this works only if no libgomp is in the process yet.  PyTorch's wheel ships
its own ``libgomp.so.1`` (same soname): imported before dlnotes, it serves
dlnotes' kernels too, with the long spin (``OPENMP_SPIN == "preloaded"``; if
dlnotes comes first, PyTorch shares dlnotes' short-spin libgomp).  In that
case the element-wise kernels thread only from 2M elements instead of 262k
(``ELEMENTWISE_PARALLEL_MIN_LONG_SPIN``): one thread of a ReLU leaves the
other core to OpenBLAS's spinning worker and wakes no OpenMP team.  Dense
network above, forward + backward, 2 threads (loaded, two rounds): long spin
57.8 / 52.5 ms (3.22 / 2.36x PyTorch), short spin 15.1 / 25.3 ms (0.81 / 1.04x),
PyTorch imported first 22.7 / 16.2 ms (1.61 / 1.07x).  ``dlnotes.show_config()``
prints which case holds.  Unmapping the team after each kernel instead
(``omp_pause_resource_all``) was measured and rejected: 2.7-4.1 ms per call.
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

#: Products of fewer multiply-adds than this run on one BLAS thread.  Measured
#: (best of 50, float32 and float64, NumPy's OpenBLAS on 2 cores): two threads
#: are no faster up to ~1.5M multiply-adds (120x400 times 400x32: 48 us on one
#: thread, 61 us on two) and pay from ~5-16M (256^3: 0.77x), before counting the
#: spinning they leave behind.
GEMM_PARALLEL_MIN_MACS = 4_000_000

#: Oversubscription threshold: load average per CPU above which work stays on one thread.
BUSY_LOAD_PER_CPU = 1.5
#: Follow the machine's load (see the module docstring); False: ignore it.
LOAD_AWARE = True
_BUSY = [0.0, False]  # time of the last look, verdict (re-read at most once a second)

_LOCK = threading.Lock()
_LIB = None
_RESOLVED = False
_NP_LIB = None
_NP_RESOLVED = False


def _find_openblas(libdir, suffixes):
    """``(get, put)`` thread-count setters of the OpenBLAS bundled in ``libdir``, or None.

    ``suffixes`` are the symbol prefixes to try (``<prefix>_get_num_threads<suffix>``): the
    OpenBLAS builds of the NumPy and SciPy wheels rename their symbols differently.
    """
    try:
        for path in sorted(glob.glob(os.path.join(libdir, "*openblas*"))):
            lib = ctypes.CDLL(path)
            for prefix, suffix in suffixes:
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype = ctypes.c_int
                    put.argtypes = [ctypes.c_int]
                    return get, put
    except OSError:  # pragma: no cover - unusual builds
        return None
    return None


def _openblas():
    """``(get, put)`` of SciPy's OpenBLAS (the library behind ``cython_blas``), or None."""
    global _LIB, _RESOLVED
    if not _RESOLVED:
        _RESOLVED = True
        try:
            import scipy
            import scipy.linalg.cython_blas  # noqa: F401  (loads the library)
        except ImportError:  # pragma: no cover
            return None
        libdir = os.path.join(os.path.dirname(os.path.dirname(scipy.__file__)), "scipy.libs")
        _LIB = _find_openblas(libdir, (("scipy_openblas", ""), ("openblas", "")))
    return _LIB


def _numpy_openblas():
    """``(get, put)`` of NumPy's own OpenBLAS, or None (another BLAS, or not found)."""
    global _NP_LIB, _NP_RESOLVED
    if not _NP_RESOLVED:
        _NP_RESOLVED = True
        _NP_LIB = _find_openblas(os.path.dirname(np.__file__) + ".libs",
                                 (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                                  ("openblas", "64_"), ("openblas", "")))
    return _NP_LIB


def machine_busy():
    """True when the 1-minute load average exceeds ``BUSY_LOAD_PER_CPU`` per CPU (cached 1 s)."""
    if not LOAD_AWARE:
        return False
    import time

    now = time.monotonic()
    if now - _BUSY[0] > 1.0:
        try:
            load = os.getloadavg()[0]
        except (OSError, AttributeError):  # pragma: no cover - no load average (Windows)
            load = 0.0
        _BUSY[0], _BUSY[1] = now, load > BUSY_LOAD_PER_CPU * (os.cpu_count() or 1)
    return _BUSY[1]


def matmul(a, b):
    """``a @ b`` (2-D), on one BLAS thread when it is below :data:`GEMM_PARALLEL_MIN_MACS`.

    NumPy's OpenBLAS threads any product above ~0.26M multiply-adds; for the
    small products of a training step (a Dense layer on a batch of 32) the
    second thread saves nothing and then spins while the next kernel runs.
    """
    if a.shape[0] * a.shape[1] * b.shape[-1] >= GEMM_PARALLEL_MIN_MACS and not machine_busy():
        return a @ b
    with _NUMPY_PIN:
        return a @ b


def kernel_threads():
    """OpenMP threads the conv kernels may use (1 if BLAS threads can't be pinned)."""
    from dlnotes._kernels import _info

    if _openblas() is None or machine_busy():
        return 1
    return max(1, int(_info.max_threads()))


class _Pin:
    """Re-entrant, thread-safe "one BLAS thread inside": the first caller saves, the last restores."""

    def __init__(self, resolve):
        self._resolve = resolve
        self._depth = 0
        self._saved = None

    def __enter__(self):
        lib = self._resolve()
        if lib is not None:
            get, put = lib
            with _LOCK:
                if self._depth == 0:
                    self._saved = get()
                    if self._saved != 1:
                        put(1)
                self._depth += 1
        return self

    def __exit__(self, *exc):
        lib = self._resolve()
        if lib is not None:
            with _LOCK:
                self._depth -= 1
                if self._depth == 0 and self._saved != 1:
                    lib[1](self._saved)
        return False


_SCIPY_PIN = _Pin(_openblas)
_NUMPY_PIN = _Pin(_numpy_openblas)


def single_threaded_blas(active=True):
    """Context manager: SciPy's OpenBLAS on one thread inside, restored after."""
    return _SCIPY_PIN if active else contextlib.nullcontext()
