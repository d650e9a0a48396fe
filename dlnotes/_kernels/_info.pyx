# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Build-time facts about the compiled kernels (OpenMP on or off, threads)."""
from dlnotes._kernels._parallel cimport dl_omp_enabled, dl_omp_max_threads


def openmp_enabled():
    """Return True if the kernels were compiled with OpenMP."""
    return bool(dl_omp_enabled())


def max_threads():
    """Return the number of OpenMP threads a parallel kernel will use."""
    return dl_omp_max_threads()
