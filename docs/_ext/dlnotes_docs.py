"""Generated pages for the dlnotes docs.

Called from ``conf.py`` before Sphinx reads the sources, so that pages follow
the package as it grows:

* ``api/generated/<module>.rst``: one API page per public module of
  ``dlnotes`` (private ``_`` modules skipped).  Objects that a chapter page
  already documents with ``.. autofunction::`` / ``.. autoclass::`` get
  ``:no-index:`` here, so cross-references land on the chapter (where the
  formula is) and Sphinx never sees a duplicate description.
* ``_generated/chapter_status.inc``: which chapters have a page and code.
* ``_generated/errata_table.inc``: the 16 errata with links to the chapters.

Nothing here needs the network.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

# --------------------------------------------------------------------------
# The chapters of the notes, in order: (page stem, title, modules, notes section)
CHAPTERS = [
    ("01_basic_nn", "Basic neural networks", ["dlnotes.nn"], "Basic NN"),
    ("02_optimization", "Optimisation", ["dlnotes.optim"], "Basic NN (momentum, RMSprop, Adam, decay)"),
    ("03_cnn", "Convolutional networks", ["dlnotes.cnn"], "Computer vision / CNN"),
    ("04_architectures", "Classic CNN architectures", ["dlnotes.models"], "CNN (LeNet-5, AlexNet, VGG, ResNet, Inception)"),
    ("05_yolo", "Object detection (YOLO)", ["dlnotes.vision"], "YOLO"),
    ("06_face_recognition", "Face recognition", ["dlnotes.vision"], "Face recognition"),
    ("07_style_transfer", "Neural style transfer", ["dlnotes.vision"], "Neural style transfer"),
    ("08_rnn", "Recurrent networks: RNN, GRU, LSTM", ["dlnotes.rnn"], "RNN"),
    ("09_word_vectors", "Word vectors", ["dlnotes.nlp"], "NLP / Word2Vec"),
    ("10_attention", "Attention", ["dlnotes.rnn"], "NLP / Attention model"),
]

# (id, chapter stem, section, what the notes say, canonical form)
ERRATA = [
    ("E1", "08_rnn", "GRU candidate",
     r":math:`\tilde c=\tanh(W_c[\Gamma_r * \tanh(c^{<t-1>}), x^{<t>}]+b_c)`",
     r":math:`\tilde c=\tanh(W_c[\Gamma_r\odot c^{<t-1>};x^{<t>}]+b_c)` (no tanh on :math:`c^{<t-1>}`)"),
    ("E2", "08_rnn", "GRU reset gate",
     r":math:`\Gamma_r=\sigma(W_r[\cdot]+b_c)`",
     r":math:`\Gamma_r=\sigma(W_r[c^{<t-1>};x^{<t>}]+b_r)`"),
    ("E3", "08_rnn", "RNN backward :math:`db_a`",
     r":math:`da_{next} * \sum_{batch}(1-\tanh^2(\cdot))`",
     r":math:`\sum_{batch}\big(da_{next}\odot(1-a^{<t>2})\big)`, shape ``(n_a, 1)``"),
    ("E4", "08_rnn", "RNN backward :math:`dx`",
     r":math:`da_{next} * W_{ax}^T(1-\tanh^2)` (shapes do not conform)",
     r":math:`W_{ax}^T\big(da_{next}\odot(1-a^{<t>2})\big)`"),
    ("E5", "08_rnn", r"RNN backward :math:`da_{prev}`",
     r":math:`da_{next} * W_{aa}^T(1-\tanh^2)` (shapes conform, value wrong)",
     r":math:`W_{aa}^T\big(da_{next}\odot(1-a^{<t>2})\big)`"),
    ("E6", "08_rnn", r"RNN backward :math:`dW_{ax}, dW_{aa}`",
     "no brackets around the elementwise product; unbalanced parenthesis",
     r":math:`(da_{next}\odot(1-a^{<t>2}))\,x^{<t>T}` and :math:`(da_{next}\odot(1-a^{<t>2}))\,a^{<t-1>T}`"),
    ("E7", "08_rnn", r"LSTM backward :math:`da_{prev}`, :math:`dx`",
     r"both :math:`=\sum_k W_k^T d\gamma_k`",
     r":math:`da_{prev}=\sum_k W_k[:,{:}n_a]^T d\gamma_k`, :math:`dx=\sum_k W_k[:,n_a{:}]^T d\gamma_k`"),
    ("E8", "04_architectures", "LeNet-5 chain",
     r"conv2 gives :math:`10\times10\times10`; input :math:`32\times32\times3`; max pooling",
     r"conv2 gives :math:`10\times10\times16`; input :math:`32\times32\times1`; average pooling"),
    ("E9", "02_optimization", r"RMSprop :math:`\epsilon`",
     r":math:`W \mathrel{-}= \alpha\, dW/\sqrt{S_{dW}+\epsilon}`",
     r":math:`W \mathrel{-}= \alpha\, dW/(\sqrt{s_{dW}}+\epsilon)`"),
    ("E10", "09_word_vectors", "Equalize",
     r"denominator :math:`\lVert(e_{w1}-\mu_\perp)-\mu_B\rVert`, :math:`\sqrt{\lvert 1-\lVert\mu_\perp\rVert^2\rvert}`",
     r"denominator :math:`\lVert e_{w1B}-\mu_B\rVert`; unit-norm embeddings; no absolute value"),
    ("E11", "10_attention", "Attention softmax",
     r":math:`\sum_{t'=1}^{T x}\exp(e^{<t,t'>})` reuses the free index :math:`t'`",
     r":math:`\alpha^{<t,t'>}=\exp(e^{<t,t'>})/\sum_{t''=1}^{T_x}\exp(e^{<t,t''>})`"),
    ("E12", "01_basic_nn", "Logistic gradient",
     r":math:`\partial J/\partial w_1=\frac1m\sum_i \partial L/\partial w_i` (index clash)",
     r":math:`dw=\frac1m X(A-Y)^T`, :math:`db=\frac1m\sum_i(a^{(i)}-y^{(i)})`"),
    ("E13", "01_basic_nn", "Partial derivative",
     r":math:`\partial z/\partial x_1=f_1'+f_2'\,\partial x_2/\partial x_1`",
     r"that is the total derivative :math:`dz/dx_1`; the partial :math:`\partial z/\partial x_1` is :math:`f_1`"),
    ("E14", "02_optimization", "Tuning order",
     r"2: :math:`\beta, \beta_1, \beta_2`, #layers, mini-batch",
     r"1: :math:`\alpha`; 2: :math:`\beta`, #hidden units, mini-batch size; 3: #layers, LR decay"),
    ("E15", "03_cnn", "Conv backward sums",
     r":math:`dA \mathrel{+}= \sum_{h=0}^{n_H}\sum_{w=0}^{n_W} W_c\,dZ_{hw}` added to all of :math:`dA`",
     r"bounds to :math:`n_H-1`, add into the window at :math:`(hs, ws)`, sum over examples, crop the padding"),
    ("E16", "03_cnn", "``conv_forward`` code",
     r"``hparameters`` never defined (NameError)",
     r"``conv_forward(A_prev, W, b, hparameters)`` with ``{'stride', 'pad'}``; ``//`` not ``int(/)``"),
]

_DIRECTIVE = re.compile(r"^\s*\.\.\s+(auto(?:function|class|data|exception|method|attribute|module)|"
                        r"currentmodule|module|py:currentmodule|py:module)::\s*(\S+)")
_LABEL = re.compile(r"^\s*\.\.\s+_(erratum-e\d+):\s*$", re.IGNORECASE)


def public_modules(package="dlnotes"):
    """Importable public modules of ``package`` (any ``_`` component skipped)."""
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=package + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    mods = []
    for name in sorted(names):
        try:
            mods.append(importlib.import_module(name))
        except ImportError as exc:  # a half-landed module: say so, do not crash the docs
            print(f"[dlnotes_docs] cannot import {name}: {exc}")
    return mods


def public_members(mod):
    """(name, object) pairs that ``mod`` defines and exposes, in ``__all__`` order when given."""
    if hasattr(mod, "__all__"):
        names = list(mod.__all__)
    else:
        names = [n for n in vars(mod) if not n.startswith("_")]
    out = []
    for n in names:
        obj = getattr(mod, n, None)
        if obj is None or inspect.ismodule(obj):
            continue
        out.append((n, obj))
    return out


def defined_here(mod, obj):
    return getattr(obj, "__module__", mod.__name__) == mod.__name__ or not (
        inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj)
        or callable(obj))


def documented_in_pages(srcdir):
    """Full names that some hand-written page (chapters, top level) documents with auto* directives."""
    found = {}
    pages = list(Path(srcdir, "chapters").glob("*.rst")) + list(Path(srcdir).glob("*.rst"))
    pages += list(Path(srcdir, "performance").glob("*.rst"))
    for page in pages:
        current = None
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = _DIRECTIVE.match(line)
            if not m:
                continue
            kind, target = m.groups()
            if kind in ("currentmodule", "module", "py:currentmodule", "py:module"):
                current = None if target == "None" else target
                continue
            # the directive's options follow on indented lines
            opts = []
            for nxt in lines[i + 1:]:
                if nxt.strip().startswith(":"):
                    opts.append(nxt.strip())
                elif nxt.strip():
                    break
            if any(o.startswith((":no-index:", ":noindex:")) for o in opts):
                continue
            full = target if (target.startswith("dlnotes") or current is None) else f"{current}.{target}"
            if kind == "automodule":
                if any(o.startswith(":members:") for o in opts):
                    found.setdefault(full + ".*", page)
                continue
            found.setdefault(full, page)
    return found


def _title(text, char="="):
    return f"{text}\n{char * len(text)}\n"


def write_api_pages(srcdir):
    """Write ``api/generated/*.rst``; returns the list of module names written."""
    outdir = Path(srcdir, "api", "generated")
    outdir.mkdir(parents=True, exist_ok=True)
    elsewhere = documented_in_pages(srcdir)
    written = []
    modules = public_modules()
    public_names = {m.__name__ for m in modules}
    for mod in modules:
        name = mod.__name__
        lines = [f".. _api-{name}:", "", _title(f"``{name}``"), f".. automodule:: {name}",
                 "   :no-members:", "   :no-index:" if f"{name}.*" in elsewhere else "", ""]
        if hasattr(mod, "__path__"):
            subs = [f"{name}.{i.name}" for i in pkgutil.iter_modules(mod.__path__)
                    if not i.name.startswith("_")]
            if subs:
                lines += [".. rubric:: Submodules", ""]
                lines += [f"* :doc:`{s}`" for s in subs]
                lines.append("")
        members = public_members(mod)
        # Objects re-exported from a private module (``dlnotes.show_config`` comes from
        # ``dlnotes._config``) are documented here, under their public name.
        own = [(n, o) for n, o in members
               if defined_here(mod, o) or o.__module__ not in public_names]
        reexported = [(n, o) for n, o in members
                      if not defined_here(mod, o) and o.__module__ in public_names]
        if reexported:
            lines += [".. rubric:: Re-exported here", ""]
            for n, o in reexported:
                role = "class" if inspect.isclass(o) else "func"
                lines.append(f"* ``{name}.{n}``: :py:{role}:`{o.__module__}.{o.__qualname__}`")
            lines.append("")
        if own:
            lines += [".. rubric:: Summary", "", f".. currentmodule:: {name}", "",
                      ".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   {n}" for n, _ in own]
            lines.append("")
            for n, o in own:
                full = f"{name}.{n}"
                if inspect.isclass(o):
                    lines += [f".. autoclass:: {full}", "   :members:", "   :show-inheritance:"]
                elif callable(o):
                    lines += [f".. autofunction:: {full}"]
                else:
                    lines += [f".. autodata:: {full}", "   :no-value:"]
                if full in elsewhere or f"{name}.*" in elsewhere:
                    page = Path(elsewhere.get(full, elsewhere.get(f"{name}.*"))).stem
                    lines += ["   :no-index:", "", f"   Explained with its formula in :doc:`/chapters/{page}`"
                              if Path(srcdir, "chapters", page + ".rst").exists() else ""]
                lines.append("")
        text = "\n".join(lines).rstrip() + "\n"
        path = outdir / f"{name}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")  # unchanged files keep Sphinx's cache valid
        written.append(name)
    for stale in outdir.glob("*.rst"):
        if stale.stem not in written:
            stale.unlink()
    return written


def _module_exists(name):
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_chapter_status(srcdir):
    rows = []
    for stem, title, modules, section in CHAPTERS:
        page = Path(srcdir, "chapters", stem + ".rst").exists()
        present = [m for m in modules if _module_exists(m)]
        if page:
            status = "Page written"
            link = f":doc:`{title} <chapters/{stem}>`"
        elif present:
            status = "Code landed, page not written yet"
            link = title
        else:
            status = "**Not implemented yet**"
            link = title
        code = ", ".join(f":ref:`{m} <api-{m}>`" for m in present) or "none yet"
        rows.append((link, section, code, status))
    out = [".. list-table::", "   :header-rows: 1", "   :widths: 30 25 25 20", "",
           "   * - Chapter", "     - Section of the notes", "     - Code", "     - Status"]
    for r in rows:
        out.append(f"   * - {r[0]}")
        out += [f"     - {c}" for c in r[1:]]
    _write_if_changed(Path(srcdir, "_generated", "chapter_status.inc"), "\n".join(out) + "\n")


def erratum_labels(srcdir):
    """``erratum-eN`` labels defined in chapter pages."""
    labels = set()
    for page in Path(srcdir, "chapters").glob("*.rst"):
        for line in page.read_text(encoding="utf-8").splitlines():
            m = _LABEL.match(line)
            if m:
                labels.add(m.group(1).lower())
    return labels


def write_errata_table(srcdir):
    labels = erratum_labels(srcdir)
    titles = {stem: title for stem, title, _, _ in CHAPTERS}
    out = [".. list-table::", "   :header-rows: 1", "   :widths: 6 16 30 30 18", "",
           "   * - Id", "     - Section", "     - The notes say", "     - Canonical (implemented)",
           "     - Where"]
    for eid, stem, section, notes, canon in ERRATA:
        label = f"erratum-{eid.lower()}"
        if label in labels:
            where = f":ref:`{titles[stem]} <{label}>`"
        elif Path(srcdir, "chapters", stem + ".rst").exists():
            where = f":doc:`{titles[stem]} <chapters/{stem}>`"
        else:
            where = f"{titles[stem]} (page not written yet)"
        out += [f"   * - {eid}", f"     - {section}", f"     - {notes}", f"     - {canon}",
                f"     - {where}"]
    _write_if_changed(Path(srcdir, "_generated", "errata_table.inc"), "\n".join(out) + "\n")


def generate(srcdir):
    """Write every generated page; returns the API module names."""
    mods = write_api_pages(srcdir)
    write_chapter_status(srcdir)
    write_errata_table(srcdir)
    write_performance_toc(srcdir)
    return mods


def chapter_substitutions(srcdir):
    """``rst_epilog`` text defining ``|chapter-01|`` ... ``|chapter-10|``.

    A substitution links to the chapter page when it exists, and otherwise reads
    "<title> (not written yet)", so pages can refer to later chapters safely.
    """
    out = []
    for stem, title, _, _ in CHAPTERS:
        num = stem.split("_", 1)[0]
        if Path(srcdir, "chapters", stem + ".rst").exists():
            out.append(f".. |chapter-{num}| replace:: :doc:`{title} </chapters/{stem}>`")
        else:
            out.append(f".. |chapter-{num}| replace:: *{title}* (chapter not written yet)")
    return "\n" + "\n".join(out) + "\n"


def write_performance_toc(srcdir):
    """Toctree of ``performance/*.rst`` topic pages, or a sentence when there is none yet."""
    topics = sorted(p.stem for p in Path(srcdir, "performance").glob("*.rst") if p.stem != "index")
    if topics:
        text = ".. toctree::\n   :maxdepth: 1\n   :glob:\n\n   *\n"
    else:
        text = ("No topic page has been written yet: the benchmark tables appear here as the "
                "kernels' pages land (``docs/performance/<topic>.rst``).\n")
    _write_if_changed(Path(srcdir, "_generated", "performance_toc.inc"), text)


def missing_chapter_packages():
    """The chapter packages named in :data:`CHAPTERS` that do not import (yet)."""
    names = sorted({m for _, _, mods, _ in CHAPTERS for m in mods})
    return [m for m in names if not _module_exists(m)]
