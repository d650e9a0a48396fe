"""Keep SciPy's OpenBLAS on one thread while the conv and recurrent kernels run their own threads.

The conv kernels split the batch across OpenMP threads and call BLAS from
each of them.  A threaded BLAS inside those threads oversubscribes the cores
(measured here: 2-6x more CPU time, most of it spin-waiting), so for the
duration of a kernel call SciPy's OpenBLAS (the library behind
``scipy.linalg.cython_blas``) is set to one thread and then restored.
``openblas_set_num_threads_local`` is process-global in pthreads builds of
OpenBLAS, so the global setter is used.  When the BLAS cannot be controlled
(another vendor), the kernels run on one OpenMP thread and let BLAS thread.
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading

_LOCK = threading.Lock()
_DEPTH = 0
_SAVED = None
_LIB = None
_RESOLVED = False


def _openblas():
    global _LIB, _RESOLVED
    if _RESOLVED:
        return _LIB
    _RESOLVED = True
    try:
        import scipy
        import scipy.linalg.cython_blas  # noqa: F401  (loads the library)

        libdir = os.path.join(os.path.dirname(os.path.dirname(scipy.__file__)), "scipy.libs")
        for path in sorted(glob.glob(os.path.join(libdir, "*openblas*"))):
            lib = ctypes.CDLL(path)
            for prefix in ("scipy_openblas", "openblas"):
                get = getattr(lib, f"{prefix}_get_num_threads", None)
                put = getattr(lib, f"{prefix}_set_num_threads", None)
                if get is not None and put is not None:
                    get.restype = ctypes.c_int
                    put.argtypes = [ctypes.c_int]
                    _LIB = (get, put)
                    return _LIB
    except Exception:  # pragma: no cover - unusual SciPy builds
        _LIB = None
    return _LIB


def kernel_threads():
    """OpenMP threads the conv kernels may use (1 if BLAS threads can't be pinned)."""
    from dlnotes._kernels import _info

    if _openblas() is None:
        return 1
    return max(1, int(_info.max_threads()))


@contextlib.contextmanager
def single_threaded_blas(active=True):
    """Context manager: SciPy's OpenBLAS on one thread inside, restored after."""
    lib = _openblas() if active else None
    if lib is None:
        yield
        return
    global _DEPTH, _SAVED
    get, put = lib
    with _LOCK:  # nested / concurrent callers: the first saves, the last restores
        if _DEPTH == 0:
            _SAVED = get()
            put(1)
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                put(_SAVED)
