r"""Character-level language model (the course's "dinosaur names" exercise).

A recurrent layer (:class:`~dlnotes.layers.recurrent.LSTM`, ``GRU`` or ``RNN``)
reads one-hot characters, a :class:`~dlnotes.layers.recurrent.TimeDistributedDense`
layer gives the logits of the next character, and the cost is the mean
cross-entropy over all predicted characters:

.. math::

    J = -\frac{1}{m T_x} \sum_{i=1}^{m} \sum_{t=1}^{T_x}
        \log \operatorname{softmax}(z^{(i)\langle t \rangle})_{y^{(i)\langle t \rangle}},
    \qquad
    \frac{\partial J}{\partial z^{\langle t \rangle}} = \frac{\hat y^{\langle t \rangle} - y^{\langle t \rangle}}{m T_x}

A model that knows nothing predicts the uniform distribution and pays
:math:`\log V` per character (``V`` = vocabulary size); training must go well
below it.  Gradients are clipped (by global norm by default; ``clip_value``
gives the course's clipping by value) before each Adam step.  Sampling draws
one character at a time from :math:`\operatorname{softmax}(z / \tau)` with
temperature :math:`\tau` (``1`` samples the model, smaller is greedier),
feeding each drawn character back as the next input, until a newline.

Everything random comes from seeds: training (weights, batches) and sampling
are reproducible.
"""
from __future__ import annotations

import os
import pathlib

import numpy as np

from dlnotes import rnn as F
from dlnotes._docstrings import fill_doc
from dlnotes._validation import as_rng, check_choice, check_scalar
from dlnotes.layers.recurrent import GRU, LSTM, RNN, TimeDistributedDense
from dlnotes.nn.activations import log_softmax, softmax
from dlnotes.optim import Adam

# Parameter descriptions shared by several docstrings below (see dlnotes._docstrings).
_BATCH_COST = """
Parameters
----------
X_ids : ndarray of int, shape (m, T_x)
    Input character ids.
Y_ids : ndarray of int, shape (m, T_x)
    The next character's id at each step.

Returns
-------
float
    The mean cross-entropy per character.
"""

__all__ = ["synthetic_names", "CharLanguageModel", "train_char_lm",
           "sequence_softmax_cross_entropy"]

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "g", "k", "l", "m", "n", "p", "pt", "r", "s",
           "st", "t", "tr", "v", "z"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ae", "io"]
_SUFFIXES = ["saurus", "don", "raptor", "ceratops", "nyx", "mimus", "venator", "tops"]


def synthetic_names(n=1500, seed=0):
    """A reproducible list of dinosaur-like names, generated (no data file needed).

    Each name is 1 to 3 syllables (onset + vowel) and one of a few suffixes,
    e.g. ``"stiodon"``.  The text ``"\\n".join(names)`` is the default training
    text of :func:`train_char_lm` in the tests and docs.

    Parameters
    ----------
    n : int
        Number of names.
    seed : int
        Seed of the generator.

    Returns
    -------
    names : list of str
    """
    n = check_scalar(n, "n", low=1, integer=True)
    rng = as_rng(seed=seed)
    names = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        stem = "".join(_ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
                       for _ in range(k))
        names.append(stem + _SUFFIXES[rng.integers(len(_SUFFIXES))])
    return names


def sequence_softmax_cross_entropy(Z, Y):
    r"""Mean softmax cross-entropy over every example and time step, from logits.

    Parameters
    ----------
    Z : ndarray, shape (V, m, T_x)
        Logits.
    Y : ndarray of int, shape (m, T_x)
        Index of the correct class at each step.

    Returns
    -------
    cost : float
    dZ : ndarray, shape (V, m, T_x)
        :math:`(\operatorname{softmax}(Z) - \text{onehot}(Y)) / (m T_x)`.
    """
    V, m, T = Z.shape
    Y = np.asarray(Y)
    if Y.shape != (m, T) or Y.dtype.kind not in "iu":
        raise ValueError(f"Y must be an integer array of shape (m, T_x) = {(m, T)}, got "
                         f"{Y.shape} {Y.dtype}")
    logp = log_softmax(Z, axis=0)
    ii, tt = np.meshgrid(np.arange(m), np.arange(T), indexing="ij")
    cost = -float(logp[Y, ii, tt].mean())
    dZ = np.exp(logp)
    dZ[Y, ii, tt] -= 1
    dZ /= m * T
    return cost, dZ


class CharLanguageModel:
    r"""Recurrent character-level language model.

    Parameters
    ----------
    chars : sequence of str
        The vocabulary (single characters), e.g. ``sorted(set(text))``.
    cell : {"lstm", "gru", "rnn"}
    n_a : int
        Hidden units.
    reset : {"after", "before"}
        GRU form (ignored for the other cells).
    seed : int
        Weight initialization.
    dtype : float32 or float64
    """

    def __init__(self, chars, cell="lstm", n_a=64, reset="after", seed=0, dtype=np.float32):
        chars = list(chars)
        if not chars or any(not isinstance(c, str) or len(c) != 1 for c in chars) \
                or len(set(chars)) != len(chars):
            raise ValueError("chars must be a non-empty list of distinct single characters")
        self.chars = chars
        self.char_to_ix = {c: i for i, c in enumerate(chars)}
        self.cell = check_choice(cell, "cell", ("lstm", "gru", "rnn"))
        self.n_a = check_scalar(n_a, "n_a", low=1, integer=True)
        self.reset = reset
        self.dtype = np.dtype(dtype)
        rng = as_rng(seed=seed)
        V = len(chars)
        if cell == "lstm":
            self.recurrent = LSTM(V, self.n_a, rng=rng, dtype=self.dtype)
        elif cell == "gru":
            self.recurrent = GRU(V, self.n_a, reset=reset, rng=rng, dtype=self.dtype)
        else:
            self.recurrent = RNN(V, self.n_a, rng=rng, dtype=self.dtype)
        self.output = TimeDistributedDense(self.n_a, V, rng=rng, dtype=self.dtype)
        self.history = {"loss": []}

    @property
    def vocab_size(self):
        return len(self.chars)

    @property
    def uniform_loss(self):
        r""":math:`\log V`, the cost of predicting every character with probability 1/V."""
        return float(np.log(self.vocab_size))

    def params(self):
        """All parameter arrays, keyed ``"rnn.<name>"`` and ``"out.<name>"`` (shared, not copies).

        Returns
        -------
        dict of str -> ndarray
        """
        p = {f"rnn.{k}": v for k, v in self.recurrent.params.items()}
        p.update({f"out.{k}": v for k, v in self.output.params.items()})
        return p

    def grads(self):
        g = {f"rnn.{k}": v for k, v in self.recurrent.grads.items()}
        g.update({f"out.{k}": v for k, v in self.output.grads.items()})
        return g

    def encode(self, text):
        try:
            return np.array([self.char_to_ix[c] for c in text], dtype=np.intp)
        except KeyError as e:
            raise ValueError(f"character {e.args[0]!r} is not in the vocabulary") from None

    def one_hot(self, ids):
        """``(m, T)`` integer ids -> one-hot ``(V, m, T)``.

        Parameters
        ----------
        ids : array_like of int, shape (m, T)
            Character ids in ``[0, V)``.

        Returns
        -------
        ndarray, shape (V, m, T), the model's dtype
        """
        ids = np.asarray(ids)
        X = np.zeros((self.vocab_size,) + ids.shape, self.dtype)
        X[(ids,) + tuple(np.indices(ids.shape))] = 1  # (no starred index: Python 3.10)
        return X

    @fill_doc(BATCH_COST=_BATCH_COST)
    def loss_and_grads(self, X_ids, Y_ids):
        """Forward and backward on a batch; fills the layers' ``grads``; returns the cost.

        %(BATCH_COST)s
        """
        Z = self.output.forward(self.recurrent.forward(self.one_hot(X_ids)))
        cost, dZ = sequence_softmax_cross_entropy(Z, Y_ids)
        self.recurrent.backward(self.output.backward(dZ))
        return cost

    @fill_doc(BATCH_COST=_BATCH_COST)
    def loss(self, X_ids, Y_ids):
        """Cost of a batch without gradients.

        %(BATCH_COST)s
        """
        Z = self.output.forward(self.recurrent.forward(self.one_hot(X_ids), training=False),
                                training=False)
        return sequence_softmax_cross_entropy(Z, Y_ids)[0]

    def sample(self, max_length=50, temperature=1.0, seed=None, rng=None, stop="\n",
               prefix=""):
        r"""Generate text one character at a time.

        Starts from the zero state and (as the course does) a zero input vector,
        or from ``prefix``; draws from :math:`\operatorname{softmax}(z/\tau)` and
        feeds the drawn character back, until ``stop`` is drawn or
        ``max_length`` characters have been generated.

        Parameters
        ----------
        max_length : int
        temperature : float > 0
        seed, rng : the randomness (same seed, same text).
        stop : str or None
            Character that ends the sample (not included); None to always
            generate ``max_length`` characters.
        prefix : str
            Text to condition on (included in the result).

        Returns
        -------
        str
        """
        max_length = check_scalar(max_length, "max_length", low=1, integer=True)
        temperature = check_scalar(temperature, "temperature", low=0.0, low_inclusive=False)
        rng = as_rng(rng, seed)
        V, n_a = self.vocab_size, self.n_a
        P = self.recurrent.params
        W, b = self.output.params["W"].astype(np.float64), self.output.params["b"]
        a = np.zeros((n_a, 1), self.dtype)
        c = np.zeros((n_a, 1), self.dtype)
        x = np.zeros((V, 1), self.dtype)

        def step(x, a, c):
            if self.cell == "lstm":
                a, c, _, _ = F.lstm_cell_forward(x, a, c, P)
            elif self.cell == "gru":
                a, _, _ = F.gru_cell_forward(x, a, P, reset=self.reset)
            else:
                a, _, _ = F.rnn_cell_forward(x, a, P)
            return a, c

        out = []
        for ch in prefix:
            a, c = step(x, a, c)
            x = np.zeros((V, 1), self.dtype)
            x[self.encode(ch)[0]] = 1
            out.append(ch)
        for _ in range(max_length):
            a, c = step(x, a, c)
            z = (W @ a.astype(np.float64) + b) / temperature
            p = softmax(z, axis=0).ravel()
            idx = int(rng.choice(V, p=p / p.sum()))
            ch = self.chars[idx]
            if stop is not None and ch == stop:
                break
            out.append(ch)
            x = np.zeros((V, 1), self.dtype)
            x[idx] = 1
        return "".join(out)


def _read_text(path_or_text):
    if isinstance(path_or_text, pathlib.Path) or (
            isinstance(path_or_text, str) and "\n" not in path_or_text
            and len(path_or_text) < 4096 and os.path.isfile(path_or_text)):
        with open(path_or_text, encoding="utf-8") as fh:
            return fh.read()
    if not isinstance(path_or_text, str):
        raise TypeError(f"path_or_text must be a file path or a str of text, got "
                        f"{type(path_or_text).__name__}")
    return path_or_text


def train_char_lm(path_or_text, *, cell="lstm", n_a=64, seq_length=25, batch_size=32,
                  num_iterations=1500, learning_rate=0.01, clip_norm=5.0, clip_value=None,
                  reset="after", seed=0, dtype=np.float32, print_every=0, callback=None):
    r"""Train a character-level language model on a text file (or a string).

    Each iteration draws ``batch_size`` random windows of ``seq_length + 1``
    characters; the model reads the first ``seq_length`` and predicts each next
    character (truncated backpropagation through time from a zero state).
    Gradients are clipped, then Adam (:class:`dlnotes.optim.optimizers.Adam`) updates the
    weights.

    Parameters
    ----------
    path_or_text : str or pathlib.Path
        A path to a UTF-8 text file, or the text itself (a string with a newline,
        or one that is not an existing file).
    cell : {"lstm", "gru", "rnn"}
    n_a : int
        Hidden units.
    seq_length : int
        Characters per training window (:math:`T_x`).
    batch_size : int
        Windows per iteration (:math:`m`).
    num_iterations : int
    learning_rate : float
        Adam's :math:`\alpha`.
    clip_norm : float or None
        Clip the gradients to this global norm (:func:`dlnotes.rnn.clipping.clip_by_global_norm`).
    clip_value : float or None
        Clip each gradient entry to :math:`[-v, v]` (the course's
        :func:`dlnotes.rnn.clipping.clip`, which uses 5).
    reset : {"after", "before"}
        GRU form.
    seed : int
        Weights, batches: the whole run is reproducible.
    dtype : float32 or float64
    print_every : int
        Print the smoothed loss every that many iterations (0: silent).
    callback : callable, optional
        ``callback(iteration, loss, model)`` after every iteration.

    Returns
    -------
    CharLanguageModel
        Trained; ``model.history["loss"]`` holds the loss of every iteration and
        ``model.uniform_loss`` is :math:`\log V` for comparison.
    """
    text = _read_text(path_or_text)
    seq_length = check_scalar(seq_length, "seq_length", low=1, integer=True)
    batch_size = check_scalar(batch_size, "batch_size", low=1, integer=True)
    num_iterations = check_scalar(num_iterations, "num_iterations", low=0, integer=True)
    print_every = check_scalar(print_every, "print_every", low=0, integer=True)
    if len(text) < seq_length + 1:
        raise ValueError(f"the text has {len(text)} characters; at least seq_length + 1 = "
                         f"{seq_length + 1} are needed")
    rng = as_rng(seed=seed)
    chars = sorted(set(text))
    model = CharLanguageModel(chars, cell=cell, n_a=n_a, reset=reset,
                              seed=int(rng.integers(2**31)), dtype=dtype)
    ids = model.encode(text)
    opt = Adam(learning_rate=learning_rate)
    params = model.params()
    offsets = np.arange(seq_length + 1)
    smooth = None
    for it in range(num_iterations):
        starts = rng.integers(0, len(ids) - seq_length, size=batch_size)
        window = ids[starts[:, None] + offsets]
        cost = model.loss_and_grads(window[:, :-1], window[:, 1:])
        grads = model.grads()
        if clip_value is not None:
            grads = F.clip(grads, clip_value)
        if clip_norm is not None:
            grads, _ = F.clip_by_global_norm(grads, clip_norm)
        opt.step(params, grads)
        model.history["loss"].append(cost)
        smooth = cost if smooth is None else 0.95 * smooth + 0.05 * cost
        if print_every and (it + 1) % print_every == 0:
            print(f"iteration {it + 1}: loss {smooth:.4f} (uniform {model.uniform_loss:.4f})")
        if callback is not None:
            callback(it, cost, model)
    return model
