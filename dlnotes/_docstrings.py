"""Shared pieces of numpydoc docstrings.

A parameter that several functions of a module take (the upstream gradient of the
activations' backward passes, the decoder weights of attention, ...) is described
once, as a module constant, and each docstring names it on a line of its own::

    _DA = '''
    dA : ndarray, shape of ``Z``
        Gradient of the cost with respect to the activation's output.
    '''

    @fill_doc(DA=_DA)
    def relu_backward(dA, Z):
        r'''Backward pass of relu.

        Parameters
        ----------
        %(DA)s
        '''

The piece replaces the whole line, indented like it, so ``__doc__`` (which Sphinx,
numpydoc's validator and ``help()`` read) is an ordinary numpydoc docstring.  SciPy's
``doccer`` and matplotlib's ``_docstring`` do the same.
"""
from __future__ import annotations

import re
import textwrap

_SLOT = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(**pieces):
    """Decorator: replace each line ``%(name)s`` of the docstring with ``pieces[name]``.

    Parameters
    ----------
    **pieces : str
        Docstring text by name; it is dedented, then indented like the line it replaces.

    Returns
    -------
    callable
        The decorator, which returns the function, class, classmethod or staticmethod with
        its ``__doc__`` filled.

    Raises
    ------
    KeyError
        If the docstring names a piece that was not given (a typo must not reach the docs).
    """
    def fill(match):
        indent, name = match.groups()
        text = textwrap.dedent(pieces[name]).strip("\n")
        return "\n".join(indent + line if line else "" for line in text.splitlines())

    def decorate(obj):
        func = getattr(obj, "__func__", obj)  # a classmethod or staticmethod: its function
        func.__doc__ = _SLOT.sub(fill, func.__doc__)
        if func is not obj:
            obj.__doc__ = func.__doc__
        return obj

    return decorate
