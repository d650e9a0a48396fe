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
