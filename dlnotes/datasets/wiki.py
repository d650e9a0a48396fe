r"""Real text for word2vec, read from the files that ship inside gensim's wheel.

gensim (a test and benchmark peer, not a dependency: ``pip install gensim``) carries in
``gensim/test/test_data``:

* ``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``: 206 English
  Wikipedia pages (6 MB of XML, about 460,000 tokens after :func:`tokenize_wiki`);
* ``questions-words.txt``: Mikolov et al.'s 19,544 analogy questions in 14 sections;
* ``wordsim353.tsv``: the WordSimilarity-353 pairs with mean human scores (0-10).

The package is located without being imported, and nothing is downloaded.
"""
from __future__ import annotations

import bz2
import html
import importlib.util
import os
import re

from dlnotes._validation import check_scalar

__all__ = ["gensim_test_data", "tokenize_wiki", "load_wiki_sentences", "load_questions_words",
           "load_wordsim353"]

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)
_REF = re.compile(r"<ref[^>]*/>|<ref.*?</ref>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]+>")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_MEDIA = re.compile(r"\[\[(?:File|Image|Category):[^\]]*\]\]")
_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_WORD = re.compile(r"[a-z]+")


def gensim_test_data(name):
    """Path of ``name`` in ``gensim/test/test_data`` of the installed gensim.

    Parameters
    ----------
    name : str
        File name in gensim's test data (e.g. ``"questions-words.txt"``).

    Returns
    -------
    str
        The file's path.

    Raises
    ------
    ImportError
        If gensim is not installed, or the file is missing.
    """
    spec = importlib.util.find_spec("gensim")
    if spec is None or spec.origin is None:
        raise ImportError("the Wikipedia extract and the word2vec test sets ship in gensim's "
                          "wheel: pip install gensim")
    path = os.path.join(os.path.dirname(spec.origin), "test", "test_data", name)
    if not os.path.exists(path):
        raise ImportError(f"gensim is installed but {path} is missing")
    return path


def tokenize_wiki(wikitext):
    """Lower-cased alphabetic tokens of 2-15 letters from one article's wiki markup.

    References, comments, HTML tags, templates (three levels of nesting) and
    file/category links are removed; ``[[target|label]]`` keeps the label.  Like gensim's
    ``WikiCorpus`` tokenizer, minus its finer markup rules.

    Parameters
    ----------
    wikitext : str
        One article's wiki markup.

    Returns
    -------
    list of str
        The tokens, in order.
    """
    t = html.unescape(wikitext)
    t = _TAG.sub(" ", _COMMENT.sub(" ", _REF.sub(" ", t)))
    for _ in range(3):
        t = _TEMPLATE.sub(" ", t)
    t = _LINK.sub(r"\1", _MEDIA.sub(" ", t))
    return [w for w in _WORD.findall(t.lower()) if 2 <= len(w) <= 15]


def load_wiki_sentences(max_len=10000):
    """The Wikipedia extract as a list of token lists, one per page (articles and redirects).

    Parameters
    ----------
    max_len : int
        Pages longer than this are cut into pieces of at most ``max_len`` tokens
        (gensim's trainer truncates longer "sentences" at 10,000 words; cutting keeps every
        token for both).

    Returns
    -------
    list of list of str
    """
    max_len = check_scalar(max_len, "max_len", low=1, integer=True)
    with bz2.open(gensim_test_data(WIKI), "rt", encoding="utf-8") as fh:
        xml = fh.read()
    out = []
    for text in _TEXT.findall(xml):
        toks = tokenize_wiki(text)
        out.extend(toks[i:i + max_len] for i in range(0, len(toks), max_len))
    return [s for s in out if s]


def load_questions_words():
    """Analogy questions ``a b c d`` ("a is to b as c is to d") of ``questions-words.txt``.

    Returns
    -------
    list of (section, a, b, c, d)
        Words lower-cased (gensim's ``case_insensitive=True``).
    """
    out, section = [], None
    with open(gensim_test_data("questions-words.txt"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            parts = line.lower().split()
            if len(parts) == 4:
                out.append((section, *parts))
    return out


def load_wordsim353():
    """WordSimilarity-353: ``(word1, word2, human score)`` triples, words lower-cased.

    Returns
    -------
    list of (str, str, float)
        The 353 pairs and their mean human scores (0 to 10).
    """
    out = []
    with open(gensim_test_data("wordsim353.tsv"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.strip().split("\t")
            if len(parts) == 3:
                out.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
    return out
