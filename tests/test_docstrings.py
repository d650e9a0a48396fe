"""Every public function has a docstring; every formula of the notes is in a ``.. math::`` block.

Public API: every module of ``dlnotes`` whose dotted name has no ``_``-prefixed
part, and in it the names listed in ``__all__`` (or, without ``__all__``, the
names not starting with ``_``) that are functions or classes defined in a
``dlnotes`` module.

numpydoc validation: :func:`numpydoc.validate.validate` runs over the public API and
the documented public methods of its classes, with the checks that ``docs/conf.py``
turns on for the docs build (``numpydoc_validation_checks``, read from that file, so
the build and this test cannot drift apart).

Formula API: the public functions and classes of the chapter packages
(:data:`FORMULA_PACKAGES`) implement the notes' formulas, so their docstrings
must carry a ``.. math::`` block (for a class, the class docstring or one of
its public methods).  Utilities that compute no formula of the notes (data
plumbing, dispatchers, drivers) are listed in :data:`NO_FORMULA` with the
reason; the list must stay small.  (Entries are not required to exist: the chapter
packages are written concurrently, and a renamed utility must not break CI.)  Formula functions
whose block is still missing are listed in :data:`KNOWN_MISSING_MATH` and
reported as XFAIL until their owners add it.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import pkgutil
import re

import pytest

import dlnotes

#: The chapter packages: their public functions implement formulas of the notes.
FORMULA_PACKAGES = ("dlnotes.nn", "dlnotes.optim", "dlnotes.cnn", "dlnotes.rnn",
                    "dlnotes.vision", "dlnotes.nlp")

#: Public objects of the chapter packages that compute no formula of the notes: reason.
NO_FORMULA = {
    # the date translator's driver and file I/O (the model's formulas are on DateTranslator)
    "dlnotes.nlp.date_translation.translate_date": "driver",
    "dlnotes.nlp.date_translation.save_translator": "file I/O",
    "dlnotes.nlp.date_translation.load_translator": "file I/O",
    # dispatch by name to the activation functions, which carry the formulas
    "dlnotes.nn.activations.activation_forward": "dispatcher",
    "dlnotes.nn.activations.activation_backward": "dispatcher",
    # flattening parameter dicts to vectors for gradient checking (course helpers)
    "dlnotes.nn.gradcheck.dictionary_to_vector": "reshaping helper",
    "dlnotes.nn.gradcheck.vector_to_dictionary": "reshaping helper",
    "dlnotes.nn.gradcheck.gradients_to_vector": "reshaping helper",
    "dlnotes.nn.gradcheck.GradCheckResult": "result record",
    "dlnotes.nn.deep.LayerCache": "record of a layer's forward cache",
    "dlnotes.nn.diagnostics.BiasVariance": "result record (the formula is in diagnose_bias_variance)",
    # CNN: architecture tables (shape chains and parameter counts, checked by tests)
    "dlnotes.cnn.architectures.Architecture": "result record (layer table)",
    "dlnotes.cnn.architectures.ShapeTracker": "bookkeeping helper",
    "dlnotes.cnn.architectures.lenet5": "architecture table",
    "dlnotes.cnn.architectures.alexnet": "architecture table",
    "dlnotes.cnn.architectures.vgg16": "architecture table",
    "dlnotes.cnn.architectures.resnet50": "architecture table",
    "dlnotes.cnn.architectures.inception_v3": "architecture table",
    # NLP: data plumbing, drivers and records
    "dlnotes.nlp.word2vec.build_vocab": "data plumbing",
    "dlnotes.nlp.word2vec.skipgram_pairs": "data plumbing",
    "dlnotes.nlp.word2vec.Word2Vec": "result record",
    "dlnotes.nlp.word2vec.train_word2vec": "training driver",
    "dlnotes.nlp.word_vectors.make_toy_embeddings": "example data",
    "dlnotes.nlp.dates.format_date": "data generation (date formatting)",
    "dlnotes.nlp.dates.make_date_dataset": "data generation",
    "dlnotes.nlp.dates.string_to_int": "data plumbing",
    # optimisation: state initialisation (zeros), factories, base classes, search drivers
    "dlnotes.optim.functional.initialize_velocity": "zero state",
    "dlnotes.optim.functional.initialize_rmsprop": "zero state",
    "dlnotes.optim.functional.initialize_adam": "zero state",
    "dlnotes.optim.minibatch.mini_batch_indices": "index plumbing",
    "dlnotes.optim.optimizers.Optimizer": "base class",
    "dlnotes.optim.optimizers.get_optimizer": "factory",
    "dlnotes.optim.schedules.Schedule": "base class",
    "dlnotes.optim.schedules.ConstantLR": "constant",
    "dlnotes.optim.schedules.ManualSchedule": "table lookup",
    "dlnotes.optim.schedules.as_schedule": "argument coercion",
    "dlnotes.optim.search.Distribution": "base class",
    "dlnotes.optim.search.IntUniform": "plain sampling",
    "dlnotes.optim.search.Choice": "plain sampling",
    "dlnotes.optim.search.sample_hyperparameters": "search driver",
    "dlnotes.optim.search.random_search": "search driver",
    "dlnotes.optim.search.SearchResults": "result record",
    "dlnotes.optim.search.coarse_to_fine": "search driver",
    # vision: algorithms and pipelines without a closed formula, reshaping, drivers
    "dlnotes.vision.boxes.non_max_suppression": "greedy algorithm (stated in prose)",
    "dlnotes.vision.boxes.yolo_non_max_suppression": "greedy algorithm (stated in prose)",
    "dlnotes.vision.boxes.yolo_eval": "pipeline",
    "dlnotes.vision.nms.non_max_suppression": "greedy algorithm (stated in prose)",
    "dlnotes.vision.nms.yolo_non_max_suppression": "greedy algorithm (stated in prose)",
    "dlnotes.vision.nms.yolo_eval": "pipeline",
    "dlnotes.nn.losses.get_loss": "dispatcher (name or loss object -> function)",
    "dlnotes.vision.style.unroll": "reshaping helper",
    "dlnotes.vision.style_transfer.neural_style_transfer": "optimisation driver",
}

#: Functions that implement a formula of the notes but whose docstring has no
#: ``.. math::`` block yet, as ``name: reason`` (reported as strict XFAIL, so
#: adding the block makes the entry fail until it is deleted).  Empty: keep it so.
KNOWN_MISSING_MATH = {
}

#: Known docstring gaps in files the docs helper may not edit, as
#: ``name: reason``: xfail(strict=True), so an entry must be deleted as soon as the
#: docstring is written.  Empty: keep it that way.
KNOWN_MISSING_DOCSTRING = {
}


def _public_modules():
    names = ["dlnotes"]
    for info in pkgutil.walk_packages(dlnotes.__path__, prefix="dlnotes."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


MODULES = _public_modules()


def _public_home(defined_in, name, obj, default):
    """The public package above a private module, when it exports ``obj`` as ``name``."""
    parts = defined_in.split(".")
    public = ".".join(parts[:next(i for i, p in enumerate(parts) if p.startswith("_"))]) \
        if any(p.startswith("_") for p in parts) else defined_in
    if public in MODULES and getattr(importlib.import_module(public), name, None) is obj:
        return public
    return default


def _public_objects(modname):
    mod = importlib.import_module(modname)
    names = list(getattr(mod, "__all__", [n for n in vars(mod) if not n.startswith("_")]))
    out = []
    for name in names:
        obj = getattr(mod, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isroutine(obj)):
            continue  # constants and tables (ACTIVATIONS) are documented by their module
        defined_in = getattr(obj, "__module__", "") or ""
        if not defined_in.startswith("dlnotes"):
            continue  # re-exported NumPy/typing helpers are not ours to document
        # report an object once, under the module that defines it, or for an object of a
        # private module (dlnotes.cnn.augment._geometric) under the public package above it
        home = defined_in if defined_in in MODULES else _public_home(defined_in, name, obj, modname)
        if home != modname:
            continue
        out.append((f"{modname}.{name}", obj))
    return out


PUBLIC = [item for m in MODULES for item in _public_objects(m)]
FORMULA = [(n, o) for n, o in PUBLIC
           if n.startswith(tuple(p + "." for p in FORMULA_PACKAGES)) and n not in NO_FORMULA]


def _doc(obj):
    return inspect.getdoc(obj) or ""


def test_public_api_found():
    """The walk sees the Basic NN chapter, so the tests below are not vacuous."""
    names = {n for n, _ in PUBLIC}
    assert "dlnotes.nn.activations.sigmoid" in names
    assert "dlnotes.nn.gradcheck.gradient_check_n" in names
    assert len(FORMULA) >= 10


@pytest.mark.parametrize("modname", MODULES)
def test_module_has_docstring(modname):
    mod = importlib.import_module(modname)
    assert (mod.__doc__ or "").strip(), f"module {modname} has no docstring"


def _known(name):
    reason = KNOWN_MISSING_DOCSTRING.get(name)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@pytest.mark.parametrize("name,obj", [pytest.param(n, o, id=n, marks=_known(n)) for n, o in PUBLIC])
def test_public_object_has_docstring(name, obj):
    doc = _doc(obj)
    if inspect.isclass(obj):
        # getdoc() would inherit the base class's text, and @dataclass invents
        # "Name(field: type, ...)" for an undocumented class: neither counts.
        doc = inspect.cleandoc(obj.__doc__ or "")
        if doc.startswith(obj.__name__ + "("):
            doc = ""
    assert doc.strip(), f"public {name} has no docstring"
    # a docstring is more than its own name: at least a one-line summary sentence
    assert len(doc.split()) >= 3, f"the docstring of {name} is too short: {doc!r}"


def _has_math_block(doc):
    return ".. math::" in doc


def _known_math(name):
    reason = KNOWN_MISSING_MATH.get(name)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@pytest.mark.parametrize("name,obj",
                         [pytest.param(n, o, id=n, marks=_known_math(n)) for n, o in FORMULA])
def test_formula_function_has_math_block(name, obj):
    docs = [_doc(obj)]
    if inspect.isclass(obj):
        docs += [_doc(m) for n, m in inspect.getmembers(obj)
                 if not n.startswith("_") and callable(m)]
    assert any(_has_math_block(d) for d in docs), (
        f"{name} implements a formula of the notes, so its docstring needs a `.. math::` "
        f"block (or add it to NO_FORMULA in tests/test_docstrings.py with the reason)")


def test_math_blocks_are_raw_strings():
    """A ``.. math::`` docstring with a backslash must be ``r\"\"\"``: ``"\\frac"`` is a form feed."""
    bad = [n for n, o in PUBLIC if _has_math_block(_doc(o))
           and any(c in _doc(o) for c in "\f\a\b\v")]
    assert not bad, f"docstrings with control characters (missing r prefix?): {bad}"


# --------------------------------------------------------------------------- numpydoc validation
CONF = pathlib.Path(__file__).resolve().parents[1] / "docs" / "conf.py"


def _conf_value(name, default):
    """A literal setting of ``docs/conf.py`` (the docs build's numpydoc configuration)."""
    for node in ast.parse(CONF.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    return default


VALIDATION_CHECKS = _conf_value("numpydoc_validation_checks", set())
VALIDATION_OVERRIDES = {code: re.compile("|".join(patterns)) for code, patterns
                        in _conf_value("numpydoc_validation_overrides", {}).items()}
VALIDATION_EXCLUDE = _conf_value("numpydoc_validation_exclude", set())


def _documented_methods(name, cls):
    """Public methods and properties a class defines itself with a docstring (what the
    docs' ``autoclass :members:`` renders; an undocumented override is not rendered)."""
    out = []
    for attr, member in vars(cls).items():
        if attr.startswith("_"):
            continue
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if not (inspect.isfunction(func) or isinstance(func, property)):
            continue
        if (func.__doc__ or "").strip():
            out.append(f"{name}.{attr}")
    return out


VALIDATED = [n for name, obj in PUBLIC
             for n in [name] + (_documented_methods(name, obj) if inspect.isclass(obj) else [])]


def test_numpydoc_validation_is_on():
    """The docs build validates the sections that matter, and the walk below is not vacuous."""
    assert {"PR01", "PR02", "PR03", "PR04", "RT01", "YD01"} <= VALIDATION_CHECKS
    assert len(VALIDATED) > len(PUBLIC) >= 300


@pytest.mark.parametrize("name", VALIDATED)
def test_numpydoc_validation(name):
    """Every parameter documented (with a type, in order, none unknown) and a Returns or
    Yields section wherever something is returned or yielded."""
    if any(re.search(pattern, name) for pattern in VALIDATION_EXCLUDE):
        pytest.xfail("listed in numpydoc_validation_exclude of docs/conf.py")
    from numpydoc.validate import validate

    report = validate(name)
    errors = [f"{code}: {msg}" for code, msg in report["errors"]
              if code in VALIDATION_CHECKS
              and not (code in VALIDATION_OVERRIDES
                       and VALIDATION_OVERRIDES[code].search(report["docstring"]))]
    assert not errors, f"{name} ({report['file']}:{report['file_line']}):\n" + "\n".join(errors)


def test_fill_doc_indents_pieces_and_rejects_unknown_names():
    """Shared docstring pieces (dlnotes._docstrings) land indented like the line they replace,
    on functions and classmethods alike; a piece the docstring names but nobody gave is an error."""
    from dlnotes._docstrings import fill_doc

    piece = "\nx : int\n    The value.\n"

    class Holder:
        @fill_doc(X=piece)
        @classmethod
        def build(cls, x):
            """Build.

            Parameters
            ----------
            %(X)s
            """

    @fill_doc(X=piece)
    def f(x):
        """F.

        Parameters
        ----------
        %(X)s
        """

    for doc in (f.__doc__, Holder.build.__doc__):
        lines = doc.splitlines()
        i = next(k for k, line in enumerate(lines) if line.strip() == "x : int")
        assert lines[i + 1] == lines[i].replace("x : int", "    The value.")
        assert "%(" not in doc

    def g():
        """G.

        %(X)s
        """

    with pytest.raises(KeyError):
        fill_doc(Y=piece)(g)
