"""Sphinx configuration for the dlnotes documentation.

Build (from the repository root, after ``python setup.py build_ext --inplace``)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

Everything is offline: MathJax 3 comes from the ``sphinx-mathjax-offline``
package and is copied into ``_build/html/_static/mathjax``; the theme ships its
own fonts and icons; intersphinx is not used.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Import dlnotes from the source tree (kernels built in place), ahead of any installed copy.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

try:
    import dlnotes  # noqa: E402
    from dlnotes._kernels import activations as _compiled  # noqa: E402,F401
except ImportError as exc:  # pragma: no cover - a clear message instead of 50 autodoc warnings
    raise RuntimeError(
        "dlnotes (with its compiled kernels) must be importable to build the docs: run "
        "`python setup.py build_ext --inplace` in the repository root first "
        f"(or install the package). Import error: {exc}") from exc

import dlnotes_docs  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "dlnotes"
author = "the dlnotes authors"
copyright = "2026, the dlnotes authors"
release = dlnotes.__version__
version = ".".join(release.split(".")[:2])

# -- Generated pages (API per module, chapter status, errata table) ----------
API_MODULES = dlnotes_docs.generate(DOCS)
# |chapter-01| ... |chapter-10|: a link when the chapter page exists, plain text otherwise.
rst_epilog = dlnotes_docs.chapter_substitutions(DOCS)

# -- Extensions --------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",      # bundles MathJax 3.2.2 (hyphenated name is the module name)
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "_generated", "_ext", "**.ipynb_checkpoints",
                    "auto_examples/*.py", "auto_examples/*.ipynb", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.codeobj.json"]
templates_path = []
root_doc = "index"
language = "en"
today_fmt = "%Y-%m-%d"

# Strict cross-references inside dlnotes: a :func:`dlnotes.x.y` that points at
# nothing fails the -W build.  Targets outside dlnotes (numpy, builtins) cannot
# resolve without intersphinx, which needs the network, so they are ignored.
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(?!dlnotes\b).*")]
# Private modules (dlnotes._kernels.conv, dlnotes.optim._rules) are not part of the API docs.
nitpick_ignore_regex += [(r"py:.*", r"dlnotes(\.\w+)*\._\w+.*")]
# A reference into a chapter package that has not landed yet renders as plain code (no
# link) instead of failing; as soon as the package exists, its references are strict.
nitpick_ignore_regex += [(r"py:.*", re.escape(m) + r"(\..*)?")
                         for m in dlnotes_docs.missing_chapter_packages()]

# -- autodoc / autosummary / numpydoc ----------------------------------------
autodoc_default_options = {}
autodoc_typehints = "none"          # the numpydoc Parameters section carries the types and shapes
autodoc_member_order = "bysource"
autosummary_generate = False         # API pages are written by docs/_ext/dlnotes_docs.py
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# numpydoc validation of every docstring the docs render (tests/test_docstrings.py runs the
# same checks over the public API): every parameter documented with a type, in the signature's
# order, none unknown; Returns / Yields sections for whatever returns or yields.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR04", "PR06", "PR10", "RT01", "YD01"}
# numpydoc drops a first argument named ``cls`` as if it were a classmethod's, then reports the
# documented ``cls`` of register_layer (a plain function taking a class) as unknown.
numpydoc_validation_overrides = {"PR02": [r"Register a layer class under"]}
# models/classic.py is being split into models/blocks.py and models/small_resnet.py on another
# branch (arch2): its docstrings wait for that merge (no conflicting edits), then this goes.
numpydoc_validation_exclude = set()

# -- Math: MathJax 3, served from _static/mathjax (sphinx-mathjax-offline) ---
mathjax3_config = {
    "tex": {"tags": "ams", "macros": {"R": r"\mathbb{R}"}},
    "chtml": {"displayAlign": "center"},
}

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": "True",
    "download_all_examples": False,
    "write_computation_times": False,   # its page loads jQuery/DataTables from a CDN
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "min_reported_time": 1,
    "show_memory": False,
    "show_signature": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"dlnotes {release}"
html_static_path = ["_static"]
html_css_files = ["dlnotes.css"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_depth": 3,
    "use_edit_page_button": False,
    "header_links_before_dropdown": 8,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"],
                 # single pages: no section navigation, give the width to the content
                 "index": [], "install": [], "conventions": [], "errata": []}


# -- Small build hooks ---------------------------------------------------------
def _mark_notes_differ(app, doctree):
    """Give every "Where the notes differ" admonition the ``notes-differ`` class (red bar, CSS)."""
    from docutils import nodes

    for node in doctree.findall(nodes.admonition):
        titles = [c for c in node.children if isinstance(c, nodes.title)]
        if titles and titles[0].astext().strip().lower().startswith("where the notes differ"):
            node["classes"].append("notes-differ")


def setup(app):
    app.connect("doctree-read", _mark_notes_differ)
