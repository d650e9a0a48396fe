"""Data that ships inside registry packages (no downloads at run time)."""
from dlnotes.datasets.digits import load_digits, one_hot, train_test_split
from dlnotes.datasets.glove import load_glove, load_glove_array
from dlnotes.datasets.mnist import digits_to_32x32, load_mnist_5k

__all__ = ["load_digits", "one_hot", "train_test_split", "load_mnist_5k", "digits_to_32x32",
           "load_glove", "load_glove_array"]
