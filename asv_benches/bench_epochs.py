"""Whole training epochs: LeNet-5 on MNIST-5k, the char-level LSTM LM, the digits dense net.

The same epochs as ``benchmarks/cases_epochs.py`` (which also times them
against PyTorch in the same run); this file reuses its dlnotes side, so the
two always measure the same loop.  One call is one epoch: every mini-batch's
forward pass, backward pass and optimizer step, plus the Python training loop.
"""
import importlib.util
from pathlib import Path

from .common import require

_CASES = Path(__file__).resolve().parents[1] / "benchmarks" / "cases_epochs.py"


def _epoch(index):
    require("dlnotes.models.lenet")
    if not _CASES.exists():
        raise NotImplementedError("benchmarks/cases_epochs.py is not at this commit")
    import sys

    sys.path.insert(0, str(_CASES.parent))
    spec = importlib.util.spec_from_file_location("_asv_cases_epochs", _CASES)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.cases("float32", None)[index]["impls"]["dlnotes"]


class _Epoch:
    index = None  # which case of cases_epochs.py
    number = 1
    repeat = (1, 5, 30.0)
    warmup_time = 0
    timeout = 300

    def setup(self):
        self.epoch = _epoch(self.index)

    def time_epoch(self):
        self.epoch()


class LeNet5MnistEpoch(_Epoch):
    """Seconds per epoch: 4,000 MNIST images, batch 32, Adam (float32)."""

    index = 0


class CharLSTMEpoch(_Epoch):
    """Seconds per epoch of the char-level LSTM language model (float32)."""

    index = 1


class DigitsDenseEpoch(_Epoch):
    """Seconds per full-batch gradient-descent step of the 64-64-32-10 digits network."""

    index = 2
    number = 0  # asv calibrates: one step takes milliseconds
    repeat = 0
