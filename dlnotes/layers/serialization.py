r"""Saving and rebuilding layers: the registry of layer classes and the JSON descriptions.

A layer is described by ``{"class": "<module>.<qualname>", "config": {...}}``
(plus ``"trainable": false`` for a frozen one), ``config`` being its
:meth:`~dlnotes.layers.Layer.get_config`.  Every subclass of
:class:`~dlnotes.layers.base.Layer` registers itself here when it is defined;
:func:`deserialize_layer` looks the class up and calls its ``from_config``.
Descriptions may come from untrusted files, so they are checked before
anything is allocated.  This module does not import the layers (they import it).
"""
from __future__ import annotations

import contextvars
import json

__all__ = ["register_layer", "layer_class", "serialize_layer", "deserialize_layer",
           "config_dim", "MAX_DEPTH"]

#: ``"<module>.<qualname>" -> class`` of every Layer subclass defined so far.
_REGISTRY = {}


def _class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def register_layer(cls, name=None):
    """Register a layer class under ``name`` (default ``"<module>.<qualname>"``).

    Subclasses register themselves when they are defined; this is only needed
    for an extra name (a class that moved, for files written before the move).
    Usable as a decorator.

    Parameters
    ----------
    cls : type
        A subclass of :class:`~dlnotes.layers.base.Layer`.
    name : str, optional
        The name to register it under.

    Returns
    -------
    type
        ``cls``.
    """
    if not (isinstance(cls, type) and callable(getattr(cls, "from_config", None))):
        raise TypeError(f"only Layer subclasses can be registered, got {cls!r}")
    _REGISTRY[name or _class_name(cls)] = cls
    return cls


def layer_class(name):
    """The registered :class:`~dlnotes.layers.base.Layer` subclass called ``name``.

    Parameters
    ----------
    name : str
        ``"<module>.<qualname>"``, as in a :func:`serialize_layer` description.

    Returns
    -------
    type

    Raises
    ------
    ValueError
        If no class of that name has been defined (or registered).
    """
    cls = _REGISTRY.get(name)
    if cls is None:
        raise ValueError(f"unknown layer class {name!r}: import the module that defines it "
                         "(or register it with dlnotes.layers.register_layer) before loading")
    return cls


def serialize_layer(layer):
    """JSON-able description ``{"class": "<module>.<name>", "config": {...}}`` of a layer.

    ``"trainable": false`` is added for a frozen layer.

    Parameters
    ----------
    layer : dlnotes.layers.base.Layer
        Any layer or container whose class defines ``get_config``.

    Returns
    -------
    dict
        JSON-able; :func:`deserialize_layer` rebuilds the layer from it.
    """
    if not callable(getattr(layer, "get_config", None)):
        raise TypeError(f"layer must be a Layer, got {type(layer).__name__}")
    cfg = layer.get_config()
    try:
        json.dumps(cfg)
    except TypeError as exc:
        raise TypeError(f"{type(layer).__name__}.get_config() is not JSON-serialisable: "
                        f"{exc}") from None
    desc = {"class": _class_name(type(layer)), "config": cfg}
    if not layer.trainable:
        desc["trainable"] = False
    return desc


#: Nesting of containers accepted by :func:`deserialize_layer` (model files are untrusted).
MAX_DEPTH = 64
_LIMITS = contextvars.ContextVar("dlnotes_layer_limits", default=None)


def config_dim(config, key):
    """``config[key]`` checked to be a non-negative integer.

    For :meth:`~dlnotes.layers.Layer.declared_size`, on configs read from files.

    Parameters
    ----------
    config : dict
        A layer's :meth:`Layer.get_config` output, possibly from an untrusted file.
    key : str

    Returns
    -------
    int
    """
    v = config.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"layer config {key!r} must be a non-negative integer, got {v!r}")
    return v


def deserialize_layer(desc, *, max_parameters=None):
    """Rebuild a layer from :func:`serialize_layer` output (parameters freshly initialised).

    Descriptions may come from untrusted files, so they are checked before
    anything is allocated: containers nest at most :data:`MAX_DEPTH` deep, and
    with ``max_parameters`` the parameters the layers declare
    (:meth:`~dlnotes.layers.Layer.declared_size`) may not exceed it (a forged 10^10-wide layer
    is refused, not allocated).  Also reads the first file format's container
    form ``{"class": ..., "layers": [...]}``.

    Parameters
    ----------
    desc : dict
        A :func:`serialize_layer` description.
    max_parameters : int, optional
        The most parameters the description may declare.

    Returns
    -------
    Layer

    Raises
    ------
    ValueError
        For a malformed description, an unknown class or a limit exceeded.
    """
    limits = _LIMITS.get()
    if limits is not None:  # a container rebuilding its children
        return _deserialize(desc, limits)
    token = _LIMITS.set({"depth": 0, "budget": max_parameters})
    try:
        return _deserialize(desc, _LIMITS.get())
    finally:
        _LIMITS.reset(token)


def _deserialize(desc, limits):
    if limits["depth"] > MAX_DEPTH:
        raise ValueError(f"layer description nested deeper than {MAX_DEPTH} levels")
    if not isinstance(desc, dict) or not isinstance(desc.get("class"), str):
        raise ValueError(f"bad layer description {str(desc)[:200]} (needs a 'class' string)")
    cls = layer_class(desc["class"])
    cfg = desc.get("config")
    if cfg is None and "layers" in desc:  # format 1: containers kept their children here
        cfg = {"layers": desc["layers"]}
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise ValueError(f"layer config must be a dict, got {str(cfg)[:200]}")
    if limits["budget"] is not None:
        limits["budget"] -= cls.declared_size(cfg)
        if limits["budget"] < 0:
            raise ValueError("the architecture declares more parameters than the file stores")
    limits["depth"] += 1
    try:
        layer = cls.from_config(dict(cfg))
    finally:
        limits["depth"] -= 1
    layer.trainable = bool(desc.get("trainable", True))
    return layer
