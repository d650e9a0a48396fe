"""Data augmentation (``dlnotes.cnn.augment``): the compiled bilinear sampler and pipelines.

Sizes are those of ``benchmarks/augment_vs_albumentations.py``: 256 images of 32x32x3 and
32 images of 224x224x3.  ``time_rotate`` is one resampling pass (the kernel alone);
``time_pipeline_fused`` / ``time_pipeline_unfused`` run crop + flip + rotation + channel
shift as one pass or one pass per transform.
"""
from .common import DTYPES, require, rng

# name -> (m, n, crop transform factory)
SIZES = {"m256-32x32x3": (256, 32), "m32-224x224x3": (32, 224)}


def _pipeline(aug, n, fuse):
    first = aug.RandomCrop(n, padding=4) if n <= 64 else aug.RandomResizedCrop(n)
    return aug.Compose([first, aug.RandomFlip(), aug.RandomAffine(rotation=15.0),
                        aug.ChannelShift(0.1)], seed=0, clip=(0.0, 1.0), fuse=fuse)


class Augment:
    params = [DTYPES, list(SIZES)]
    param_names = ["dtype", "size"]

    def setup(self, dtype, size):
        self.aug = require("dlnotes.cnn.augment")
        m, n = SIZES[size]
        self.X = rng().random((m, n, n, 3)).astype(dtype)
        self.angles = rng(1).uniform(-15, 15, m)
        self.D = self.aug.elastic_displacement((m, n, n), 8.0, 4.0, seed=2, dtype=dtype)
        self.fused = _pipeline(self.aug, n, True)
        self.unfused = _pipeline(self.aug, n, False)

    def time_rotate(self, dtype, size):
        self.aug.rotate(self.X, self.angles)

    def time_displacement_warp(self, dtype, size):
        self.aug.displacement_warp(self.X, self.D, mode="reflect")

    def time_crop_padded(self, dtype, size):
        n = self.X.shape[1]
        self.aug.crop(self.X, 3, 5, n, padding=4)

    def time_pipeline_fused(self, dtype, size):
        self.fused(self.X)

    def time_pipeline_unfused(self, dtype, size):
        self.unfused(self.X)
