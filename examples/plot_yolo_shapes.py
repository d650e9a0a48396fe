r"""
YOLO detections on held-out shapes scenes
=========================================

A small YOLOv2-style detector (:mod:`dlnotes.models.yolo`) finds circles, rectangles,
triangles and ellipses in generated 64x64 scenes.  Its output for each of the
:math:`8 \times 8` grid cells and 3 anchors is decoded as in the notes,

.. math::

    b_x = \frac{\sigma(t_x) + c_x}{S},\quad b_y = \frac{\sigma(t_y) + c_y}{S},\quad
    b_w = \frac{p_w e^{t_w}}{S},\quad b_h = \frac{p_h e^{t_h}}{S},\quad
    \text{score}_k = \sigma(t_o)\,\operatorname{softmax}(t_c)_k

then filtered by score and non-max suppression (the course's ``yolo_eval``).  The
weights were trained by ``benchmarks/yolo_shapes_train.py`` (the YOLO page shows its
per-class AP table) and are only loaded here.  Solid boxes are detections with their
class and score; dashed grey boxes are the ground truth.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from dlnotes.datasets.shapes import SHAPE_CLASSES, load_shapes
from dlnotes.models.yolo import YoloDetector

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else "."
detector = YoloDetector.load(os.path.join(here, "data", "yolo_shapes.npz"))

# the held-out stream of seed 0 (never seen in training); the first 12 scenes are drawn
_, (X, boxes, classes) = load_shapes(n_train=0, n_test=100, seed=0)
result = detector.evaluate(X, boxes, classes)
print("VOC AP@0.5 on these 100 held-out scenes:")
for name, ap in zip(SHAPE_CLASSES, result["ap"]):
    print(f"  {name:10s} {ap:.3f}")
print(f"  mAP       {result['map']:.3f}")

detections = detector.detect(X[:12], score_threshold=0.3)
colors = plt.cm.tab10(np.arange(len(SHAPE_CLASSES)))
fig, axes = plt.subplots(3, 4, figsize=(10, 7.8))
for ax, img, gt, (scores, dets, labels) in zip(axes.ravel(), X, boxes, detections):
    ax.imshow(img)
    n = img.shape[0]
    for x1, y1, x2, y2 in gt * n:
        ax.add_patch(plt.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                   ec="0.5", ls="--", lw=1))
    for s, (x1, y1, x2, y2), k in zip(scores, dets * n, labels):
        ax.add_patch(plt.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                   ec=colors[k], lw=2))
        ax.text(x1, y1 - 1, f"{SHAPE_CLASSES[k]} {s:.2f}", color="white", fontsize=7,
                bbox={"facecolor": colors[k], "pad": 1, "lw": 0})
    ax.set_axis_off()
fig.suptitle("YOLO on held-out 64x64 scenes (score >= 0.3, per-class NMS at IoU 0.45)")
fig.tight_layout()
plt.show()
