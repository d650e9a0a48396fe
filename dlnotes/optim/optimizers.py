r"""Optimizer objects: :class:`SGD`, :class:`Momentum`, :class:`RMSprop`, :class:`Adam`.

All of them share one protocol::

    opt = Adam(learning_rate=1e-3)            # float or a schedule object
    opt.step(params, grads)                   # dicts of arrays, updated IN PLACE
    opt.step_layers(model_or_layer)           # the same, for any Layer / Sequential
    opt.t                                     # number of steps taken so far
    opt.epoch                                 # 1-based epoch for the schedule
    opt.lr                                    # learning rate at the current epoch
    opt.state_dict() / opt.load_state_dict(d) # plain arrays, np.savez-friendly

The state (velocity ``v``, squared average ``s``) is keyed by the parameter's
name, the dotted name a layer gives it (:meth:`~dlnotes.layers.Layer.named_parameters`),
so the same optimizer keeps working when ``params`` is rebuilt: only the arrays
must stay the same objects, which they do because the update is in place.
``grads`` may use the course's ``"d" + key`` or the same keys as ``params``
(:func:`dlnotes._validation.grad_key`, the one lookup of the package).
"""
from __future__ import annotations

import warnings

import numpy as np

from dlnotes._validation import FLOAT_DTYPES, check_scalar, grad_key
from dlnotes.optim import _rules
from dlnotes.optim.schedules import as_schedule

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "get_optimizer"]


def _check_beta(value, name):
    return check_scalar(value, name, low=0.0, high=1.0, high_inclusive=False)


def _check_eps(value, name="epsilon"):
    return check_scalar(value, name, low=0.0, low_inclusive=False)


def layer_params_and_grads(layer):
    """Deprecated: ``dict(layer.named_parameters()), dict(layer.named_gradients())``.

    The layer owns its parameters' names (:meth:`dlnotes.layers.Layer.named_parameters`);
    :meth:`Optimizer.step_layers` reads them from there.
    """
    warnings.warn("layer_params_and_grads is deprecated: use layer.named_parameters() and "
                  "layer.named_gradients() (the names are the layer's dotted names)",
                  DeprecationWarning, stacklevel=2)
    return dict(layer.named_parameters()), dict(layer.named_gradients())


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    learning_rate : float or schedule
        :math:`\\alpha \\ge 0`, or a schedule from :mod:`dlnotes.optim.schedules`
        (any callable ``f(epoch) -> rate``), evaluated at :attr:`epoch`.

    Attributes
    ----------
    t : int
        Steps taken (Adam's bias-correction counter; it is 1 during the first step).
    epoch : int
        The 1-based epoch given to the schedule; :meth:`dlnotes.models.model.Model.fit` sets it.
    state : dict
        ``{param_name: {slot: array}}``.
    """

    slots = ()
    hyperparameters = ()

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.schedule = as_schedule(learning_rate)
        self.t = 0
        self.epoch = 1
        self.state = {}

    @property
    def lr(self):
        """The learning rate at the current :attr:`epoch`."""
        return float(self.schedule(self.epoch))

    def set_epoch(self, epoch):
        self.epoch = check_scalar(epoch, "epoch", integer=True)

    # -- the update ---------------------------------------------------------------------
    def _slots_for(self, name, p):
        st = self.state.get(name)
        if st is None or any(st[s].shape != p.shape or st[s].dtype != p.dtype
                             for s in self.slots):
            # C order whatever the parameter's layout: the kernels update the state
            # through a flat view, which must not be a copy.
            st = {s: np.zeros(p.shape, dtype=p.dtype) for s in self.slots}
            self.state[name] = st
        return st

    def step(self, params, grads):
        r"""One update of every array in ``params``, in place.

        The step counter is incremented first, then every parameter gets the
        optimizer's rule at the current learning rate:

        .. math::

            t \leftarrow t + 1, \qquad
            W \leftarrow W - \alpha(\text{epoch})\; u_t(dW, \text{state}_W)

        Parameters
        ----------
        params : dict of str -> ndarray
            Updated in place (the arrays must be writable float arrays).
        grads : dict of str -> ndarray
            Same keys (or ``"d" + key``), same shapes.
        """
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise TypeError("params and grads must be dicts of arrays")
        checked = []
        for name, p in params.items():
            if not isinstance(p, np.ndarray) or p.dtype not in FLOAT_DTYPES:
                what = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"params[{name!r}] must be a float32 or float64 ndarray "
                                f"(updated in place), got {what}")
            if not p.flags.writeable:
                raise ValueError(f"params[{name!r}] is read-only; the update is in place, so "
                                 "pass a writable array")
            g = np.asarray(grads[grad_key(grads, name)])
            if g.dtype.kind not in "fiu":
                raise TypeError(f"gradient of {name!r} must be a real float array, got dtype "
                                f"{g.dtype}")
            if g.shape != p.shape:
                raise ValueError(f"gradient of {name!r} must have shape {p.shape}, got "
                                 f"{g.shape}")
            if g.dtype != p.dtype:
                g = g.astype(p.dtype)
            checked.append((name, p, g))
        self._apply(checked)

    def step_layers(self, layer):
        """:meth:`step` on the trainable parameters of a layer or container.

        The names are the layer's own (:meth:`~dlnotes.layers.Layer.named_parameters`,
        ``trainable_only=True``): the state of ``"0.W"`` is the same whether the
        network is trained here, by :meth:`step` on ``dict(net.named_parameters())``
        or by :meth:`dlnotes.models.model.Model.fit`.  Frozen layers
        (``trainable = False``) are neither updated nor given any state.  The
        arrays come from the layers, which built them, so they are not checked again.

        Parameters
        ----------
        layer : dlnotes.layers.Layer
            A layer or container whose gradients the backward pass has filled.
        """
        if not hasattr(layer, "named_parameters"):
            raise TypeError(f"layer must be a dlnotes Layer, got {type(layer).__name__}")
        grads = dict(layer.named_gradients(trainable_only=True))
        self._apply([(name, p, grads[name])
                     for name, p in layer.named_parameters(trainable_only=True)])

    def _apply(self, named):
        """``t += 1``, then the rule on each checked ``(name, param, grad)``."""
        self.t += 1
        lr = self.lr
        for name, p, g in named:
            self._update(name, p, g, lr)

    def _update(self, name, p, g, lr):  # pragma: no cover - abstract
        raise NotImplementedError

    def zero_state(self):
        """Forget the state and reset :attr:`t` (the schedule's epoch is kept)."""
        self.state = {}
        self.t = 0

    # -- (de)serialisation --------------------------------------------------------------
    def get_config(self):
        cfg = {"class": type(self).__name__}
        lr = self.learning_rate
        cfg["learning_rate"] = float(lr) if isinstance(lr, (int, float)) else repr(lr)
        for h in self.hyperparameters:
            cfg[h] = getattr(self, h)
        return cfg

    def state_dict(self):
        """Plain arrays: ``{"t": ..., "epoch": ..., "<slot>:<param>": array}``.

        Returns
        -------
        dict of str -> ndarray
            The step count, the epoch and every state array, copies (for ``np.savez``).
        """
        out = {"t": np.array(self.t, dtype=np.int64), "epoch": np.array(self.epoch, np.int64)}
        for name, st in self.state.items():
            for slot, arr in st.items():
                out[f"{slot}:{name}"] = arr.copy()
        return out

    def load_state_dict(self, state):
        """Restore :meth:`state_dict` output; validated fully before anything changes.

        Parameters
        ----------
        state : dict of str -> ndarray
            What :meth:`state_dict` returned (or an ``np.load`` of it); the slots must match this
            optimizer's and the parameters' shapes.
        """
        if not isinstance(state, dict) and not hasattr(state, "keys"):
            raise TypeError("state must be a dict of arrays")
        try:
            t = int(np.asarray(state["t"]))
            epoch = int(np.asarray(state["epoch"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"optimizer state must hold integer 't' and 'epoch': {exc}") from None
        if t < 0:
            raise ValueError(f"optimizer state 't' must be >= 0, got {t}")
        new = {}
        for key in state.keys():
            if key in ("t", "epoch"):
                continue
            slot, sep, name = str(key).partition(":")
            if not sep or slot not in self.slots:
                raise ValueError(f"unexpected optimizer state entry {key!r} for "
                                 f"{type(self).__name__} (slots {self.slots})")
            arr = np.asarray(state[key])
            if arr.dtype.kind != "f":
                raise ValueError(f"optimizer state {key!r} must be a float array")
            new.setdefault(name, {})[slot] = np.array(arr, order="C", copy=True)
        for name, st in new.items():
            if set(st) != set(self.slots):
                raise ValueError(f"optimizer state for {name!r} must have slots {self.slots}")
        self.state, self.t, self.epoch = new, t, epoch

    def __repr__(self):
        cfg = self.get_config()
        cfg.pop("class")
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in cfg.items()) + ")"


class SGD(Optimizer):
    r"""(Mini-batch) gradient descent.

    .. math::

        W \leftarrow W - \alpha\, dW, \qquad b \leftarrow b - \alpha\, db

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
    """

    def __init__(self, learning_rate=0.01):
        super().__init__(learning_rate)

    def _update(self, name, p, g, lr):
        _rules.sgd_rule(p, g, lr)


class Momentum(Optimizer):
    r"""Gradient descent with momentum (the notes' exponentially weighted form).

    .. math::

        v_{dW} &\leftarrow \beta v_{dW} + (1-\beta)\, dW \\
        W &\leftarrow W - \alpha\, v_{dW}

    with :math:`v_{dW} = 0` initially.  This equals
    ``torch.optim.SGD(lr=alpha * (1 - beta), momentum=beta, dampening=0)``
    exactly (torch's buffer is :math:`v/(1-\beta)`).

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
    beta : float in [0, 1), default 0.9
        The notes' range is 0.8-0.999.
    """

    slots = ("v",)
    hyperparameters = ("beta",)

    def __init__(self, learning_rate=0.01, beta=0.9):
        super().__init__(learning_rate)
        self.beta = _check_beta(beta, "beta")

    def _update(self, name, p, g, lr):
        st = self._slots_for(name, p)
        _rules.momentum_rule(p, g, st["v"], lr, self.beta)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, lecture 6e) with the course's/PyTorch's epsilon placement.

    .. math::

        s_{dW} &\leftarrow \beta_2 s_{dW} + (1-\beta_2)\, dW^{2} \\
        W &\leftarrow W - \alpha\, \frac{dW}{\sqrt{s_{dW}} + \epsilon}

    (squares and roots element-wise).  With ``eps_inside=True`` the update is
    TensorFlow's ``ApplyRMSProp`` form :math:`W \leftarrow W - \alpha\, dW/\sqrt{s_{dW}+\epsilon}`,
    which is what the notes write (errata E9).  The two agree when
    :math:`\sqrt{s}\gg\epsilon`, and differ by orders of magnitude for tiny
    gradients (step 1, :math:`g=10^{-6}`, :math:`\beta_2=0.999`, :math:`\epsilon=10^{-8}`:
    step/α is 24.03 outside, 0.0100 inside).

    The default form equals ``torch.optim.RMSprop(lr=alpha, alpha=beta2, eps=epsilon)``.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
    beta2 : float in [0, 1), default 0.999
        Decay of the squared-gradient average (torch's ``alpha``, Keras' ``rho``).
    epsilon : float > 0, default 1e-8
    eps_inside : bool, default False
        Put :math:`\epsilon` under the square root (TensorFlow / the notes' form).
    """

    slots = ("s",)
    hyperparameters = ("beta2", "epsilon", "eps_inside")

    def __init__(self, learning_rate=0.001, beta2=0.999, epsilon=1e-8, eps_inside=False):
        super().__init__(learning_rate)
        self.beta2 = _check_beta(beta2, "beta2")
        self.epsilon = _check_eps(epsilon)
        if not isinstance(eps_inside, (bool, np.bool_)):
            raise TypeError(f"eps_inside must be a bool, got {eps_inside!r}")
        self.eps_inside = bool(eps_inside)

    def _update(self, name, p, g, lr):
        st = self._slots_for(name, p)
        _rules.rmsprop_rule(p, g, st["s"], lr, self.beta2, self.epsilon, self.eps_inside)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015, Algorithm 1), as in the notes.

    .. math::

        v_{dW} &\leftarrow \beta_1 v_{dW} + (1-\beta_1)\, dW, &
        \hat v_{dW} &= \frac{v_{dW}}{1-\beta_1^{\,t}} \\
        s_{dW} &\leftarrow \beta_2 s_{dW} + (1-\beta_2)\, dW^{2}, &
        \hat s_{dW} &= \frac{s_{dW}}{1-\beta_2^{\,t}} \\
        W &\leftarrow W - \alpha\, \frac{\hat v_{dW}}{\sqrt{\hat s_{dW}} + \epsilon}

    :math:`t` is incremented *before* the update, so it is 1 at the first step.
    This is ``torch.optim.Adam(lr, betas=(beta1, beta2), eps=epsilon)``.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
    beta1 : float in [0, 1), default 0.9
    beta2 : float in [0, 1), default 0.999
    epsilon : float > 0, default 1e-8
    """

    slots = ("v", "s")
    hyperparameters = ("beta1", "beta2", "epsilon")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_beta(beta1, "beta1")
        self.beta2 = _check_beta(beta2, "beta2")
        self.epsilon = _check_eps(epsilon)

    def _update(self, name, p, g, lr):
        st = self._slots_for(name, p)
        _rules.adam_rule(p, g, st["v"], st["s"], self.t, lr, self.beta1, self.beta2,
                         self.epsilon)


_OPTIMIZERS = {"sgd": SGD, "gd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


def get_optimizer(optimizer, **kwargs):
    """An optimizer object from a name (``"sgd"``, ``"gd"``, ``"momentum"``, ``"rmsprop"``,
    ``"adam"``) or an existing :class:`Optimizer` (returned as is).

    Parameters
    ----------
    optimizer : str or Optimizer
        ``"sgd"`` (or ``"gd"``), ``"momentum"``, ``"rmsprop"``, ``"adam"``, or an optimizer.
    **kwargs
        Constructor arguments of the named optimizer (e.g. ``learning_rate=0.01``); not
        allowed with an :class:`Optimizer`.

    Returns
    -------
    Optimizer
        A new optimizer, or ``optimizer`` itself.
    """
    if isinstance(optimizer, Optimizer):
        if kwargs:
            raise TypeError("keyword arguments are only used with an optimizer name")
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
        return _OPTIMIZERS[optimizer.lower()](**kwargs)
    raise ValueError(f"optimizer must be an Optimizer or one of {sorted(_OPTIMIZERS)}, got "
                     f"{optimizer!r}")
