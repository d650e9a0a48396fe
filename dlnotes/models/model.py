r"""A small training container: :class:`Model` with ``fit``/``evaluate``/``predict``,
a :class:`History`, early stopping, learning curves and single-file ``.npz`` saving.

The model is generic over :class:`~dlnotes.layers.base.Layer` objects: any layer (or
container) whose ``forward(X, training)`` maps a batch of inputs to outputs of
shape ``(n_y, m)`` and whose ``backward(dY)`` fills ``grads`` can be trained.
Inputs carry the examples along ``batch_axis`` (-1 for dense ``(n_x, m)``
data, 0 for images ``(m, n_H, n_W, n_C)``); labels are always ``(n_y, m)``.

The network outputs *logits*; the loss adds the output activation:

- ``"softmax_cross_entropy"``: softmax + categorical cross-entropy; ``predict`` gives
  softmax probabilities;
- ``"sigmoid_cross_entropy"``: sigmoid + binary cross-entropy; ``predict`` gives sigmoid
  probabilities;
- ``"mse"``: :math:`\frac{1}{2m}\sum_i\lVert a^{(i)}-y^{(i)}\rVert^2`; ``predict`` gives the
  raw outputs.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
import zipfile

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_float_array, check_scalar
from dlnotes.layers.base import (Layer, Sequential, deserialize_layer, register_layer,
                                 serialize_layer)
from dlnotes.optim.minibatch import mini_batch_indices
from dlnotes.optim.optimizers import get_optimizer, layer_params_and_grads

from dlnotes.nn.losses import LOSSES as _LOSS_FUNCTIONS

__all__ = ["Model", "History", "EarlyStopping", "ModelFileError", "plot_learning_curves",
           "register_layer", "serialize_layer", "deserialize_layer"]

FORMAT_NAME = "dlnotes.Model"
FORMAT_VERSION = 1
LOSSES = tuple(_LOSS_FUNCTIONS)  # the names of dlnotes.nn.losses.LOSSES


class ModelFileError(ValueError):
    """A file is not a readable dlnotes model (corrupt, truncated, foreign, or mismatched)."""


# ----------------------------------------------------------------------------------------
# losses and metrics
def _loss_fn(loss):
    return _LOSS_FUNCTIONS[loss]


def _output(loss, Z):
    from dlnotes.nn.activations import sigmoid, softmax

    if loss == "softmax_cross_entropy":
        return softmax(Z, axis=0)
    if loss == "sigmoid_cross_entropy":
        return sigmoid(Z)
    return Z


def _n_correct(loss, Z, Y):
    """Number of correct predictions in a batch (None for mse)."""
    if loss == "softmax_cross_entropy":
        return int(np.sum(np.argmax(Z, axis=0) == np.argmax(Y, axis=0))), Z.shape[1]
    if loss == "sigmoid_cross_entropy":
        return int(np.sum((Z > 0) == (Y > 0.5))), Z.size
    return None, None


# ----------------------------------------------------------------------------------------
# history, early stopping
class History(dict):
    """Per-epoch lists: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``.

    A plain ``dict`` (``history["val_loss"][-1]``) with :attr:`epochs` and
    :meth:`best` helpers.  ``loss``/``accuracy`` are the example-weighted means
    over the epoch's mini-batches (computed during training, with dropout on);
    ``val_*`` are computed after the epoch with ``training=False``.
    """

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def append(self, logs):
        for k, v in logs.items():
            self.setdefault(k, []).append(v)

    def best(self, monitor="val_loss"):
        """(1-based epoch, value) of the best ``monitor`` value (min for losses, max otherwise)."""
        vals = self[monitor]
        fn = np.nanargmin if "loss" in monitor else np.nanargmax
        i = int(fn(vals))
        return i + 1, vals[i]


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default ``"val_loss"`` (``"loss"`` when there is no validation data)
    patience : int, ``>= 0``
    min_delta : float, ``>= 0``
        An improvement must exceed this.
    restore_best : bool, default True
        Copy the best epoch's parameters back (in place) at the end.
    mode : {"auto", "min", "max"}
        ``auto``: minimise losses, maximise anything else.
    """

    def __init__(self, monitor=None, patience=5, min_delta=0.0, restore_best=True, mode="auto"):
        self.monitor = monitor
        self.patience = check_scalar(patience, "patience", low=0, integer=True)
        self.min_delta = check_scalar(min_delta, "min_delta", low=0.0)
        self.restore_best = bool(restore_best)
        self.mode = check_choice(mode, "mode", ("auto", "min", "max"))
        self.reset()

    def reset(self):
        self.best = None
        self.best_epoch = None
        self.wait = 0
        self.best_params = None
        self.stopped_epoch = None

    def _better(self, value):
        sign = -1 if self._mode == "min" else 1
        return self.best is None or sign * (value - self.best) > self.min_delta

    def start(self, has_validation):
        if self.monitor is None:
            self.monitor = "val_loss" if has_validation else "loss"
        if str(self.monitor).startswith("val_") and not has_validation:
            raise ValueError(f"early stopping monitors {self.monitor!r}, which needs "
                             "validation_data")
        self._mode = self.mode if self.mode != "auto" else (
            "min" if "loss" in self.monitor else "max")
        self.reset()

    def update(self, epoch, logs, params):
        """Record an epoch; return True to stop."""
        if self.monitor not in logs or logs[self.monitor] is None:
            raise ValueError(f"early stopping monitors {self.monitor!r}, which is not in the "
                             f"epoch logs {sorted(logs)}")
        value = logs[self.monitor]
        if self._better(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_params = {k: v.copy() for k, v in params.items()}
            return False
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            return True
        return False


def _as_early_stopping(early_stopping):
    if early_stopping is None or early_stopping is False:
        return None
    if isinstance(early_stopping, EarlyStopping):
        return early_stopping
    if isinstance(early_stopping, dict):
        return EarlyStopping(**early_stopping)
    if isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
        return EarlyStopping(patience=early_stopping)
    raise TypeError("early_stopping must be None, an EarlyStopping, a dict of its arguments or "
                    f"an integer patience, got {early_stopping!r}")


# ----------------------------------------------------------------------------------------
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


def _parse_model_file(path):
    data = _read_npz(path)
    fmt = data.get("__format__")
    if fmt is None or fmt.shape != () or str(fmt) != FORMAT_NAME:
        raise ModelFileError(f"{path}: not a dlnotes model file (no '__format__' = "
                             f"{FORMAT_NAME!r} entry; entries: {sorted(data)[:8]})")
    version = data.get("__version__")
    if version is None or version.shape != () or version.dtype.kind not in "iu" \
            or int(version) != FORMAT_VERSION:
        raise ModelFileError(f"{path}: unsupported dlnotes model file version "
                             f"{str(version)[:40]} (this dlnotes reads version "
                             f"{FORMAT_VERSION}, stored as an integer scalar)")
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
    return arch, net_desc, loss, batch_axis, params, optim


def _fits(a, dtype):
    """True if the finite float array ``a`` stays finite when cast to ``dtype``."""
    return a.size == 0 or float(np.max(np.abs(a))) <= float(np.finfo(dtype).max)


def _check_and_copy_params(path, target, arrays):
    """Validate every array against ``target`` first, then copy in place (all or nothing)."""
    if set(arrays) != set(target):
        missing = sorted(set(target) - set(arrays))
        extra = sorted(set(arrays) - set(target))
        raise ModelFileError(f"{path}: parameters do not match the architecture "
                             f"(missing {missing}, unexpected {extra})")
    for k, p in target.items():
        a = arrays[k]
        if a.shape != p.shape or a.dtype.kind != "f":
            raise ModelFileError(f"{path}: parameter {k!r} has shape {a.shape} dtype {a.dtype}, "
                                 f"expected {p.shape} {p.dtype}")
        if not np.isfinite(a).all() or not _fits(a, p.dtype):
            raise ModelFileError(f"{path}: parameter {k!r} contains NaN or infinity (or "
                                 f"values beyond the range of {p.dtype})")
    for k, p in target.items():
        np.copyto(p, arrays[k], casting="same_kind")


class Model:
    r"""Train any :class:`~dlnotes.layers.base.Layer` network with mini-batch optimisation.

    Parameters
    ----------
    layers : Layer or list of Layer
        A layer or container (used as is) or a list (wrapped in a
        :class:`~dlnotes.layers.base.Sequential`).  The network outputs logits of
        shape ``(n_y, m)``.
    loss : {"softmax_cross_entropy", "sigmoid_cross_entropy", "mse"}
    batch_axis : int, default -1
        The examples' axis of ``X``: -1 for ``(n_x, m)``, 0 for ``(m, n_H, n_W, n_C)``.

    Examples
    --------
    >>> from dlnotes.layers import Dense, Activation
    >>> from dlnotes.optim import Adam
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((4, 32)); Y = np.eye(2)[:, (X[0] > 0).astype(int)]
    >>> model = Model([Dense(4, 8, seed=0), Activation("relu"), Dense(8, 2, seed=1)])
    >>> h = model.fit(X, Y, epochs=3, batch_size=16, optimizer=Adam(0.01), seed=0,
    ...               progress=False)
    >>> sorted(h)
    ['accuracy', 'loss', 'lr']
    """

    def __init__(self, layers, loss="softmax_cross_entropy", batch_axis=-1):
        if isinstance(layers, Layer):
            self.network = layers
        else:
            try:
                layers = list(layers)
            except TypeError:
                raise TypeError("layers must be a Layer or a list of Layers, got "
                                f"{type(layers).__name__}") from None
            if not layers:
                raise ValueError("layers must not be empty")
            self.network = Sequential(layers)
        self.loss = check_choice(loss, "loss", LOSSES)
        self.batch_axis = check_scalar(batch_axis, "batch_axis", integer=True)
        self.optimizer = None
        self.history = None
        self.epochs_trained = 0

    # -- helpers --------------------------------------------------------------------------
    @property
    def params(self):
        """``{"<leaf index>.<name>": array}``: the live parameter arrays."""
        return layer_params_and_grads(self.network)[0] if self._has_params() else {}

    def _has_params(self):
        leaves = self.network.layers() if hasattr(self.network, "layers") else [self.network]
        return any(leaf.params for leaf in leaves)

    def _dtype(self):
        for p in self.params.values():
            return p.dtype
        return np.dtype(np.float64)

    def _check_xy(self, X, Y, name_x="X", name_y="Y"):
        X = check_float_array(X, name_x, dtype=self._dtype(), finite=True)
        if X.ndim == 0:
            raise ValueError(f"{name_x} must have a batch axis, got a scalar")
        axis = self.batch_axis
        if not -X.ndim <= axis < X.ndim:
            raise ValueError(f"batch_axis={axis} is out of range for {name_x} with shape "
                             f"{X.shape}")
        m = X.shape[axis]
        if Y is None:
            return X, None, m
        Y = np.asarray(Y)
        if Y.dtype.kind not in "fiub":
            raise TypeError(f"{name_y} must hold numbers, got dtype {Y.dtype}")
        if Y.ndim == 1:
            Y = Y.reshape(1, -1)
        if Y.ndim != 2 or Y.shape[1] != m:
            raise ValueError(f"{name_y} must have shape (n_y, m) with m = {m} examples "
                             f"(the size of {name_x} along batch_axis={axis}), got {Y.shape}")
        if Y.size and not np.isfinite(Y).all():
            raise ValueError(f"{name_y} contains NaN or infinity")
        return X, np.ascontiguousarray(Y, dtype=X.dtype), m

    def _take(self, X, idx):
        return np.take(X, idx, axis=self.batch_axis)

    def _batches(self, m, batch_size):
        if batch_size is None:
            return [np.arange(m)]
        return mini_batch_indices(m, batch_size, shuffle=False)

    # -- training -------------------------------------------------------------------------
    def train_on_batch(self, X, Y, optimizer):
        """Forward, loss, backward and one optimizer step; returns ``(cost, Z)``."""
        Z = self.network.forward(X, training=True)
        if Z.ndim != 2 or Z.shape != Y.shape:
            raise ValueError(f"the network's output must have the labels' shape (n_y, m) = "
                             f"{Y.shape}, got {Z.shape}")
        cost, dZ = _loss_fn(self.loss)(Z, Y)
        self.network.backward(dZ)
        optimizer.step_layers(self.network)
        return cost, Z

    def fit(self, X, Y, epochs=10, batch_size=64, optimizer="adam", validation_data=None,
            shuffle=True, seed=None, progress=True, early_stopping=None, callbacks=None):
        r"""Mini-batch training.

        Each epoch draws one permutation of the examples (if ``shuffle``), cuts it
        into batches of ``batch_size`` (the last may be smaller; ``None`` = the
        whole set, batch gradient descent), and for each batch runs forward,
        loss, backward and ``optimizer.step_layers``.  Before epoch ``e``
        (1-based, counted across calls) it sets ``optimizer.epoch = e`` for the
        learning-rate schedule.

        Parameters
        ----------
        X : ndarray
            Examples along ``batch_axis``.
        Y : array_like, shape (n_y, m)
            One-hot for ``softmax_cross_entropy``; 0/1 for ``sigmoid_cross_entropy``.
        epochs : int, ``>= 0``
        batch_size : int ``>= 1`` or None
        optimizer : Optimizer or str
            An :class:`~dlnotes.optim.optimizers.Optimizer` (its state is kept between
            ``fit`` calls) or a name (``"adam"``, ``"sgd"``, ...) with default
            hyperparameters.
        validation_data : tuple (X_dev, Y_dev), optional
        shuffle : bool
        seed : int, optional
            Seeds the shuffling (the network's own randomness, e.g. dropout, is
            seeded where the layer is built).
        progress : bool
            A tqdm bar per epoch showing loss and metrics.
        early_stopping : EarlyStopping, dict, int or None
            An :class:`EarlyStopping`, its keyword arguments, or a patience.
        callbacks : list of callables, optional
            ``cb(model, epoch, logs)`` after every epoch; returning True stops training.

        Returns
        -------
        History
        """
        X, Y, m = self._check_xy(X, Y)
        epochs = check_scalar(epochs, "epochs", low=0, integer=True)
        if batch_size is not None:
            batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
        opt = get_optimizer(optimizer)
        if m == 0:
            raise ValueError("X holds no examples (m = 0)")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a tuple (X_dev, Y_dev)")
            Xv, Yv, mv = self._check_xy(*validation_data, name_x="X_dev", name_y="Y_dev")
            if mv == 0:
                raise ValueError("validation_data holds no examples")
            val = (Xv, Yv)
        stopper = _as_early_stopping(early_stopping)
        if stopper is not None:
            stopper.start(val is not None)
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not callable(cb):
                raise TypeError(f"callbacks must be callables, got {cb!r}")
        rng = as_rng(seed=seed)
        tqdm = _tqdm() if progress else None

        self.optimizer = opt
        history = History()
        self.history = history
        for _ in range(epochs):
            epoch = self.epochs_trained + 1
            opt.set_epoch(epoch)
            idx = mini_batch_indices(m, m if batch_size is None else batch_size, rng=rng,
                                     shuffle=shuffle)
            bar = None
            if tqdm is not None:
                bar = tqdm(total=len(idx), desc=f"epoch {epoch}", unit="batch", leave=True,
                           dynamic_ncols=True)
            tot_cost, n_seen, n_ok, n_pred = 0.0, 0, 0, 0
            for i in idx:
                Xb, Yb = self._take(X, i), Y[:, i]
                cost, Z = self.train_on_batch(Xb, Yb, opt)
                if not math.isfinite(cost):
                    if bar is not None:
                        bar.close()
                    raise FloatingPointError(f"the cost became {cost} at epoch {epoch}; lower "
                                             "the learning rate")
                tot_cost += cost * len(i)
                n_seen += len(i)
                ok, npred = _n_correct(self.loss, Z, Yb)
                if ok is not None:
                    n_ok += ok
                    n_pred += npred
                if bar is not None:
                    post = {"loss": f"{tot_cost / n_seen:.4f}"}
                    if n_pred:
                        post["acc"] = f"{n_ok / n_pred:.4f}"
                    bar.set_postfix(post, refresh=False)
                    bar.update(1)
            logs = {"loss": tot_cost / n_seen}
            if n_pred:
                logs["accuracy"] = n_ok / n_pred
            if val is not None:
                ev = self.evaluate(*val, batch_size=batch_size)
                logs["val_loss"] = ev["loss"]
                if "accuracy" in ev:
                    logs["val_accuracy"] = ev["accuracy"]
            logs["lr"] = opt.lr
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=True)
                bar.close()
            history.append(logs)
            self.epochs_trained = epoch
            stop = False
            if stopper is not None and stopper.update(epoch, logs, self.params):
                stop = True
            for cb in callbacks:
                if cb(self, epoch, logs):
                    stop = True
            if stop:
                break
        if stopper is not None and stopper.restore_best and stopper.best_params is not None \
                and stopper.best_epoch != self.epochs_trained:
            for k, p in self.params.items():
                np.copyto(p, stopper.best_params[k])
        return history

    # -- inference ------------------------------------------------------------------------
    def _logits(self, X, batch_size):
        m = X.shape[self.batch_axis]
        outs = [self.network.forward(self._take(X, i) if batch_size else X, training=False)
                for i in self._batches(m, batch_size)] if m else []
        if not outs:
            raise ValueError("X holds no examples (m = 0)")
        return np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]

    def predict(self, X, batch_size=None):
        """Outputs with the loss's output activation, ``training=False`` (no dropout).

        Returns
        -------
        ndarray, shape (n_y, m)
            Softmax / sigmoid probabilities, or raw outputs for ``"mse"``.
        """
        X, _, _ = self._check_xy(X, None)
        if batch_size is not None:
            batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
        return _output(self.loss, self._logits(X, batch_size))

    def predict_classes(self, X, batch_size=None):
        """Class predictions: argmax over axis 0 (softmax, shape ``(m,)``) or
        :math:`\\hat y > 0.5` (sigmoid, shape ``(n_y, m)``, int)."""
        if self.loss == "mse":
            raise ValueError("predict_classes needs a classification loss, not 'mse'")
        X, _, _ = self._check_xy(X, None)
        Z = self._logits(X, batch_size)
        if self.loss == "softmax_cross_entropy":
            return np.argmax(Z, axis=0)
        return (Z > 0).astype(np.int64)

    def evaluate(self, X, Y, batch_size=None):
        """Cost (and accuracy) with ``training=False``: ``{"loss": .., "accuracy": ..}``."""
        X, Y, m = self._check_xy(X, Y)
        if m == 0:
            raise ValueError("X holds no examples (m = 0)")
        if batch_size is not None:
            batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
        Z = self._logits(X, batch_size)
        if Z.shape != Y.shape:
            raise ValueError(f"the network's output has shape {Z.shape}, labels {Y.shape}")
        cost, _ = _loss_fn(self.loss)(Z, Y)
        out = {"loss": cost}
        ok, npred = _n_correct(self.loss, Z, Y)
        if ok is not None:
            out["accuracy"] = ok / npred
        return out

    # -- persistence ----------------------------------------------------------------------
    def get_config(self):
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "loss": self.loss,
                "batch_axis": self.batch_axis, "network": serialize_layer(self.network),
                "epochs_trained": self.epochs_trained,
                "optimizer": self.optimizer.get_config() if self.optimizer else None}

    def save(self, path, include_optimizer=True):
        """Write architecture, parameters (and optimizer state) to ONE ``.npz`` file.

        No pickle: the architecture is a JSON string stored as a one-element
        string array, every parameter is a plain array ``param/<leaf>.<name>``,
        the optimizer state is ``optim/<slot>:<param>``.  The file is written to
        a temporary name and renamed, so an existing file is never left half-written.
        ``".npz"`` is appended if missing.  Returns the path written.
        """
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {"__format__": np.array(FORMAT_NAME), "__version__": np.array(FORMAT_VERSION),
                  "architecture": np.array([json.dumps(self.get_config())])}
        for k, v in self.params.items():
            arrays["param/" + k] = v
        if include_optimizer and self.optimizer is not None:
            for k, v in self.optimizer.state_dict().items():
                arrays["optim/" + k] = v
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path):
        """Rebuild a model saved by :meth:`save` (``np.load(allow_pickle=False)``).

        Raises
        ------
        ModelFileError
            Corrupt, truncated or foreign file, or parameters that do not match
            the stored architecture.
        FileNotFoundError
        """
        arch, net_desc, loss, batch_axis, params, optim = _parse_model_file(path)
        stored = sum(int(a.size) for a in params.values())
        try:
            net = deserialize_layer(net_desc, max_parameters=stored)
        except ModelFileError as exc:
            raise ModelFileError(f"{path}: {exc}") from None
        except (KeyError, TypeError, ValueError, OverflowError, MemoryError,
                RecursionError) as exc:
            raise ModelFileError(f"{path}: cannot rebuild the network "
                                 f"({type(exc).__name__}: {str(exc)[:200]})") from None
        try:
            model = cls(net, loss=loss, batch_axis=batch_axis)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: cannot rebuild the model ({exc})") from None
        opt = model._prepare_optimizer(path, arch.get("optimizer"), optim)
        _check_and_copy_params(path, model.params, params)
        model.epochs_trained = arch.get("epochs_trained", 0)
        if opt is not None:
            model.optimizer = opt
        return model

    def load_weights(self, path):
        """Load parameters (and optimizer state) from :meth:`save` into THIS model.

        The stored architecture must equal this model's.  Everything is
        validated before anything is copied: on error the model is unchanged.
        """
        arch, net_desc, loss, batch_axis, params, optim = _parse_model_file(path)
        if net_desc != serialize_layer(self.network):
            raise ModelFileError(f"{path}: the stored architecture differs from this model's")
        # Everything is validated (parameters, optimizer state, counters) before the
        # first array is overwritten.
        opt = self._prepare_optimizer(path, arch.get("optimizer"), optim)
        _check_and_copy_params(path, self.params, params)
        self.epochs_trained = arch.get("epochs_trained", 0)
        if opt is not None:
            self.optimizer = opt
        return self

    def _prepare_optimizer(self, path, cfg, state):
        """The stored optimizer with its state, validated against this model's parameters
        (None when the file holds none); changes nothing."""
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
        params = self.params
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

    # -- display --------------------------------------------------------------------------
    def summary(self):
        """A text table of the leaf layers and their parameter counts."""
        leaves = self.network.layers() if hasattr(self.network, "layers") else [self.network]
        rows = [(str(i), repr(leaf), str(leaf.parameter_count())) for i, leaf in
                enumerate(leaves)]
        total = sum(leaf.parameter_count() for leaf in leaves)
        w = [max(len(r[j]) for r in rows + [("#", "layer", "params")]) for j in range(3)]
        lines = [f"{'#':<{w[0]}}  {'layer':<{w[1]}}  {'params':>{w[2]}}"]
        lines += [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}" for a, b, c in rows]
        lines.append(f"total parameters: {total}   loss: {self.loss}")
        return "\n".join(lines)

    def __repr__(self):
        return f"Model({self.network!r}, loss={self.loss!r}, batch_axis={self.batch_axis})"


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm


def plot_learning_curves(history, path, title=None):
    """Save training/dev cost (and accuracy) per epoch as a PNG.

    Parameters
    ----------
    history : History or dict of per-epoch lists
    path : str or path-like
    title : str, optional

    Raises
    ------
    ImportError
        With an install hint when matplotlib is missing.
    """
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_learning_curves needs matplotlib: pip install matplotlib "
                          "(or pip install 'dlnotes[docs]')") from None
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError("history must be a History (dict with a 'loss' list)")
    has_acc = "accuracy" in history
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 3.8))
    axes = np.atleast_1d(axes)
    ep = np.arange(1, len(history["loss"]) + 1)
    axes[0].plot(ep, history["loss"], label="train")
    if "val_loss" in history:
        axes[0].plot(ep, history["val_loss"], label="dev")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("cost")
    axes[0].legend()
    if has_acc:
        axes[1].plot(ep, history["accuracy"], label="train")
        if "val_accuracy" in history:
            axes[1].plot(ep, history["val_accuracy"], label="dev")
        axes[1].set_xlabel("epoch")
        axes[1].set_ylabel("accuracy")
        axes[1].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


