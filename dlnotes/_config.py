"""Build and runtime facts: ``dlnotes.show_config()`` and ``python -m dlnotes info``."""
from __future__ import annotations

import importlib
import pkgutil
import platform
import sys

import numpy as np

SUPPORTED_DTYPES = ("float32", "float64")


def compiled_kernels():
    """Names of the compiled kernel modules that import in this installation."""
    import dlnotes._kernels as kpkg

    names = []
    for mod in pkgutil.iter_modules(kpkg.__path__):
        try:
            importlib.import_module(f"dlnotes._kernels.{mod.name}")
        except ImportError:  # pragma: no cover - a broken build
            continue
        names.append(mod.name)
    return sorted(n for n in names if not n.startswith("_"))


def _blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        found = []
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                found.append(f"{pool.get('internal_api')} {pool.get('version')} "
                             f"({pool.get('architecture')}, {pool.get('num_threads')} threads) "
                             f"at {pool.get('filepath')}")
        if found:
            return found
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return [f"{blas.get('name')} {blas.get('version')}"]
    except Exception:  # pragma: no cover - very old numpy
        return ["unknown"]


def config_dict():
    """Return the facts printed by :func:`show_config` as a dict."""
    from dlnotes import _kernels
    from dlnotes._kernels import _info
    from dlnotes._version import __version__

    np.zeros(1) @ np.zeros(1)  # make sure NumPy's BLAS is loaded for threadpoolctl
    return {
        "dlnotes": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "compiled_kernels": compiled_kernels(),
        "openmp": _info.openmp_enabled(),
        "openmp_threads": _info.max_threads(),
        "openmp_idle_wait": _kernels.OPENMP_SPIN,
        "numpy_blas": _blas_info(),
        "dtypes": list(SUPPORTED_DTYPES),
    }


_IDLE_WAIT = {  # dlnotes._kernels.OPENMP_SPIN, for people
    "short": "short spin (the package's default)",
    "user": "as set by OMP_WAIT_POLICY / GOMP_SPINCOUNT",
    "preloaded": "libgomp's default (loaded before dlnotes)",
    "unknown": "the runtime's default",
}


def show_config(file=None):
    """Print the version, compiled kernels, OpenMP threads, BLAS and dtypes.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default ``sys.stdout``).

    Examples
    --------
    >>> import dlnotes
    >>> dlnotes.show_config()  # doctest: +SKIP
    dlnotes 0.1.0
    ...
    """
    file = file or sys.stdout
    cfg = config_dict()
    print(f"dlnotes {cfg['dlnotes']}", file=file)
    print(f"  python:           {cfg['python']} ({cfg['platform']})", file=file)
    print(f"  numpy:            {cfg['numpy']}", file=file)
    print(f"  compiled kernels: {', '.join(cfg['compiled_kernels']) or 'none'}", file=file)
    omp = "yes" if cfg["openmp"] else "no (serial build)"
    print(f"  OpenMP:           {omp}, {cfg['openmp_threads']} thread(s), "
          f"idle wait: {_IDLE_WAIT[cfg['openmp_idle_wait']]}", file=file)
    for i, b in enumerate(cfg["numpy_blas"]):
        print(f"  {'numpy BLAS:' if i == 0 else '':17} {b}", file=file)
    print(f"  dtypes:           {', '.join(cfg['dtypes'])}", file=file)
    return None
