r"""
Optimiser paths on a 2-D loss surface
=====================================

Gradient descent, momentum, RMSprop and Adam on the elongated quadratic

.. math::

    J(w_1, w_2) = 0.1\, w_1^2 + 2\, w_2^2

whose curvature is 20 times larger along :math:`w_2` than along :math:`w_1`.
The update rules are the notes' (with RMSprop's :math:`\epsilon` outside the
square root, erratum E9):

.. math::

    \text{momentum: } v = \beta v + (1-\beta)\,dW,\quad W \mathrel{-}= \alpha v \\
    \text{RMSprop: } s = \beta_2 s + (1-\beta_2)\,dW^2,\quad W \mathrel{-}= \alpha\, \frac{dW}{\sqrt{s} + \epsilon} \\
    \text{Adam: } v, s \text{ as above},\quad
    W \mathrel{-}= \alpha\, \frac{v / (1-\beta_1^t)}{\sqrt{s / (1-\beta_2^t)} + \epsilon}
"""

import matplotlib.pyplot as plt
import numpy as np


def loss(w):
    return 0.1 * w[0] ** 2 + 2.0 * w[1] ** 2


def grad(w):
    return np.array([0.2 * w[0], 4.0 * w[1]])


def run(update, steps=60, start=(-5.0, -2.0)):
    w = np.array(start)
    state = {"t": 0, "v": np.zeros(2), "s": np.zeros(2)}
    path = [w.copy()]
    for _ in range(steps):
        state["t"] += 1
        w = update(w, grad(w), state)
        path.append(w.copy())
    return np.array(path)


def gd(w, g, state, lr=0.45):
    return w - lr * g


def momentum(w, g, state, lr=0.45, beta=0.9):
    state["v"] = beta * state["v"] + (1 - beta) * g
    return w - lr * state["v"]


def rmsprop(w, g, state, lr=0.3, beta2=0.9, eps=1e-8):
    state["s"] = beta2 * state["s"] + (1 - beta2) * g ** 2
    return w - lr * g / (np.sqrt(state["s"]) + eps)


def adam(w, g, state, lr=0.3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]
    state["v"] = beta1 * state["v"] + (1 - beta1) * g
    state["s"] = beta2 * state["s"] + (1 - beta2) * g ** 2
    v_hat = state["v"] / (1 - beta1 ** t)
    s_hat = state["s"] / (1 - beta2 ** t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps)


paths = {
    r"gradient descent ($\alpha=0.45$)": run(gd),
    r"momentum ($\alpha=0.45, \beta=0.9$)": run(momentum),
    r"RMSprop ($\alpha=0.3, \beta_2=0.9$)": run(rmsprop),
    r"Adam ($\alpha=0.3$)": run(adam),
}

w1, w2 = np.meshgrid(np.linspace(-5.5, 5.5, 300), np.linspace(-2.5, 2.5, 200))
fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
ax.contour(w1, w2, loss(np.array([w1, w2])), levels=np.geomspace(0.01, 15, 14),
           colors="0.75", linewidths=0.8)
for (name, path), color in zip(paths.items(), ["C0", "C1", "C2", "C3"]):
    ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=1.2, color=color, label=name)
    print(f"{name:40s} J after {len(path) - 1} steps = {loss(path[-1]):.2e}")
ax.plot(0, 0, "k*", ms=12)
ax.set_xlabel(r"$w_1$")
ax.set_ylabel(r"$w_2$")
ax.set_aspect("equal")
ax.legend(loc="lower right", fontsize=8)
ax.set_title(r"$J = 0.1\,w_1^2 + 2\,w_2^2$, 60 steps from $(-5, -2)$")
plt.show()

# %%
# Gradient descent has to keep :math:`\alpha < 2/4 = 0.5` to stay stable along
# the steep :math:`w_2` axis, so it crawls along the flat :math:`w_1` axis.
# Momentum averages out the oscillation across the valley; RMSprop and Adam
# divide each coordinate by the root mean square of its own gradients, so
# both axes move at about the same speed.
