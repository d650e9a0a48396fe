"""Convolution and pooling kernels (``dlnotes.cnn``): forward and backward, float32/float64.

Sizes are the comparison cases of ``benchmarks/cases_cnn.py`` (small, medium,
large).  ``peakmem_`` benchmarks show the bounded column workspace of the col2im
input gradient (strides above 1): the batch runs in chunks, so peak memory grows
with the output, not with ``m * n_H * n_W * f * f * n_C_prev`` (the full column
matrix).
"""
from .common import DTYPES, randn, require

# name -> (m, H, W, C_in, C_out, f, pad)
CONV_SIZES = {
    "m64-32x32x3-6-f5-valid": (64, 32, 32, 3, 6, 5, "valid"),
    "m32-32x32x16-32-f3-same": (32, 32, 32, 16, 32, 3, "same"),
    "m8-56x56x64-64-f3-same": (8, 56, 56, 64, 64, 3, "same"),
}
# name -> (m, H, W, C, f, stride)
POOL_SIZES = {
    "m32-32x32x32-f2s2": (32, 32, 32, 32, 2, 2),
    "m8-56x56x64-f3s2": (8, 56, 56, 64, 3, 2),
}


class Conv2D:
    params = [DTYPES, list(CONV_SIZES)]
    param_names = ["dtype", "size"]

    def setup(self, dtype, size):
        self.cnn = require("dlnotes.cnn")
        m, H, W, C, F, f, pad = CONV_SIZES[size]
        self.A = randn((m, H, W, C), dtype)
        self.W = randn((f, f, C, F), dtype, seed=1, scale=(f * f * C) ** -0.5)
        self.b = randn((1, 1, 1, F), dtype, seed=2)
        self.hp = {"stride": 1, "pad": pad}
        self.Z, self.cache = self.cnn.conv_forward(self.A, self.W, self.b, self.hp)
        self.dZ = randn(self.Z.shape, dtype, seed=3)

    def time_forward(self, dtype, size):
        self.cnn.conv_forward(self.A, self.W, self.b, self.hp)

    def time_backward(self, dtype, size):
        self.cnn.conv_backward(self.dZ, self.cache)

    def time_backward_input_only(self, dtype, size):
        # a fixed filter bank (frozen layer, style-transfer extractor): dA_prev only
        self.cnn.conv_backward(self.dZ, self.cache, need_dW=False)

    def time_forward_backward(self, dtype, size):
        _, cache = self.cnn.conv_forward(self.A, self.W, self.b, self.hp)
        self.cnn.conv_backward(self.dZ, cache)

    def peakmem_forward_backward(self, dtype, size):
        _, cache = self.cnn.conv_forward(self.A, self.W, self.b, self.hp)
        self.cnn.conv_backward(self.dZ, cache)


class Conv2DInputGradientPath:
    """conv_backward's two input-gradient paths, each forced on the same shapes: the
    implicit GEMM (stride 1, at least ``dlnotes.cnn.conv.IMPLICIT_DA_MIN_C`` input
    channels) and ``dZ W^T`` + col2im: LeNet-5's C1 and C3 shapes at batch 32, an
    8-channel layer (the crossover) and a 16-channel one."""

    params = [["float32"], ["c1-32x32x3-6-f5", "c3-14x14x6-16-f5", "32x32x8-16-f3",
                            "32x32x16-32-f3"], ["implicit", "col2im"]]
    param_names = ["dtype", "shape", "path"]
    SHAPES = {"c1-32x32x3-6-f5": (32, 32, 32, 3, 6, 5, "valid"),
              "c3-14x14x6-16-f5": (32, 14, 14, 6, 16, 5, "valid"),
              "32x32x8-16-f3": (32, 32, 32, 8, 16, 3, "same"),
              "32x32x16-32-f3": (32, 32, 32, 16, 32, 3, "same")}

    def setup(self, dtype, shape, path):
        self.cnn = require("dlnotes.cnn")
        self.conv = require("dlnotes.cnn.conv")
        self.saved = self.conv.IMPLICIT_DA_MIN_C
        self.conv.IMPLICIT_DA_MIN_C = 0 if path == "implicit" else 10**9
        m, H, W, C, F, f, pad = self.SHAPES[shape]
        A = randn((m, H, W, C), dtype)
        Wt = randn((f, f, C, F), dtype, seed=1, scale=(f * f * C) ** -0.5)
        b = randn((1, 1, 1, F), dtype, seed=2)
        Z, self.cache = self.cnn.conv_forward(A, Wt, b, {"stride": 1, "pad": pad})
        self.dZ = randn(Z.shape, dtype, seed=3)

    def teardown(self, dtype, shape, path):
        self.conv.IMPLICIT_DA_MIN_C = self.saved

    def time_input_gradient(self, dtype, shape, path):
        self.cnn.conv_backward(self.dZ, self.cache, need_dW=False)


class Conv2DWorkspace:
    """Peak memory of the col2im input gradient (stride 2) of one large convolution with
    a small and the default workspace."""

    params = [["float32"], [1, 4]]
    param_names = ["dtype", "workspace_MiB"]

    def setup(self, dtype, workspace_mib):
        self.cnn = require("dlnotes.cnn")
        self.conv = require("dlnotes.cnn.conv")
        self.saved = self.conv.WORKSPACE_BYTES
        self.conv.WORKSPACE_BYTES = workspace_mib * 2**20
        self.A = randn((16, 56, 56, 64), dtype)
        self.W = randn((3, 3, 64, 64), dtype, seed=1, scale=1 / 24)
        self.b = randn((1, 1, 1, 64), dtype, seed=2)
        Z, self.cache = self.cnn.conv_forward(self.A, self.W, self.b, {"stride": 2, "pad": 1})
        self.dZ = randn(Z.shape, dtype, seed=3)

    def teardown(self, dtype, workspace_mib):
        self.conv.WORKSPACE_BYTES = self.saved

    def peakmem_input_gradient_stride2(self, dtype, workspace_mib):
        self.cnn.conv_backward(self.dZ, self.cache, need_dW=False)


class Pool2D:
    params = [DTYPES, list(POOL_SIZES), ["max", "average"]]
    param_names = ["dtype", "size", "mode"]

    def setup(self, dtype, size, mode):
        self.cnn = require("dlnotes.cnn")
        m, H, W, C, f, s = POOL_SIZES[size]
        self.A = randn((m, H, W, C), dtype)
        self.hp = {"f": f, "stride": s}
        self.out, self.cache = self.cnn.pool_forward(self.A, self.hp, mode=mode)
        self.dA = randn(self.out.shape, dtype, seed=3)

    def time_forward(self, dtype, size, mode):
        self.cnn.pool_forward(self.A, self.hp, mode=mode)

    def time_backward(self, dtype, size, mode):
        self.cnn.pool_backward(self.dA, self.cache, mode=mode)
