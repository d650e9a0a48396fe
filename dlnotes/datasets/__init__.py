"""Data that ships inside registry packages (no downloads at run time)."""
from dlnotes.datasets.digits import load_digits, one_hot, train_test_split

__all__ = ["load_digits", "one_hot", "train_test_split"]
