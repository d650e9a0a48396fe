"""Learning curves of a training run (matplotlib, optional)."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_learning_curves"]


def plot_learning_curves(history, path, title=None):
    """Save training/dev cost (and accuracy) per epoch as a PNG.

    Parameters
    ----------
    history : History or dict of per-epoch lists
    path : str or path-like
    title : str, optional

    Returns
    -------
    str or path-like
        ``path``.

    Raises
    ------
    ImportError
        With an install hint when matplotlib is missing.
    """
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_learning_curves needs matplotlib: pip install matplotlib "
                          "(or pip install 'dlnotes[docs]')") from None
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError("history must be a History (dict with a 'loss' list)")
    has_acc = "accuracy" in history
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 3.8))
    axes = np.atleast_1d(axes)
    ep = np.arange(1, len(history["loss"]) + 1)
    for ax, key, label in zip(axes, ("loss", "accuracy"), ("cost", "accuracy")):
        ax.plot(ep, history[key], label="train")
        if "val_" + key in history:
            ax.plot(ep, history["val_" + key], label="dev")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
