r"""The augmentation pipeline: :class:`Compose` plans the random transforms' steps and runs
consecutive ones as one pass of the compiled kernels.
"""
from __future__ import annotations

import numpy as np

from dlnotes._validation import as_rng
from dlnotes.cnn.augment._common import (_MODE_CODE, _check_clip, _check_images, _colour,
                                         _sample)


class _Geometry:
    """A planned geometric step: inverse maps T (m, 3, 3), output size, border, displacement.

    ``mode=None`` marks a step that (almost) never samples outside its input (mirrors,
    resized crops inside the image): fused with others it adopts their border mode, alone it
    runs with ``fallback``.
    """

    def __init__(self, T, out_hw, mode, cval, disp=None, fallback="constant"):
        self.T, self.out_hw, self.mode, self.cval, self.disp = T, out_hw, mode, cval, disp
        self.fallback = fallback


class _Colour:
    r"""A planned colour step :math:`x'_c = g_c x_c + o_c + k_c \bar\mu` (all (m, C))."""

    def __init__(self, gain, offset, mean_coef=None):
        self.gain, self.offset, self.mean_coef = gain, offset, mean_coef


class _Transform:
    """Base of the random transforms: ``t(X, rng)`` applies one transform (see :class:`Compose`)."""

    def __call__(self, X, rng=None, seed=None):
        return Compose([self])(X, rng=rng if rng is not None else as_rng(seed=seed))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"


def _merge_colour(steps, mu):
    """Fold colour steps into one (gain, offset), given the per-channel means mu (m, C) or None."""
    gain = np.ones_like(steps[0].gain)
    offset = np.zeros_like(steps[0].offset)
    for st in steps:
        extra = 0.0
        if st.mean_coef is not None:
            # the overall mean of the current image: mean over channels of g*mu + o
            cur = gain * mu + offset
            extra = st.mean_coef * cur.mean(axis=1, keepdims=True)
        gain, offset = st.gain * gain, st.gain * offset + st.offset + extra
    return gain, offset


class Compose:
    r"""A reproducible augmentation pipeline: the transforms applied in order.

    .. math::

        X' = f_k\bigl(\cdots f_2(f_1(X; \xi_1); \xi_2) \cdots; \xi_k\bigr), \qquad
        \xi_j \text{ drawn from one generator, in order}

    Calling the pipeline on a batch returns a new augmented batch; this is the hook a training
    loop calls once per mini-batch (new random draws each time, so every epoch sees new
    samples), and skips at evaluation::

        augment = Compose([RandomCrop(32, padding=4), RandomFlip(), RandomAffine(10),
                           ChannelShift(0.05)], seed=0)
        for X_batch, Y_batch in batches:
            X_batch = augment(X_batch)              # or augment(X_batch, rng)

    Consecutive geometric transforms with the same border mode run as one bilinear
    resampling (their inverse maps multiplied, an elastic warp only as the last of a run;
    mirrors and resized crops adopt the border mode of the transforms they join), and colour
    transforms that follow fold into that pass (a contrast change needs the image mean, so it
    runs as a second, element-wise pass); ``fuse=False`` applies every transform separately.

    Parameters
    ----------
    transforms : sequence
        :class:`RandomFlip`, :class:`RandomCrop`, :class:`RandomResizedCrop`,
        :class:`RandomAffine`, :class:`ElasticWarp`, :class:`ChannelShift`,
        :class:`PCAColour`, :class:`BrightnessContrast`.
    seed : int, optional
        Seed of the pipeline's own generator (used when a call passes no ``rng``); two
        pipelines with the same seed produce the same batches.
    rng : numpy.random.Generator, optional
        The pipeline's generator, instead of ``seed``.
    clip : (float, float), optional
        Clip the output to ``[low, high]`` (e.g. ``(0, 1)`` for images in that range).
    fuse : bool
        Run consecutive transforms in one pass (default) or one by one.
    """

    def __init__(self, transforms, seed=None, rng=None, clip=None, fuse=True):
        transforms = list(transforms)
        for k, t in enumerate(transforms):
            if not isinstance(t, _Transform):
                raise TypeError(f"transforms[{k}] must be a dlnotes augmentation transform, "
                                f"got {type(t).__name__}")
        self.transforms = transforms
        self.rng = as_rng(rng, seed)
        self.clip = _check_clip(clip)
        self.fuse = bool(fuse)

    def __repr__(self):
        inner = ", ".join(repr(t) for t in self.transforms)
        return f"Compose([{inner}], clip={self.clip!r}, fuse={self.fuse})"

    def __call__(self, X, rng=None):
        """Augment the batch ``X`` (m, n_H, n_W, n_C); returns a new array.

        Parameters
        ----------
        X : ndarray of float32 or float64, shape (m, n_H, n_W, n_C)
            The batch.
        rng : numpy.random.Generator, optional
            Source of the random draws (default: the pipeline's own generator).

        Returns
        -------
        ndarray, shape (m, h, w, n_C), dtype of ``X``
            The augmented batch (``h, w`` from the last crop, else ``n_H, n_W``).
        """
        X = _check_images(X)
        rng = self.rng if rng is None else as_rng(rng)
        shape = X.shape
        steps = []
        for t in self.transforms:
            st = t._plan(rng, shape)
            steps.append(st)
            if isinstance(st, _Geometry):
                shape = (shape[0],) + tuple(st.out_hw) + (shape[3],)
        return self._run(X, steps)

    # -- execution -------------------------------------------------------------------------
    def _groups(self, steps):
        """Split the steps into runs that one kernel call can execute."""
        groups, k = [], 0
        while k < len(steps):
            geo, col = [], []
            if self.fuse:
                border = None
                while k < len(steps) and isinstance(steps[k], _Geometry):
                    st = steps[k]
                    if geo and geo[-1].disp is not None:
                        break
                    if st.mode is not None:
                        if border is not None and (st.mode, st.cval) != border:
                            break
                        border = (st.mode, st.cval)
                    geo.append(st)
                    k += 1
                while k < len(steps) and isinstance(steps[k], _Colour):
                    col.append(steps[k])
                    k += 1
            else:
                (geo if isinstance(steps[k], _Geometry) else col).append(steps[k])
                k += 1
            groups.append((geo, col))
        return groups

    def _run(self, X, steps):
        groups = self._groups(steps)
        if not groups:
            out = X.copy()
            return out if self.clip is None else np.clip(out, *self.clip, out=out)
        for n, (geo, col) in enumerate(groups):
            clip = self.clip if n == len(groups) - 1 else None
            needs_mean = any(st.mean_coef is not None for st in col)
            if geo:
                T = geo[0].T
                for st in geo[1:]:
                    T = T @ st.T
                last = geo[-1]
                border = next(((st.mode, st.cval) for st in geo if st.mode is not None),
                              (geo[0].fallback, 0.0))
                code, cval = _MODE_CODE[border[0]], border[1]
                if col and not needs_mean:
                    gain, offset = _merge_colour(col, None)
                    X = _sample(X, T, last.out_hw, code, cval, disp=last.disp, gain=gain,
                                offset=offset, clip=clip)
                    continue
                X = _sample(X, T, last.out_hw, code, cval, disp=last.disp,
                            clip=None if col else clip)
                if not col:
                    continue
                mu = X.mean(axis=(1, 2), dtype=np.float64)
                gain, offset = _merge_colour(col, mu)
                X = _colour(X, gain, offset, clip, out=X)
            else:
                mu = X.mean(axis=(1, 2), dtype=np.float64) if needs_mean else None
                gain, offset = _merge_colour(col, mu)
                X = _colour(X, gain, offset, clip)
        return X
