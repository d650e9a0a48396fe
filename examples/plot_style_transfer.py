r"""
Neural style transfer with random multi-scale filters
=====================================================

The notes' style transfer (Gatys et al. 2016): paint the content image :math:`C`
(scikit-image's *chelsea*) in the style of :math:`S` (scikit-image's *brick*
texture) by optimising the pixels of :math:`G` for

.. math::

    J(G) = \alpha\, J_{\text{content}}(C, G)
         + \beta \sum_l \lambda^{[l]} J^{[l]}_{\text{style}}(S, G),

with the gradient :math:`\partial J / \partial G` from the backward pass of the
feature extractor's convolution layers.  No pretrained VGG-19 ships in a
registry package, so the features come from fixed *random* filters at five
scales (3x3 to 15x15, 48 each, one ReLU layer): Ustyuzhaninov et al. (ICLR 2017)
showed that such a shallow random network already synthesises textures.  The
content cost uses the coarsest scale, the style cost all five.

To keep the documentation build short this runs at 64x64 for 40 iterations of
L-BFGS (as in the original paper) and of Adam (as in the course).  For a real
picture run the same code with ``N = 256``, ``n_filters = 128`` and a few
hundred iterations (about a minute per 100 L-BFGS iterations on 2 cores), or
pass ``extractor=load_vgg19("vgg19.npz")`` with your own VGG-19 weights
(see :func:`dlnotes.vision.transfer.load_vgg19`) and the course's layers.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import color, data, transform

from dlnotes.vision.transfer import neural_style_transfer, random_multiscale_features

N = 64            # image size (256 for a real picture)
ITERATIONS = 40   # a few hundred for a real picture


def square(img, n, crop=None):
    """Centre crop of side ``crop`` (default the shorter side), resized to n x n in [0, 1]."""
    h, w = img.shape[:2]
    k = crop or min(h, w)
    img = img[(h - k) // 2:(h - k) // 2 + k, (w - k) // 2:(w - k) // 2 + k]
    return transform.resize(img, (n, n), anti_aliasing=True).astype(np.float32)


content = square(data.chelsea(), N)
style = color.gray2rgb(square(data.brick(), N, crop=256))
extractor = random_multiscale_features(3, filter_sizes=(3, 5, 7, 11, 15), n_filters=48,
                                       seed=0, dtype=np.float32)

snapshots = {}


def keep(every):
    def callback(t, G, J):
        if t % every == 0:
            snapshots[t] = np.clip(G, 0, 1)
    return callback


G_lbfgs, costs_lbfgs = neural_style_transfer(
    content, style, extractor, content_layer=-1, alpha=1.0, beta=1e4,
    optimizer="lbfgs", num_iterations=ITERATIONS, init_noise=0.1, seed=0,
    callback=keep(ITERATIONS // 4))
G_adam, costs_adam = neural_style_transfer(
    content, style, extractor, content_layer=-1, alpha=1.0, beta=1e4,
    optimizer="adam", learning_rate=0.03, num_iterations=ITERATIONS, init_noise=0.1, seed=0)
print(f"L-BFGS: J from {costs_lbfgs[0]:.3g} to {costs_lbfgs[-1]:.3g} "
      f"in {len(costs_lbfgs) - 1} iterations")
print(f"Adam:   J from {costs_adam[0]:.3g} to {costs_adam[-1]:.3g} "
      f"in {len(costs_adam) - 1} iterations")

# %%
# Content, style, the image every few L-BFGS iterations, and Adam's result.
panels = [("content C", content), ("style S", style)]
panels += [(f"L-BFGS, iteration {t}", G) for t, G in sorted(snapshots.items())]
panels += [(f"Adam, {ITERATIONS} steps", np.clip(G_adam, 0, 1))]
fig, axes = plt.subplots(2, 4, figsize=(9, 5), layout="constrained")
for ax, (title, img) in zip(axes.ravel(), panels):
    ax.imshow(img)
    ax.set_title(title, fontsize=9)
for ax in axes.ravel():
    ax.set_axis_off()

# %%
# The total cost per iteration.  L-BFGS (with its line search) lowers it much
# faster per iteration than Adam on the pixels, as Gatys et al. found.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.semilogy(costs_lbfgs, label="L-BFGS")
ax.semilogy(costs_adam, label="Adam (lr 0.03)")
ax.set_xlabel("iteration")
ax.set_ylabel("J(G)")
ax.legend()
plt.show()
