r"""A small training container: :class:`Model` with ``fit``/``evaluate``/``predict``
and single-file ``.npz`` saving.

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
- ``"triplet_semi_hard"``: FaceNet's triplet loss with online semi-hard mining
  (:func:`dlnotes.nn.losses.triplet_semi_hard_loss`); the network outputs embeddings
  ``(n_e, m)``, the labels are identities ``(1, m)``, ``predict`` gives the raw
  embeddings.

The public methods check their arguments once; the training loop
(:mod:`dlnotes.models.training`), the callbacks (:mod:`dlnotes.models.callbacks`)
and the file format (:mod:`dlnotes.models.fileformat`) live in their own modules
and run on checked data.
"""
from __future__ import annotations

import numpy as np

from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_nonempty_list, check_scalar
from dlnotes.layers.base import (Layer, Sequential, deserialize_layer, register_layer,
                                 serialize_layer)
from dlnotes.models import _checks
from dlnotes.models import fileformat as _file
from dlnotes.models._select import layer_index, top_layers
from dlnotes.models.callbacks import EarlyStopping, History
from dlnotes.models.fileformat import FORMAT_NAME, FORMAT_VERSION, ModelFileError
from dlnotes.models.plotting import plot_learning_curves
from dlnotes.models.training import evaluate, logits, output_activation, train
from dlnotes.nn.losses import IDENTITY_LABEL_LOSSES, get_loss

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_X_Y = """
Parameters
----------
X : ndarray
    Inputs, examples along the model's ``batch_axis``.
Y : ndarray, shape (n_y, m)
    Targets.
"""
_X_BATCH = """
Parameters
----------
X : ndarray
    Inputs, examples along the model's ``batch_axis``.
batch_size : int, optional
    Examples per forward pass (default: all at once).
"""

__all__ = ["Model", "History", "EarlyStopping", "ModelFileError", "plot_learning_curves",
           "register_layer", "serialize_layer", "deserialize_layer"]


def _symbolic(x):
    if isinstance(x, (list, tuple)):
        return bool(x) and all(getattr(t, "_dlnotes_symbolic", False) for t in x)
    return getattr(x, "_dlnotes_symbolic", False)


class Model:
    r"""Train any :class:`~dlnotes.layers.base.Layer` network with mini-batch optimisation.

    Parameters
    ----------
    layers : Layer or list of Layer
        A layer or container (used as is) or a list (wrapped in a
        :class:`~dlnotes.layers.base.Sequential`).  The network outputs logits of
        shape ``(n_y, m)``.
    loss : {"softmax_cross_entropy", "sigmoid_cross_entropy", "mse", "triplet_semi_hard"} or loss object
        A name, or an instance of a loss class of :data:`dlnotes.nn.losses.LOSSES`
        (``YoloLoss(n_classes=4)``: the detector's loss).
    batch_axis : int, default -1
        The examples' axis of ``X``: -1 for ``(n_x, m)``, 0 for ``(m, n_H, n_W, n_C)``.
        For a graph the default is taken from its input (0 for images).
    inputs, outputs : SymbolicTensor or list, keyword-only
        Keras' functional style, ``Model(inputs=X_input, outputs=X)`` (or
        ``Model(X_input, X)``): the layers between them become a
        :class:`~dlnotes.layers.graph.Graph`.
    loss_config : dict, keyword-only
        The constructor's arguments of a loss class named by ``loss`` (``loss="yolo",
        loss_config={"n_classes": 4}``); this is how :meth:`load` rebuilds a saved loss
        object.

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

    The functional style, as in the course's Keras assignments:

    >>> from dlnotes.layers import Input, Conv2D, BatchNorm, Flatten
    >>> X_input = Input((8, 8, 1))
    >>> X = Activation("relu")(BatchNorm(4)(Conv2D(1, 4, 3, pad="same", seed=0)(X_input)))
    >>> model = Model(inputs=X_input, outputs=Dense(256, 10, seed=1)(Flatten()(X)))
    >>> model.count_params(), model.batch_axis
    (2626, 0)
    """

    def __init__(self, layers=None, loss="softmax_cross_entropy", batch_axis=None, *,
                 inputs=None, outputs=None, loss_config=None):
        if _symbolic(layers):  # Model(X_input, X), Keras' positional form
            if inputs is not None:
                raise TypeError("inputs given twice (positionally and as a keyword)")
            inputs, layers = layers, None
            if _symbolic(loss):
                if outputs is not None:
                    raise TypeError("outputs given twice (positionally and as a keyword)")
                outputs, loss = loss, "softmax_cross_entropy"
        if inputs is not None or outputs is not None:
            if layers is not None:
                raise TypeError("pass either layers or inputs= and outputs=, not both")
            if inputs is None or outputs is None:
                raise TypeError("a graph model needs both inputs= and outputs=")
            from dlnotes.layers.graph import Graph

            layers = Graph(inputs, outputs)
        if layers is None:
            raise TypeError("Model needs layers (a Layer or a list) or inputs= and outputs=")
        if isinstance(layers, Layer):
            self.network = layers
        else:
            self.network = Sequential(check_nonempty_list(layers, "layers",
                                                          "a Layer or a list of Layers"))
        self.loss, self._loss_fn, self.loss_config = get_loss(loss, loss_config)
        if batch_axis is None:
            shapes = [t.shape for t in getattr(self.network, "inputs", ())]
            batch_axis = shapes[0].index(None) if shapes and None in shapes[0] else -1
        self.batch_axis = check_scalar(batch_axis, "batch_axis", integer=True)
        self.optimizer = None
        self.history = None
        self.epochs_trained = 0

    # -- helpers --------------------------------------------------------------------------
    @property
    def params(self):
        """``{name: array}``: the live parameter arrays under the network's
        :meth:`~dlnotes.layers.Layer.named_parameters` names (frozen ones included)."""
        return dict(self.network.named_parameters())

    def _dtype(self):
        for p in self.params.values():
            return p.dtype
        return np.dtype(np.float64)

    def _check_xy(self, X, Y, name_x="X", name_y="Y", need_examples=True):
        return _checks.check_xy(X, Y, self._dtype(), self.batch_axis, name_x, name_y,
                                need_examples)

    def _take(self, X, idx):
        return np.take(X, idx, axis=self.batch_axis)

    _check_batch_size = staticmethod(_checks.check_batch_size)

    # -- training -------------------------------------------------------------------------
    @fill_doc(X_Y=_X_Y)
    def train_on_batch(self, X, Y, optimizer):
        """Forward, loss, backward and one optimizer step; returns ``(cost, Z)``.

        %(X_Y)s
        optimizer : Optimizer
            Takes the step.

        Returns
        -------
        cost : float
            The batch's loss before the step.
        Z : ndarray, shape (n_y, m)
            The network's raw outputs (logits).
        """
        Z = self.network.forward(X, training=True)
        _checks.check_output(self.loss, Z, Y)
        cost, dZ = self._loss_fn(Z, Y)
        self.network.backward(dZ)
        optimizer.step_layers(self.network)
        return cost, Z

    def fit(self, X, Y, epochs=10, batch_size=64, optimizer="adam", validation_data=None,
            shuffle=True, seed=None, progress=True, early_stopping=None, callbacks=None,
            augment=None):
        r"""Mini-batch training.

        Each epoch draws one permutation of the examples (if ``shuffle``), cuts it
        into batches of ``batch_size`` (the last may be smaller; ``None`` = the
        whole set, batch gradient descent), and for each batch runs forward,
        loss, backward and ``optimizer.step_layers`` (which skips frozen layers).
        With ``augment``, each training batch is replaced by ``augment(X_batch, rng)``
        before the forward pass, so every epoch sees new samples; validation,
        :meth:`evaluate` and :meth:`predict` never augment.  Before epoch ``e``
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
            Seeds the shuffling and the augmentation (the network's own
            randomness, e.g. dropout, is seeded where the layer is built).
        progress : bool
            A tqdm bar per epoch showing loss and metrics.
        early_stopping : EarlyStopping, dict, int or None
            An :class:`EarlyStopping`, its keyword arguments, or a patience.
        callbacks : list of callables, optional
            ``cb(model, epoch, logs)`` after every epoch; returning True stops training.
        augment : callable, optional
            ``augment(X_batch, rng) -> X_batch'`` with the batch's shape, e.g. a
            :class:`dlnotes.cnn.augment.Compose` pipeline; ``rng`` is a generator
            derived from ``seed`` (independent of the shuffling, so the batches
            are the same with and without augmentation).

        Returns
        -------
        History
        """
        X, Y, epochs, batch_size, opt, validation, stopper, callbacks = _checks.check_fit(
            self, X, Y, epochs, batch_size, optimizer, validation_data, early_stopping, callbacks,
            augment)
        self.optimizer = opt
        self.history = History()
        return train(self, X, Y, opt, epochs, batch_size, shuffle, as_rng(seed=seed), validation,
                     stopper, callbacks, progress, augment=augment)

    # -- transfer learning ----------------------------------------------------------------
    def freeze(self, upto=None):
        """Freeze the whole network, or its top-level layers ``0..upto`` (inclusive).

        ``upto`` is an index or a name (see :func:`dlnotes.models.transfer.layer_index`).
        Frozen parameters are neither updated nor given optimizer state; the
        flags are saved with the model.

        Parameters
        ----------
        upto : int or str, optional
            Last top-level layer to freeze (index or name); ``None`` freezes everything.

        Returns
        -------
        Model
            ``self``.
        """
        if upto is None:
            self.network.freeze()
            return self
        for layer in top_layers(self)[:layer_index(self, upto) + 1]:
            layer.freeze()
        return self

    def unfreeze(self):
        """Make every layer trainable again (for fine-tuning); returns ``self``.

        Returns
        -------
        Model
            ``self``.
        """
        self.network.unfreeze()
        return self

    # -- inference ------------------------------------------------------------------------
    @fill_doc(X_BATCH=_X_BATCH)
    def predict(self, X, batch_size=None):
        """Outputs with the loss's output activation, ``training=False`` (no dropout).

        %(X_BATCH)s

        Returns
        -------
        ndarray, shape (n_y, m)
            Softmax / sigmoid probabilities, or raw outputs for ``"mse"``.
        """
        X, _, _ = self._check_xy(X, None)
        return output_activation(self.loss, logits(self, X, self._check_batch_size(batch_size)))

    @fill_doc(X_BATCH=_X_BATCH)
    def predict_classes(self, X, batch_size=None):
        """Class predictions: argmax over axis 0 (softmax, shape ``(m,)``) or
        :math:`\\hat y > 0.5` (sigmoid, shape ``(n_y, m)``, int).

        %(X_BATCH)s

        Returns
        -------
        ndarray of int
            Shape ``(m,)`` (softmax) or ``(n_y, m)`` (sigmoid).
        """
        if self.loss == "mse" or self.loss in IDENTITY_LABEL_LOSSES:
            raise ValueError(f"predict_classes needs a classification loss, not {self.loss!r}")
        X, _, _ = self._check_xy(X, None)
        Z = logits(self, X, self._check_batch_size(batch_size))
        if self.loss == "softmax_cross_entropy":
            return np.argmax(Z, axis=0)
        return (Z > 0).astype(np.int64)

    @fill_doc(X_Y=_X_Y)
    def evaluate(self, X, Y, batch_size=None):
        """Cost (and accuracy) with ``training=False``: ``{"loss": .., "accuracy": ..}``.

        %(X_Y)s
        batch_size : int, optional
            Examples per forward pass (default: all at once).

        Returns
        -------
        dict of str -> float
            ``loss``, and ``accuracy`` for classification losses.
        """
        X, Y, _ = self._check_xy(X, Y)
        return evaluate(self, X, Y, self._check_batch_size(batch_size))

    # -- persistence ----------------------------------------------------------------------
    def get_config(self):
        extra = {} if self.loss_config is None else {"loss_config": self.loss_config}
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "loss": self.loss, **extra,
                "batch_axis": self.batch_axis, "network": serialize_layer(self.network),
                "epochs_trained": self.epochs_trained,
                "optimizer": self.optimizer.get_config() if self.optimizer else None}

    def save(self, path, include_optimizer=True):
        """Write architecture, parameters (and optimizer state) to ONE ``.npz`` file.

        No pickle: the architecture is a JSON string stored as a one-element
        string array, every parameter is a plain array ``param/<name>`` (its
        :meth:`~dlnotes.layers.Layer.named_parameters` name), the optimizer
        state is ``optim/<slot>:<name>`` (see :mod:`dlnotes.models.fileformat`).
        The file is written to a temporary name and renamed, so an existing file
        is never left half-written.

        Parameters
        ----------
        path : str or path-like
            The file (``".npz"`` appended if missing).
        include_optimizer : bool, default True
            Also store the optimizer's state, to resume training.

        Returns
        -------
        str
            The path written.
        """
        return _file.save_model(self, path, include_optimizer)

    @classmethod
    def load(cls, path):
        """Rebuild a model saved by :meth:`save` (``np.load(allow_pickle=False)``).

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Raises
        ------
        ModelFileError
            Corrupt, truncated or foreign file, or parameters that do not match
            the stored architecture.
        FileNotFoundError
        """
        f = _file.parse_model_file(path)
        net = _file.build_network(f)
        try:
            model = cls(net, loss=f.loss, batch_axis=f.batch_axis,
                        loss_config=f.arch.get("loss_config"))
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: cannot rebuild the model ({exc})") from None
        return _file.restore_model(model, f)

    def load_weights(self, path):
        """Load parameters (and optimizer state) from :meth:`save` into THIS model.

        The stored architecture must equal this model's.  Everything is
        validated before anything is copied: on error the model is unchanged.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save` for the same architecture.

        Returns
        -------
        Model
            ``self``.
        """
        return _file.load_weights_into(self, path)

    # -- display --------------------------------------------------------------------------
    def count_params(self):
        """All parameters plus buffers (batch-norm statistics), Keras' "Total params".

        Returns
        -------
        int
        """
        return self.network.count_params()

    def summary(self):
        """A text table of the layers and their parameter counts.

        For a graph, Keras' layout: each layer with its output shape, parameters
        and inputs, then the total, trainable and non-trainable counts.

        Returns
        -------
        str
        """
        if hasattr(self.network, "summary"):
            return self.network.summary() + f"\nloss: {self.loss}"
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
