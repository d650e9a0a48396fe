"""The package's floors hold: no import runs upwards, and no two modules import each other.

Every ``import`` statement of every module is read (module level and inside
functions alike: a deferred import is still a dependency), resolved to the
dlnotes module it names, and checked against the floors of ``docs/conventions.rst``::

    0  dlnotes._kernels.*                                   compiled loops
    1  dlnotes._validation, _threads, _config, _docstrings,   private helpers, data
       datasets
    2  nn, cnn, rnn, vision, nlp; optim's functional side   the notes' functions
    3  layers; optim.optimizers (and the optim package)     stateful objects
    4  models                                               architectures, training
    5  cli, __main__, the dlnotes package itself            user-facing

A module may import its own floor or a lower one.  The walk reads the
sources as text (``ast``), so it also covers modules that are not imported
by the tests.
"""
import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parents[1] / "dlnotes"

FLOORS = [  # (module prefix, floor); the longest matching prefix wins
    ("dlnotes._kernels", 0),
    ("dlnotes._validation", 1), ("dlnotes._threads", 1), ("dlnotes._config", 1),
    ("dlnotes._docstrings", 1),
    ("dlnotes._version", 1),
    ("dlnotes.datasets", 1),
    ("dlnotes.nn", 2), ("dlnotes.cnn", 2), ("dlnotes.rnn", 2), ("dlnotes.vision", 2),
    ("dlnotes.nlp", 2),
    ("dlnotes.nlp.date_translation", 4),  # the attention model: layers + optimizer, like models
    ("dlnotes.vision.style_transfer", 4),  # feature extractor of layers + optimiser, like models
    ("dlnotes.vision.extractors", 4),  # style transfer's feature extractors, built of layers
    ("dlnotes.optim", 3),  # the package re-exports the optimizer objects
    ("dlnotes.optim._rules", 2), ("dlnotes.optim._decay", 2), ("dlnotes.optim.functional", 2),
    ("dlnotes.optim.minibatch", 2), ("dlnotes.optim.schedules", 2), ("dlnotes.optim.search", 2),
    ("dlnotes.layers", 3), ("dlnotes.optim.optimizers", 3),
    ("dlnotes.models", 4),
    ("dlnotes.cli", 5), ("dlnotes._cli_jobs", 5), ("dlnotes.__main__", 5), ("dlnotes", 5),
]


def floor(module):
    best = None
    for prefix, level in FLOORS:
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, level)
    assert best is not None, f"{module} has no floor: add it to FLOORS"
    return best[1]


def _module_name(path):
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    """``{module name: path}`` of the package's Python and Cython sources."""
    out = {}
    for path in sorted(PKG.rglob("*")):
        if path.suffix in (".py", ".pyx", ".pxd") and "__pycache__" not in path.parts:
            out.setdefault(_module_name(path), path)
    return out


MODULES = _modules()


def _is_package(module):
    return MODULES.get(module, pathlib.Path()).name == "__init__.py"


def _resolve(importer, node):
    """dlnotes modules named by one import statement."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "dlnotes"]
    if node.level:
        base = importer.split(".")
        base = base[:len(base) - node.level + (1 if _is_package(importer) else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "dlnotes":
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in MODULES else target)
    return out


def _cython_imports(path):
    """``cimport``/``import`` lines of a .pyx file that name dlnotes modules."""
    out = []
    for line in path.read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("from", "import", "cimport") \
                and words[1].startswith("dlnotes"):
            out.append(words[1].rstrip(","))
    return out


def import_graph():
    """``{module: {imported dlnotes module: first line number}}``."""
    graph = {}
    for module, path in MODULES.items():
        edges = {}
        if path.suffix in (".pyx", ".pxd"):
            for target in _cython_imports(path):
                edges.setdefault(target, 0)
        else:
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for target in _resolve(module, node):
                        edges.setdefault(target, node.lineno)
        edges.pop(module, None)
        graph[module] = edges
    return graph


GRAPH = import_graph()


def test_the_walk_sees_the_package():
    assert "dlnotes.layers.base" in GRAPH and "dlnotes.models.model" in GRAPH
    assert "dlnotes.nn.activations" in GRAPH["dlnotes.layers.base"]
    assert all(m in MODULES for edges in GRAPH.values() for m in edges), \
        "an import names a dlnotes module that does not exist"


def test_no_import_runs_upwards():
    bad = [f"{MODULES[m].relative_to(PKG.parent)}:{line} imports {t} "
           f"(floor {floor(t)} above {m}'s floor {floor(m)})"
           for m, edges in GRAPH.items() for t, line in edges.items() if floor(t) > floor(m)]
    assert not bad, "upward imports:\n" + "\n".join(bad)


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checks_catch_what_they_look_for():
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == \
        [["a", "b", "c"]]
    assert floor("dlnotes.layers.base") > floor("dlnotes.nn.activations") > \
        floor("dlnotes._kernels.activations")
    assert floor("dlnotes.optim.functional") < floor("dlnotes.optim.optimizers")
    with pytest.raises(AssertionError, match="no floor"):
        floor("numpy")


MAX_LINES = 450  # issue 11: a module longer than this does more than one job


def test_no_module_over_450_lines():
    """Every source file of the package (Python, Cython and the kernels' C headers) stays
    at or under MAX_LINES lines: split a module by job before it grows past it."""
    long = {str(p.relative_to(PKG)): n for p in sorted(PKG.rglob("*"))
            if p.suffix in (".py", ".pyx", ".pxd", ".h")
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
