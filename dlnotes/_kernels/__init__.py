"""Compiled hot loops (private).

Kernels trust their inputs: C-contiguous, the right dtype, the right shapes.
The public functions in the chapter modules validate every argument before
calling anything here.

Importing this package loads the OpenMP runtime with a short spin-wait (see
:data:`OPENMP_SPIN` and ``dlnotes._threads``): GNU libgomp reads
``GOMP_SPINCOUNT`` once, when it is loaded, so the default is put in the
environment only for the load of the first kernel module and taken out again
(child processes and later imports see the user's environment unchanged).
"""
import os

#: Spin iterations of an idle libgomp worker before it sleeps (libgomp's own
#: default is 300,000: ~9 ms of a core on the 2-core machines).  See
#: ``dlnotes._threads`` for the measurements behind the value.
GOMP_SPINCOUNT_DEFAULT = "1000"

#: How the OpenMP runtime's idle wait was settled when the package loaded:
#: ``"short"`` (the package's default above took effect), ``"user"`` (the user set
#: ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT``: left alone), ``"preloaded"`` (a
#: libgomp was already in the process, e.g. PyTorch's, imported first: its spin
#: was fixed at its load), or ``"unknown"`` (no /proc/self/maps to check: left alone).
OPENMP_SPIN = "unknown"


def _gomp_loaded():
    """True/False: a libgomp is mapped in this process; None when that cannot be read."""
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
            return any("libgomp" in line for line in f)
    except OSError:
        return None


def _settle_openmp_spin():
    global OPENMP_SPIN
    if "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ:
        OPENMP_SPIN = "user"
        return
    loaded = _gomp_loaded()
    if loaded is None:
        return
    if loaded:
        OPENMP_SPIN = "preloaded"
        return
    os.environ["GOMP_SPINCOUNT"] = GOMP_SPINCOUNT_DEFAULT
    try:
        from dlnotes._kernels import _info  # noqa: F401  (loads libgomp, which reads it)
    finally:
        del os.environ["GOMP_SPINCOUNT"]
    OPENMP_SPIN = "short" if _gomp_loaded() else "unknown"


_settle_openmp_spin()
