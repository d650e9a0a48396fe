r"""
Adam against mini-batch gradient descent on the digits
======================================================

The same 64-64-10 ReLU network is trained on 1297 of scikit-learn's 8x8 digits (500 held out as
the dev set) with mini-batches of 64, by plain mini-batch gradient descent and by Adam (Kingma &
Ba's Algorithm 1 with bias correction):

.. math::

    W \leftarrow W - \alpha\, \frac{v_{dW} / (1-\beta_1^t)}{\sqrt{s_{dW} / (1-\beta_2^t)} + \epsilon}

With the same :math:`\alpha = 0.01` (the course's comparison) gradient descent barely moves, and
even with a tuned :math:`\alpha = 0.3` it needs more epochs than Adam to reach a given dev accuracy.
"""

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.datasets import load_digits, one_hot
from dlnotes.layers import Activation, Dense
from dlnotes.models import Model
from dlnotes.optim import SGD, Adam

X, y = load_digits()
perm = np.random.default_rng(1).permutation(X.shape[1])
tr, dv = perm[:1297], perm[1297:]
Y = one_hot(y, 10)


def train(optimizer):
    net = [Dense(64, 64, seed=11), Activation("relu"), Dense(64, 10, seed=21)]
    return Model(net).fit(X[:, tr], Y[:, tr], epochs=20, batch_size=64, optimizer=optimizer,
                          validation_data=(X[:, dv], Y[:, dv]), seed=1, progress=False)


runs = {"Adam, alpha=0.01": train(Adam(0.01)),
        "GD, alpha=0.01": train(SGD(0.01)),
        "GD, alpha=0.3 (tuned)": train(SGD(0.3))}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for name, h in runs.items():
    epochs = np.arange(1, h.epochs + 1)
    ax1.plot(epochs, h["loss"], label=f"{name} (train)")
    ax1.plot(epochs, h["val_loss"], "--", color=ax1.lines[-1].get_color(), label=f"{name} (dev)")
    ax2.plot(epochs, h["val_accuracy"], label=name)
ax1.set(xlabel="epoch", ylabel="cost", yscale="log", title="cross-entropy cost")
ax2.axhline(0.96, color="gray", lw=0.8)
ax2.set(xlabel="epoch", ylabel="dev accuracy", ylim=(0.5, 1.0), title="dev accuracy")
ax1.legend(fontsize=7)
ax2.legend(fontsize=8)
fig.tight_layout()

for name, h in runs.items():
    hit = [i + 1 for i, a in enumerate(h["val_accuracy"]) if a >= 0.96]
    print(f"{name:24s} epochs to 96% dev accuracy: {hit[0] if hit else 'not in 20'}")
