r"""
Random search for the learning rate and the momentum
====================================================

The notes' advice for tuning: do not use a grid, sample at random, on the right scale.  Here
:math:`\alpha = 10^r` with :math:`r \sim U[-3, 0]` and :math:`\beta = 1 - 10^r` with
:math:`r \sim U[-2, -0.5]` (so :math:`\beta` between 0.68 and 0.99), for gradient descent with
momentum on the digits (a 64-32-10 ReLU network, 6 epochs of mini-batches of 64):

.. math::

    v \leftarrow \beta v + (1-\beta)\, dW, \qquad W \leftarrow W - \alpha v

:func:`dlnotes.optim.search.random_search` draws every configuration and every trial's seed from
one seeded generator and runs the trials with joblib in local processes; under
``joblib.parallel_backend("dask")`` the same call runs on a Dask cluster and returns the same
table.  The scatter shows that the dev accuracy depends mostly on :math:`\alpha`, which is why
the learning rate is tuned first (erratum E14).
"""

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.datasets import load_digits, one_hot
from dlnotes.layers import Activation, Dense
from dlnotes.models import Model
from dlnotes.optim import LogUniform, Momentum, OneMinusLogUniform, random_search


def objective(params, seed):
    X, y = load_digits()
    perm = np.random.default_rng(0).permutation(X.shape[1])
    tr, dv = perm[:1297], perm[1297:]
    Y = one_hot(y, 10)
    net = [Dense(64, 32, seed=seed), Activation("relu"), Dense(32, 10, seed=seed + 1)]
    model = Model(net)
    h = model.fit(X[:, tr], Y[:, tr], epochs=6, batch_size=64,
                  optimizer=Momentum(params["learning_rate"], params["beta"]),
                  validation_data=(X[:, dv], Y[:, dv]), seed=seed, progress=False)
    return {"dev_score": h["val_accuracy"][-1], "train_acc": h["accuracy"][-1]}


space = {"learning_rate": LogUniform(-3, 0), "beta": OneMinusLogUniform(-2, -0.5)}
results = random_search(objective, space, n_trials=24, seed=0, n_jobs=2)
print(results.to_markdown(floatfmt=".3g"))

alpha = np.array([r["learning_rate"] for r in results])
beta = np.array([r["beta"] for r in results])
dev = np.array([r["dev_score"] for r in results])
fig, ax = plt.subplots(figsize=(6, 4))
sc = ax.scatter(alpha, 1 - beta, c=dev, cmap="viridis", vmin=max(0.0, dev.min()), vmax=1.0)
ax.set(xscale="log", yscale="log", xlabel=r"learning rate $\alpha$",
       ylabel=r"$1-\beta$ (momentum)", title="dev accuracy of 24 random trials")
fig.colorbar(sc, label="dev accuracy")
best = results.best
ax.scatter([best["learning_rate"]], [1 - best["beta"]], s=150, facecolors="none",
           edgecolors="red", label="best")
ax.legend()
fig.tight_layout()
