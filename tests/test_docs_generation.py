"""The generated parts of the docs (docs/_ext/dlnotes_docs.py), without running Sphinx.

The generator decides which API entries are indexed where; a mistake there is a
duplicate-object warning (a failed ``sphinx -W`` build) or a dead link, so the
rules are pinned here on a throw-away source tree.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("dlnotes_docs", DOCS / "_ext" / "dlnotes_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def srcdir(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "performance").mkdir()
    (tmp_path / "chapters" / "01_basic_nn.rst").write_text(
        ".. _erratum-e12:\n\nTitle\n=====\n\n"
        ".. autofunction:: dlnotes.nn.activations.sigmoid\n\n"
        ".. currentmodule:: dlnotes.nn.activations\n\n"
        ".. autofunction:: tanh\n\n"
        ".. autofunction:: relu\n   :no-index:\n\n"
        ".. autoclass:: dlnotes.layers.Dense\n", encoding="utf-8")
    (tmp_path / "chapters" / "02_optimization.rst").write_text(
        "Optimisation\n============\n\nRMSprop\n-------\n\n"
        ".. admonition:: Where the notes differ (erratum E9)\n\n   text\n", encoding="utf-8")
    return tmp_path


def test_documented_in_pages_follows_currentmodule_and_no_index(gen, srcdir):
    found = gen.documented_in_pages(srcdir)
    assert "dlnotes.nn.activations.sigmoid" in found
    assert "dlnotes.nn.activations.tanh" in found          # relative to currentmodule
    assert "dlnotes.nn.activations.relu" not in found      # :no-index: leaves it to the API page
    assert "dlnotes.layers.Dense" in found


def _directives(text):
    """(directive, full name, no-index?) for each object description in a generated page."""
    out = []
    blocks = re.split(r"\n(?=\.\. )", text)
    for block in blocks:
        m = re.match(r"\.\. (autofunction|autoclass|autodata|py:function|py:class|py:exception)::"
                     r" (\S+)(?:\n   :module: (\S+))?", block)
        if m:
            kind, name, module = m.groups()
            full = f"{module}.{name}" if module else name
            out.append((kind, full, ":no-index:" in block))
    return out


def test_api_pages_index_each_name_once(gen, srcdir):
    modules = gen.write_api_pages(srcdir)
    assert "dlnotes.nn.activations" in modules and "dlnotes.layers" in modules
    assert not any(m.split(".")[-1].startswith("_") for m in modules)
    indexed = {}
    for page in (srcdir / "api" / "generated").glob("*.rst"):
        for kind, full, noindex in _directives(page.read_text(encoding="utf-8")):
            if not noindex:
                assert full not in indexed, f"{full} indexed in {page.name} and {indexed[full]}"
                indexed[full] = page.name
    chapter = gen.documented_in_pages(srcdir)
    # what a chapter documents is never indexed a second time by the API pages
    assert not set(chapter) & set(indexed)
    # the rest of the Basic NN API is indexed on the API pages
    assert "dlnotes.nn.activations.relu" in indexed
    assert "dlnotes.nn.deep.L_model_forward" in indexed
    # a re-exported class: documented under its public path, aliased at the defining path
    assert "dlnotes.layers.base.Dense" in indexed
    # dlnotes.nn re-exports the chapter, so its page is the public home of the functions
    text = (srcdir / "api" / "generated" / "dlnotes.nn.rst").read_text()
    assert "Explained with its formula in :doc:`/chapters/01_basic_nn`" in text


def test_status_errata_and_substitutions(gen, srcdir):
    gen.write_chapter_status(srcdir)
    status = (srcdir / "_generated" / "chapter_status.inc").read_text()
    assert ":doc:`Basic neural networks <chapters/01_basic_nn>`" in status
    assert status.count("   * - ") == 1 + len(gen.CHAPTERS)

    gen.write_errata_table(srcdir)
    errata = (srcdir / "_generated" / "errata_table.inc").read_text()
    assert len(gen.ERRATA) == 16
    assert ":ref:`chapter 1 <erratum-e12>`" in errata          # label present: direct link
    assert ":doc:`chapter 1 <chapters/01_basic_nn>`" in errata  # E13: page link only
    assert "chapter 8 (no page yet)" in errata                  # no RNN page in this tree
    # no label, but a "Where the notes differ (erratum E9)" box: link to its section
    assert "`chapter 2 <chapters/02_optimization.html#rmsprop>`__" in errata

    subs = gen.chapter_substitutions(srcdir)
    assert ".. |chapter-01| replace:: :doc:`Basic neural networks </chapters/01_basic_nn>`" in subs
    assert ".. |chapter-08| replace:: *Recurrent networks: RNN, GRU, LSTM* (chapter not written yet)" \
        in subs

    gen.write_performance_toc(srcdir)
    assert "No topic page" in (srcdir / "_generated" / "performance_toc.inc").read_text()
    (srcdir / "performance" / "conv.rst").write_text("Conv\n====\n")
    gen.write_performance_toc(srcdir)
    assert ":glob:" in (srcdir / "_generated" / "performance_toc.inc").read_text()
