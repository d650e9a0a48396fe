r"""
Data augmentation: the notes' four families
===========================================

The notes list four ways to make more training images out of the ones you have:
**1. mirroring, 2. random cropping, 3. rotation, shearing and local warping, 4. colour
shifting**.  Each is a transform of :mod:`dlnotes.cnn.augment` acting on a whole batch
``(m, n_H, n_W, n_C)``; the geometric ones resample bilinearly,

.. math::

    X'[i, y, x, c] = \sum_{a, b \in \{0, 1\}} w_a(u)\, w_b(v)\,
    X[i,\, \lfloor v \rfloor + b,\, \lfloor u \rfloor + a,\, c],
    \qquad (u, v, 1)^\top = M_i^{-1} (x, y, 1)^\top ,

and the colour ones add per-channel offsets, among them AlexNet's PCA colour augmentation
:math:`X' = X + P(\alpha_1\lambda_1, \alpha_2\lambda_2, \alpha_3\lambda_3)^\top`.

We apply every transform to scikit-image's sample photo (astronaut, shipped inside the
scikit-image wheel) and to handwritten digits from scikit-learn.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from dlnotes.cnn import augment as aug
from dlnotes.datasets.digits import load_digits

photo = data.astronaut().astype(np.float32) / 255.0           # (512, 512, 3) in [0, 1]
# one batch of 6 copies, shrunk to 128x128 with the resized crop (box = whole image)
X = aug.resized_crop(np.repeat(photo[None], 6, axis=0), np.array([0, 0, 512, 512]), 128)

transforms = {
    "1. mirror": aug.RandomFlip(p=0.5),
    "2. crop, padding 16": aug.RandomCrop(128, padding=16),
    "2. resized crop": aug.RandomResizedCrop(128, scale=(0.2, 1.0)),
    "3. rotate / shear / scale": aug.RandomAffine(rotation=25, shear=15, scale=(0.8, 1.2),
                                                  mode="reflect"),
    "3. elastic warp": aug.ElasticWarp(alpha=150.0, sigma=8.0, mode="reflect"),
    "4. channel shift": aug.ChannelShift(0.15),
    "4. PCA colour (AlexNet)": aug.PCAColour.fit(X, std=1.5),
    "4. brightness / contrast": aug.BrightnessContrast(0.2, 0.4),
}

fig, axes = plt.subplots(len(transforms), 6, figsize=(9, 1.6 * len(transforms)),
                         layout="constrained")
for row, (name, t) in zip(axes, transforms.items()):
    out = np.clip(t(X, seed=0), 0.0, 1.0)                   # one call augments the batch
    for ax, img in zip(row, out):
        ax.imshow(img)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
fig.suptitle("Each row: one transform, six random draws on the same photo")
plt.show()

# %%
# A pipeline on digits, as a training loop uses it
# ------------------------------------------------
# :class:`~dlnotes.cnn.augment.Compose` chains the transforms and is the hook for training:
# call it once per mini-batch, ``X_batch = augment(X_batch)``, and every epoch sees new
# images.  Crop, mirror-free rotation/shear and the elastic warp run as one bilinear pass.
# (Digits are not mirrored: a mirrored 2 is not a 2.)
X_digits, y = load_digits(layout="images", dtype=np.float32)   # (1797, 8, 8, 1)
# smooth 24x24 digits framed by 4 zero pixels: 32x32, like MNIST digits in LeNet's input
digits = np.pad(aug.resized_crop(X_digits[:8], np.array([0, 0, 8, 8]), 24),
                ((0, 0), (4, 4), (4, 4), (0, 0)))
augment = aug.Compose([aug.RandomCrop(32, padding=3),
                       aug.RandomAffine(rotation=15, shear=10, scale=(0.9, 1.1)),
                       aug.ElasticWarp(alpha=20.0, sigma=4.0),
                       aug.BrightnessContrast(0.05, 0.2)], seed=0, clip=(0.0, 1.0))
print(augment)

fig, axes = plt.subplots(4, 8, figsize=(9, 4.8), layout="constrained")
for j in range(8):
    axes[0, j].set_title(f"label {y[j]}", fontsize=9)
for k, row in enumerate(axes):
    batch = digits if k == 0 else augment(digits)          # a new draw per call ("epoch")
    for ax, img in zip(row, batch):
        ax.imshow(img[:, :, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel("original" if k == 0 else f"epoch {k}", fontsize=9)
plt.show()

# %%
# Every transform on a digit
# --------------------------
# The same transforms on one handwritten digit (one channel, so AlexNet's PCA colour
# augmentation, an RGB method, is left out; the channel shift is a brightness shift here).
# Each row: one transform, six random draws on the same digit.
digit = np.repeat(digits[:1], 6, axis=0)                     # (6, 32, 32, 1)
digit_transforms = {
    "1. mirror": aug.RandomFlip(p=0.5),
    "2. crop, padding 4": aug.RandomCrop(32, padding=4),
    "2. resized crop": aug.RandomResizedCrop(32, scale=(0.5, 1.0)),
    "3. rotate / shear / scale": aug.RandomAffine(rotation=25, shear=15, scale=(0.8, 1.2)),
    "3. elastic warp": aug.ElasticWarp(alpha=30.0, sigma=4.0),
    "4. channel shift": aug.ChannelShift(0.3),
    "4. brightness / contrast": aug.BrightnessContrast(0.2, 0.4),
}
fig, axes = plt.subplots(len(digit_transforms), 6, figsize=(7, 1.2 * len(digit_transforms)),
                         layout="constrained")
for row, (name, t) in zip(axes, digit_transforms.items()):
    out = np.clip(t(digit, seed=0), 0.0, 1.0)
    for ax, img in zip(row, out):
        ax.imshow(img[:, :, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
plt.show()
