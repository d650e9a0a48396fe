r"""
Learned convolution filters of LeNet-5
======================================

LeNet-5 as the course draws it (corrected per erratum E8: one input channel,
16 filters in the second convolution, average pooling), trained for two epochs
with Adam on scikit-learn's 8x8 digits upsampled to 32x32.  We show the six
5x5 filters of the first convolution and what they compute on one test digit:

.. math::

    Z[i, h, w, c] = \sum_{u=0}^{4}\sum_{v=0}^{4} X[i,\, h + u,\, w + v,\, 0]\; W[u, v, 0, c] + b[c]

(a cross-correlation, as in the course and in PyTorch), followed by a ReLU.
"""

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from dlnotes.cnn import conv_forward
from dlnotes.models.lenet import load_lenet_data, train_lenet

# One BLAS thread: the conv kernels already split the batch over OpenMP threads.
with threadpool_limits(limits=1, user_api="blas"):
    result = train_lenet(dataset="digits", epochs=2, progress=False, seed=0)
print(f"{result['n_parameters']} parameters, test accuracy {result['test_accuracy']:.1f} %")

model = result["model"]
conv1 = model.layers()[0]
W, b = conv1.params["W"], conv1.params["b"]          # (5, 5, 1, 6), (1, 1, 1, 6)
print("conv1 filters:", W.shape)

fig, axes = plt.subplots(1, 6, figsize=(9, 1.9), layout="constrained")
lim = np.abs(W).max()
for c, ax in enumerate(axes):
    ax.imshow(W[:, :, 0, c], cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_title(f"filter {c}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("First-layer filters (red: positive weight, blue: negative)")
plt.show()

# %%
# Feature maps
# ------------
# The same filters applied to one test image with the functional API,
# :func:`dlnotes.cnn.conv_forward` (stride 1, no padding: 32 - 5 + 1 = 28).
_, X_test, _, y_test = load_lenet_data("digits", seed=0)
x = X_test[:1]                                        # (1, 32, 32, 1)
Z, _ = conv_forward(x, W, b, {"stride": 1, "pad": 0})
A = np.maximum(Z, 0)
print("input", x.shape, "-> feature maps", A.shape)

fig, axes = plt.subplots(1, 7, figsize=(10, 1.9), layout="constrained")
axes[0].imshow(x[0, :, :, 0], cmap="gray_r")
axes[0].set_title(f"digit {y_test[0]}")
for c, ax in enumerate(axes[1:]):
    ax.imshow(A[0, :, :, c], cmap="viridis")
    ax.set_title(f"ReLU(Z), c={c}")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
