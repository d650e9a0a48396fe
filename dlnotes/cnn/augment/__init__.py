r"""Data augmentation for image batches (the notes' CNN section, "Data augmentation").

The notes list four families of augmentation for small-data computer vision:

1. **mirroring**: :func:`flip`, :class:`RandomFlip`;
2. **random cropping**: :func:`crop`, :class:`RandomCrop` (with padding, as used for small
   images) and :func:`resized_crop`, :class:`RandomResizedCrop`;
3. **rotation, shearing, local warping**: :func:`affine_warp`, :func:`rotate`,
   :class:`RandomAffine` (rotation, shear, scale, translation) and :func:`displacement_warp`,
   :func:`elastic_warp`, :class:`ElasticWarp` (a smoothed random displacement field);
4. **colour shifting**: :func:`channel_shift`, :class:`ChannelShift`, AlexNet's PCA colour
   augmentation (:func:`pca_colour_basis`, :func:`pca_colour`, :class:`PCAColour`) and
   :func:`brightness_contrast`, :class:`BrightnessContrast`.

Images are batches ``X.shape == (m, n_H, n_W, n_C)`` of float32 or float64 values; every
function returns a new array of the input's dtype.  Randomness comes from an explicit
:class:`numpy.random.Generator` (``rng=``) or a ``seed=``.

**Coordinates.** Pixel centres sit at integer coordinates, :math:`x` is the column and
:math:`y` the row (scikit-image's convention).  A geometric transform is given by its forward
map from input to output coordinates; the output is computed backwards: output pixel
:math:`(x, y)` takes the bilinear interpolation of the input at :math:`M^{-1}(x, y)`.
Neighbours outside the image follow the border ``mode``: ``"constant"`` (``cval``),
``"edge"`` (nearest edge pixel), ``"reflect"`` (mirror about the edge pixel: *d c b | a b c d |
c b a*), ``"symmetric"`` (edge pixel repeated: *c b a | a b c d | d c b*) or ``"wrap"``;
the same rules as :func:`skimage.transform.warp`, which the tests use as the oracle.

**Pipelines.** :class:`Compose` chains transforms and is the hook for training loops:
``X_batch = augment(X_batch, rng)`` returns a new, augmented batch.  It runs consecutive
geometric transforms as *one* resampling (their inverse maps multiplied), and a colour
transform that follows folds into the same pass: one interpolation instead of several, so it
is faster and blurs less.  ``Compose(..., fuse=False)`` applies the transforms one by one;
both consume the same random numbers, and agree except near the borders of intermediate
images (a fused pipeline still sees pixels that an intermediate crop would have cut away).

The resampling runs in the compiled kernel ``dlnotes._kernels.augment`` (threads over the
rows of all the images of the batch).
"""
# MAX_DISPLACEMENT (the limit of displacement_warp) stays importable from here
from dlnotes.cnn.augment._common import MAX_DISPLACEMENT, MODES  # noqa: F401
from dlnotes.cnn.augment._geometric import (affine_matrix, affine_warp, crop,
                                            displacement_warp, elastic_displacement,
                                            elastic_warp, flip, resized_crop, rotate)
from dlnotes.cnn.augment._photometric import (brightness_contrast, channel_shift, pca_colour,
                                              pca_colour_basis)
from dlnotes.cnn.augment._pipeline import Compose
from dlnotes.cnn.augment._transforms import (BrightnessContrast, ChannelShift, ElasticWarp,
                                             PCAColour, RandomAffine, RandomCrop, RandomFlip,
                                             RandomResizedCrop)

__all__ = ["MODES", "flip", "crop", "resized_crop", "affine_matrix", "affine_warp", "rotate",
           "displacement_warp", "elastic_displacement", "elastic_warp", "channel_shift",
           "brightness_contrast", "pca_colour_basis", "pca_colour",
           "RandomFlip", "RandomCrop", "RandomResizedCrop", "RandomAffine", "ElasticWarp",
           "ChannelShift", "PCAColour", "BrightnessContrast", "Compose"]
