"""The package version (one place; ``dlnotes.__version__`` re-exports it)."""
__version__ = "0.1.0"
