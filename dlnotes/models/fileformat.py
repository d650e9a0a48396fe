r"""The single-file ``.npz`` format of :meth:`dlnotes.models.model.Model.save`.

One ``np.savez`` archive, read with ``allow_pickle=False``:

``__format__``
    the string ``"dlnotes.Model"``;
``__version__``
    an integer scalar: 2 (1, the first format, is still read);
``architecture``
    one JSON string: ``{"loss", "batch_axis", "network", "epochs_trained", "optimizer"}``,
    ``network`` being :func:`~dlnotes.layers.serialization.serialize_layer`'s description;
``param/<name>``
    every parameter under its :meth:`~dlnotes.layers.Layer.named_parameters` name;
``buffer/<name>``
    every buffer under its ``named_buffers()`` name
    (batch norm's running statistics; none for networks without batch norm);
``optim/<slot>:<name>``, ``optim/t``, ``optim/epoch``
    the optimizer's :meth:`~dlnotes.optim.optimizers.Optimizer.state_dict`.

Version 1 named parameters ``"<leaf index>.<name>"`` (the position of the layer
among the network's leaves) and kept a container's children in ``"layers"``
instead of ``"config"``; :func:`parse_model_file` renames them.  Everything read
is validated before a model changes (:class:`ModelFileError` otherwise).
"""
from __future__ import annotations

import json
import os
import tempfile
import types
import zipfile

import numpy as np

from dlnotes.layers.base import deserialize_layer, serialize_layer
from dlnotes.nn.losses import LOSSES as _LOSS_FUNCTIONS
from dlnotes.optim.optimizers import get_optimizer

__all__ = ["ModelFileError", "FORMAT_NAME", "FORMAT_VERSION", "parse_model_file",
           "build_network", "write_model_file", "check_and_copy_params",
           "restore_optimizer"]

FORMAT_NAME = "dlnotes.Model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
LOSSES = tuple(_LOSS_FUNCTIONS)  # the names of dlnotes.nn.losses.LOSSES


class ModelFileError(ValueError):
    """A file is not a readable dlnotes model (corrupt, truncated, foreign, or mismatched)."""


def _read_npz(path):
    """All arrays of an ``.npz`` as a dict, or :class:`ModelFileError`."""
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, MemoryError) as exc:
        raise ModelFileError(f"{path}: not a readable dlnotes model file "
                             f"({type(exc).__name__}: {exc})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path}: not a dlnotes model file (a single .npy array, not an "
                             ".npz archive)")
    try:
        with f:
            return {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, MemoryError) as exc:
        raise ModelFileError(f"{path}: not a readable dlnotes model file "
                             f"({type(exc).__name__}: {exc})") from None


def parse_model_file(path):
    """Read and check a model file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    types.SimpleNamespace
        ``path``, ``version``, ``arch``, ``network``, ``loss``, ``batch_axis``,
        ``params`` and ``optim``.

    Raises
    ------
    ModelFileError
    """
    data = _read_npz(path)
    fmt = data.get("__format__")
    if fmt is None or fmt.shape != () or str(fmt) != FORMAT_NAME:
        raise ModelFileError(f"{path}: not a dlnotes model file (no '__format__' = "
                             f"{FORMAT_NAME!r} entry; entries: {sorted(data)[:8]})")
    version = data.get("__version__")
    if version is None or version.shape != () or version.dtype.kind not in "iu" \
            or int(version) not in READABLE_VERSIONS:
        raise ModelFileError(f"{path}: unsupported dlnotes model file version "
                             f"{str(version)[:40]} (this dlnotes reads versions "
                             f"{READABLE_VERSIONS}, stored as an integer scalar)")
    arch_arr = data.get("architecture")
    if arch_arr is None or arch_arr.shape != (1,) or arch_arr.dtype.kind != "U":
        raise ModelFileError(f"{path}: corrupt architecture entry (expected one JSON string)")
    try:
        arch = json.loads(str(arch_arr[0]))
    except RecursionError:
        raise ModelFileError(f"{path}: corrupt architecture entry (nested too deeply)") from None
    except ValueError as exc:
        raise ModelFileError(f"{path}: corrupt architecture entry ({exc})") from None
    if not isinstance(arch, dict) or not {"network", "loss", "batch_axis"} <= set(arch):
        raise ModelFileError(f"{path}: corrupt architecture entry (needs a JSON object with "
                             "'network', 'loss' and 'batch_axis')")
    net_desc, loss, batch_axis = arch["network"], arch["loss"], arch["batch_axis"]
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ModelFileError(f"{path}: unknown loss {str(loss)[:40]!r}")
    if isinstance(batch_axis, bool) or not isinstance(batch_axis, int):
        raise ModelFileError(f"{path}: batch_axis must be an integer, got {batch_axis!r}")
    epochs = arch.get("epochs_trained", 0)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ModelFileError(f"{path}: epochs_trained must be a non-negative integer, got "
                             f"{str(epochs)[:40]}")
    opt_cfg = arch.get("optimizer")
    if opt_cfg is not None and not isinstance(opt_cfg, dict):
        raise ModelFileError(f"{path}: the optimizer entry must be a JSON object")
    params = {k[len("param/"):]: v for k, v in data.items() if k.startswith("param/")}
    optim = {k[len("optim/"):]: v for k, v in data.items() if k.startswith("optim/")}
    buffers = {k[len("buffer/"):]: v for k, v in data.items() if k.startswith("buffer/")}
    return types.SimpleNamespace(path=path, version=int(version), arch=arch, network=net_desc,
                                 loss=loss, batch_axis=batch_axis, params=params, optim=optim,
                                 buffers=buffers)


def build_network(f):
    """The network a parsed file describes, its parameters not yet loaded.

    The layers may declare no more parameters than the file stores (checked
    before anything is allocated).  A version-1 file's parameter and optimizer
    names are renamed to the layers' names here.

    Parameters
    ----------
    f : types.SimpleNamespace
        :func:`parse_model_file` output.

    Returns
    -------
    Layer
    """
    stored = sum(int(a.size) for a in f.params.values())
    try:
        net = deserialize_layer(f.network, max_parameters=stored)
    except (KeyError, TypeError, ValueError, OverflowError, MemoryError,
            RecursionError) as exc:
        raise ModelFileError(f"{f.path}: cannot rebuild the network "
                             f"({type(exc).__name__}: {str(exc)[:200]})") from None
    if f.version == 1:
        _rename_version_1(f, net)
    return net


def _rename_version_1(f, net):
    """Version 1 keyed parameters by leaf index (``"3.W"``); rename them to the layers' names."""
    dotted = {id(p): name for name, p in net.named_parameters()}
    new = {}
    for i, leaf in enumerate(net.layers()):
        for k, p in leaf._params.items():
            new[f"{i}.{k}"] = dotted[id(p)]
    f.params = {new.get(k, k): v for k, v in f.params.items()}
    optim = {}
    for key, v in f.optim.items():
        slot, sep, name = key.partition(":")
        optim[f"{slot}:{new.get(name, name)}" if sep else key] = v
    f.optim = optim
    f.network = serialize_layer(net)


def write_model_file(path, config, params, optimizer_state=None, buffers=None):
    """Write one archive atomically (a temporary file renamed over ``path``).

    Parameters
    ----------
    path : str
    config : dict
        The JSON-able architecture entry.
    params : dict of str -> ndarray
        The parameters under their names.
    optimizer_state : dict, optional
        :meth:`~dlnotes.optim.optimizers.Optimizer.state_dict` output.
    buffers : dict of str -> ndarray, optional
        The network's buffers (batch-norm running statistics) under their names.

    Returns
    -------
    str
        ``path``.
    """
    arrays = {"__format__": np.array(FORMAT_NAME), "__version__": np.array(FORMAT_VERSION),
              "architecture": np.array([json.dumps(config)])}
    for k, v in params.items():
        arrays["param/" + k] = v
    for k, v in (buffers or {}).items():
        arrays["buffer/" + k] = v
    for k, v in (optimizer_state or {}).items():
        arrays["optim/" + k] = v
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _fits(a, dtype):
    """True if the finite float array ``a`` stays finite when cast to ``dtype``."""
    return a.size == 0 or float(np.max(np.abs(a))) <= float(np.finfo(dtype).max)


def check_and_copy_params(path, target, arrays, what="parameter", copy=True):
    """Validate every array against ``target`` first, then copy in place (all or nothing).

    Parameters
    ----------
    path : str
        For the error messages.
    target : dict of str -> ndarray
        The model's live parameters (or buffers).
    arrays : dict of str -> ndarray
        The file's parameters (or buffers).
    what : str
        What the entries are, for the messages (``"parameter"``, ``"buffer"``).
    copy : bool
        False only validates.
    """
    if set(arrays) != set(target):
        missing = sorted(set(target) - set(arrays))
        extra = sorted(set(arrays) - set(target))
        raise ModelFileError(f"{path}: {what}s do not match the architecture "
                             f"(missing {missing}, unexpected {extra})")
    for k, p in target.items():
        a = arrays[k]
        if a.shape != p.shape or a.dtype.kind != "f":
            raise ModelFileError(f"{path}: {what} {k!r} has shape {a.shape} dtype {a.dtype}, "
                                 f"expected {p.shape} {p.dtype}")
        if not np.isfinite(a).all() or not _fits(a, p.dtype):
            raise ModelFileError(f"{path}: {what} {k!r} contains NaN or infinity (or "
                                 f"values beyond the range of {p.dtype})")
    if copy:
        for k, p in target.items():
            np.copyto(p, arrays[k], casting="same_kind")


def restore_optimizer(path, cfg, state, params):
    """The stored optimizer with its state checked against ``params``; changes nothing.

    Parameters
    ----------
    path : str
        For the error messages.
    cfg : dict or None
        The stored optimizer configuration.
    state : dict
        The stored ``optim/`` arrays.
    params : dict of str -> ndarray
        The model's parameters.

    Returns
    -------
    Optimizer or None
        None when the file holds none, or a schedule that is not rebuilt.
    """
    if not cfg or not state:
        return None
    cfg = dict(cfg)
    name = str(cfg.pop("class", "")).lower()
    if not isinstance(cfg.get("learning_rate"), (int, float)):
        return None  # a schedule object is not rebuilt; the caller passes a new optimizer
    try:
        opt = get_optimizer(name, **cfg)
        opt.load_state_dict(state)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ModelFileError(f"{path}: bad optimizer state ({exc})") from None
    for pname, slots in opt.state.items():
        if pname not in params:
            raise ModelFileError(f"{path}: optimizer state for unknown parameter {pname!r}")
        p = params[pname]
        for slot, arr in slots.items():
            if arr.shape != p.shape:
                raise ModelFileError(f"{path}: optimizer state {slot}:{pname} has shape "
                                     f"{arr.shape}, expected {p.shape}")
            if not np.isfinite(arr).all() or not _fits(arr, p.dtype):
                raise ModelFileError(f"{path}: optimizer state {slot}:{pname} contains "
                                     f"NaN or infinity (in {p.dtype})")
            slots[slot] = arr.astype(p.dtype, copy=False)
    return opt


def save_model(model, path, include_optimizer=True):
    """:meth:`~dlnotes.models.model.Model.save`: ``model``'s configuration, parameters,
    buffers (and optimizer state) to ``path`` (``".npz"`` appended if missing); returns the
    path written."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    state = model.optimizer.state_dict() if include_optimizer and model.optimizer else None
    return write_model_file(path, model.get_config(), model.params, state,
                            buffers=dict(model.network.named_buffers()))


def restore_model(model, f):
    """Copy a parsed file's parameters, buffers, optimizer and epoch count into ``model``,
    all checked before anything is copied; returns ``model``."""
    params = model.params
    buffers = dict(model.network.named_buffers())
    opt = restore_optimizer(f.path, f.arch.get("optimizer"), f.optim, params)
    check_and_copy_params(f.path, buffers, f.buffers, "buffer", copy=False)
    check_and_copy_params(f.path, params, f.params)
    check_and_copy_params(f.path, buffers, f.buffers, "buffer")
    model.epochs_trained = f.arch.get("epochs_trained", 0)
    if opt is not None:
        model.optimizer = opt
    return model


def load_weights_into(model, path):
    """:meth:`~dlnotes.models.model.Model.load_weights`: the file's architecture must equal
    ``model``'s; returns ``model``."""
    f = parse_model_file(path)
    if f.version != FORMAT_VERSION:
        build_network(f)  # renames a former version's entries
    if f.network != serialize_layer(model.network):
        raise ModelFileError(f"{path}: the stored architecture differs from this model's")
    return restore_model(model, f)
