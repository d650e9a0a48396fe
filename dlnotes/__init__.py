"""dlnotes: the math of a deep-learning course's notes, executable and compiled."""
__version__ = "0.1.0"

from dlnotes._config import show_config  # noqa: E402

__all__ = ["__version__", "show_config"]
