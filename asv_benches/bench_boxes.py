"""YOLO boxes (``dlnotes.vision.boxes``, compiled ``dlnotes._kernels.boxes``): the IoU
matrix, class-agnostic and per-class (batched) greedy non-max suppression.

Boxes as in the box cases of ``benchmarks/cases_vision.py``: midpoints uniform in [0, 100]^2,
sides in [1, 25]; N = 1805 is the assignment's 19 x 19 x 5 grid.
"""
import numpy as np

from .common import DTYPES, rng, require

NMS_SIZES = [1805, 10_000]


def _boxes(n, dtype, seed):
    g = rng(seed)
    xy = g.uniform(0, 100, (n, 2))
    wh = g.uniform(1, 25, (n, 2))
    return (np.ascontiguousarray(np.concatenate([xy, xy + wh], axis=1), dtype=dtype),
            g.uniform(0, 1, n).astype(dtype), g.integers(0, 5, n))


class BoxIoU:
    """``box_iou`` of N x 1000 boxes (threads over rows from 65,536 pairs)."""

    params = [DTYPES, [100, 1000, 10_000]]
    param_names = ["dtype", "n"]

    def setup(self, dtype, n):
        self.bx = require("dlnotes.vision.boxes")
        self.b1 = _boxes(n, dtype, 1)[0]
        self.b2 = _boxes(1000, dtype, 2)[0]

    def time_box_iou(self, dtype, n):
        self.bx.box_iou(self.b1, self.b2)


class NMS:
    """Greedy NMS at IoU 0.5 without a box limit, and the course's ``max_boxes=10``."""

    params = [DTYPES, NMS_SIZES]
    param_names = ["dtype", "n"]

    def setup(self, dtype, n):
        self.bx = require("dlnotes.vision.boxes")
        if not hasattr(self.bx, "batched_non_max_suppression"):
            raise NotImplementedError("batched_non_max_suppression is not available")
        self.b, self.s, self.c = _boxes(n, dtype, 3)

    def time_nms(self, dtype, n):
        self.bx.non_max_suppression(self.b, self.s, 0.5, max_boxes=None)

    def time_batched_nms(self, dtype, n):
        self.bx.batched_non_max_suppression(self.b, self.s, self.c, 0.5)

    def time_nms_max_boxes_10(self, dtype, n):
        self.bx.non_max_suppression(self.b, self.s, 0.5, max_boxes=10)
