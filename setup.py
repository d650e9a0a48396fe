"""Build script for the compiled kernels of dlnotes.

Every ``dlnotes/_kernels/*.pyx`` becomes one extension module
``dlnotes._kernels.<name>``.  OpenMP is used when the C compiler accepts
``-fopenmp`` (probed with a tiny test program); otherwise the kernels are
compiled serially and ``prange`` falls back to a plain loop.

Environment switches
--------------------
DLNOTES_OPENMP=0     build without OpenMP even if the compiler supports it.
DLNOTES_ANNOTATE=1   write Cython's annotated HTML next to each .pyx.
DLNOTES_DEBUG=1      -O0 and bounds checks on (for debugging kernels).
"""
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _compiler_accepts(flags, source="int main(void){return 0;}\n"):
    """Return True if the C compiler builds and links ``source`` with ``flags``."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cc = cc.split()
    if not shutil.which(cc[0]):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as fh:
            fh.write(source)
        try:
            res = subprocess.run(cc + [src, "-o", os.path.join(tmp, "probe")] + flags,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return res.returncode == 0


def _openmp_flags():
    if os.environ.get("DLNOTES_OPENMP", "1") == "0":
        return []
    if sys.platform == "win32":
        return ["/openmp"]
    probe = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    return ["-fopenmp"] if _compiler_accepts(["-fopenmp"], probe) else []


DEBUG = os.environ.get("DLNOTES_DEBUG") == "1"
OMP = _openmp_flags()
if sys.platform == "win32":
    CFLAGS = ["/O2"] + OMP
else:
    CFLAGS = (["-O0"] if DEBUG else ["-O3"]) + OMP
LDFLAGS = [f for f in OMP if f != "/openmp"]

DIRECTIVES = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "nonecheck": False,
    "embedsignature": True,
}

# Shared C headers and Cython declarations: a change to any of them rebuilds every kernel.
SHARED = sorted(glob.glob(os.path.join("dlnotes", "_kernels", "*.h"))
                + glob.glob(os.path.join("dlnotes", "_kernels", "*.pxd")))

extensions = []
for pyx in sorted(glob.glob(os.path.join("dlnotes", "_kernels", "*.pyx"))):
    name = os.path.splitext(pyx)[0].replace(os.sep, ".")
    extensions.append(Extension(
        name, [pyx],
        include_dirs=[np.get_include(), os.path.join("dlnotes", "_kernels")],
        depends=SHARED,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=CFLAGS,
        extra_link_args=LDFLAGS,
    ))

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=DIRECTIVES,
        annotate=os.environ.get("DLNOTES_ANNOTATE") == "1",
    ),
)
