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
    ("04_architectures", "Classic CNN architectures", ["dlnotes.cnn.architectures", "dlnotes.models.lenet",
                                                       "dlnotes.models.classic"],
     "CNN (LeNet-5, AlexNet, VGG, ResNet, Inception)"),
    ("05_yolo", "Object detection (YOLO)", ["dlnotes.vision.boxes", "dlnotes.vision.yolo",
                                            "dlnotes.vision.detection_metrics",
                                            "dlnotes.models.yolo"], "YOLO"),
    ("06_face_recognition", "Face recognition", ["dlnotes.vision.face", "dlnotes.models.face_encoder"],
     "Face recognition"),
    ("07_style_transfer", "Neural style transfer", ["dlnotes.vision.style"], "Neural style transfer"),
    ("08_rnn", "Recurrent networks: RNN, GRU, LSTM", ["dlnotes.rnn"], "RNN"),
    ("09_word_vectors", "Word vectors", ["dlnotes.nlp.word_vectors", "dlnotes.nlp.word2vec"], "NLP / Word2Vec"),
    ("10_attention", "Attention", ["dlnotes.nlp.attention"], "NLP / Attention model"),
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
    """(name, object) pairs that ``mod`` exposes: its ``__all__``, or else the public names it defines."""
    if hasattr(mod, "__all__"):
        names = list(mod.__all__)
        explicit = True
    else:
        names = [n for n in vars(mod) if not n.startswith("_")]
        explicit = False
    out = []
    for n in names:
        obj = getattr(mod, n, None)
        if obj is None or inspect.ismodule(obj):
            continue
        if not explicit and _is_code(obj) and getattr(obj, "__module__", None) != mod.__name__:
            continue  # imported helpers of a module without __all__ are not its API
        if not explicit and not _is_code(obj):
            continue  # constants of a module without __all__: not advertised
        out.append((n, obj))
    return out


def _is_code(obj):
    return inspect.isclass(obj) or inspect.isroutine(obj) or callable(obj)


def _resolve(full):
    """The object a dotted name points to, or None."""
    parts = full.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def documented_in_pages(srcdir):
    """Full names that some hand-written page documents (and indexes) with auto* directives."""
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
            opts = []  # the options: indented lines up to the first blank one (an option's
            for nxt in lines[i + 1:]:  # value may continue on further indented lines)
                if not nxt.strip() or not nxt[:1].isspace():
                    break
                if nxt.strip().startswith(":"):
                    opts.append(nxt.strip())
            if any(o.startswith((":no-index:", ":noindex:")) for o in opts):
                continue
            full = target if (target.startswith("dlnotes") or current is None) else f"{current}.{target}"
            if kind == "automodule":
                if any(o.startswith(":members:") for o in opts):
                    mod = _resolve(full)
                    for n, _ in (public_members(mod) if inspect.ismodule(mod) else []):
                        found.setdefault(f"{full}.{n}", page)
                    found.setdefault(full, page)
                else:
                    found.setdefault(full, page)
                continue
            found.setdefault(full, page)
    return found


def _title(text, char="="):
    return f"{text}\n{char * len(text)}\n"


def _homes(modules):
    """id(object) -> (home module, name): the shortest public path that exports it.

    ``dlnotes.layers.Dense`` (re-exported by the package) is the home of the class
    defined in ``dlnotes.layers.base``; a name exported by no package lives where
    it is defined.
    """
    homes = {}
    for mod in modules:
        for n, o in public_members(mod):
            if not _is_code(o):
                continue
            key = id(o)
            cand = (mod.__name__, n)
            old = homes.get(key)
            if old is None or (len(cand[0].split(".")), cand[0]) < (len(old[0].split(".")), old[0]):
                homes[key] = cand
    return homes


def _alias_directive(o):
    if inspect.isclass(o):
        return "py:exception" if issubclass(o, BaseException) else "py:class"
    return "py:function"


def write_api_pages(srcdir):
    """Write ``api/generated/*.rst``; returns the list of module names written."""
    outdir = Path(srcdir, "api", "generated")
    outdir.mkdir(parents=True, exist_ok=True)
    elsewhere = documented_in_pages(srcdir)
    # objects a chapter explains, whatever the path it used -> chapter page
    chapter_of = {}
    for full, page in elsewhere.items():
        obj = _resolve(full)
        if obj is not None and _is_code(obj) and Path(page).parent.name == "chapters":
            chapter_of.setdefault(id(obj), Path(page).stem)
    modules = public_modules()
    homes = _homes(modules)
    written = []
    for mod in modules:
        name = mod.__name__
        lines = [f".. _api-{name}:", "", _title(f"``{name}``"), f".. automodule:: {name}",
                 "   :no-members:"]
        if name in elsewhere:
            lines.append("   :no-index:")
        lines.append("")
        if hasattr(mod, "__path__"):
            subs = [f"{name}.{i.name}" for i in pkgutil.iter_modules(mod.__path__)
                    if not i.name.startswith("_")]
            if subs:
                lines += [".. rubric:: Submodules", ""]
                lines += [f"* :doc:`{s}`" for s in subs]
                lines.append("")
        members = public_members(mod)
        own = [(n, o) for n, o in members
               if not _is_code(o) or homes.get(id(o)) == (name, n)]
        aliases = [(n, o) for n, o in members if _is_code(o) and homes.get(id(o)) != (name, n)]
        if own:
            lines += [".. rubric:: Summary", "", f".. currentmodule:: {name}", "",
                      ".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   {n}" for n, _ in own]
            lines.append("")
            for n, o in own:
                full = f"{name}.{n}"
                if inspect.isclass(o):
                    lines += [f".. autoclass:: {full}", "   :members:"]
                elif _is_code(o):
                    lines += [f".. autofunction:: {full}"]
                else:
                    lines += [f".. autodata:: {full}", "   :no-value:"]
                if full in elsewhere:
                    lines.append("   :no-index:")
                chapter = chapter_of.get(id(o)) if _is_code(o) else None
                if chapter:
                    lines += ["", f"   Explained with its formula in :doc:`/chapters/{chapter}`."]
                lines.append("")
        if aliases:
            lines += [".. rubric:: Also importable from here", ""]
            for n, o in aliases:
                home_mod, home_name = homes[id(o)]
                target = f"{home_mod}.{home_name}"
                role = "class" if inspect.isclass(o) else "func"
                if f"{name}.{n}" in elsewhere:
                    lines += [f"* ``{n}``: see :py:{role}:`{target}`", ""]
                    continue
                lines += [f".. {_alias_directive(o)}:: {n}", f"   :module: {name}",
                          "   :no-index-entry:", "",
                          f"   Documented as :py:{role}:`{target}`.", ""]
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


_UNDERLINE = re.compile(r"^([=\-~^\"'`+*#:.])\1+\s*$")


def _make_id(text):
    """The HTML id docutils gives a section title (``docutils.nodes.make_id``)."""
    try:
        from docutils.nodes import make_id
    except ImportError:  # pragma: no cover - docutils comes with Sphinx
        import unicodedata

        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = re.sub(r"[^a-z0-9]+", "-", text.lower())
        return re.sub(r"^[^a-z]+", "", text).strip("-")
    return make_id(text)


def erratum_sections(srcdir):
    """``eN -> (page stem, section id)`` for chapter admonitions titled like
    "Where the notes differ (erratum E9)": the section that holds the box."""
    found = {}
    for page in sorted(Path(srcdir, "chapters").glob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        section = None
        for i, line in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if (line.strip() and not line.startswith((" ", ".."))
                    and _UNDERLINE.match(nxt) and len(nxt.strip()) >= len(line.strip())):
                title = line.strip()
                section = None if ("`" in title or ":" in title) else _make_id(title)
                continue
            m = re.match(r"^\s*\.\.\s+admonition::\s*(.*)$", line)
            if m and "where the notes differ" in m.group(1).lower() and section:
                for eid in re.findall(r"\bE(\d{1,2})\b", m.group(1)):
                    found.setdefault(f"e{int(eid)}", (page.stem, section))
    return found


def write_errata_table(srcdir):
    labels = erratum_labels(srcdir)
    sections = erratum_sections(srcdir)
    short = {stem: f"chapter {int(stem[:2])}" for stem, _, _, _ in CHAPTERS}
    out = [".. list-table::", "   :header-rows: 1", "   :widths: 16 33 33 18", "   :class: errata-table", "",
           "   * - Erratum", "     - The notes say", "     - Canonical (implemented)",
           "     - Where"]
    for eid, stem, section, notes, canon in ERRATA:
        label = f"erratum-{eid.lower()}"
        if label in labels:
            where = f":ref:`{short[stem]} <{label}>`"
        elif eid.lower() in sections and sections[eid.lower()][0] == stem:
            page, anchor = sections[eid.lower()]
            # a plain relative link to the section; check_site.py verifies the anchor exists
            where = f"`{short[stem]} <chapters/{page}.html#{anchor}>`__"
        elif Path(srcdir, "chapters", stem + ".rst").exists():
            where = f":doc:`{short[stem]} <chapters/{stem}>`"
        else:
            where = f"{short[stem]} (no page yet)"
        out += [f"   * - **{eid}** {section}", f"     - {notes}", f"     - {canon}",
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
