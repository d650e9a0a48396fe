r"""The random transforms (:class:`RandomFlip` ... :class:`BrightnessContrast`): each draws
its parameters for a batch and plans one step for :class:`~dlnotes.cnn.augment.Compose`.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import check_scalar
from dlnotes.cnn.augment._common import (_check_mode, _check_p, _check_size, _flip_inverse,
                                         _range, _resize_inverse, _translation)
from dlnotes.cnn.augment._geometric import _center, affine_matrix, elastic_displacement
from dlnotes.cnn.augment._photometric import _check_basis, _pca_offsets, pca_colour_basis
from dlnotes.cnn.augment._pipeline import _Colour, _Geometry, _Transform
from dlnotes.cnn.conv import MAX_SIDE


def _apply_mask(rng, m, p):
    return rng.random(m) < p


class RandomFlip(_Transform):
    r"""Mirror each image with probability ``p`` (the notes' augmentation 1).

    .. math::

        X'_i = \begin{cases} \operatorname{flip}(X_i) & u_i < p \\ X_i & \text{otherwise}
        \end{cases}, \qquad u_i \sim U(0, 1)

    (independent draws for the horizontal and the vertical mirror; see :func:`flip`).

    Parameters
    ----------
    horizontal, vertical : bool
        Which mirrors may be applied (default left-right only).
    p : float
        Probability of each enabled mirror.
    """

    kind = "geometry"

    def __init__(self, horizontal=True, vertical=False, p=0.5):
        self.horizontal, self.vertical, self.p = bool(horizontal), bool(vertical), _check_p(p)

    def _config(self):
        return {"horizontal": self.horizontal, "vertical": self.vertical, "p": self.p}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        hz = _apply_mask(rng, m, self.p) & self.horizontal
        vt = _apply_mask(rng, m, self.p) & self.vertical
        return _Geometry(_flip_inverse(n_H, n_W, hz, vt), (n_H, n_W), None, 0.0)


class RandomCrop(_Transform):
    r"""Pad each image, then cut a window at a random position (the notes' augmentation 2).

    .. math::

        X'_i = X_{pad,i}[t_i : t_i + h,\; l_i : l_i + w], \qquad
        t_i \sim U\{0, \dots, n_H + 2p - h\},\; l_i \sim U\{0, \dots, n_W + 2p - w\}

    (see :func:`crop`; exact copies, no interpolation).

    Parameters
    ----------
    size : int or (int, int)
        Output size ``(h, w)``.
    padding : int
        Pixels added on each side first (4 for 32x32 images is the classic choice).
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
        How the padding is filled (see :func:`affine_warp`).
    cval : float, default 0.0
        The fill value of ``mode="constant"``.
    """

    kind = "geometry"

    def __init__(self, size, padding=0, mode="constant", cval=0.0):
        self.size = _check_size(size)
        self.padding = check_scalar(padding, "padding", low=0, high=MAX_SIDE, integer=True)
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode

    def _config(self):
        return {"size": self.size, "padding": self.padding, "mode": self.mode, "cval": self.cval}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        (h, w), p = self.size, self.padding
        if h > n_H + 2 * p or w > n_W + 2 * p:
            raise ValueError(f"crop size (h, w) = {(h, w)} is larger than the padded image "
                             f"(n_H + 2*padding, n_W + 2*padding) = {(n_H + 2 * p, n_W + 2 * p)}")
        top = rng.integers(0, n_H + 2 * p - h + 1, size=m)
        left = rng.integers(0, n_W + 2 * p - w + 1, size=m)
        T = _translation((left - p).astype(np.float64), (top - p).astype(np.float64))
        return _Geometry(T, (h, w), self.mode, self.cval)


class RandomResizedCrop(_Transform):
    r"""Crop a random box of random area and aspect ratio, resized to ``size`` (augmentation 2).

    The "Inception" crop: the box's area fraction :math:`a` and aspect ratio :math:`r`
    (width / height) are drawn as

    .. math::

        a \sim U(a_{min}, a_{max}), \quad \log r \sim U(\log r_{min}, \log r_{max}), \quad
        b_w = \operatorname{round}\sqrt{a\, r\, n_H n_W}, \quad
        b_h = \operatorname{round}\sqrt{a\, n_H n_W / r}

    until the box fits (10 tries, else the largest centred box of ratio within the range), its
    corner uniformly where it fits; then :func:`resized_crop`.

    Parameters
    ----------
    size : int or (int, int)
        Output size ``(h, w)``.
    scale : (float, float)
        Range of the area fraction, in (0, 1].
    ratio : (float, float)
        Range of the aspect ratio, > 0.
    """

    kind = "geometry"
    _TRIES = 10

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size = _check_size(size)
        self.scale = _range(scale, "scale", low=0)
        self.ratio = _range(ratio, "ratio", low=0)
        if self.scale[0] <= 0 or self.scale[1] > 1:
            raise ValueError(f"scale must be within (0, 1], got {scale!r}")
        if self.ratio[0] <= 0:
            raise ValueError(f"ratio must be > 0, got {ratio!r}")

    def _config(self):
        return {"size": self.size, "scale": self.scale, "ratio": self.ratio}

    def _boxes(self, rng, m, n_H, n_W):
        k = self._TRIES
        area = n_H * n_W * rng.uniform(self.scale[0], self.scale[1], size=(m, k))
        logr = rng.uniform(np.log(self.ratio[0]), np.log(self.ratio[1]), size=(m, k))
        r = np.exp(logr)
        bw = np.rint(np.sqrt(area * r))
        bh = np.rint(np.sqrt(area / r))
        ok = (bw >= 1) & (bh >= 1) & (bw <= n_W) & (bh <= n_H)
        first = np.argmax(ok, axis=1)
        found = ok[np.arange(m), first]
        bw = bw[np.arange(m), first]
        bh = bh[np.arange(m), first]
        # fallback: the whole image, trimmed to the nearest allowed aspect ratio
        ar = n_W / n_H
        fw, fh = float(n_W), float(n_H)
        if ar < self.ratio[0]:
            fh = float(np.rint(n_W / self.ratio[0]))
        elif ar > self.ratio[1]:
            fw = float(np.rint(n_H * self.ratio[1]))
        bw = np.where(found, bw, fw)
        bh = np.where(found, bh, fh)
        u = rng.random((m, 2))
        top = np.floor(u[:, 0] * (n_H - bh + 1))
        left = np.floor(u[:, 1] * (n_W - bw + 1))
        return np.stack([top, left, bh, bw], axis=1)

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        boxes = self._boxes(rng, m, n_H, n_W)
        return _Geometry(_resize_inverse(boxes, self.size), self.size, None, 0.0,
                         fallback="edge")


class RandomAffine(_Transform):
    r"""Random rotation, shear, scale and shift about the image centre (augmentation 3).

    Per image, :math:`\theta \sim U(\theta_{lo}, \theta_{hi})`, :math:`\phi \sim U(\phi_{lo},
    \phi_{hi})` (degrees), :math:`s \sim U(s_{lo}, s_{hi})`,
    :math:`t = (\tau_x n_W, \tau_y n_H)` with :math:`\tau \sim U(-\tau_{max}, \tau_{max})`:

    .. math::

        M_i = T(c + t)\, R(\theta)\, S_h(\phi)\, \operatorname{diag}(s, s, 1)\, T(-c)

    (see :func:`affine_matrix`), applied by :func:`affine_warp`.

    Parameters
    ----------
    rotation : float or (float, float)
        Degrees: ``x`` means ``(-x, x)``.
    shear : float or (float, float)
        Degrees, within (-90, 90).
    scale : float or (float, float)
        Zoom range, > 0 (``1`` keeps the size).
    translate : float or (float, float)
        Maximum shift as a fraction of the width and of the height.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
        Border handling (see :func:`affine_warp`).
    cval : float, default 0.0
        Value outside the image for ``mode="constant"``.
    """

    kind = "geometry"

    def __init__(self, rotation=15.0, shear=0.0, scale=1.0, translate=0.0, mode="constant",
                 cval=0.0):
        self.rotation = _range(rotation, "rotation")
        self.shear = _range(shear, "shear")
        if max(abs(self.shear[0]), abs(self.shear[1])) >= 90:
            raise ValueError(f"shear must be within (-90, 90) degrees, got {shear!r}")
        self.scale = _range(scale, "scale", symmetric=False, low=0)
        if self.scale[0] <= 0:
            raise ValueError(f"scale must be > 0, got {scale!r}")
        tr = translate if isinstance(translate, (tuple, list)) else (translate, translate)
        if len(tr) != 2:
            raise TypeError(f"translate must be a number or a pair (tx, ty), got {translate!r}")
        self.translate = tuple(check_scalar(t, f"translate[{k}]", low=0, high=1)
                               for k, t in enumerate(tr))
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode

    def _config(self):
        return {"rotation": self.rotation, "shear": self.shear, "scale": self.scale,
                "translate": self.translate, "mode": self.mode, "cval": self.cval}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        th = rng.uniform(*self.rotation, size=m)
        ph = rng.uniform(*self.shear, size=m)
        s = rng.uniform(*self.scale, size=m)
        u = rng.uniform(-1.0, 1.0, size=(m, 2))
        t = u * np.array([self.translate[0] * n_W, self.translate[1] * n_H])
        M = affine_matrix(rotation=th, shear=ph, scale=s, translate=t, center=_center(n_H, n_W))
        return _Geometry(np.linalg.inv(M), (n_H, n_W), self.mode, self.cval)


class ElasticWarp(_Transform):
    r"""Elastic local warping from a smoothed random displacement field (augmentation 3).

    .. math::

        X'_i = \operatorname{warp}\bigl(X_i,\; \alpha\, G_\sigma * U_i\bigr), \qquad
        U_i \sim U(-1, 1)^{n_H \times n_W \times 2}

    (see :func:`elastic_displacement` and :func:`displacement_warp`).

    Parameters
    ----------
    alpha : float
        Strength in pixels.
    sigma : float
        Smoothness in pixels.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
        Border handling (see :func:`affine_warp`).
    cval : float, default 0.0
        Value outside the image for ``mode="constant"``.
    p : float
        Probability of warping each image.
    """

    kind = "geometry"

    def __init__(self, alpha=34.0, sigma=4.0, mode="constant", cval=0.0, p=1.0):
        self.alpha = check_scalar(alpha, "alpha", low=0)
        self.sigma = check_scalar(sigma, "sigma", low=0, low_inclusive=False)
        _, self.cval = _check_mode(mode, cval)
        self.mode = mode
        self.p = _check_p(p)

    def _config(self):
        return {"alpha": self.alpha, "sigma": self.sigma, "mode": self.mode, "cval": self.cval,
                "p": self.p}

    def _plan(self, rng, shape):
        m, n_H, n_W, _ = shape
        apply = _apply_mask(rng, m, self.p)
        D = elastic_displacement((m, n_H, n_W), self.alpha, self.sigma, rng=rng)
        D[~apply] = 0.0
        return _Geometry(np.broadcast_to(np.eye(3), (m, 3, 3)), (n_H, n_W), self.mode,
                         self.cval, disp=D)


class ChannelShift(_Transform):
    r"""Add a random offset to each colour channel of each image (the notes' augmentation 4).

    .. math::

        X'[i, y, x, c] = X[i, y, x, c] + o_{ic}, \qquad o_{ic} \sim U(-\delta_c, \delta_c)

    Parameters
    ----------
    shift : float or sequence of float
        :math:`\delta`, one for all channels or one per channel.
    p : float
        Probability of shifting each image.
    """

    kind = "colour"

    def __init__(self, shift=0.1, p=1.0):
        arr = np.atleast_1d(np.asarray(shift, dtype=np.float64))
        if arr.ndim != 1 or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(f"shift must be a number >= 0 or a sequence of them, got {shift!r}")
        self.shift = arr
        self.p = _check_p(p)

    def _config(self):
        return {"shift": self.shift.tolist(), "p": self.p}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        if self.shift.size not in (1, C):
            raise ValueError(f"shift has {self.shift.size} values for images with n_C = {C} "
                             f"channels")
        apply = _apply_mask(rng, m, self.p)
        o = rng.uniform(-1.0, 1.0, size=(m, C)) * self.shift * apply[:, None]
        return _Colour(np.ones((m, C)), o)


class PCAColour(_Transform):
    r"""AlexNet's PCA colour augmentation (Krizhevsky et al., 2012; the notes' augmentation 4).

    .. math::

        X'[i, y, x, :] = X[i, y, x, :] + P\,(\alpha_{i1}\lambda_1, \dots,
        \alpha_{i n_C}\lambda_{n_C})^\top, \qquad \alpha_{ik} \sim \mathcal N(0, \sigma^2)

    with :math:`P, \lambda` the eigenvectors and eigenvalues of the training set's channel
    covariance (:func:`pca_colour_basis`; build the transform with :meth:`fit`).

    Parameters
    ----------
    eigenvalues : array_like, shape (n_C,)
    eigenvectors : array_like, shape (n_C, n_C)
    std : float
        :math:`\sigma` (0.1 in the paper).
    """

    kind = "colour"

    def __init__(self, eigenvalues, eigenvectors, std=0.1):
        self.eigenvalues, self.eigenvectors = _check_basis(eigenvalues, eigenvectors)
        self.std = check_scalar(std, "std", low=0)

    @classmethod
    def fit(cls, X_train, std=0.1):
        r"""Build the transform from a training set's colours: :math:`\Sigma = P\Lambda P^\top`.

        .. math::

            (\lambda, P) = \operatorname{eig}\bigl(\operatorname{cov}(X_{train}\text{ pixels})\bigr)

        Parameters
        ----------
        X_train : ndarray of float32 or float64, shape (m, n_H, n_W, n_C)
            The training images.
        std : float, default 0.1
            Standard deviation of the :math:`\alpha` draws (the paper's 0.1).

        Returns
        -------
        PCAColour
            The transform with the eigenvalues and eigenvectors of :func:`pca_colour_basis`.
        """
        lam, vec = pca_colour_basis(X_train)
        return cls(lam, vec, std=std)

    def _config(self):
        return {"eigenvalues": self.eigenvalues.tolist(),
                "eigenvectors": self.eigenvectors.tolist(), "std": self.std}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        if C != self.eigenvalues.shape[0]:
            raise ValueError(f"PCAColour was fitted on {self.eigenvalues.shape[0]} channels, "
                             f"the images have n_C = {C}")
        a = rng.normal(0.0, self.std, size=(m, C)) if self.std > 0 else np.zeros((m, C))
        return _Colour(np.ones((m, C)), _pca_offsets(a, self.eigenvalues, self.eigenvectors))


class BrightnessContrast(_Transform):
    r"""Random brightness and contrast per image (colour augmentation, family 4).

    .. math::

        X'_i = \alpha_i (X_i - \mu_i) + \mu_i + \beta_i, \qquad
        \beta_i \sim U(\beta_{lo}, \beta_{hi}),\; \alpha_i \sim U(\alpha_{lo}, \alpha_{hi})

    with :math:`\mu_i` the mean of image :math:`i` (see :func:`brightness_contrast`).

    Parameters
    ----------
    brightness : float or (float, float)
        ``b`` means :math:`\beta \sim U(-b, b)`.
    contrast : float or (float, float)
        ``c`` means :math:`\alpha \sim U(1 - c, 1 + c)`; :math:`\alpha \ge 0`.
    p : float
        Probability of changing each image.
    """

    kind = "colour"

    def __init__(self, brightness=0.2, contrast=0.2, p=1.0):
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast", center=1.0)
        if self.contrast[0] < 0:
            raise ValueError(f"contrast must keep the factor >= 0 (a number <= 1 or a pair of "
                             f"numbers >= 0), got {contrast!r}")
        self.p = _check_p(p)

    def _config(self):
        return {"brightness": self.brightness, "contrast": self.contrast, "p": self.p}

    def _plan(self, rng, shape):
        m, _, _, C = shape
        apply = _apply_mask(rng, m, self.p)
        beta = np.where(apply, rng.uniform(*self.brightness, size=m), 0.0)
        alpha = np.where(apply, rng.uniform(*self.contrast, size=m), 1.0)
        return _Colour(np.repeat(alpha[:, None], C, 1), np.repeat(beta[:, None], C, 1),
                       np.repeat((1.0 - alpha)[:, None], C, 1))
