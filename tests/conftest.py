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


def pytest_terminal_summary(terminalreporter):
    """Counts per outcome class of the fuzzing suite (tests/test_fuzz.py), when it ran."""
    import sys

    fz = sys.modules.get("fuzz_cases")
    lines = fz.summary_lines() if fz is not None else []
    if lines:
        terminalreporter.write_sep("=", "fuzzing suite")
        for line in lines:
            terminalreporter.write_line(line)
