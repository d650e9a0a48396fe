r"""
Face verification with a triplet-trained encoder
================================================

The course's ``verify`` and ``who_is_it`` with an encoder trained by
``benchmarks/face_verification.py`` (FaceNet's triplet loss with online
semi-hard mining, :math:`\alpha = 0.2`), whose weights ship in
``examples/data/face_triplet.npz``; nothing is trained here.  No face-identity
data set ships inside a registry package, so the ten digit classes of MNIST-5k
play the people (see the face-recognition chapter).

.. math::

    d = \lVert \hat f(x_1) - \hat f(x_2)\rVert_2, \qquad
    \text{door\_open} \iff d < \tau
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.models import Model
from dlnotes.models.face_encoder import (Encoder, best_threshold, load_identity_data,
                                         verification_pairs)
from dlnotes.vision.face import l2_normalize, verify, who_is_it

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
data_dir = os.path.join(here, "data")
triplet = Encoder(Model.load(os.path.join(data_dir, "face_triplet.npz")).network)
# the softmax classifier: its first block is the same encoder, the penultimate layer
softmax = Encoder(Model.load(os.path.join(data_dir, "face_softmax.npz")).network[0])

data = load_identity_data(seed=0)          # the benchmark's split: 3,000 / 1,000 / 1,000
X_dev, y_dev = data["dev"]
X_test, y_test = data["test"]

# %%
# Threshold on dev pairs, distances of test pairs
# -----------------------------------------------
# Half of the pairs show the same identity.  The threshold with the best
# accuracy on the dev pairs is then applied to the test pairs.
rng = np.random.default_rng(1)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True, layout="constrained")
thresholds = {}
for ax, (name, enc) in zip(axes, (("triplet loss", triplet), ("softmax", softmax))):
    i, j, same = verification_pairs(y_dev, 1000, rng=rng)
    E = enc.encode(X_dev)
    tau, _ = best_threshold(np.linalg.norm(E[i] - E[j], axis=1), same)
    thresholds[name] = tau
    i, j, same = verification_pairs(y_test, 1000, rng=rng)
    E = enc.encode(X_test)
    d = np.linalg.norm(E[i] - E[j], axis=1)
    acc = np.mean((d < tau) == same)
    bins = np.linspace(0, 2, 41)
    ax.hist(d[same], bins=bins, alpha=0.6, label="same identity")
    ax.hist(d[~same], bins=bins, alpha=0.6, label="different")
    ax.axvline(tau, color="k", ls="--", lw=1)
    ax.set_title(f"{name}: accuracy {100 * acc:.1f} % at d < {tau:.2f}")
    ax.set_xlabel("distance of the encodings")
    ax.legend()
    print(f"{name}: threshold {tau:.3f}, test-pair accuracy {100 * acc:.1f} %")
plt.show()

# %%
# The course's functions
# ----------------------
# ``database`` maps a name to one enrolled encoding (here the normalised mean
# of five images); ``verify`` and ``who_is_it`` take pixels in [0, 255] and
# encode the image themselves with ``img_to_encoding``.
X_train, y_train = data["train"]
database = {f"digit {k}": l2_normalize(triplet.encode(X_train[y_train == k][:5])
                                       .mean(axis=0, keepdims=True)) for k in range(10)}
tau = thresholds["triplet loss"]
fig, axes = plt.subplots(1, 6, figsize=(9, 2.0), layout="constrained")
for ax, img, k in zip(axes, X_test[:6], y_test[:6]):
    min_dist, who = who_is_it(img * 255, database, triplet, threshold=tau, verbose=False)
    dist, door_open = verify(img * 255, "digit 3", database, triplet, threshold=tau,
                             verbose=False)
    ax.imshow(img[:, :, 0], cmap="gray_r")
    ax.set_title(f"who: {who[-1]} ({min_dist:.2f})\nis 3? {'yes' if door_open else 'no'} "
                 f"({dist:.2f})", fontsize=8)
    ax.axis("off")
plt.show()
