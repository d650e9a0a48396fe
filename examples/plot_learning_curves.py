r"""
Learning curves of the dense network on the digits
==================================================

The notes' deep L-layer network (``[LINEAR -> ReLU] x 2 -> LINEAR -> softmax``)
trained by batch gradient descent on the 8x8 handwritten digits that ship with
scikit-learn (1,797 images, 64 features, 10 classes), with two learning rates.
At each logged iteration we record the categorical cross-entropy cost

.. math::

    J = -\frac{1}{m}\sum_{i=1}^{m}\sum_{j=1}^{10} y^{(i)}_j \log a^{[L](i)}_j

and the error on the training and the dev set.  The gap between the two error
curves is the *variance* of the notes' bias/variance table.
"""

import matplotlib.pyplot as plt
import numpy as np

from threadpoolctl import threadpool_limits

from dlnotes.datasets import load_digits, one_hot, train_test_split
from dlnotes.nn.deep import (L_model_backward, L_model_forward, compute_cost,
                             initialize_parameters_deep, predict, update_parameters)
from dlnotes.nn.diagnostics import diagnose_bias_variance

X, y = load_digits()                       # X: (64, 1797), examples in columns
X_train, X_dev, y_train, y_dev = train_test_split(X, y, test_size=0.3, seed=0)
Y_train = one_hot(y_train, 10)
print("train:", X_train.shape, " dev:", X_dev.shape)


def error(X, y, parameters):
    return 100.0 * np.mean(predict(X, parameters, output_activation="softmax").ravel() != y)


def train(learning_rate, iterations=800, log_every=20):
    parameters = initialize_parameters_deep([64, 64, 32, 10], seed=1)
    log = {"it": [], "cost": [], "train": [], "dev": []}
    for i in range(iterations + 1):
        AL, caches = L_model_forward(X_train, parameters, output_activation="softmax")
        if i % log_every == 0:
            log["it"].append(i)
            log["cost"].append(compute_cost(AL, Y_train, "softmax"))
            log["train"].append(error(X_train, y_train, parameters))
            log["dev"].append(error(X_dev, y_dev, parameters))
        grads = L_model_backward(AL, Y_train, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
    return log


# Small matrices: one BLAS thread is faster than two fighting over a busy machine.
with threadpool_limits(limits=1, user_api="blas"):
    runs = {r"$\alpha = 0.05$": train(0.05), r"$\alpha = 0.5$": train(0.5)}

fig, (ax_cost, ax_err) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for (name, log), color in zip(runs.items(), ["C0", "C3"]):
    ax_cost.plot(log["it"], log["cost"], color=color, label=name)
    ax_err.plot(log["it"], log["train"], color=color, ls="--", label=f"train, {name}")
    ax_err.plot(log["it"], log["dev"], color=color, label=f"dev, {name}")
ax_cost.set_yscale("log")
ax_cost.set_xlabel("iteration")
ax_cost.set_ylabel("cost $J$")
ax_cost.set_title("Training cost")
ax_cost.legend()
ax_err.set_xlabel("iteration")
ax_err.set_ylabel("error (%)")
ax_err.set_ylim(0, 30)
ax_err.set_title("Train and dev error")
ax_err.legend(fontsize=8)
plt.show()

# %%
# Bias and variance at the end of training
# ----------------------------------------
# With a Bayes error near 0 % for these clean digits, the avoidable bias is the
# training error and the variance is the dev-train gap.  The small learning rate
# has not yet fitted the training set after 800 iterations; the larger one fits it
# and leaves a dev-set gap, the variance that L2 regularisation or dropout would
# attack next.
for name, log in runs.items():
    print(name.replace("$", ""), "->", diagnose_bias_variance(log["train"][-1], log["dev"][-1]))
