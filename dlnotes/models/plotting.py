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
    axes[0].plot(ep, history["loss"], label="train")
    if "val_loss" in history:
        axes[0].plot(ep, history["val_loss"], label="dev")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("cost")
    axes[0].legend()
    if has_acc:
        axes[1].plot(ep, history["accuracy"], label="train")
        if "val_accuracy" in history:
            axes[1].plot(ep, history["val_accuracy"], label="dev")
        axes[1].set_xlabel("epoch")
        axes[1].set_ylabel("accuracy")
        axes[1].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
