r"""Bounding boxes for YOLO: decoding, IoU, score filtering and non-max suppression
(notes, "YOLO").

Box formats (the course's conventions, function by function)
------------------------------------------------------------
* **centre** ``(b_x, b_y, b_w, b_h)``: the notes' box, midpoint plus width and height.
* **corner** boxes come in two orders, as in the course:

  - ``(y_1, x_1, y_2, x_2)`` ("yxyx"): what the course's YOLO pipeline carries
    (``yolo_boxes_to_corners`` returns it because TensorFlow's NMS wants it,
    ``scale_boxes`` multiplies it by ``(H, W, H, W)``, ``yolo_eval`` returns it).
    :func:`yolo_boxes_to_corners`, :func:`scale_boxes` and :func:`yolo_eval`
    use it by default; ``order="xyxy"`` gives the other order.
  - ``(x_1, y_1, x_2, y_2)`` ("xyxy"): what the course's ``iou`` exercise uses,
    and :func:`iou`, :func:`box_iou`, :func:`box_area`, :func:`corners_to_centers`.

  IoU and non-max suppression do not depend on the order as long as every box
  of one call uses the same one (swapping the x and y axes of both boxes keeps
  both areas and the intersection), so :func:`box_iou`,
  :func:`non_max_suppression` and :func:`yolo_non_max_suppression` accept
  either.  Every corner box must have ``min <= max`` on both axes.

Threshold conventions (errata 3.4)
----------------------------------
* Score filtering keeps a box when its score is **>= threshold** (the course's
  ``box_class_scores >= threshold``; the notes: discard scores ``< 0.6``).
* Non-max suppression discards a remaining box when its IoU with a kept box is
  **>= iou_threshold** (the lecture's rule, ``suppress_equal=True``, the
  default).  ``tf.image.non_max_suppression`` and ``torchvision.ops.nms``
  discard only IoU **>** threshold: pass ``suppress_equal=False`` for that.

Modules
-------
The functions live in three modules by job and are all importable from here
(the documented path): :mod:`dlnotes.vision.box_geometry` (formats, scaling,
IoU), :mod:`dlnotes.vision.nms` (score filter, non-max suppression,
``yolo_eval``) and :mod:`dlnotes.vision.yolo` (decoding, anchors, targets, the
loss).

Performance
-----------
The IoU matrix and greedy NMS (class-agnostic and per class) run in the
compiled kernel ``dlnotes._kernels.boxes``; the arguments are validated here
first.  NMS sorts the scores once (stable) and runs the greedy loop in C over
the sorted boxes, each kept box suppressing the later boxes it overlaps, so it
costs ``O(N * kept)`` IoUs with no Python per box.  Measured figures against a
torch-written peer are on the YOLO page of the docs.
"""
from dlnotes.vision.box_geometry import (box_area, box_iou, corners_to_centers, iou, scale_boxes,
                                         yolo_boxes_to_corners)
from dlnotes.vision.nms import (batched_non_max_suppression, non_max_suppression, yolo_eval,
                                yolo_filter_boxes, yolo_non_max_suppression)
from dlnotes.vision.yolo import assign_anchor, yolo_decode

__all__ = ["iou", "box_iou", "box_area", "yolo_boxes_to_corners", "corners_to_centers",
           "scale_boxes", "yolo_decode", "assign_anchor", "yolo_filter_boxes",
           "non_max_suppression", "batched_non_max_suppression",
           "yolo_non_max_suppression", "yolo_eval"]
