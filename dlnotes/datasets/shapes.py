r"""Generated detection scenes: coloured circles, rectangles, triangles and ellipses.

Each shape is drawn by scikit-image's :func:`skimage.draw.random_shapes` (one shape
per call, on a white canvas of the scene's size) and pasted onto the scene in
order, so later shapes cover earlier ones.  Its ground-truth box is the label
``random_shapes`` returns, ``((r0, r1), (c0, c1))`` with ``r1``/``c1``
exclusive, clipped to the image.  Overlap is allowed but bounded: a new shape
is rejected (and another drawn) when it would leave an earlier shape with less
than ``min_visible`` of its pixels visible, so every labelled object can be
seen; a shape mostly outside the image (its clipped box under half of
``min_size`` on a side) is redrawn, and so is an ellipse rounder than
:data:`MIN_ELLIPSE_RATIO` (it would be a circle with another label).  Nothing is downloaded: scikit-image draws everything (``pip install
"dlnotes[vision]"``).
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng, check_scalar

__all__ = ["SHAPE_CLASSES", "make_shapes", "load_shapes"]

#: Class index -> shape name (the ``shape`` argument of ``random_shapes``).
SHAPE_CLASSES = ("circle", "rectangle", "triangle", "ellipse")


def _random_shapes():
    try:
        from skimage.draw import random_shapes
    except ImportError:  # pragma: no cover - exercised only without scikit-image
        raise ImportError("the shapes scenes are drawn by scikit-image: pip install "
                          "'dlnotes[vision]' (or scikit-image)") from None
    return random_shapes


#: Smallest ratio of principal axes of a drawn ellipse: rounder ones look like circles.
MIN_ELLIPSE_RATIO = 1.4


def _distinct(k, mask):
    """False for an ellipse so round that it is a circle (ratio of the mask's principal
    axes, from its second moments, below :data:`MIN_ELLIPSE_RATIO`)."""
    if SHAPE_CLASSES[k] != "ellipse":
        return True
    r, c = np.nonzero(mask)
    ev = np.linalg.eigvalsh(np.cov(np.stack([r, c]).astype(np.float64)))
    return ev[0] > 0 and ev[1] >= MIN_ELLIPSE_RATIO ** 2 * ev[0]


def make_shapes(n_images, image_size=64, min_shapes=2, max_shapes=4, min_size=12, max_size=30,
                min_visible=0.6, dtype=np.float32, seed=None, rng=None):
    r"""Generate ``n_images`` scenes with their boxes and classes.

    Boxes are corner boxes relative to the image, in the order of the course's
    ``iou`` exercise:

    .. math::

        (x_1, y_1, x_2, y_2) = \left(\frac{c_0}{W}, \frac{r_0}{H},
        \frac{c_1}{W}, \frac{r_1}{H}\right)

    where ``((r0, r1), (c0, c1))`` is the label of
    :func:`skimage.draw.random_shapes` (end exclusive) clipped to the image.

    Parameters
    ----------
    n_images : int >= 0
    image_size : int in [16, 512]
        Square scenes ``image_size x image_size`` RGB.
    min_shapes, max_shapes : int
        Shapes drawn per scene (uniform in the range; a shape that cannot be
        placed after 50 tries is left out, so a crowded scene may hold fewer).
    min_size, max_size : int
        Size range of a shape in pixels (``random_shapes``' own arguments).
    min_visible : float in [0, 1]
        Smallest visible fraction a covered shape may keep.
    dtype : float32 or float64
        Dtype of the images, scaled to [0, 1].
    seed : int, optional
        Seeds the generator (the scenes are deterministic with a seed).
    rng : numpy.random.Generator, optional
        A generator to draw from instead of ``seed``.

    Returns
    -------
    images : ndarray, shape (n_images, image_size, image_size, 3)
    boxes : list of ndarray, shape (n_i, 4)
        Per image, ``(x1, y1, x2, y2)`` relative to the image (same dtype).
    classes : list of ndarray of int64, shape (n_i,)
        Indices into :data:`SHAPE_CLASSES`.
    """
    n_images = check_scalar(n_images, "n_images", low=0, integer=True)
    size = check_scalar(image_size, "image_size", low=16, high=512, integer=True)
    lo = check_scalar(min_shapes, "min_shapes", low=1, high=32, integer=True)
    hi = check_scalar(max_shapes, "max_shapes", low=lo, high=32, integer=True)
    smin = check_scalar(min_size, "min_size", low=2, high=size, integer=True)
    smax = check_scalar(max_size, "max_size", low=smin, high=size, integer=True)
    min_visible = check_scalar(min_visible, "min_visible", low=0.0, high=1.0)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    rng = as_rng(rng, seed)
    random_shapes = _random_shapes()
    images = np.empty((n_images, size, size, 3), dtype=dtype)
    all_boxes, all_classes = [], []
    for i in range(n_images):
        canvas = np.full((size, size, 3), 255, np.uint8)
        owner = np.full((size, size), -1, np.int64)
        areas, boxes, classes = [], [], []
        for _ in range(int(rng.integers(lo, hi + 1))):
            k = int(rng.integers(len(SHAPE_CLASSES)))
            for _try in range(50):
                img, labels = random_shapes((size, size), 1, min_shapes=1,
                                            shape=SHAPE_CLASSES[k], min_size=smin,
                                            max_size=smax, allow_overlap=True,
                                            rng=int(rng.integers(2**31)))
                mask = np.any(img != 255, axis=-1)
                if not labels or mask.sum() < smin or not _distinct(k, mask):
                    continue
                (r0, r1), (c0, c1) = labels[0][1]
                r0, c0 = max(int(r0), 0), max(int(c0), 0)
                r1, c1 = min(int(r1), size), min(int(c1), size)
                if min(r1 - r0, c1 - c0) < smin // 2:  # mostly outside the image
                    continue
                new_owner = np.where(mask, len(areas), owner)
                visible = np.bincount(new_owner[new_owner >= 0], minlength=len(areas) + 1)
                if all(visible[j] >= min_visible * areas[j] for j in range(len(areas))):
                    break
            else:
                continue
            canvas[mask] = img[mask]
            owner = new_owner
            areas.append(int(mask.sum()))
            boxes.append((c0, r0, c1, r1))
            classes.append(k)
        images[i] = canvas / np.float64(255.0)
        all_boxes.append(np.asarray(boxes, dtype=dtype).reshape(-1, 4) / dtype.type(size))
        all_classes.append(np.asarray(classes, dtype=np.int64))
    return images, all_boxes, all_classes


def load_shapes(n_train=4000, n_test=500, seed=0, **kwargs):
    """Train and held-out scenes from two independent streams of one seed.

    Parameters
    ----------
    n_train, n_test : int
    seed : int
        The training scenes come from ``seed``, the held-out ones from a
        generator spawned from it, so they never repeat a training scene.
    **kwargs
        Passed to :func:`make_shapes`.

    Returns
    -------
    (X_train, boxes_train, classes_train), (X_test, boxes_test, classes_test)
    """
    train_rng, test_rng = np.random.default_rng(seed).spawn(2)
    return (make_shapes(n_train, rng=train_rng, **kwargs),
            make_shapes(n_test, rng=test_rng, **kwargs))
