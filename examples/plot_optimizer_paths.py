r"""
Optimiser paths on a 2-D loss surface
=====================================

Gradient descent, momentum, RMSprop and Adam on the elongated quadratic

.. math::

    J(w_1, w_2) = 0.1\, w_1^2 + 2\, w_2^2

whose curvature is 20 times larger along :math:`w_2` than along :math:`w_1`.
The update rules are the notes' (with RMSprop's :math:`\epsilon` outside the
square root, erratum E9), computed by the course-style functions of
:mod:`dlnotes.optim.functional`:

.. math::

    \text{momentum: } v = \beta v + (1-\beta)\,dW,\quad W \mathrel{-}= \alpha v \\
    \text{RMSprop: } s = \beta_2 s + (1-\beta_2)\,dW^2,\quad W \mathrel{-}= \alpha\, \frac{dW}{\sqrt{s} + \epsilon} \\
    \text{Adam: } v, s \text{ as above},\quad
    W \mathrel{-}= \alpha\, \frac{v / (1-\beta_1^t)}{\sqrt{s / (1-\beta_2^t)} + \epsilon}
"""

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.optim.functional import (initialize_adam, initialize_rmsprop, initialize_velocity,
                                      update_parameters_with_adam, update_parameters_with_gd,
                                      update_parameters_with_momentum,
                                      update_parameters_with_rmsprop)


def loss(w):
    return 0.1 * w[0] ** 2 + 2.0 * w[1] ** 2


def grad(w):
    return np.array([0.2 * w[0], 4.0 * w[1]])


def run(method, steps=60, start=(-5.0, -2.0), **hyper):
    """Follow one optimiser; the course's functions take dicts of parameters and gradients."""
    params = {"w": np.array(start)}
    if method == "momentum":
        v = initialize_velocity(params)
    elif method == "rmsprop":
        s = initialize_rmsprop(params)
    elif method == "adam":
        v, s = initialize_adam(params)
    path = [params["w"].copy()]
    for t in range(1, steps + 1):
        grads = {"dw": grad(params["w"])}
        if method == "gd":
            params = update_parameters_with_gd(params, grads, **hyper)
        elif method == "momentum":
            params, v = update_parameters_with_momentum(params, grads, v, **hyper)
        elif method == "rmsprop":
            params, s = update_parameters_with_rmsprop(params, grads, s, **hyper)
        else:
            params, v, s, _, _ = update_parameters_with_adam(params, grads, v, s, t, **hyper)
        path.append(params["w"].copy())
    return np.array(path)


paths = {
    r"gradient descent ($\alpha=0.45$)": run("gd", learning_rate=0.45),
    r"momentum ($\alpha=0.45, \beta=0.9$)": run("momentum", learning_rate=0.45, beta=0.9),
    r"RMSprop ($\alpha=0.3, \beta_2=0.9$)": run("rmsprop", learning_rate=0.3, beta2=0.9),
    r"Adam ($\alpha=0.3$)": run("adam", learning_rate=0.3),
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
# Gradient descent has to keep :math:`\alpha < 2/4 = 0.5` to be stable along
# the steep :math:`w_2` axis.  At :math:`\alpha = 0.45` each step multiplies
# :math:`w_2` by :math:`1 - 4\alpha = -0.8`: the path zig-zags across the valley.
# Momentum averages the zig-zag out, but the velocity it accumulates carries it
# past the minimum and it spirals in.  RMSprop and Adam divide each coordinate by
# the root mean square of its own gradients, so both axes move at about the same
# speed and the path heads straight for the minimum; Adam's first moment adds the
# same overshoot as momentum near the end.
