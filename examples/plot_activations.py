r"""
Activation functions and their derivatives
==========================================

The four element-wise activations of the notes' "Basic NN" chapter, with the
derivatives their backward passes use:

.. math::

    \sigma'(z) = \sigma(z)\,(1 - \sigma(z)), \qquad
    \tanh'(z) = 1 - \tanh^2 z, \qquad
    \operatorname{ReLU}'(z) = \mathbb{1}[z > 0], \qquad
    \operatorname{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}

Each ``*_backward(dA, Z)`` returns :math:`dA \odot g'(Z)`, so passing
:math:`dA = 1` gives the derivative itself.  We compare it with the centred
difference :math:`(g(z+h) - g(z-h))/2h` that gradient checking uses.
"""

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.nn import activations as act

z = np.linspace(-4.0, 4.0, 801)
ones = np.ones_like(z)
h = 1e-6

functions = {
    "sigmoid": (act.sigmoid, act.sigmoid_backward),
    "tanh": (act.tanh, act.tanh_backward),
    "ReLU": (act.relu, act.relu_backward),
    "leaky ReLU (alpha = 0.1)": (lambda Z: act.leaky_relu(Z, alpha=0.1),
                                 lambda dA, Z: act.leaky_relu_backward(dA, Z, alpha=0.1)),
}

fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True, layout="constrained")
for ax, (name, (forward, backward)) in zip(axes.flat, functions.items()):
    g = forward(z)
    dg = backward(ones, z)
    numeric = (forward(z + h) - forward(z - h)) / (2 * h)
    # ReLU's kink at 0: the centred difference averages the two slopes there.
    away_from_kink = np.abs(z) > 2 * h
    err = np.max(np.abs(dg - numeric)[away_from_kink])
    ax.plot(z, g, lw=2, label=r"$g(z)$")
    ax.plot(z, dg, lw=2, ls="--", label=r"$g'(z)$ (backward)")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set_title(name)
    ax.legend(loc="upper left", fontsize=8)
    print(f"{name:26s} max |backward - centred difference| = {err:.1e}")
for ax in axes[1]:
    ax.set_xlabel("z")
plt.show()

# %%
# Saturation
# ----------
# The sigmoid's derivative is at most :math:`1/4` (at :math:`z = 0`) and tanh's at
# most 1; both vanish for large :math:`|z|`, which is why deep networks use ReLU
# in their hidden layers.  The kernels stay finite far out: no overflow warning
# at :math:`|z| = 10^4`.
big = np.array([-1e4, -30.0, 0.0, 30.0, 1e4])
print("sigmoid :", act.sigmoid(big))
print("sigmoid':", act.sigmoid_backward(np.ones_like(big), big))
print("tanh'   :", act.tanh_backward(np.ones_like(big), big))
