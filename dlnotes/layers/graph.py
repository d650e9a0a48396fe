r"""Networks wired as a directed acyclic graph, in Keras' functional style.

::

    x = Input((28, 28, 1))
    y = Conv2D(1, 8, 3, pad="same")(x)
    y = Add()([y, x8])                    # several inputs: a list
    net = Graph(x, Dense(...)(Flatten()(y)))

Calling a layer on a :class:`SymbolicTensor` (what :func:`Input` returns) runs
nothing: it records a node of the graph and returns the node's output tensor,
whose shape comes from the layer's ``compute_output_shape`` (so an ImageNet
model is built and summarised without allocating any activation).
:class:`Graph` collects the nodes between its inputs and outputs into a
:class:`~dlnotes.layers.base.Layer`, so :class:`~dlnotes.models.model.Model`
trains it like any other network.

Backpropagation visits the nodes in reverse topological order; where a
tensor feeds several layers (the shortcut of a residual block, the input of
an inception module's branches) their gradients are summed,

.. math::

    \frac{\partial J}{\partial a} = \sum_{k\,:\,a \to k} \frac{\partial J}{\partial a}\Big|_{k},

the multivariate chain rule.

Shapes: images are ``(None, n_H, n_W, n_C)`` and dense columns ``(n, None)``,
``None`` standing for the batch size ``m``.  A layer object may be called
once (its forward cache holds one call); a graph with a cycle, an output that
does not depend on the given inputs, or an input no output uses is refused
when the :class:`Graph` is built.
"""
from __future__ import annotations

import itertools

import numpy as np

from dlnotes._validation import check_float_array
from dlnotes.layers.base import Layer
from dlnotes.layers.serialization import deserialize_layer, serialize_layer

__all__ = ["Input", "SymbolicTensor", "Graph", "call_layer"]

_COUNTER = itertools.count()


def _fmt(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


class SymbolicTensor:
    """A placeholder for an array: its shape (``None`` = batch size), dtype and the
    node that computes it (``None`` for an :func:`Input`).

    Parameters
    ----------
    shape : tuple
        The array's shape, ``None`` for the batch size.
    dtype : numpy dtype
        float32 or float64.
    node : optional
        The graph node that computes the tensor (``None`` for an input).
    name : str, optional
        A display name (default: the layer's class and a counter).
    """

    _dlnotes_symbolic = True

    def __init__(self, shape, dtype, node=None, name=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.id = next(_COUNTER)
        self.name = name or (f"{type(node.layer).__name__}_{self.id}" if node else
                             f"input_{self.id}")

    def call_layer(self, layer, X):
        """``layer(X)`` for ``X`` this tensor or a list starting with it (see :func:`call_layer`).

        Parameters
        ----------
        layer : Layer
            The layer to call.
        X : SymbolicTensor or list of SymbolicTensor
            This tensor, or a list that starts with it.

        Returns
        -------
        SymbolicTensor
            The layer's output.
        """
        return call_layer(layer, X)

    def __repr__(self):
        return f"<SymbolicTensor {self.name} shape={_fmt(self.shape)} {self.dtype.name}>"


class _Node:
    __slots__ = ("layer", "inputs", "multi", "output", "id")

    def __init__(self, layer, inputs, multi, out_shape, dtype):
        self.layer = layer
        self.inputs = list(inputs)
        self.multi = multi
        self.id = next(_COUNTER)
        self.output = SymbolicTensor(out_shape, dtype, node=self)


def Input(shape, dtype=np.float64, name=None):
    """A graph input: ``shape`` without the batch size.

    ``(n_H, n_W, n_C)`` for images (the tensor's shape is ``(None, n_H, n_W, n_C)``);
    ``(n,)`` for dense columns (``(n, None)``, examples in columns).

    Parameters
    ----------
    shape : tuple of int
        The shape of one example: ``(n_H, n_W, n_C)`` or ``(n,)``.
    dtype : {numpy.float64, numpy.float32}, default numpy.float64
        dtype of the arrays fed to the graph.
    name : str, optional
        A display name.

    Returns
    -------
    SymbolicTensor
        With the batch size ``None`` in its shape.
    """
    shape = tuple(shape)
    if not shape or not all(isinstance(d, (int, np.integer)) and d >= 1 for d in shape):
        raise ValueError(f"Input shape must be positive integers without the batch size, got "
                         f"{shape}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"Input dtype must be float32 or float64, got {dtype}")
    full = (int(shape[0]), None) if len(shape) == 1 else (None,) + tuple(int(d) for d in shape)
    return SymbolicTensor(full, dtype, name=name)


def call_layer(layer, X):
    """Record ``layer(X)`` on symbolic tensor(s) ``X``; returns the output tensor.

    Parameters
    ----------
    layer : Layer
        A layer with :meth:`~dlnotes.layers.Layer.compute_output_shape`.
    X : SymbolicTensor or list of SymbolicTensor
        The input tensor(s).

    Returns
    -------
    SymbolicTensor
        The new tensor, computed by ``layer`` from ``X``.
    """
    multi = isinstance(X, (list, tuple))
    ins = list(X) if multi else [X]
    bad = [i for i, t in enumerate(ins) if not getattr(t, "_dlnotes_symbolic", False)]
    if bad:
        raise TypeError(f"calling {layer!r} on a list mixing symbolic tensors and arrays "
                        f"(entries {bad} are not symbolic tensors)")
    shapes = [list(t.shape) if multi else t.shape for t in ins]
    try:
        out = layer.compute_output_shape(shapes if multi else shapes[0])
    except (ValueError, TypeError, NotImplementedError) as exc:
        names = ", ".join(f"{t.name} {_fmt(t.shape)}" for t in ins)
        raise type(exc)(f"calling {layer!r} on {names}: {exc}") from None
    dtypes = {t.dtype for t in ins}
    return _Node(layer, ins, multi, out, max(dtypes, key=lambda d: d.itemsize)).output


def _as_list(x, what):
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if not xs:
        raise ValueError(f"{what} must not be empty")
    for i, t in enumerate(xs):
        if not getattr(t, "_dlnotes_symbolic", False):
            raise TypeError(f"{what}[{i}] must be a symbolic tensor (from Input() or a layer "
                            f"call), got {type(t).__name__}")
    return xs


class Graph(Layer):
    r"""The layers between ``inputs`` and ``outputs`` as one :class:`Layer`.

    ``forward(X)`` takes one array per input (a list for several) and returns
    one per output; ``backward(dY)`` returns the gradient of each input
    (``None`` where no layer computes it: a first ``Conv2D(input_grad=False)``
    also spares the parameter-free layers in front of it).  Parameters are named
    ``"<i>.<name>"``, ``i`` the layer's place in the topological order.

    Parameters
    ----------
    inputs : SymbolicTensor or list
        Tensors returned by :func:`Input`.
    outputs : SymbolicTensor or list
        Tensors computed from them by layer calls.
    name : str, optional
        A display name.

    Raises
    ------
    ValueError
        A cycle, an output that does not depend on the inputs (a disconnected
        graph), an unused input, or one layer object called twice.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__()
        self.inputs = _as_list(inputs, "inputs")
        self.outputs = _as_list(outputs, "outputs")
        self._multi_in = isinstance(inputs, (list, tuple))
        self._multi_out = isinstance(outputs, (list, tuple))
        self.name = name
        for i, t in enumerate(self.inputs):
            if t.node is not None:
                raise ValueError(f"inputs[{i}] ({t.name}) is computed by {t.node.layer!r}: "
                                 "graph inputs must come from Input()")
        if len({t.id for t in self.inputs}) != len(self.inputs):
            raise ValueError("the same Input is listed twice in inputs")
        self._nodes = self._topological_order()
        seen = {}
        for node in self._nodes:
            if id(node.layer) in seen:
                raise ValueError(f"{node.layer!r} is called twice in the graph; a layer keeps "
                                 "one forward cache, so use a new layer object per call")
            seen[id(node.layer)] = node
        # how many consumers each tensor has (outputs count once more): lets forward free
        # activations early
        self._uses = {}
        for node in self._nodes:
            for t in node.inputs:
                self._uses[t.id] = self._uses.get(t.id, 0) + 1
        for t in self.outputs:
            self._uses[t.id] = self._uses.get(t.id, 0) + 1
        unused = [i for i, t in enumerate(self.inputs) if t.id not in self._uses]
        if unused:
            raise ValueError(f"inputs {unused} are not connected to any output")
        self._cache = None

    def _topological_order(self):
        input_ids = {t.id for t in self.inputs}
        state, order = {}, []   # state: 1 = on the DFS stack, 2 = done
        for k, out in enumerate(self.outputs):
            stack = [(out, False)]
            while stack:
                t, expanded = stack.pop()
                node = t.node
                if node is None:
                    if t.id not in input_ids:
                        raise ValueError(f"outputs[{k}] ({out.name}) depends on {t.name} "
                                         f"{_fmt(t.shape)}, which is not among the graph's "
                                         "inputs: the graph is disconnected")
                    continue
                if expanded:
                    state[node.id] = 2
                    order.append(node)
                    continue
                s = state.get(node.id)
                if s == 2:
                    continue
                if s == 1:
                    raise ValueError(f"the graph has a cycle through {node.layer!r} "
                                     f"({node.output.name})")
                state[node.id] = 1
                stack.append((t, True))
                for src in reversed(node.inputs):
                    if src.node is not None and state.get(src.node.id) == 1:
                        raise ValueError(f"the graph has a cycle through {src.node.layer!r} "
                                         f"({src.name})")
                    stack.append((src, False))
        return order

    # -- Layer protocol ---------------------------------------------------------------------
    def named_children(self):
        return ((str(i), node.layer) for i, node in enumerate(self._nodes))

    def _check_inputs(self, X):
        Xs = list(X) if self._multi_in else [X]
        if self._multi_in and (not isinstance(X, (list, tuple)) or len(Xs) != len(self.inputs)):
            raise TypeError(f"this graph takes a list of {len(self.inputs)} arrays")
        out = []
        for i, (x, t) in enumerate(zip(Xs, self.inputs)):
            name = f"X[{i}]" if self._multi_in else "X"
            names = tuple("m" if d is None else f"dim{j}" for j, d in enumerate(t.shape))
            out.append(check_float_array(x, name, ndim=len(t.shape), shape=t.shape,
                                         shape_names=names, dtype=t.dtype))
        return out

    def forward(self, X, training=True):
        Xs = self._check_inputs(X)
        values = {t.id: x for t, x in zip(self.inputs, Xs)}
        left = dict(self._uses)
        for node in self._nodes:
            args = [values[t.id] for t in node.inputs]
            for t in node.inputs:
                left[t.id] -= 1
                if left[t.id] == 0:
                    del values[t.id]
            values[node.output.id] = node.layer.forward(args if node.multi else args[0],
                                                        training=training)
        self._cache = True
        outs = [values[t.id] for t in self.outputs]
        return outs if self._multi_out else outs[0]

    def backward(self, dY):
        if self._cache is None:
            raise RuntimeError("Graph.backward called before forward")
        dYs = list(dY) if self._multi_out else [dY]
        if len(dYs) != len(self.outputs):
            raise ValueError(f"dY must hold one gradient per output ({len(self.outputs)})")
        grads = {}

        def accumulate(t, g):
            if g is None:
                return
            prev = grads.get(t.id)
            grads[t.id] = g if prev is None else prev + g   # fan-out: sum

        for t, g in zip(self.outputs, dYs):
            accumulate(t, g)
        for node in reversed(self._nodes):
            g = grads.pop(node.output.id, None)
            if g is None:
                # every consumer skipped its input gradient (Conv2D(input_grad=False)): fine
                # for layers without parameters (the padding in front of a first conv)
                if next(node.layer.named_parameters(), None) is not None:
                    raise RuntimeError(f"no gradient reached {node.output.name}, the output of "
                                       f"{node.layer!r}, which has parameters: a layer after "
                                       "it was built with input_grad=False")
                continue
            dXs = node.layer.backward(g)
            if not node.multi:
                dXs = [dXs]
            for t, d in zip(node.inputs, dXs):
                accumulate(t, d)
        outs = [grads.get(t.id) for t in self.inputs]
        return outs if self._multi_in else outs[0]

    def compute_output_shape(self, input_shape):
        shapes = input_shape if self._multi_in else [input_shape]
        for i, (s, t) in enumerate(zip(shapes, self.inputs)):
            if tuple(s) != t.shape:
                raise ValueError(f"input {i} must have shape {_fmt(t.shape)}, got {_fmt(s)}")
        outs = [t.shape for t in self.outputs]
        return outs if self._multi_out else outs[0]

    # -- configuration ----------------------------------------------------------------------
    def get_config(self):
        ref = {t.id: i for i, t in enumerate(self.inputs)}
        k = len(self.inputs)
        for j, node in enumerate(self._nodes):
            ref[node.output.id] = k + j
        return {"inputs": [{"shape": [d for d in t.shape if d is not None],
                            "dtype": t.dtype.name} for t in self.inputs],
                "layers": [serialize_layer(node.layer) for node in self._nodes],
                "nodes": [[ref[t.id] for t in node.inputs] if node.multi
                          else ref[node.inputs[0].id] for node in self._nodes],
                "outputs": [ref[t.id] for t in self.outputs],
                "multi": [self._multi_in, self._multi_out]}

    @classmethod
    def from_config(cls, config):
        try:
            ins = [Input(tuple(d["shape"]), dtype=d["dtype"]) for d in config["inputs"]]
            tensors = list(ins)
            layers, nodes = config["layers"], config["nodes"]
            if not isinstance(layers, list) or not isinstance(nodes, list) \
                    or len(layers) != len(nodes):
                raise ValueError("'layers' and 'nodes' must be lists of equal length")
            for desc, refs in zip(layers, nodes):
                layer = deserialize_layer(desc)
                if isinstance(refs, list):
                    arg = [tensors[_ref(r, len(tensors))] for r in refs]
                else:
                    arg = tensors[_ref(refs, len(tensors))]
                tensors.append(call_layer(layer, arg))
            outs = [tensors[_ref(r, len(tensors))] for r in config["outputs"]]
            multi_in, multi_out = config.get("multi", [len(ins) > 1, len(outs) > 1])
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"bad Graph config ({type(exc).__name__}: {exc})") from None
        return cls(ins if multi_in else ins[0], outs if multi_out else outs[0])

    # -- display ------------------------------------------------------------------------------
    def summary(self, print_fn=None):
        """Keras-like table: layer, output shape, parameters (batch-norm statistics
        included), inputs; then total, trainable and non-trainable counts.

        Returns the text (and passes each line to ``print_fn`` if given).

        Parameters
        ----------
        print_fn : callable, optional
            Called with each line (e.g. ``print``).

        Returns
        -------
        str
            The table.
        """
        names = {t.id: "input" if len(self.inputs) == 1 else f"input_{k}"
                 for k, t in enumerate(self.inputs)}
        rows = [(f"{names[t.id]} (Input)", _fmt(t.shape), "0", "") for t in self.inputs]
        for i, node in enumerate(self._nodes):
            names[node.output.id] = f"{i}"
            rows.append((f"{i} {node.layer!r}", _fmt(node.output.shape),
                         f"{node.layer.count_params():,}",
                         ", ".join(names[t.id] for t in node.inputs)))
        head = ("layer", "output shape", "params", "inputs")
        w = [max(len(r[j]) for r in rows + [head]) for j in range(4)]
        fmt = f"{{:<{w[0]}}}  {{:<{w[1]}}}  {{:>{w[2]}}}  {{}}"
        total = self.count_params()
        trainable = sum(p.size for _, p in self.named_parameters(trainable_only=True))
        lines = [fmt.format(*head), "-" * (sum(w) + 6 + len(head[3]))]
        lines += [fmt.format(*r).rstrip() for r in rows]
        lines += ["-" * (sum(w) + 6 + len(head[3])),
                  f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}"]
        if print_fn is not None:
            for line in lines:
                print_fn(line)
        return "\n".join(lines)

    def __repr__(self):
        name = f"{self.name!r}, " if self.name else ""
        return (f"Graph({name}{len(self._nodes)} layers, inputs={[t.shape for t in self.inputs]},"
                f" outputs={[t.shape for t in self.outputs]})")


def _ref(r, n):
    if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < n:
        raise ValueError(f"tensor reference {r!r} must be an integer in [0, {n})")
    return r
