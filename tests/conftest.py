import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator per test: tests never share random state."""
    return np.random.default_rng(20261126)


@pytest.fixture(scope="session")
def torch():
    """PyTorch (CPU) as a test oracle; tests that need it skip cleanly without it."""
    torch = pytest.importorskip("torch", reason="PyTorch is an optional test oracle")
    torch.set_num_threads(2)
    return torch
