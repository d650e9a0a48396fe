"""The notes' computer-vision applications: YOLO boxes (IoU, non-max suppression),
face recognition (triplet loss, verification) and neural style transfer.

The course's function names are re-exported here; each is documented in its module
(:mod:`dlnotes.vision.boxes`, :mod:`dlnotes.vision.face`, :mod:`dlnotes.vision.style`).
The detector's training pieces (anchors, targets, the YOLO loss) are in
:mod:`dlnotes.vision.yolo`, its metric (VOC mAP) in :mod:`dlnotes.vision.detection_metrics`.
"""
from dlnotes.vision.boxes import (box_iou, iou, non_max_suppression, scale_boxes,
                                  yolo_boxes_to_corners, yolo_eval, yolo_filter_boxes,
                                  yolo_non_max_suppression)
from dlnotes.vision.face import img_to_encoding, triplet_loss, verify, who_is_it
from dlnotes.vision.style import (compute_content_cost, compute_layer_style_cost,
                                  compute_style_cost, gram_matrix, total_cost)

__all__ = ["iou", "box_iou", "yolo_boxes_to_corners", "scale_boxes", "yolo_filter_boxes",
           "non_max_suppression", "yolo_non_max_suppression", "yolo_eval", "triplet_loss",
           "img_to_encoding", "verify", "who_is_it", "gram_matrix", "compute_content_cost",
           "compute_layer_style_cost", "compute_style_cost", "total_cost"]
