"""dlnotes: the math of a deep-learning course's notes, executable and compiled."""
from dlnotes._version import __version__  # noqa: E402

from dlnotes._config import show_config  # noqa: E402

__all__ = ["__version__", "show_config"]
