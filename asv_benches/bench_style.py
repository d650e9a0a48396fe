"""Neural style transfer: Gram matrix (``dlnotes._kernels.gram`` and NumPy's matmul) and
the layer style cost with its gradient (``dlnotes.vision.style``).

Sizes: the course's VGG-19 style layers for a 300 x 400 image (conv4_1
38 x 50 x 512, conv3_1 75 x 100 x 256) and a small layer (19 x 25 x 64).
"""
import numpy as np

from .common import DTYPES, randn, require

SIZES = ["19x25x64", "75x100x256", "38x50x512"]
METHODS = ["matmul", "gemm", "syrk"]


def _dims(size):
    return tuple(int(s) for s in size.split("x"))


class Gram:
    """``gram_matrix(A)`` for ``A`` of shape (n_C, n_H n_W), per method."""

    params = [DTYPES, SIZES, METHODS]
    param_names = ["dtype", "size", "method"]

    def setup(self, dtype, size, method):
        self.style = require("dlnotes.vision.style")
        h, w, c = _dims(size)
        self.A = randn((c, h * w), dtype, seed=1, scale=1.0 / np.sqrt(h * w))
        self.a = randn((1, h, w, c), dtype, seed=2)
        self.style.gram_matrix(self.A[:2, :3], method=method)

    def time_gram_matrix(self, dtype, size, method):
        self.style.gram_matrix(self.A, method=method)

    def time_gram_from_activations(self, dtype, size, method):
        self.style.gram_from_activations(self.a, method=method)

    def peakmem_gram_matrix(self, dtype, size, method):
        self.style.gram_matrix(self.A, method=method)


class StyleCost:
    """One layer's style cost, its gradient, and both in one pass."""

    params = [DTYPES, SIZES]
    param_names = ["dtype", "size"]

    def setup(self, dtype, size):
        self.style = require("dlnotes.vision.style")
        h, w, c = _dims(size)
        self.a_S = randn((1, h, w, c), dtype, seed=3)
        self.a_G = randn((1, h, w, c), dtype, seed=4)

    def time_forward(self, dtype, size):
        self.style.compute_layer_style_cost(self.a_S, self.a_G)

    def time_forward_backward(self, dtype, size):
        self.style.layer_style_cost_and_grad(self.a_S, self.a_G)

    def time_content_cost_and_grad(self, dtype, size):
        self.style.compute_content_cost(self.a_S, self.a_G)
        self.style.compute_content_cost_backward(self.a_S, self.a_G)

    def peakmem_forward_backward(self, dtype, size):
        self.style.layer_style_cost_and_grad(self.a_S, self.a_G)
