r"""A small YOLOv2-style detector built from the package's layers, trained on shapes scenes.

The network (:func:`yolo_shapes_network`) is four 3x3 convolutions with batch
norm and ReLU, the first with stride 2, two 2x2 max-pools (stride 8: an 8x8
grid on 64x64 scenes) and
a 1x1 convolution to ``A (5 + K)`` channels, flattened to the columns a
:class:`~dlnotes.models.Model` trains with :class:`~dlnotes.nn.losses.YoloLoss`.
:class:`YoloDetector` keeps the anchors with the model, decodes the output with
:func:`~dlnotes.vision.boxes.yolo_decode` and filters it with the course's
:func:`~dlnotes.vision.boxes.yolo_eval`.
"""
from __future__ import annotations

import json
import os
import time

import numpy as np

from dlnotes._validation import check_float_array, check_scalar
from dlnotes.layers.base import Activation, Sequential
from dlnotes.layers.conv import Conv2D, Flatten, MaxPool2D
from dlnotes.layers.normalization import BatchNorm
from dlnotes.models.model import Model
from dlnotes.models.training import logits
from dlnotes.nn.losses import YoloLoss
from dlnotes.vision.boxes import yolo_decode, yolo_eval
from dlnotes.vision.detection_metrics import mean_average_precision
from dlnotes.vision.yolo import kmeans_anchors, yolo_targets

__all__ = ["yolo_shapes_network", "YoloDetector", "train_yolo_shapes", "report_lines"]


def yolo_shapes_network(n_anchors=3, n_classes=4, widths=(16, 32, 64, 64), seed=0,
                        dtype=np.float32):
    r"""The detector's layers: ``len(widths)`` 3x3 conv-BN-ReLU blocks, the first with
    stride 2, a 2x2 max-pool after each block but the first and the last, then a
    1x1 convolution to ``A (5 + K)`` channels and Flatten.

    The network's stride is :math:`2^P` with ``P = len(widths) - 1``: an
    ``n x n`` image gives an :math:`S \times S` grid, :math:`S = n / 2^P`.  The
    stride-2 first convolution replaces a full-resolution convolution and its
    pool: the 64x64 maps were most of the time of a step (batch norm, ReLU and
    pooling of 64x64x16 maps).

    Parameters
    ----------
    n_anchors, n_classes : int
    widths : tuple of int
        Output channels of the 3x3 convolutions.
    seed : int
    dtype : float32 or float64

    Returns
    -------
    Sequential
    """
    A = check_scalar(n_anchors, "n_anchors", low=1, integer=True)
    K = check_scalar(n_classes, "n_classes", low=1, integer=True)
    widths = [check_scalar(w, "widths[i]", low=1, integer=True) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one convolution")
    layers, prev = [], 3
    for i, w in enumerate(widths):
        if 0 < i < len(widths) - 1:
            layers.append(MaxPool2D(2))
        layers += [Conv2D(prev, w, 3, stride=2 if i == 0 else 1, pad=1, seed=seed + i,
                          dtype=dtype, use_bias=False, input_grad=i > 0),
                   BatchNorm(w, dtype=dtype), Activation("relu")]
        prev = w
    layers += [Conv2D(prev, A * (5 + K), 1, seed=seed + len(widths), dtype=dtype,
                      init="xavier"), Flatten()]
    return Sequential(layers)


class YoloDetector:
    """A trained (or fresh) YOLOv2 detector: network, anchors and decoding.

    Parameters
    ----------
    anchors : ndarray, shape (A, 2)
        Anchor widths and heights in grid-cell units.
    n_classes : int
    image_size : int
        Square input images ``(image_size, image_size, 3)``.
    widths : tuple of int
        See :func:`yolo_shapes_network`.
    lambda_coord, lambda_noobj : float
        The loss's weights (:class:`~dlnotes.nn.losses.YoloLoss`).
    seed : int
    dtype : float32 or float64
    """

    def __init__(self, anchors, n_classes=4, image_size=64, widths=(16, 32, 64, 64),
                 lambda_coord=5.0, lambda_noobj=0.5, seed=0, dtype=np.float32):
        self.anchors = check_float_array(anchors, "anchors", ndim=2, shape=(None, 2),
                                         shape_names=("A", "2"), dtype=np.float64, finite=True)
        self.n_classes = check_scalar(n_classes, "n_classes", low=1, integer=True)
        self.widths = tuple(int(w) for w in widths)
        stride = 2 ** (len(self.widths) - 1)
        self.image_size = check_scalar(image_size, "image_size", low=stride, integer=True)
        if self.image_size % stride:
            raise ValueError(f"image_size must be a multiple of the network's stride {stride}, "
                             f"got {self.image_size}")
        self.grid = self.image_size // stride
        self.dtype = np.dtype(dtype)
        net = yolo_shapes_network(len(self.anchors), self.n_classes, self.widths, seed, dtype)
        self.model = Model(net, loss=YoloLoss(self.n_classes, lambda_coord, lambda_noobj),
                           batch_axis=0)
        # Start the objectness of every slot near sigma(-4) = 0.018: most slots are empty,
        # and a start at 0.5 makes the first updates all about the empty slots.
        bias = list(net)[-2].params["b"].reshape(len(self.anchors), 5 + self.n_classes)
        bias[:, 4] = -4.0

    def targets(self, boxes, classes):
        """Flattened grid targets of per-image boxes and classes, the ``Y`` of ``Model.fit``.

        Parameters
        ----------
        boxes : list of ndarray, shape (n_i, 4)
            Per image, ``(x1, y1, x2, y2)`` relative to the image.
        classes : list of int ndarray, shape (n_i,)

        Returns
        -------
        ndarray, shape (S S A (5 + K), m)
            :func:`~dlnotes.vision.yolo.yolo_targets` of the images, each flattened in C
            order into one column.
        """
        t = yolo_targets(boxes, classes, self.anchors, (self.grid, self.grid), self.n_classes,
                         dtype=self.dtype)
        return np.ascontiguousarray(t.reshape(t.shape[0], -1).T)

    def _check_images(self, X):
        n = self.image_size
        return check_float_array(X, "X", ndim=4, shape=(None, n, n, 3),
                                 shape_names=("m", str(n), str(n), "3"), dtype=self.dtype,
                                 finite=True)

    def raw_outputs(self, X, batch_size=128):
        """The network's raw output (``training=False``), one grid per image.

        Parameters
        ----------
        X : ndarray, shape (m, image_size, image_size, 3)
        batch_size : int
            Images per forward pass.

        Returns
        -------
        ndarray, shape (m, S, S, A, 5 + K)
            Last axis ``(t_x, t_y, t_w, t_h, t_o, t_c...)``.
        """
        X = self._check_images(X)
        Z = logits(self.model, X, batch_size)
        return Z.T.reshape(X.shape[0], self.grid, self.grid, len(self.anchors),
                           5 + self.n_classes)

    def detect(self, X, score_threshold=0.3, iou_threshold=0.45, max_boxes=20, per_class=True,
               batch_size=128):
        r"""Detections of each image: decode, then the course's ``yolo_eval``.

        Each image's output goes through :func:`~dlnotes.vision.boxes.yolo_decode`
        to ``(box_xy, box_wh, box_confidence, box_class_probs)`` and then
        :func:`~dlnotes.vision.boxes.yolo_eval` (score filter, scaling to pixels,
        non-max suppression; per class by default, as the lecture advises).

        Parameters
        ----------
        X : ndarray, shape (m, image_size, image_size, 3)
        score_threshold : float
            Keep boxes whose score :math:`p_c c_k` is at least this.
        iou_threshold : float
            Non-max suppression threshold.
        max_boxes : int
            At most this many boxes per image.
        per_class : bool
            Non-max suppression per class (default) or over all boxes (the course).
        batch_size : int
            Images per forward pass.

        Returns
        -------
        list of (scores, boxes, classes)
            Per image; ``boxes`` ``(n, 4)`` are ``(x1, y1, x2, y2)`` relative to the
            image (``yolo_eval``'s ``(y1, x1, y2, x2)`` reordered).
        """
        feats = self.raw_outputs(X, batch_size)
        out = []
        for f in feats:
            s, b, c = yolo_eval(yolo_decode(f, self.anchors.astype(f.dtype)),
                                image_shape=(1.0, 1.0), max_boxes=max_boxes,
                                score_threshold=score_threshold, iou_threshold=iou_threshold,
                                per_class=per_class)
            out.append((s, b[:, [1, 0, 3, 2]], c))
        return out

    def evaluate(self, X, boxes, classes, iou_threshold=0.5, **detect_kwargs):
        """VOC AP per class and mAP of the detections on images with ground truth.

        Parameters
        ----------
        X : ndarray, shape (m, image_size, image_size, 3)
        boxes : list of ndarray, shape (n_i, 4)
            Ground-truth ``(x1, y1, x2, y2)`` relative to the image.
        classes : list of int ndarray, shape (n_i,)
        iou_threshold : float
            A detection is a true positive above this IoU.
        **detect_kwargs
            Passed to :meth:`detect` (the score threshold defaults to 0.01 here, so
            the precision-recall curve is traced down to low scores).

        Returns
        -------
        dict
            As :func:`~dlnotes.vision.detection_metrics.mean_average_precision`.
        """
        dets = self.detect(X, **{"score_threshold": 0.01, **detect_kwargs})
        return mean_average_precision([d[1] for d in dets], [d[0] for d in dets],
                                      [d[2] for d in dets], boxes, classes, self.n_classes,
                                      iou_threshold=iou_threshold)

    # -- small weight files ----------------------------------------------------------------
    def save(self, path):
        """Write anchors, settings, parameters and batch-norm statistics to one ``.npz``.

        Parameters
        ----------
        path : str or path-like
            ``".npz"`` is appended if missing.

        Returns
        -------
        str
            The path written (float32 arrays, compressed, no pickle).
        """
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        cfg = {"n_classes": self.n_classes, "image_size": self.image_size,
               "widths": list(self.widths), **self.model.loss_config}
        arrays = {"config": np.array([json.dumps(cfg)]), "anchors": self.anchors}
        arrays.update({"param/" + k: v.astype(np.float32) for k, v in self.model.params.items()})
        arrays.update({"buffer/" + k: v.astype(np.float32)
                       for k, v in self.model.network.named_buffers()})
        np.savez_compressed(path, **arrays)
        return path

    @classmethod
    def load(cls, path, dtype=np.float32):
        """Rebuild a detector written by :meth:`save` (``allow_pickle=False``).

        Parameters
        ----------
        path : str or path-like
        dtype : float32 or float64
            Dtype of the rebuilt network.

        Returns
        -------
        YoloDetector
        """
        with np.load(os.fspath(path), allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
        try:
            cfg = json.loads(str(data["config"][0]))
            det = cls(data["anchors"], n_classes=cfg["n_classes"],
                      image_size=cfg["image_size"], widths=cfg["widths"],
                      lambda_coord=cfg["lambda_coord"], lambda_noobj=cfg["lambda_noobj"],
                      dtype=dtype)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not a YoloDetector file ({exc})") from None
        for kind, named in (("param/", det.model.params.items()),
                            ("buffer/", det.model.network.named_buffers())):
            for k, v in named:
                stored = data.get(kind + k)
                if stored is None or stored.shape != v.shape:
                    raise ValueError(f"{path}: {kind}{k} is missing or has the wrong shape")
                v[...] = stored
        return det


def train_yolo_shapes(n_train=4000, n_test=500, epochs=12, batch_size=32, lr=3e-3,
                      n_anchors=3, widths=(16, 32, 64, 64), image_size=64, seed=0,
                      dtype=np.float32, progress=False, callback=None):
    r"""Generate shapes scenes, choose anchors, train the detector with Adam, report mAP.

    The anchors are :func:`~dlnotes.vision.yolo.kmeans_anchors` of the
    training boxes' sizes in grid-cell units; the learning rate decays as
    :math:`\alpha_0 / (1 + 0.3\, t)` per epoch.

    Parameters
    ----------
    n_train, n_test : int
        Scenes of :func:`dlnotes.datasets.shapes.load_shapes` (seeded by ``seed``).
    epochs, batch_size : int
    lr : float
    n_anchors : int
    widths, image_size : see :class:`YoloDetector`
    seed : int
    dtype : float32 or float64
    progress : bool
    callback : callable, optional
        ``callback(epoch, logs)`` after each epoch.

    Returns
    -------
    dict
        ``detector``, ``history`` (list of per-epoch logs with ``loss``,
        ``seconds``), ``map`` (the dict of
        :func:`~dlnotes.vision.detection_metrics.mean_average_precision` on the
        held-out scenes), ``seconds``, ``test`` (the held-out ``(X, boxes,
        classes)``), ``n_train``.
    """
    from dlnotes.datasets.shapes import SHAPE_CLASSES, load_shapes
    from dlnotes.optim import Adam
    from dlnotes.optim.schedules import InverseTimeDecay

    epochs = check_scalar(epochs, "epochs", low=1, integer=True)
    (Xtr, Btr, Ctr), (Xte, Bte, Cte) = load_shapes(n_train, n_test, seed=seed,
                                                   image_size=image_size, dtype=dtype)
    grid = image_size // 2 ** (len(widths) - 1)
    wh = np.concatenate([b[:, 2:] - b[:, :2] for b in Btr]).astype(np.float64) * grid
    anchors = kmeans_anchors(wh, n_anchors, seed=seed)
    det = YoloDetector(anchors, len(SHAPE_CLASSES), image_size, widths, seed=seed, dtype=dtype)
    Y = det.targets(Btr, Ctr)
    opt = Adam(InverseTimeDecay(lr, 0.3))
    history = []
    t0 = time.perf_counter()
    for e in range(epochs):
        t1 = time.perf_counter()
        h = det.model.fit(Xtr, Y, epochs=1, batch_size=batch_size, optimizer=opt,
                          seed=seed + e, progress=progress)
        logs = {k: v[-1] for k, v in h.items()}
        logs["seconds"] = time.perf_counter() - t1
        history.append(logs)
        if callback is not None:
            callback(e + 1, logs)
    return {"detector": det, "history": history, "map": det.evaluate(Xte, Bte, Cte),
            "seconds": time.perf_counter() - t0, "test": (Xte, Bte, Cte), "n_train": n_train}


def report_lines(result):
    """The text report of a :func:`train_yolo_shapes` result: the model, AP per class, mAP.

    Parameters
    ----------
    result : dict
        What :func:`train_yolo_shapes` returned.

    Returns
    -------
    list of str
    """
    from dlnotes.datasets.shapes import SHAPE_CLASSES

    det, h, res = result["detector"], result["history"], result["map"]
    anchors = ", ".join(f"{w:.2f}x{hh:.2f}" for w, hh in det.anchors)
    lines = [f"model: YOLOv2-style detector ({det.model.count_params():,} parameters, "
             f"{det.grid}x{det.grid} grid, anchors {anchors} cells) on "
             f"{result['n_train']:,} generated scenes, {len(h)} epochs, final cost "
             f"{h[-1]['loss']:.4f}"]
    lines += [f"AP@0.5 {name}: {ap:.3f} ({n} objects)"
              for name, ap, n in zip(SHAPE_CLASSES, res["ap"], res["n_gt"])]
    lines.append(f"held-out mAP@0.5 ({len(result['test'][0])} scenes): {res['map']:.3f}")
    return lines
