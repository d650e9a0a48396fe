"""OpInfo descriptions of the data augmentation functions (notes, "Data augmentation").

Oracles, written here independently of the package:

* ``np_bilinear``: a plain-NumPy bilinear sampler (the four-neighbour formula, each
  neighbour index mapped by the border mode with NumPy's index arithmetic);
* scikit-image (test-only dependency): ``transform.warp`` with ``AffineTransform`` and
  ``transform.rotate`` for the affine maps, ``transform.resize`` for resized crops,
  ``transform.warp`` with a coordinate map for displacement fields;
* ``np.pad`` + slicing for crops and ``[::-1]`` for mirrors (exact);
* the colour formulas in NumPy.

scikit-image results are computed on float64 copies, so a float32 result is compared with
the exact answer (within float32 rounding).
"""
import numpy as np
import pytest

from dlnotes.cnn import augment as aug
from opinfo import ErrorInput, OpInfo, SampleInput

MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


# --------------------------------------------------------------------------- oracles
def _map_index(k, n, mode):
    """Neighbour indices k mapped into [0, n) by the mode; -1 where outside (constant)."""
    k = np.asarray(k, dtype=np.int64)
    if mode == "constant":
        return np.where((k >= 0) & (k < n), k, -1)
    if mode == "edge":
        return np.clip(k, 0, n - 1)
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(k)
        per = 2 * (n - 1)
        k = np.mod(k, per)
        return np.where(k <= n - 1, k, per - k)
    if mode == "symmetric":
        per = 2 * n
        k = np.mod(k, per)
        return np.where(k < n, k, per - 1 - k)
    return np.mod(k, n)  # wrap


def np_bilinear(X, T, out_hw, mode="constant", cval=0.0, disp=None):
    """Sample X (m, H, W, C) at T[i] @ ((x, y) + disp, 1) for every output pixel, in float64."""
    X = np.asarray(X, dtype=np.float64)
    m, H, W, C = X.shape
    h, w = out_hw
    T = np.broadcast_to(T, (m, 3, 3))
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((m, h, w, C))
    for i in range(m):
        px, py = x, y
        if disp is not None:
            px = x + disp[i, ..., 0]
            py = y + disp[i, ..., 1]
        u = T[i, 0, 0] * px + T[i, 0, 1] * py + T[i, 0, 2]
        v = T[i, 1, 0] * px + T[i, 1, 1] * py + T[i, 1, 2]
        u0, v0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
        fu, fv = (u - u0)[..., None], (v - v0)[..., None]
        vals = {}
        for a in (0, 1):
            for b in (0, 1):
                xi, yi = _map_index(u0 + a, W, mode), _map_index(v0 + b, H, mode)
                ok = (xi >= 0) & (yi >= 0)
                g = X[i][np.where(ok, yi, 0), np.where(ok, xi, 0)]
                vals[a, b] = np.where(ok[..., None], g, cval)
        top = (1 - fu) * vals[0, 0] + fu * vals[1, 0]
        bot = (1 - fu) * vals[0, 1] + fu * vals[1, 1]
        out[i] = (1 - fv) * top + fv * bot
    return out


def _skimage():
    return pytest.importorskip("skimage.transform", reason="scikit-image is the test oracle")


def _full(matrix):
    """(.., 2, 3) or (.., 3, 3) -> (.., 3, 3) with the affine last row."""
    M = np.asarray(matrix, dtype=np.float64)
    if M.shape[-2] == 2:
        last = np.broadcast_to([0.0, 0.0, 1.0], M.shape[:-2] + (1, 3))
        M = np.concatenate([M, last], axis=-2)
    return M


def sk_affine(X, matrix, output_shape=None, mode="constant", cval=0.0):
    tf = _skimage()
    M = np.broadcast_to(_full(matrix), (X.shape[0], 3, 3))
    shape = X.shape[1:3] if output_shape is None else tuple(output_shape)
    out = [tf.warp(X[i].astype(np.float64), tf.AffineTransform(matrix=M[i]).inverse,
                   output_shape=shape + X.shape[3:], order=1, mode=mode, cval=cval,
                   preserve_range=True, clip=False) for i in range(X.shape[0])]
    return np.stack(out).reshape((X.shape[0],) + shape + (X.shape[3],)).astype(X.dtype)


def sk_rotate(X, angle, mode="constant", cval=0.0):
    tf = _skimage()
    ang = np.broadcast_to(angle, (X.shape[0],))
    out = [tf.rotate(X[i].astype(np.float64), ang[i], order=1, mode=mode, cval=cval,
                     preserve_range=True, clip=False) for i in range(X.shape[0])]
    return np.stack(out).reshape(X.shape).astype(X.dtype)


def ref_flip(X, axis="horizontal"):
    Y = X
    if axis in ("horizontal", "both"):
        Y = Y[:, :, ::-1]
    if axis in ("vertical", "both"):
        Y = Y[:, ::-1]
    return Y


def ref_crop(X, top, left, size, padding=0, mode="constant", cval=0.0):
    h, w = (size, size) if np.ndim(size) == 0 else size
    kw = {"constant_values": cval} if mode == "constant" else {}
    P = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)), mode=mode, **kw)
    top = np.broadcast_to(top, (X.shape[0],))
    left = np.broadcast_to(left, (X.shape[0],))
    return np.stack([P[i, top[i]:top[i] + h, left[i]:left[i] + w] for i in range(X.shape[0])]
                    ).reshape((X.shape[0], h, w, X.shape[3]))


def sk_resized_crop(X, boxes, size):
    """The docstring's map (centres aligned, edge mode) through skimage's warp on the image."""
    h, w = (size, size) if np.ndim(size) == 0 else size
    b = np.broadcast_to(np.asarray(boxes, dtype=np.float64), (X.shape[0], 4))
    Ms = []
    for t, l, bh, bw in b:
        sx, sy = bw / w, bh / h
        inv = np.array([[sx, 0, l + 0.5 * sx - 0.5], [0, sy, t + 0.5 * sy - 0.5], [0, 0, 1]])
        Ms.append(np.linalg.inv(inv))
    return sk_affine(X, np.stack(Ms), output_shape=(h, w), mode="edge")


def ref_displacement(X, D, mode="constant", cval=0.0):
    return np_bilinear(X, np.eye(3), X.shape[1:3], mode, cval, disp=D).astype(X.dtype)


def ref_channel_shift(X, offsets, clip=None):
    Y = X.astype(np.float64) + np.asarray(offsets, dtype=np.float64).reshape(
        (-1, 1, 1, X.shape[3]) if np.ndim(offsets) == 2 else (1, 1, 1, -1) if np.ndim(offsets)
        else ())
    return (Y if clip is None else np.clip(Y, *clip)).astype(X.dtype)


def ref_brightness_contrast(X, brightness=0.0, contrast=1.0, clip=None):
    X64 = X.astype(np.float64)
    mu = X64.mean(axis=(1, 2, 3), keepdims=True)
    a = np.reshape(contrast, (-1, 1, 1, 1)) if np.ndim(contrast) else contrast
    b = np.reshape(brightness, (-1, 1, 1, 1)) if np.ndim(brightness) else brightness
    Y = a * (X64 - mu) + mu + b
    return (Y if clip is None else np.clip(Y, *clip)).astype(X.dtype)


def ref_pca_colour(X, alphas, lam, vec, clip=None):
    a = np.broadcast_to(alphas, (X.shape[0], X.shape[3]))
    off = np.stack([vec @ (a[i] * lam) for i in range(X.shape[0])])
    Y = X.astype(np.float64) + off[:, None, None, :]
    return (Y if clip is None else np.clip(Y, *clip)).astype(X.dtype)


# --------------------------------------------------------------------------- samples
def _images(rng, dtype, shape):
    return rng.random(shape).astype(dtype)


SHAPES = [(3, 9, 11, 3), (1, 1, 5, 1), (2, 7, 6, 4)]


def flip_samples(rng, dtype):
    for shape in SHAPES:
        for axis in ("horizontal", "vertical", "both"):
            yield SampleInput((_images(rng, dtype, shape),), {"axis": axis}, f"{shape} {axis}")
    yield SampleInput((np.zeros((0, 4, 4, 3), dtype),), desc="empty batch")


def crop_samples(rng, dtype):
    X = _images(rng, dtype, (4, 9, 11, 3))
    for mode in MODES:
        yield SampleInput((X, rng.integers(0, 6, 4), rng.integers(0, 8, 4), (7, 8)),
                          {"padding": 2, "mode": mode, "cval": 0.25}, f"pad 2 {mode}")
    yield SampleInput((X, 1, 2, 5), desc="no padding, scalar corner")
    yield SampleInput((X, 0, 0, (9, 11)), desc="whole image")
    yield SampleInput((_images(rng, dtype, (2, 1, 1, 2)), 3, 1, (2, 3)), {"padding": 2,
                      "mode": "reflect"}, desc="1x1 image reflect")


def crop_errors():
    X = np.zeros((2, 8, 8, 3))
    yield ErrorInput((X, 0, 0, 9), match=r"size .* larger than the padded image")
    yield ErrorInput((X, 0, 0, 11), {"padding": 1}, match="larger than the padded image")
    yield ErrorInput((X, 3, 0, 6), match=r"top must be in \[0, 2\]")
    yield ErrorInput((X, 0, -1, 6), match=r"left must be in \[0, 2\]")
    yield ErrorInput((X, np.zeros(3, int), 0, 6), match=r"top must be a scalar or have shape")
    yield ErrorInput((X, 0, 0, 4), {"padding": -1}, match="padding")
    yield ErrorInput((X, 0, 0, 4), {"mode": "mirror"}, match="mode must be one of")
    yield ErrorInput((X.astype(np.uint8), 0, 0, 4), exc=TypeError, match="floating")
    yield ErrorInput((X[0], 0, 0, 4), match=r"4-dimensional batch .* X\[None\]")
    yield ErrorInput((np.zeros((2, 3, 8, 8)), 0, 0, 4), match="channels-first")


def flip_errors():
    yield ErrorInput((np.zeros((2, 4, 4, 3)),), {"axis": 1}, match="axis must be one of")
    yield ErrorInput((np.zeros((4, 4)),), match="grey image")
    yield ErrorInput((np.zeros((2, 4, 4, 3), dtype=np.int32),), exc=TypeError, match="floating")


def _rand_matrix(rng, H, W):
    return aug.affine_matrix(rotation=rng.uniform(-40, 40), shear=rng.uniform(-20, 20),
                             scale=rng.uniform(0.7, 1.4), translate=rng.uniform(-2, 2, 2),
                             center=((W - 1) / 2, (H - 1) / 2))


def affine_samples(rng, dtype):
    X = _images(rng, dtype, (3, 12, 10, 3))
    for mode in MODES:
        yield SampleInput((X, _rand_matrix(rng, 12, 10)), {"mode": mode, "cval": 0.5},
                          f"shared matrix {mode}")
    per = np.stack([_rand_matrix(rng, 12, 10) for _ in range(3)])
    yield SampleInput((X, per), {"mode": "reflect"}, "per-image matrices")
    yield SampleInput((X, per[:, :2]), {"output_shape": (7, 15), "mode": "edge"},
                      "(m, 2, 3) matrices, other output size")
    yield SampleInput((_images(rng, dtype, (2, 5, 5, 1)), np.diag([2.0, 0.5, 1.0])),
                      desc="scaling, one channel")
    yield SampleInput((_images(rng, dtype, (1, 6, 7, 5)), _rand_matrix(rng, 6, 7)),
                      {"mode": "symmetric"}, desc="5 channels")


def affine_errors():
    X = np.zeros((2, 8, 8, 3))
    yield ErrorInput((X, np.eye(4)), match=r"matrix must have shape \(3, 3\)")
    yield ErrorInput((X, np.zeros((3, 3, 3))), match=r"m = 2")
    yield ErrorInput((X, np.diag([1.0, 0.0, 1.0])), match="invertible")
    yield ErrorInput((X, np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1.0]])), match="affine")
    yield ErrorInput((X, np.eye(3) * np.nan), match="NaN")
    yield ErrorInput((X, np.eye(3)), {"mode": "nearest"}, match="mode must be one of")
    yield ErrorInput((X, np.eye(3)), {"output_shape": (0, 4)}, match=r"output_shape\[0\]")
    yield ErrorInput((X.astype(np.uint8), np.eye(3)), exc=TypeError, match="floating")


def rotate_samples(rng, dtype):
    X = _images(rng, dtype, (3, 13, 10, 3))
    for mode in MODES:
        yield SampleInput((X, rng.uniform(-180, 180)), {"mode": mode, "cval": 0.3}, mode)
    yield SampleInput((X, np.array([0.0, 90.0, -30.0])), desc="per-image angles")


def rotate_errors():
    X = np.zeros((2, 8, 8, 3))
    yield ErrorInput((X, np.zeros(3)), match=r"angle must be a scalar or have shape \(m,\)")
    yield ErrorInput((X, float("nan")), match="angle must be finite")
    yield ErrorInput((X, 10), {"cval": "x"}, exc=TypeError, match="cval")


def resized_crop_samples(rng, dtype):
    X = _images(rng, dtype, (3, 20, 17, 3))
    yield SampleInput((X, np.array([[2, 3, 10, 8], [0, 0, 20, 17], [5, 1, 6, 12]]), (9, 11)),
                      desc="shrink and enlarge")
    yield SampleInput((X, np.array([4, 4, 5, 5]), 12), desc="shared box, upscale")
    yield SampleInput((X, np.array([0, 0, 20, 17]), (40, 34)), desc="whole image x2")


def resized_crop_errors():
    X = np.zeros((2, 8, 8, 3))
    yield ErrorInput((X, np.array([0, 0, 9, 4]), 4), match="inside the 8x8 images")
    yield ErrorInput((X, np.array([0, 0, 0, 4]), 4), match="positive height")
    yield ErrorInput((X, np.zeros((3, 4)), 4), match=r"boxes must have shape \(m, 4\)")
    yield ErrorInput((X, np.array([0, 0, 4, 4]), 0), match=r"size\[0\]")


def displacement_samples(rng, dtype):
    X = _images(rng, dtype, (2, 10, 9, 3))
    for mode in MODES:
        D = rng.normal(0, 2.0, (2, 10, 9, 2)).astype(dtype)
        yield SampleInput((X, D), {"mode": mode, "cval": 0.7}, mode)
    yield SampleInput((X, np.zeros((2, 10, 9, 2), dtype)), desc="zero field = identity")


def displacement_errors():
    X = np.zeros((2, 8, 8, 3))
    yield ErrorInput((X, np.zeros((2, 8, 8, 3))), match=r"displacement must have shape")
    yield ErrorInput((X, np.full((2, 8, 8, 2), np.inf)), match="NaN or infinity")


def shift_samples(rng, dtype):
    X = _images(rng, dtype, (3, 5, 4, 3))
    yield SampleInput((X, 0.1), desc="scalar")
    yield SampleInput((X, np.array([0.1, -0.2, 0.05])), desc="per channel")
    yield SampleInput((X, rng.normal(0, 0.3, (3, 3))), {"clip": (0.0, 1.0)}, "per image, clip")


def shift_errors():
    X = np.zeros((2, 4, 4, 3))
    yield ErrorInput((X, np.zeros(4)), match=r"offsets must be a scalar or have shape \(n_C,\)")
    yield ErrorInput((X, 0.1), {"clip": (1.0, 0.0)}, match="low <= high")


def bc_samples(rng, dtype):
    X = _images(rng, dtype, (3, 6, 5, 3))
    yield SampleInput((X, 0.1, 1.3), desc="scalars")
    yield SampleInput((X, np.array([0.1, -0.1, 0.0]), np.array([0.5, 1.0, 0.0])),
                      {"clip": (0.0, 1.0)}, "per image, clip")


def bc_errors():
    X = np.zeros((2, 4, 4, 3))
    yield ErrorInput((X, 0.0, -0.5), match=r"contrast must be in \[0, inf\)")
    yield ErrorInput((X, np.zeros(3), 1.0), match=r"brightness must be a scalar or have shape")


def _basis(rng, C=3):
    q, _ = np.linalg.qr(rng.normal(size=(C, C)))
    return np.sort(rng.uniform(0.001, 0.05, C))[::-1], q


def pca_samples(rng, dtype):
    X = _images(rng, dtype, (4, 5, 6, 3))
    lam, vec = _basis(rng)
    yield SampleInput((X, rng.normal(0, 0.1, (4, 3)), lam, vec), desc="per image")
    yield SampleInput((X, np.array([1.0, -1.0, 0.5]), lam, vec), {"clip": (0.0, 1.0)}, "shared")


def pca_errors():
    X = np.zeros((2, 4, 4, 3))
    lam, vec = np.ones(3), np.eye(3)
    yield ErrorInput((X, np.zeros(3), np.ones(4), np.eye(4)), match="eigenvalues must have shape")
    yield ErrorInput((X, np.zeros(3), -lam, vec), match="eigenvalues must be >= 0")
    yield ErrorInput((X, np.zeros(3), lam, np.eye(2)), match="eigenvectors must have shape")


_EXACT = {np.float32: 0.0, np.float64: 0.0}
_BILINEAR_RTOL = {np.float32: 1e-5, np.float64: 1e-12}
_BILINEAR_ATOL = {np.float32: 1e-5, np.float64: 1e-12}

OPS = [
    OpInfo("flip", aug.flip, ref_flip, flip_samples, flip_errors,
           rtol=dict(_EXACT), atol=dict(_EXACT)),
    OpInfo("crop", aug.crop, ref_crop, crop_samples, crop_errors,
           rtol=dict(_EXACT), atol=dict(_EXACT)),
    OpInfo("affine_warp", aug.affine_warp, sk_affine, affine_samples, affine_errors,
           rtol=dict(_BILINEAR_RTOL), atol=dict(_BILINEAR_ATOL)),
    OpInfo("affine_warp[numpy]", aug.affine_warp,
           lambda X, M, output_shape=None, mode="constant", cval=0.0: np_bilinear(
               X, np.linalg.inv(_full(M)),
               X.shape[1:3] if output_shape is None else output_shape, mode, cval
           ).astype(X.dtype),
           affine_samples, rtol=dict(_BILINEAR_RTOL), atol=dict(_BILINEAR_ATOL)),
    OpInfo("rotate", aug.rotate, sk_rotate, rotate_samples, rotate_errors,
           rtol=dict(_BILINEAR_RTOL), atol=dict(_BILINEAR_ATOL)),
    OpInfo("resized_crop", aug.resized_crop, sk_resized_crop, resized_crop_samples,
           resized_crop_errors, rtol=dict(_BILINEAR_RTOL), atol=dict(_BILINEAR_ATOL)),
    OpInfo("displacement_warp", aug.displacement_warp, ref_displacement, displacement_samples,
           displacement_errors, float_args=(0, 1), rtol=dict(_BILINEAR_RTOL),
           atol=dict(_BILINEAR_ATOL)),
    OpInfo("channel_shift", aug.channel_shift, ref_channel_shift, shift_samples, shift_errors),
    OpInfo("brightness_contrast", aug.brightness_contrast, ref_brightness_contrast, bc_samples,
           bc_errors),
    OpInfo("pca_colour", aug.pca_colour, ref_pca_colour, pca_samples, pca_errors),
]
