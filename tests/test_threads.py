"""The package's thread policy (dlnotes._threads): results unchanged, pools restored."""
import numpy as np
import pytest

from dlnotes import _threads


@pytest.mark.parametrize("shape", [(120, 400, 32), (300, 200, 100)])
def test_matmul_equals_the_product_and_restores_numpy_blas_threads(shape, rng):
    M, K, N = shape
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    lib = _threads._numpy_openblas()
    before = lib[0]() if lib else None
    np.testing.assert_allclose(_threads.matmul(a, b), a @ b, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(_threads.matmul(a.T.copy().T, b[:, ::-1]), a @ b[:, ::-1],
                               rtol=1e-5, atol=1e-4)
    if lib:
        assert lib[0]() == before


def test_numpy_pin_is_one_thread_inside_and_nests(rng):
    lib = _threads._numpy_openblas()
    if lib is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS: nothing to pin")
    get, put = lib
    old = get()
    put(2)
    try:
        with _threads._NUMPY_PIN:
            assert get() == 1
            with _threads._NUMPY_PIN:
                assert get() == 1
            assert get() == 1
        assert get() == 2
    finally:
        put(old)


def test_machine_busy_follows_the_switch(monkeypatch):
    monkeypatch.setattr(_threads, "LOAD_AWARE", False)
    assert _threads.machine_busy() is False
    monkeypatch.setattr(_threads, "LOAD_AWARE", True)
    monkeypatch.setattr(_threads, "_BUSY", [0.0, False])
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (1e6, 0.0, 0.0))
    assert _threads.machine_busy() is True
    assert _threads.kernel_threads() == 1
    monkeypatch.setattr(_threads, "_BUSY", [0.0, False])
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert _threads.machine_busy() is False


# --- OpenMP idle wait (dlnotes._kernels.OPENMP_SPIN) -------------------------------------
# Each check runs in a fresh interpreter: libgomp reads its wait policy once, when loaded.

_SPIN_PROBE = r"""
import os, sys, time, resource
if sys.argv[1] == "torch":
    import torch  # noqa: F401  (loads PyTorch's libgomp first)
import numpy as np
env_before = dict(os.environ)
import dlnotes._kernels as K
from dlnotes._kernels import activations as A
env_same = dict(os.environ) == env_before
from dlnotes._kernels import _info

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

burnt = -1.0
if _info.max_threads() >= 2:
    z = np.ones(4 * A.parallel_min(), np.float32)  # above the threshold: a 2-thread region
    o = np.empty_like(z)
    A.leaky_relu_forward(z, 0.0, o)
    time.sleep(0.3)
    A.leaky_relu_forward(z, 0.0, o)
    c0 = cpu()
    time.sleep(0.2)  # the main thread sleeps: any CPU time now is a worker spinning
    burnt = (cpu() - c0) * 1e3
print(K.OPENMP_SPIN, A.parallel_min(), env_same, os.environ.get("OMP_WAIT_POLICY"), round(burnt, 3))
"""


def _spin_probe(first="dlnotes", **env):
    import os
    import subprocess
    import sys

    full = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    full.update(env)
    r = subprocess.run([sys.executable, "-c", _SPIN_PROBE, first], capture_output=True, text=True,
                       env=full, timeout=120)
    assert r.returncode == 0, r.stderr
    state, par_min, env_same, policy, burnt = r.stdout.split()
    return state, int(par_min), env_same == "True", policy, float(burnt)


def test_openmp_workers_sleep_at_once_by_default():
    """The package's default: a short spin, the environment left as the user had it.

    The CPU time the process burns while its only Python thread sleeps after a 2-thread
    region is the idle worker spinning: ~9 ms with libgomp's default (the control below),
    ~0.1 ms with the package's.  CPU time, not a speed: a loaded machine only lowers it.
    """
    state, par_min, env_same, _, burnt = _spin_probe()
    assert state == "short" and env_same and par_min == 262144
    from dlnotes._kernels import _info
    if _info.openmp_enabled() and _info.max_threads() >= 2:
        assert 0.0 <= burnt < 2.0
        control = _spin_probe(GOMP_SPINCOUNT="300000")  # libgomp's own default, set by the user
        assert control[0] == "user"
        assert control[4] > 2.0, "the probe cannot see a spinning worker"


def test_a_users_openmp_wait_setting_is_respected():
    state, par_min, env_same, policy, _ = _spin_probe(OMP_WAIT_POLICY="active")
    assert state == "user" and env_same and policy == "active" and par_min == 262144


def test_libgomp_loaded_first_by_torch_keeps_elementwise_kernels_on_one_thread():
    """PyTorch first: its libgomp (same soname) serves dlnotes with its ~9 ms spin, so
    element-wise kernels thread only from 2M elements."""
    pytest.importorskip("torch")
    state, par_min, env_same, _, _ = _spin_probe("torch")
    assert env_same
    if state == "preloaded":
        assert par_min == 2097152
    else:  # a torch build without OpenMP leaves the load to dlnotes
        assert state == "short" and par_min == 262144
