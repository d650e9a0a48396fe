"""Data augmentation (dlnotes.cnn.augment): oracles beyond the OpInfo matrix, the random
transforms and the Compose pipeline (reproducibility, fusion, the training-loop hook).

The deterministic functions are in ``tests/ops_augment.py`` (OpInfo: scikit-image and
NumPy oracles, float32/float64, non-contiguous inputs, error inputs).
"""
import numpy as np
import pytest

from dlnotes.cnn import augment as aug
from ops_augment import np_bilinear, ref_crop

skt = pytest.importorskip("skimage.transform", reason="scikit-image is the test oracle")


@pytest.fixture
def X(rng):
    return rng.random((6, 16, 14, 3))


# --------------------------------------------------------------------------- oracles
def test_resized_crop_matches_skimage_resize_inside_the_box(rng):
    """Crop-then-resize (skimage.transform.resize) agrees wherever the samples fall inside
    the box; on the outer half-pixel ring of an enlarged box dlnotes reads the pixels just
    outside the box instead of repeating its edge (documented)."""
    X = rng.random((2, 20, 17, 3))
    for (t, l, bh, bw), (h, w) in [((2, 3, 10, 8), (9, 7)), ((5, 1, 6, 12), (12, 24)),
                                   ((0, 0, 20, 17), (13, 11))]:
        out = aug.resized_crop(X, np.array([t, l, bh, bw]), (h, w))
        ref = np.stack([skt.resize(x[t:t + bh, l:l + bw], (h, w), order=1, mode="edge",
                                   anti_aliasing=False) for x in X])
        ys = t + (np.arange(h) + 0.5) * bh / h - 0.5
        xs = l + (np.arange(w) + 0.5) * bw / w - 0.5
        rows = (ys >= t) & (ys <= t + bh - 1)
        cols = (xs >= l) & (xs <= l + bw - 1)
        inner = out[:, rows][:, :, cols]
        np.testing.assert_allclose(inner, ref[:, rows][:, :, cols], atol=1e-12)
        if bh >= h:  # shrinking: every sample is inside the box, so all of it agrees
            np.testing.assert_allclose(out, ref, atol=1e-12)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_displacement_warp_matches_skimage_warp_coordinates_in_the_interior(rng, mode):
    """skimage.warp with a coordinate map (scipy's map_coordinates) in the interior, where
    both libraries interpolate the same four pixels; everywhere against the NumPy sampler."""
    X = rng.random((2, 24, 20, 3))
    D = aug.elastic_displacement((2, 24, 20), alpha=30.0, sigma=3.0, seed=1)
    out = aug.displacement_warp(X, D, mode=mode, cval=0.2)
    rr, cc = np.mgrid[0:24, 0:20].astype(float)
    for i in range(2):
        coords = np.array([rr + D[i, ..., 1], cc + D[i, ..., 0]])
        ref = np.dstack([skt.warp(X[i, ..., c], coords, order=1, mode=mode, cval=0.2,
                                  clip=False) for c in range(3)])
        inside = ((coords[0] >= 0) & (coords[0] <= 23) & (coords[1] >= 0) & (coords[1] <= 19))
        assert inside.mean() > 0.7
        np.testing.assert_allclose(out[i][inside], ref[inside], atol=1e-5)
    np.testing.assert_allclose(out, np_bilinear(X, np.eye(3), (24, 20), mode, 0.2, disp=D),
                               atol=1e-12)


def test_float32_rotation_matches_skimage_float64_to_1e5(rng):
    X = rng.random((4, 32, 32, 3)).astype(np.float32)
    out = aug.rotate(X, np.array([15.0, -7.5, 90.0, 33.0]), mode="reflect")
    ref = np.stack([skt.rotate(x.astype(np.float64), a, order=1, mode="reflect", clip=False)
                    for x, a in zip(X, [15.0, -7.5, 90.0, 33.0])])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_affine_matrix_conventions_match_skimage():
    """Rotation and shear follow skimage's AffineTransform/rotate conventions."""
    M = aug.affine_matrix(shear=20.0)
    np.testing.assert_allclose(M, skt.AffineTransform(shear=np.deg2rad(20.0)).params,
                               atol=1e-15)
    M = aug.affine_matrix(rotation=30.0, scale=1.5, translate=(2.0, -1.0), center=(3.0, 4.0))
    # centre maps to centre + translation; lengths scale by 1.5
    np.testing.assert_allclose(M @ [3.0, 4.0, 1.0], [5.0, 3.0, 1.0])
    assert np.isclose(abs(np.linalg.det(M[:2, :2])), 1.5 ** 2)
    batch = aug.affine_matrix(rotation=np.array([0.0, 30.0]), center=(3.0, 4.0))
    assert batch.shape == (2, 3, 3)
    np.testing.assert_allclose(batch[0], np.eye(3), atol=1e-15)


def test_affine_matrix_rejects_bad_parameters():
    with pytest.raises(ValueError, match="scale must be > 0"):
        aug.affine_matrix(scale=0.0)
    with pytest.raises(ValueError, match=r"shear must be in \(-90, 90\)"):
        aug.affine_matrix(shear=90.0)
    with pytest.raises(ValueError, match="share one length m"):
        aug.affine_matrix(rotation=np.zeros(3), scale=np.ones(2))
    with pytest.raises(ValueError, match="translate must be finite"):
        aug.affine_matrix(translate=(1.0, 2.0, 3.0))


def test_integer_maps_copy_exactly_even_with_nan_neighbours(rng):
    """Crops and mirrors go through the exact path: a NaN next to a copied pixel stays out."""
    X = rng.random((2, 6, 7, 3))
    X[:, :, 0] = np.nan
    out = aug.crop(X, 0, 1, (6, 6))
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, X[:, :, 1:])


def test_pca_colour_basis_diagonalises_the_channel_covariance(rng):
    A = rng.normal(size=(3, 3))
    X = (rng.normal(size=(50, 8, 8, 3)) @ A.T) * 0.1 + 0.5
    lam, P = aug.pca_colour_basis(X)
    cov = np.cov(X.reshape(-1, 3), rowvar=False, bias=True)
    np.testing.assert_allclose(P @ np.diag(lam) @ P.T, cov, atol=1e-12)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-12)
    assert lam[0] >= lam[1] >= lam[2] >= 0
    with pytest.raises(ValueError, match="at least 2 pixels"):
        aug.pca_colour_basis(np.zeros((1, 1, 1, 3)))


def test_elastic_displacement_is_smooth_and_scaled():
    D = aug.elastic_displacement((4, 64, 64), alpha=10.0, sigma=4.0, seed=0)
    assert D.shape == (4, 64, 64, 2)
    assert abs(D.mean()) < 0.1 * D.std()
    # neighbouring displacements are strongly correlated (the field is smooth)
    corr = np.corrcoef(D[:, :-1, :, 0].ravel(), D[:, 1:, :, 0].ravel())[0, 1]
    assert corr > 0.9
    D2 = aug.elastic_displacement((4, 64, 64), alpha=20.0, sigma=4.0, seed=0)
    np.testing.assert_allclose(D2, 2 * D)
    with pytest.raises(ValueError, match="sigma"):
        aug.elastic_displacement((1, 4, 4), alpha=1.0, sigma=0.0)


# --------------------------------------------------------------------------- random transforms
def test_random_crop_windows_are_exact_windows_of_the_padded_image(X):
    out = aug.Compose([aug.RandomCrop((12, 10), padding=3, mode="reflect")], seed=3)(X)
    P = np.pad(X, ((0, 0), (3, 3), (3, 3), (0, 0)), mode="reflect")
    for i in range(X.shape[0]):
        hits = [(t, l) for t in range(P.shape[1] - 11) for l in range(P.shape[2] - 9)
                if np.array_equal(P[i, t:t + 12, l:l + 10], out[i])]
        assert hits, f"image {i} is not a window of the padded image"


def test_random_flip_mirrors_about_half_the_images(rng):
    X = rng.random((400, 4, 5, 1))
    out = aug.RandomFlip(p=0.5)(X, rng=np.random.default_rng(0))
    same = np.array([np.array_equal(o, x) for o, x in zip(out, X)])
    flipped = np.array([np.array_equal(o, x[:, ::-1]) for o, x in zip(out, X)])
    assert (same ^ flipped).all()
    assert 150 < flipped.sum() < 250
    out = aug.RandomFlip(horizontal=False, vertical=True, p=1.0)(X, seed=0)
    np.testing.assert_array_equal(out, X[:, ::-1])


def test_random_resized_crop_boxes_respect_scale_and_ratio(rng):
    t = aug.RandomResizedCrop(16, scale=(0.25, 0.5), ratio=(0.5, 2.0))
    boxes = t._boxes(np.random.default_rng(0), 500, 40, 30)
    top, left, bh, bw = boxes.T
    assert (top >= 0).all() and (left >= 0).all()
    assert (top + bh <= 40).all() and (left + bw <= 30).all()
    area = bh * bw / (40 * 30)
    assert (area > 0.2).all() and (area < 0.56).all()
    assert ((bw / bh > 0.4) & (bw / bh < 2.3)).all()
    out = t(rng.random((3, 40, 30, 3)), seed=0)
    assert out.shape == (3, 16, 16, 3)


def test_random_affine_identity_ranges_leave_images_unchanged(X):
    out = aug.RandomAffine(rotation=0.0, shear=0.0, scale=1.0, translate=0.0)(X, seed=0)
    np.testing.assert_array_equal(out, X)


def test_random_affine_matches_affine_warp_with_the_drawn_parameters(X):
    t = aug.RandomAffine(rotation=20.0, shear=(-5.0, 10.0), scale=(0.8, 1.2), translate=0.1,
                         mode="edge")
    out = t(X, seed=5)
    r = np.random.default_rng(5)
    m = X.shape[0]
    th, ph, s = r.uniform(-20, 20, m), r.uniform(-5, 10, m), r.uniform(0.8, 1.2, m)
    tr = r.uniform(-1, 1, (m, 2)) * [0.1 * 14, 0.1 * 16]
    M = aug.affine_matrix(rotation=th, shear=ph, scale=s, translate=tr, center=(6.5, 7.5))
    np.testing.assert_allclose(out, aug.affine_warp(X, M, mode="edge"), atol=1e-12)


def test_elastic_warp_transform_matches_the_functional_form(X):
    out = aug.ElasticWarp(alpha=8.0, sigma=3.0, mode="reflect")(X, seed=2)
    r = np.random.default_rng(2)
    r.random(X.shape[0])  # the per-image apply draws
    D = aug.elastic_displacement(X.shape[:3], 8.0, 3.0, rng=r)
    np.testing.assert_allclose(out, aug.displacement_warp(X, D, mode="reflect"), atol=1e-12)
    np.testing.assert_array_equal(aug.ElasticWarp(alpha=0.0)(X, seed=0), X)


def test_colour_transforms_draw_the_documented_offsets(X):
    m, C = X.shape[0], X.shape[3]
    out = aug.ChannelShift((0.1, 0.2, 0.3))(X, seed=4)
    r = np.random.default_rng(4)
    r.random(m)
    o = r.uniform(-1, 1, (m, C)) * [0.1, 0.2, 0.3]
    np.testing.assert_allclose(out, X + o[:, None, None, :], atol=1e-15)

    t = aug.PCAColour.fit(X, std=0.1)
    out = t(X, seed=4)
    a = np.random.default_rng(4).normal(0, 0.1, (m, C))
    np.testing.assert_allclose(out, aug.pca_colour(X, a, t.eigenvalues, t.eigenvectors),
                               atol=1e-15)

    out = aug.BrightnessContrast(brightness=0.1, contrast=0.3)(X, seed=4)
    r = np.random.default_rng(4)
    r.random(m)
    beta, alpha = r.uniform(-0.1, 0.1, m), r.uniform(0.7, 1.3, m)
    np.testing.assert_allclose(out, aug.brightness_contrast(X, beta, alpha), atol=1e-14)


def test_transform_parameters_are_validated():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        aug.RandomFlip(p=1.5)
    with pytest.raises(ValueError, match=r"shear must be within \(-90, 90\)"):
        aug.RandomAffine(shear=95.0)
    with pytest.raises(ValueError, match="scale must be > 0"):
        aug.RandomAffine(scale=(0.0, 1.0))
    with pytest.raises(ValueError, match="low <= high"):
        aug.RandomAffine(rotation=(10.0, -10.0))
    with pytest.raises(ValueError, match=r"scale must be within \(0, 1\]"):
        aug.RandomResizedCrop(8, scale=(0.5, 1.5))
    with pytest.raises(ValueError, match="contrast must keep the factor >= 0"):
        aug.BrightnessContrast(contrast=1.5)
    with pytest.raises(ValueError, match="shift must be a number >= 0"):
        aug.ChannelShift(-0.1)
    with pytest.raises(ValueError, match="mode must be one of"):
        aug.RandomCrop(8, mode="mirror")
    with pytest.raises(TypeError, match=r"transforms\[1\] must be a dlnotes augmentation"):
        aug.Compose([aug.RandomFlip(), lambda x: x])
    X = np.zeros((2, 8, 8, 3))
    with pytest.raises(ValueError, match=r"crop size .* larger than the padded image"):
        aug.RandomCrop(12, padding=1)(X, seed=0)
    with pytest.raises(ValueError, match="fitted on 3 channels"):
        aug.PCAColour(np.ones(3), np.eye(3))(np.zeros((2, 4, 4, 1)), seed=0)
    with pytest.raises(ValueError, match="shift has 2 values"):
        aug.ChannelShift((0.1, 0.2))(X, seed=0)
    with pytest.raises(TypeError, match="floating"):
        aug.Compose([aug.RandomFlip()])(X.astype(np.uint8))
    with pytest.raises(ValueError, match="channels-first"):
        aug.Compose([aug.RandomFlip()])(np.zeros((2, 3, 32, 32)))


# --------------------------------------------------------------------------- Compose
PIPELINE = [aug.RandomCrop(14, padding=2), aug.RandomFlip(vertical=True),
            aug.RandomAffine(rotation=12.0, shear=5.0, scale=(0.9, 1.1)),
            aug.ChannelShift(0.1), aug.PCAColour(np.array([0.02, 0.01, 0.005]), np.eye(3))]


def test_compose_is_reproducible_from_a_seed_and_new_per_call(X):
    a, b = aug.Compose(PIPELINE, seed=11), aug.Compose(PIPELINE, seed=11)
    first_a, first_b = a(X), b(X)
    np.testing.assert_array_equal(first_a, first_b)
    second_a = a(X)
    assert not np.array_equal(first_a, second_a)  # every call (epoch) draws anew
    np.testing.assert_array_equal(second_a, b(X))
    # an explicit generator overrides the pipeline's own
    np.testing.assert_array_equal(a(X, np.random.default_rng(3)), b(X, np.random.default_rng(3)))


def test_compose_never_modifies_its_input(X):
    before = X.copy()
    out = aug.Compose(PIPELINE + [aug.BrightnessContrast()], seed=0, clip=(0.0, 1.0))(X)
    np.testing.assert_array_equal(X, before)
    assert out is not X and out.min() >= 0.0 and out.max() <= 1.0
    empty = aug.Compose([])(X)
    assert empty is not X
    np.testing.assert_array_equal(empty, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_pipeline_equals_step_by_step_away_from_intermediate_borders(X, dtype):
    """One resampling for crop + flip + affine + colour equals the transforms one by one,
    except within the border ring where the step-by-step pipeline sees an intermediate
    image's edge (it has lost the pixels that the crop cut away)."""
    X = X.astype(dtype)
    fused = aug.Compose(PIPELINE, seed=7)(X)
    steps = aug.Compose(PIPELINE, seed=7, fuse=False)(X)
    assert fused.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fused[:, 4:-4, 4:-4], steps[:, 4:-4, 4:-4], atol=tol)


def test_fused_colour_with_image_statistics_equals_step_by_step(X):
    """Contrast needs the image mean: it runs as a second pass, still equal to step by step
    when the geometry stays inside the image."""
    p = [aug.RandomFlip(), aug.RandomCrop(12), aug.ChannelShift(0.1), aug.BrightnessContrast(),
         aug.ChannelShift(0.05), aug.BrightnessContrast(0.1, 0.5)]
    fused = aug.Compose(p, seed=1, clip=(0.0, 1.0))(X)
    steps = aug.Compose(p, seed=1, clip=(0.0, 1.0), fuse=False)(X)
    np.testing.assert_allclose(fused, steps, atol=1e-12)


def test_compose_runs_affine_then_elastic_as_one_resampling(X):
    """affine + elastic fused: one bilinear sample at M^-1 (p + d(p)), by the NumPy sampler
    with the parameters drawn in the pipeline's order."""
    p = [aug.RandomAffine(10.0, mode="reflect"), aug.ElasticWarp(5.0, 3.0, mode="reflect"),
         aug.RandomFlip(p=1.0)]
    fused = aug.Compose(p, seed=2)(X)
    r = np.random.default_rng(2)
    m, H, W, _ = X.shape
    th = r.uniform(-10, 10, m)
    r.uniform(0, 0, m), r.uniform(1, 1, m), r.uniform(-1, 1, (m, 2))  # shear, scale, shift
    M = aug.affine_matrix(rotation=th, center=((W - 1) / 2, (H - 1) / 2))
    r.random(m)
    D = aug.elastic_displacement((m, H, W), 5.0, 3.0, rng=r)
    ref = np_bilinear(X, np.linalg.inv(M), (H, W), "reflect", disp=D)[:, :, ::-1]
    np.testing.assert_allclose(fused, ref, atol=1e-12)


def test_training_loop_hook_on_mini_batches(rng):
    """The intended use: one call per mini-batch, a new batch each time, same shapes."""
    augment = aug.Compose([aug.RandomCrop(8, padding=1), aug.RandomFlip(),
                           aug.RandomAffine(10.0), aug.BrightnessContrast(0.1, 0.1)],
                          seed=0, clip=(0.0, 1.0))
    X = rng.random((20, 8, 8, 1)).astype(np.float32)
    seen = []
    for start in range(0, 20, 8):
        batch = X[start:start + 8]
        out = augment(batch)
        assert out.shape == batch.shape and out.dtype == np.float32
        seen.append(out)
    assert np.concatenate(seen).shape == X.shape
    assert aug.Compose([aug.RandomFlip()], seed=0)(np.zeros((0, 8, 8, 1))).shape == (0, 8, 8, 1)


def test_exact_crops_match_numpy_for_every_mode(rng):
    X = rng.random((3, 5, 6, 2))
    for mode in aug.MODES:
        out = aug.crop(X, [0, 4, 8], [1, 9, 3], (4, 3), padding=4, mode=mode, cval=-1.0)
        np.testing.assert_array_equal(out, ref_crop(X, np.array([0, 4, 8]), np.array([1, 9, 3]),
                                                    (4, 3), 4, mode, -1.0))
